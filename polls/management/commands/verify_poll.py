"""`python manage.py verify_poll POLL_ID`: re-verify a stored board against the database and the board key.

Runs the standalone verifier's checks (polls.core.board.verify_board) on the stored lines, pins the
configured board key, and compares the board with what the database says about it: fingerprint, head,
number of ballots, published result, and the columns copied out of each line (entry hash, sequence, type,
and a ballot's credential, nonce and tracker, which receipts and look-ups are served from). Exits 1 with
the line and the reason on any mismatch (for example a line edited directly in the database).
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from polls import selectors, services
from polls.core.board import entry_hash, tracker, verify_board
from polls.core.canonical import JSONFormatError, canonical_text, parse_json
from polls.models import BoardLine, Poll


class Command(BaseCommand):
    help = "Re-verify a poll's stored board (every check of the spec) against the database; exit 1 on any problem."

    def add_arguments(self, parser):
        parser.add_argument("poll_id", help="the poll's public id")

    def handle(self, *args, poll_id, **options):
        poll = selectors.poll_by_public_id(poll_id)
        if poll is None:
            raise CommandError(f"There is no poll {poll_id}.")
        if poll.status == Poll.Status.DRAFT:
            self.stdout.write(f"{poll_id} is a draft: its board is empty.")
            return
        lines = list(selectors.board_bytes(poll))
        report = verify_board(lines, board_key=services.board_key().public, allow_open=poll.status == Poll.Status.OPEN)
        problems = [(line, why) for line, why in report.errors]
        problems += self._against_database(poll, lines, report)
        problems += self._columns_against_lines(poll)
        if problems:
            for line, why in problems:
                where = f"line {line}" if line is not None else "board"
                self.stderr.write(f"{poll_id}: {where}: {why}")
            self.stderr.write(f"{poll_id}: INVALID")
            sys.exit(1)
        state = "open" if report.open else "closed"
        self.stdout.write(
            f"{poll_id}: VALID ({state}; {report.lines} lines, {report.counts['ballots']} ballots, "
            f"{report.counts['counted']} counted; head {report.head})"
        )

    def _columns_against_lines(self, poll):
        """The columns copied out of each line (receipts, revotes and tracker look-ups read them) must say
        what the line says."""
        problems = []
        rows = (
            BoardLine.objects.filter(poll=poll)
            .order_by("seq")
            .values_list("seq", "type", "data", "entry_hash", "cred", "nonce", "tracker")
        )
        for seq, kind, data, digest, cred, nonce, tracker_code in rows.iterator(chunk_size=1000):
            data = bytes(data)
            if digest != entry_hash(data + b"\n"):
                problems.append((seq, "the entry hash stored beside this line is not the line's hash"))
            try:
                entry = parse_json(data)
            except JSONFormatError:
                continue  # the verifier names this line already
            if not isinstance(entry, dict) or entry.get("seq") != seq or entry.get("type") != kind:
                problems.append((seq, "the sequence number or type stored beside this line differs from the line"))
                continue
            if kind == BoardLine.Type.BALLOT:
                body = entry.get("body")
                expected = (body.get("cred"), body.get("nonce"), tracker(body)) if isinstance(body, dict) else None
                if expected != (cred, nonce, tracker_code):
                    problems.append((seq, "the credential, nonce or tracker stored beside this ballot differs from it"))
        return problems

    def _against_database(self, poll, lines, report):
        problems = []
        last = len(lines) - 1
        if report.fp is not None and report.fp != poll.fingerprint:
            problems.append(
                (0, f"the database's fingerprint {poll.fingerprint} is not the entry hash of line 0 ({report.fp})")
            )
        if report.valid and report.head != poll.head:
            problems.append(
                (last, f"the database's head {poll.head} is not the entry hash of the last line ({report.head})")
            )
        if last != poll.last_seq:
            problems.append((None, f"the database counts {poll.last_seq + 1} lines, the board has {len(lines)}"))
        if report.valid and report.counts["ballots"] != poll.ballot_count:
            problems.append(
                (None, f"the database counts {poll.ballot_count} ballots, the board has {report.counts['ballots']}")
            )
        if poll.status == Poll.Status.CLOSED and report.valid:
            found = next((i for i, line in enumerate(lines) if entry_hash(line) == poll.result_entry), None)
            if found is None:
                problems.append((None, "the database's result entry is not the entry hash of any line"))
            else:
                entry = parse_json(lines[found][:-1])
                if entry["type"] != "result":
                    problems.append((found, "the database's result entry names a line that is not the result"))
                elif poll.result is None or canonical_text(poll.result) != canonical_text(entry["body"]):
                    problems.append((found, "the result stored in the database differs from the board's result line"))
        return problems
