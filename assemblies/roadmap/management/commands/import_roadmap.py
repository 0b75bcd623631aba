"""`python manage.py import_roadmap FILE --assembly SLUG`: a plain-text or Markdown roadmap becomes version 1."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assemblies.common.errors import DomainError
from assemblies.membership.models import Assembly
from assemblies.roadmap.services import roadmap as roadmap_services


class Command(BaseCommand):
    help = "Import a roadmap document into an assembly: headings become spaces, numbered points items."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the roadmap, as plain text or Markdown (UTF-8); - for stdin")
        parser.add_argument("--assembly", required=True, help="the assembly's short name (slug)")
        parser.add_argument("--reason", default="Imported from the source document.")

    def handle(self, *args, file, assembly, reason, **options):
        try:
            assembly_obj = Assembly.objects.get(slug=assembly)
        except Assembly.DoesNotExist:
            raise CommandError(f"No assembly has the short name {assembly!r}.") from None
        try:
            text = self.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        try:
            version = roadmap_services.import_roadmap(
                assembly=assembly_obj, text=text, by=None, now=timezone.now(), reason=reason
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        document = roadmap_services.document_of(version)
        items = sum(len(section["items"]) for section in document["sections"])
        self.stdout.write(
            f"Imported version {version.number} of {assembly_obj.slug}: {len(document['sections'])} spaces, "
            f"{items} items; hash {version.content_hash}"
        )
        for warning in document["provenance"].get("warnings", []):
            self.stdout.write(f"  warning: {warning}")
