"""Polls made through the services, for the polls tests (helpers only, not a test module)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from assemblies.membership.models import Role
from polls import selectors, services
from polls.core import board as B
from polls.models import Poll
from tests import factories

ROOT = Path(__file__).resolve().parents[2]

METHODS = {
    "yes-no-abstain": {"kind": "yes-no-abstain", "threshold": {"num": 1, "den": 2}, "base": "cast", "quorum": 0},
    "plurality": {"kind": "plurality"},
    "approval": {"kind": "approval", "min": 0, "max": 2},
    "dot": {"kind": "dot", "budget": 5},
    "score": {"kind": "score", "max_score": 4},
    "majority-judgment": {"kind": "majority-judgment", "grades": ["Reject", "Poor", "Fair", "Good"]},
    "schulze": {"kind": "schulze"},
    "irv": {"kind": "irv"},
}
LABELS = ["Solar co-op", "Seed library", "Repair café"]


def now():
    return timezone.now().replace(microsecond=0)


def world(members: int = 5, *, visibility: str = "public"):
    """An assembly with a convenor, `members` members, an observer and a moderator-less roadmap.

    Returns (assembly, convenor, [members], observer)."""
    convenor = factories.user("Convenor")
    people = [factories.user(f"Member {i}") for i in range(members)]
    observer = factories.user("Observer")
    assembly = factories.assembly(
        convenor,
        visibility=visibility,
        members=[(person, Role.MEMBER) for person in people] + [(observer, Role.OBSERVER)],
        roadmap_text=factories.SMALL_ROADMAP,
    )
    return assembly, convenor, people, observer


def options_for(kind: str) -> list[dict]:
    if kind == "yes-no-abstain":
        return selectors.yes_no_abstain_options()
    return selectors.listed_options(LABELS)


def make_poll(
    assembly,
    convenor,
    *,
    kind="yes-no-abstain",
    secrecy="roll-call",
    revote="last-counts",
    delivery="paper",
    at=None,
    closes_in=timedelta(days=1),
    opens_at=None,
    weights=None,
    subject_type="motion",
    **overrides,
) -> Poll:
    at = at or now()
    arguments = dict(
        assembly=assembly,
        by=convenor,
        title=f"A {kind} poll",
        question="What do we decide?",
        subject_type=subject_type,
        subject_refs=[],
        contributions=[],
        options=options_for(kind),
        method=METHODS[kind],
        secrecy=secrecy,
        revote=revote,
        delivery=delivery,
        opens_at=opens_at,
        closes_at=at + closes_in,
        weights=weights,
        now=at,
    )
    arguments.update(overrides)
    return services.create_poll(**arguments)


def open_poll(poll, convenor, at=None):
    """Open the poll; returns (poll, paper codes)."""
    opened = services.open_poll(poll=poll, by=convenor, now=at or now())
    return opened.poll, opened.paper_codes


def close(poll, at=None):
    poll.refresh_from_db()
    return services.close_poll(poll=poll, now=at or poll.closes_at + timedelta(seconds=1))


def lines(poll) -> list[bytes]:
    return list(selectors.board_bytes(poll))


def verify(poll, **kwargs):
    return B.verify_board(lines(poll), workers=1, **kwargs)


def assert_valid(poll, *, receipts=(), allow_open=None):
    poll.refresh_from_db()
    report = verify(
        poll,
        receipts=list(receipts),
        allow_open=poll.status != Poll.Status.CLOSED if allow_open is None else allow_open,
        board_key=services.board_key().public,
    )
    assert report.valid, report.errors
    assert report.head == poll.head
    return report


def run_verifier(board_path: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "polls.verify", str(board_path), *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )
