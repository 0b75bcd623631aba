"""`load_demo` builds the demo assembly with its history, and running it twice changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from assemblies.accounts.models import User
from assemblies.membership.models import Assembly
from assemblies.roadmap.models import Contribution, RoadmapVersion
from assemblies.roadmap.services import contributions, roadmap


@pytest.mark.smoke
@pytest.mark.django_db
def test_load_demo_is_idempotent_and_shows_the_loop():
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "convenor@demo.deliberate.test" in out.getvalue()

    def counts():
        from polls.models import BoardLine, Poll

        return [m.objects.count() for m in (User, Assembly, Contribution, RoadmapVersion, Poll, BoardLine)]

    before = counts()
    call_command("load_demo", stdout=StringIO())
    assert counts() == before

    assembly = Assembly.objects.get(slug="sse-forum")
    versions = list(RoadmapVersion.objects.filter(roadmap__assembly=assembly).order_by("number"))
    assert [v.kind for v in versions[:3]] == ["import", "amendment", "editorial"]
    statuses = set(Contribution.objects.filter(space__assembly=assembly).values_list("status", flat=True))
    assert {"adopted", "rejected", "open"} <= statuses
    from polls.models import Poll

    assert set(Poll.objects.filter(assembly=assembly).values_list("status", flat=True)) == {"open", "closed"}
    in_conflict = [
        c
        for c in Contribution.objects.filter(space__assembly=assembly, kind="amendment", status="open")
        if c.target_item_id and contributions.conflict_of(c)
    ]
    assert in_conflict, "the demo shows an amendment in conflict"


@pytest.mark.smoke
@pytest.mark.django_db
def test_the_demo_plays_decisions_by_polls_into_the_roadmap():
    """Amendments adopted by a roll-call and by a secret poll, one rejected by a poll, and a priorities poll:
    each adoption and the priorities are versions whose provenance names a closed poll whose board verifies."""
    from polls import services as poll_services
    from polls.core.board import verify_board
    from polls.models import Poll
    from polls.selectors import board_bytes

    call_command("load_demo", stdout=StringIO())
    assembly = Assembly.objects.get(slug="sse-forum")
    by_poll = RoadmapVersion.objects.filter(roadmap__assembly=assembly).exclude(poll_ref="").order_by("number")
    assert [v.kind for v in by_poll] == ["amendment", "amendment", "priorities"]
    for version in by_poll:
        poll = Poll.objects.get(public_id=version.poll_ref)
        provenance = roadmap.document_of(version)["provenance"]
        assert poll.fingerprint in str(provenance) and poll.result_entry in str(provenance)
        report = verify_board(list(board_bytes(poll)), board_key=poll_services.board_key().public)
        assert report.valid, report.errors
    secrecies = {Poll.objects.get(public_id=v.poll_ref).secrecy for v in by_poll if v.kind == "amendment"}
    assert secrecies == {"roll-call", "credential"}
    rejected_by_poll = Contribution.objects.filter(space__assembly=assembly, status="rejected", polls__status="closed")
    assert rejected_by_poll.exists()
    ranked = roadmap.document_of(by_poll.last())
    priorities = [
        item["priority"] for section in ranked["sections"] if section["code"] == "EDU" for item in section["items"]
    ]
    assert sorted(p for p in priorities if p is not None) == list(range(1, len(priorities) + 1))
    from assemblies.roadmap.models import Edition

    edition = Edition.objects.get(roadmap__assembly=assembly)
    assert edition.version_id == assembly.roadmap.head_id and edition.name == "Roadmap 2026"
    assert by_poll.first().poll_ref in edition.notes


@pytest.mark.smoke
@pytest.mark.django_db
def test_the_demo_runs_a_live_session_on_the_open_priorities_poll():
    from assemblies.debates.models import LiveSession
    from assemblies.debates.services import live_sessions
    from polls.models import Poll

    call_command("load_demo", stdout=StringIO())
    session = LiveSession.objects.get(assembly__slug="sse-forum", ended_at__isnull=True)
    poll = live_sessions.poll_of_debate(session.current_point.debate)
    assert poll is not None and poll.status == Poll.Status.OPEN and poll.subject_type == "priorities"
    assert session.current_point.debate.messages.count() == 4
    assert session.speaker_requests.filter(status="waiting").count() == 1
