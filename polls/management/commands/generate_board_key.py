import secrets
from datetime import date

from django.core.management.base import BaseCommand

from polls.core.signing import dump_board_key, generate_board_key


class Command(BaseCommand):
    help = "Print a new board signing key for DELIBERATE_BOARD_KEY (keep it secret, and back it up)."

    def handle(self, *args, **options):
        kid = f"board-{date.today():%Y%m%d}-{secrets.token_hex(2)}"
        self.stdout.write(dump_board_key(generate_board_key(kid)))
