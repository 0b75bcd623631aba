"""`python manage.py export_board POLL_ID -o FILE`: the board exactly as stored, one line each + newline."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from polls import selectors


class Command(BaseCommand):
    help = "Write a poll's board (deliberate-board/1 JSON Lines) byte for byte, to a file or standard output."

    def add_arguments(self, parser):
        parser.add_argument("poll_id", help="the poll's public id, e.g. p-abcdefghij")
        parser.add_argument("-o", "--output", default="-", help="the file to write (default: standard output)")

    def handle(self, *args, poll_id, output, **options):
        poll = selectors.poll_by_public_id(poll_id)
        if poll is None:
            raise CommandError(f"There is no poll {poll_id}.")
        if output == "-":
            out, close = sys.stdout.buffer, False
        else:
            try:
                out, close = open(output, "wb"), True
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error.strerror}") from None
        lines = 0
        try:
            for line in selectors.board_bytes(poll):
                out.write(line)
                lines += 1
        finally:
            if close:
                out.close()
        if close:
            self.stderr.write(f"Wrote {lines} lines of {poll_id} to {output}.")
