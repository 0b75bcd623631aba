"""`python manage.py close_due_polls`: close every open poll past its closing time (run it from cron)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from polls import services


class Command(BaseCommand):
    help = "Close the open polls whose closing time has passed, publishing their results."

    def handle(self, *args, **options):
        closed = services.close_due_polls(now=timezone.now())
        for poll in closed:
            self.stdout.write(f"Closed {poll.public_id}: {poll.title}")
        if not closed:
            self.stdout.write("No poll was due to close.")
