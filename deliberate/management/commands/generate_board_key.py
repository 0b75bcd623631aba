from django.core.management.base import BaseCommand

from deliberate import env


class Command(BaseCommand):
    help = "Print a new board signing key for DELIBERATE_BOARD_KEY (keep it secret, and back it up)."

    def handle(self, *args, **options):
        self.stdout.write(env.new_board_key())
