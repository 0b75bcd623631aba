"""Management commands: export_board (exact bytes), verify_poll (against the database), close_due_polls; the demo."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from assemblies.membership.models import Role
from deliberate.demo import load_demo_polls
from polls import services
from polls.models import BoardLine, Poll
from tests import factories

from . import pollkit as K

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_poll():
    assembly, convenor, members, _observer = K.world(3)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor, kind="approval"), convenor)
    for person in members:
        services.cast_roll_call(poll=poll, user=person, choice=["seed-library"], now=K.now())
    return K.close(poll)


def verify_poll(poll_id) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_poll", poll_id, stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_export_board_writes_the_stored_bytes(closed_poll, tmp_path):
    target = tmp_path / "board.jsonl"
    call_command("export_board", closed_poll.public_id, "-o", str(target), stderr=io.StringIO())
    assert target.read_bytes() == b"".join(K.lines(closed_poll))
    done = K.run_verifier(target, "--board-key=" + services.board_key().public)
    assert done.returncode == 0, done.stdout


def test_verify_poll_accepts_an_untouched_board(closed_poll):
    code, out, _err = verify_poll(closed_poll.public_id)
    assert code == 0 and "VALID" in out and "3 counted" in out


def test_verify_poll_names_the_line_edited_in_the_database(closed_poll):
    line = BoardLine.objects.get(poll=closed_poll, seq=2)
    BoardLine.objects.filter(pk=line.pk).update(data=bytes(line.data).replace(b"seed-library", b"solar-co-op"))
    code, _out, err = verify_poll(closed_poll.public_id)
    assert code == 1 and "line 2:" in err and "INVALID" in err


def test_verify_poll_notices_a_result_changed_in_the_database(closed_poll):
    Poll.objects.filter(pk=closed_poll.pk).update(result={**closed_poll.result, "counted": 99})
    code, _out, err = verify_poll(closed_poll.public_id)
    assert code == 1 and "result stored in the database differs" in err


def test_verify_poll_notices_a_head_that_the_board_does_not_end_with(closed_poll):
    Poll.objects.filter(pk=closed_poll.pk).update(head="0" * 64)
    code, _out, err = verify_poll(closed_poll.public_id)
    assert code == 1 and "head" in err


def test_close_due_polls_command_closes_what_is_due():
    assembly, convenor, _members, _observer = K.world(1)
    at = K.now() - timedelta(days=2)
    due, _codes = K.open_poll(K.make_poll(assembly, convenor, at=at, closes_in=timedelta(days=1)), convenor, at=at)
    out = io.StringIO()
    call_command("close_due_polls", stdout=out)
    due.refresh_from_db()
    assert due.status == Poll.Status.CLOSED and due.public_id in out.getvalue()


def test_the_demo_polls_are_made_once_and_their_boards_verify():
    names = ["convenor", "moderator", "ana", "kofi", "lea", "mateo", "nadia", "olu"]
    people = {name: factories.user(name.title()) for name in names}
    assembly = factories.assembly(
        people["convenor"], members=[(people[n], Role.MEMBER) for n in names[1:]], roadmap_text=factories.SMALL_ROADMAP
    )
    motion, secret, current = load_demo_polls(assembly, people)
    assert load_demo_polls(assembly, people) == []
    assert (motion.status, secret.status, current.status) == ("closed", "closed", "open")
    assert motion.result["outcome"]["passed"] is True and secret.result["counted"] == 7
    assert current.kind == "schulze" and current.ballot_count == 2
    for poll in (motion, secret, current):
        K.assert_valid(poll)
