"""deliberate-verify: check a poll's public board offline (deliberate-board/1, section 6).

    deliberate-verify BOARD.jsonl [--board-key B64U] [--issuer-key B64U] [--receipt R.json ...]
                      [--expect-head HEX ...] [--open] [--json] [--workers N] [--quiet] [--progress]
    python -m polls.verify ...

BOARD may be a ``.jsonl`` or ``.jsonl.gz`` file, or ``-`` for standard input. Exit status: 0 when
every check holds, 1 when one fails (the report names the line and the reason), 2 for a usage error
(an unreadable file, a malformed option).

Needs only the standard library, ``cryptography`` and ``rfc8785``: nothing on the import chain
imports Django, so anyone can run it on a copy of the board.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import sys
import time
from collections.abc import Iterator
from typing import Any, BinaryIO

from polls.core.board import Report, verify_board
from polls.core.canonical import is_b64u, is_hex64

_GZIP_MAGIC = b"\x1f\x8b"
_READ_BUFFER = 1 << 20


class UsageError(Exception):
    """Bad arguments or an unreadable input: exit status 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deliberate-verify",
        description="Verify a Deliberate poll board (deliberate-board/1) and recompute its result.",
    )
    parser.add_argument("board", help="the board: BOARD.jsonl, BOARD.jsonl.gz, or - for standard input")
    parser.add_argument("--board-key", metavar="B64U", help="pin the board's public key")
    parser.add_argument("--issuer-key", metavar="B64U", help="pin the eligibility issuer's public key")
    parser.add_argument(
        "--receipt", metavar="R.json", action="append", default=[], help="check a ballot receipt (repeatable)"
    )
    parser.add_argument(
        "--expect-head", metavar="HEX", action="append", default=[],
        help="require this entry hash to be on the board, e.g. a head published earlier (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--open", action="store_true", help="accept a board without close and result, and report it as open"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--workers", type=int, metavar="N", help="processes for signature checks (default: all cores)")
    parser.add_argument("--quiet", action="store_true", help="print only the verdict")
    parser.add_argument(
        "--progress", action="store_true", help="show progress on standard error even if it is not a terminal"
    )
    return parser


def _open_board(path: str) -> tuple[BinaryIO, int | None]:
    """Open the board for reading lines; return the stream and its size in bytes when known."""
    if path == "-":
        raw: BinaryIO = sys.stdin.buffer
        size = None
    else:
        try:
            # A large buffer: with the default one (4 or 8 KB) a large board costs a system call
            # every few lines, in the process that feeds the workers.
            raw = open(path, "rb", buffering=_READ_BUFFER)
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror}") from None
        try:
            size = os.fstat(raw.fileno()).st_size
        except OSError:
            size = None
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[arg-type]
    try:
        magic = buffered.peek(2)[:2]
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    if magic == _GZIP_MAGIC or path.endswith(".gz"):
        return gzip.GzipFile(fileobj=buffered, mode="rb"), None  # type: ignore[return-value]
    return buffered, size


def _count_lines(path: str) -> int | None:
    """Count the lines of an uncompressed file (for a progress total); None when unknowable."""
    try:
        with open(path, "rb") as handle:
            if handle.read(2) == _GZIP_MAGIC:
                return None
            handle.seek(0)
            count = 0
            for block in iter(lambda: handle.read(1 << 22), b""):
                count += block.count(b"\n")
            return count
    except OSError:
        return None


class _Progress:
    """Progress on standard error, at most a few updates a second, and only once ``delay`` seconds
    have passed (so that a small board verified on a terminal prints no progress at all)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.started = time.monotonic()
        self.delay = delay
        self.last = 0.0

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self.started < self.delay or (now - self.last < 0.25 and done != total):
            return
        self.last = now
        rate = done / max(now - self.started, 1e-9)
        if total:
            text = f"\rverifying: {done:,} / {total:,} lines ({100 * done // total}%), {rate:,.0f} lines/s"
        else:
            text = f"\rverifying: {done:,} lines, {rate:,.0f} lines/s"
        sys.stderr.write(text)
        sys.stderr.flush()

    def finish(self) -> None:
        if self.last:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _read_receipts(paths: list[str]) -> list[tuple[str, bytes]]:
    receipts = []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                receipts.append((path, handle.read()))
        except OSError as exc:
            raise UsageError(f"cannot read receipt {path}: {exc.strerror}") from None
    return receipts


def _describe_method(method: dict | None) -> str:
    if not method:
        return "?"
    params = ", ".join(
        f"{k} {json.dumps(v, ensure_ascii=False, separators=(',', ':'))}" for k, v in method.items() if k != "kind"
    )
    return f"{method.get('kind')}" + (f" ({params})" if params else "")


def _describe_outcome(outcome: dict | None) -> str:
    if outcome is None:
        return "-"
    if "passed" in outcome:
        return ("passed" if outcome["passed"] else "not passed") + (
            "" if outcome.get("quorum_met") else " (quorum not met)"
        )
    parts = [f"winners {', '.join(outcome.get('winners', [])) or '-'}"]
    if "ranking" in outcome:
        parts.append(f"ranking {' > '.join(outcome['ranking'])}")
    if outcome.get("eliminated"):
        parts.append(f"eliminated in order {', '.join(outcome['eliminated'])}")
    return "; ".join(parts)


def _describe_tally(tally: dict | None) -> str:
    if tally is None:
        return "-"
    text = json.dumps(tally, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= 400 else text[:397] + "..."


def _human(report: Report, board: str, n_receipts: int, n_heads: int) -> str:
    lines = [f"Board:      {board} ({report.lines:,} lines)"]
    if report.poll is not None:
        lines += [
            f"Poll:       {report.poll} - {report.title}",
            f"Question:   {report.question}",
            f"Method:     {_describe_method(report.method)}; secrecy {report.secrecy}; revote {report.revote}",
            f"Board key:  {report.board_kid} {report.board_key}",
            f"Issuer key: {report.issuer_kid} {report.issuer_key}",
            f"Eligible:   {report.eligible['count']:,} credentials, weight {report.eligible['weight']:,}",
            f"Fingerprint {report.fp}",
        ]
    if report.head:
        lines.append(f"Head:       {report.head}")
    counts = report.counts
    lines.append(
        f"Ballots:    {counts['ballots']:,} on the board, {counts['counted']:,} counted, "
        f"{counts['superseded']:,} superseded, weight {counts['weight']:,}"
    )
    if report.open:
        lines.append("Status:     OPEN (no close and result yet)")
    elif report.outcome is not None:
        lines.append(f"Tally:      {_describe_tally(report.tally)} (recomputed)")
        lines.append(f"Outcome:    {_describe_outcome(report.outcome)} (recomputed)")
    if n_receipts:
        lines.append(f"Receipts:   {report.receipts_checked} of {n_receipts} checked")
    if n_heads:
        lines.append(f"Heads:      {report.heads_checked} of {n_heads} found")
    lines.append(_verdict(report))
    for line, why in report.errors[1:]:
        lines.append(f"  also {'line ' + str(line) if line is not None else 'board'}: {why}")
    return "\n".join(lines)


def _verdict(report: Report) -> str:
    if report.valid:
        return "VALID (open board: every check so far holds)" if report.open else "VALID: every check holds"
    line, why = report.errors[0]
    where = f"line {line}" if line is not None else "board"
    return f"INVALID: {where}: {why}"


def _lines(stream: BinaryIO, total: int | None) -> Iterator[bytes] | Any:
    """The stream's lines; sized when the total is known, so the verifier reports a percentage."""
    if total is None:
        return stream

    class _Sized:
        def __iter__(self):
            return iter(stream)

        def __len__(self):
            return total

    return _Sized()


def main(argv: list[str] | None = None) -> int:
    """Run the verifier; return the exit status (0 valid, 1 invalid, 2 usage error)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    try:
        for name, value in (("--board-key", args.board_key), ("--issuer-key", args.issuer_key)):
            if value is not None and not is_b64u(value, 32):
                raise UsageError(f"{name} must be a 32-byte public key in unpadded b64u (43 characters)")
        heads = [h.strip().lower() for h in args.expect_head]
        for head in heads:
            if not is_hex64(head):
                raise UsageError(f"--expect-head {head!r} must be 64 hex characters")
        if args.workers is not None and args.workers < 1:
            raise UsageError("--workers must be at least 1")
        receipts = _read_receipts(args.receipt)
        stream, _size = _open_board(args.board)
    except UsageError as exc:
        print(f"deliberate-verify: {exc}", file=sys.stderr)
        return 2

    show_progress = not args.quiet and (args.progress or sys.stderr.isatty())
    progress = _Progress(delay=0.0 if args.progress else 1.0) if show_progress else None
    total = _count_lines(args.board) if show_progress and args.board != "-" else None
    try:
        report = verify_board(
            _lines(stream, total),
            board_key=args.board_key,
            issuer_key=args.issuer_key,
            receipts=receipts,
            expect_heads=heads,
            allow_open=args.open,
            workers=args.workers,
            progress=progress,
        )
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        if progress:
            progress.finish()
        print(f"deliberate-verify: cannot read {args.board}: {exc}", file=sys.stderr)
        return 2
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    if progress:
        progress.finish()

    if args.json:
        out = report.to_json()
        out["board"] = args.board
        out["receipts_given"] = len(receipts)
        out["heads_given"] = len(heads)
        text = json.dumps(out, ensure_ascii=False, indent=1)
    elif args.quiet:
        text = _verdict(report)
    else:
        text = _human(report, args.board, len(receipts), len(heads))
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away; the exit status still says the verdict.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0 if report.valid else 1


if __name__ == "__main__":
    sys.exit(main())
