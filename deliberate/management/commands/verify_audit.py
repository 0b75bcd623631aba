"""`python manage.py verify_audit [--assembly SLUG]`: re-check every assembly's audit log and moderation log.

Detects an edit made directly in the database: stored bytes that no longer hash to their recorded hash,
an entry removed, inserted or reordered, or columns that disagree with the document they hashed.
"""

from django.core.management.base import BaseCommand, CommandError

from assemblies.audit import services as audit
from assemblies.debates.models import ModerationEntry
from assemblies.membership.models import Assembly
from polls.core import moderation_log


class Command(BaseCommand):
    help = "Verify the hash chains of the audit and moderation logs of every assembly (or one); exit 1 on any problem."

    def add_arguments(self, parser):
        parser.add_argument("--assembly", help="only this assembly (its slug)")

    def handle(self, *args, assembly=None, **options):
        assemblies = Assembly.objects.order_by("slug")
        if assembly:
            assemblies = assemblies.filter(slug=assembly)
            if not assemblies.exists():
                raise CommandError(f"No assembly {assembly!r}.")
        problems = []
        for each in assemblies:
            found = [f"{each.slug}: audit {p}" for p in audit.problems_of(each.pk)]
            moderation = (
                ModerationEntry.objects.filter(assembly=each).order_by("number").values_list("document", "entry_hash")
            )
            found += [
                f"{each.slug}: moderation {p}"
                for p in moderation_log.verify_chain(
                    (bytes(document), entry_hash) for document, entry_hash in moderation
                )
            ]
            if not found:
                self.stdout.write(
                    f"{each.slug}: {each.audit_log.count()} audit and {len(moderation)} moderation entries verify."
                )
            problems += found
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} problem(s) found.", returncode=1)
