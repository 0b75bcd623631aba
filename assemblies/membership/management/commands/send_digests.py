"""`python manage.py send_digests`: email the daily digest to those who chose it (run once a day)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from assemblies.membership.services.notifications import send_daily_digests


class Command(BaseCommand):
    help = "Email each daily-digest reader the notifications not yet emailed to them."

    def handle(self, *args, **options):
        sent = send_daily_digests(now=timezone.now())
        self.stdout.write(f"Sent {sent} digest(s).")
