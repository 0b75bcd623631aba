"""`python manage.py verify_roadmap [--assembly SLUG]`: re-check every stored roadmap version.

Detects an edit made directly in the database: stored bytes that no longer hash to their recorded hash,
a broken parent link, a gap in the numbers, or query rows (VersionItem) that disagree with the document.
"""

from django.core.management.base import BaseCommand, CommandError

from assemblies.roadmap.core.versioning import (
    InvalidVersionDocument,
    document_from_bytes,
    verify_chain,
)
from assemblies.roadmap.models import Roadmap, RoadmapVersion, VersionItem


class Command(BaseCommand):
    help = "Verify the hash chain of every roadmap (or one assembly's); exit 1 on any problem."

    def add_arguments(self, parser):
        parser.add_argument("--assembly", help="only this assembly's roadmap (its slug)")

    def handle(self, *args, assembly=None, **options):
        roadmaps = Roadmap.objects.select_related("assembly").order_by("assembly__slug")
        if assembly:
            roadmaps = roadmaps.filter(assembly__slug=assembly)
            if not roadmaps.exists():
                raise CommandError(f"No roadmap for the assembly {assembly!r}.")
        problems = []
        for roadmap in roadmaps:
            problems += [f"{roadmap.assembly.slug}: {p}" for p in self.problems_of(roadmap)]
            if not problems:
                self.stdout.write(f"{roadmap.assembly.slug}: {roadmap.versions.count()} versions verify.")
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} problem(s) found.", returncode=1)

    def problems_of(self, roadmap):
        versions = list(RoadmapVersion.objects.filter(roadmap=roadmap).order_by("number"))
        documents, hashes, problems = [], [], []
        previous = None
        for version in versions:
            try:
                document = document_from_bytes(bytes(version.document))
            except InvalidVersionDocument as error:
                problems.append(f"version {version.number}: stored document is not valid: {error}")
                continue
            if document["number"] != version.number:
                problems.append(f"version {version.number}: its document says number {document['number']}")
            documents.append(document)
            hashes.append(version.content_hash)
            problems += self.links_disagree(version, document, previous)
            previous = version
            problems += self.rows_disagree(version, document)
        problems += [error.message for error in verify_chain(documents, stored_hashes=hashes)]
        if versions and roadmap.head_id != versions[-1].pk:
            problems.append(f"the current version is not the last one (v{versions[-1].number})")
        return problems

    def links_disagree(self, version, document, previous):
        """The parent columns (which the pages follow) must say what the hashed document says."""
        if version.parent_hash != (document.get("parent_hash") or ""):
            return [f"version {version.number}: its stored parent hash differs from its document's"]
        if version.parent_id != (previous.pk if previous is not None else None):
            return [f"version {version.number}: its parent link does not point at the version before it"]
        return []

    def rows_disagree(self, version, document):
        expected = [
            (item["ref"], item["text"], item["priority"])
            for section in document["sections"]
            for item in section["items"]
        ]
        stored = list(
            VersionItem.objects.filter(version=version)
            .order_by("position")
            .values_list("item__ref", "text", "priority")
        )
        if stored != expected:
            return [f"version {version.number}: its item rows differ from its document"]
        return []
