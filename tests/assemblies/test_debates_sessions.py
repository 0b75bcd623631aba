"""Live sessions: who chairs, the speaker queue, the floor and its timer, and the panel everyone sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from assemblies.common.errors import Conflict, InvalidInput, NotAllowed
from assemblies.debates.models import LiveSession, SpeakerRequest
from assemblies.debates.services import debates
from assemblies.debates.services import live_sessions as sessions
from deliberate.asgi import application
from tests.debatekit import (  # noqa: F401
    ORIGIN,
    build_world,
    close_consumer_connections,
    committing,
    sent,
    session_cookie,
    world,
)

Status = SpeakerRequest.Status


def start(world, **kwargs):
    now = kwargs.pop("now", timezone.now())
    agenda = kwargs.pop("debates", None) or [world.debate, debates.debate_for(space=world.space, now=now)]
    return sessions.start_session(
        assembly=world.assembly,
        by=kwargs.pop("by", world.convenor),
        title=kwargs.pop("title", "Plenary"),
        debates=agenda,
        speaking_seconds=kwargs.pop("speaking_seconds", 120),
        now=now,
    )


# Services ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_convenor_starts_a_session_on_an_agenda_of_debates(world):
    session = start(world)
    assert session.chair == world.convenor and session.is_running
    assert [point.title for point in session.agenda.order_by("position")] == [world.item.ref, world.space.title]
    assert session.current_point.position == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["moderator", "ana", "observer", "outsider"])
def test_only_convenors_start_sessions(world, role):
    with pytest.raises(NotAllowed):
        start(world, by=getattr(world, role))


@pytest.mark.django_db
def test_the_agenda_holds_only_this_assemblys_debates_and_a_sane_speaking_time(world):
    with pytest.raises(InvalidInput):
        start(world, debates=[world.private_debate])
    with pytest.raises(InvalidInput):
        start(world, speaking_seconds=5)
    with pytest.raises(InvalidInput):
        start(world, title="  ")


@pytest.mark.django_db
def test_members_raise_hands_in_order_and_once(world):
    session = start(world)
    now = timezone.now()
    sessions.raise_hand(session=session, user=world.ana, now=now)
    sessions.raise_hand(session=session, user=world.kofi, now=now + timedelta(seconds=1))
    with pytest.raises(NotAllowed, match="already raised"):
        sessions.raise_hand(session=session, user=world.ana, now=now + timedelta(seconds=2))
    panel = sessions.panel_context(session, now=now)
    assert [request.user for request in panel["queue"]] == [world.ana, world.kofi]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["observer", "outsider", "anonymous"])
def test_observers_and_outsiders_cannot_raise_a_hand(world, role):
    session = start(world)
    with pytest.raises(NotAllowed):
        sessions.raise_hand(session=session, user=getattr(world, role), now=timezone.now())


@pytest.mark.django_db
def test_a_muted_member_cannot_raise_a_hand(world):
    session = start(world)
    now = timezone.now()
    debates.mute_member(
        assembly=world.assembly,
        by=world.moderator,
        member=world.ana,
        until=now + timedelta(hours=1),
        reason="Heated.",
        now=now,
    )
    with pytest.raises(NotAllowed, match="muted"):
        sessions.raise_hand(session=session, user=world.ana, now=now)


@pytest.mark.django_db
def test_the_chair_gives_the_floor_to_the_next_then_to_someone_chosen_and_the_timer_runs(world):
    session = start(world, speaking_seconds=90)
    now = timezone.now()
    for offset, person in enumerate((world.ana, world.kofi, world.moderator)):
        sessions.raise_hand(session=session, user=person, now=now + timedelta(seconds=offset))
    first = sessions.give_floor(session=session, by=world.convenor, now=now + timedelta(seconds=10))
    assert first.user == world.ana and first.status == Status.SPEAKING
    panel = sessions.panel_context(session, now=now + timedelta(seconds=40))
    assert panel["speaking"].user == world.ana and panel["seconds_left"] == 60 and panel["clock"] == "1:00"
    chosen = SpeakerRequest.objects.get(session=session, user=world.moderator)
    sessions.give_floor(session=session, by=world.convenor, request=chosen, now=now + timedelta(seconds=50))
    statuses = dict(SpeakerRequest.objects.filter(session=session).values_list("user", "status"))
    assert statuses == {world.ana.pk: Status.DONE, world.moderator.pk: Status.SPEAKING, world.kofi.pk: Status.WAITING}
    late = sessions.panel_context(session, now=now + timedelta(seconds=200))
    assert late["seconds_left"] < 0 and late["clock"] == "0:00"


@pytest.mark.django_db
def test_only_the_chair_gives_the_floor_and_only_to_someone_waiting(world):
    session = start(world)
    with pytest.raises(NotAllowed, match="Nobody is waiting"):
        sessions.give_floor(session=session, by=world.convenor, now=timezone.now())
    sessions.raise_hand(session=session, user=world.ana, now=timezone.now())
    with pytest.raises(NotAllowed, match="chair"):
        sessions.give_floor(session=session, by=world.ana, now=timezone.now())
    sessions.lower_hand(session=session, user=world.ana, now=timezone.now())
    with pytest.raises(NotAllowed):
        sessions.give_floor(
            session=session, by=world.convenor, request=SpeakerRequest.objects.get(user=world.ana), now=timezone.now()
        )


@pytest.mark.django_db
def test_the_speaker_or_the_chair_ends_a_turn(world):
    session = start(world)
    sessions.raise_hand(session=session, user=world.ana, now=timezone.now())
    sessions.give_floor(session=session, by=world.convenor, now=timezone.now())
    with pytest.raises(NotAllowed):
        sessions.end_turn(session=session, by=world.kofi, now=timezone.now())
    sessions.end_turn(session=session, by=world.ana, now=timezone.now())
    assert SpeakerRequest.objects.get(user=world.ana).status == Status.DONE
    assert sessions.panel_context(session, now=timezone.now())["speaking"] is None


@pytest.mark.django_db
def test_moving_through_the_agenda_and_ending_the_session(world):
    session = start(world)
    second = session.agenda.get(position=2)
    sessions.move_to(session=session, by=world.convenor, point=second, now=timezone.now())
    sessions.raise_hand(session=session, user=world.ana, now=timezone.now())
    sessions.end_session(session=session, by=world.convenor, now=timezone.now())
    session.refresh_from_db()
    assert session.current_point == second and not session.is_running
    assert SpeakerRequest.objects.get(user=world.ana).status == Status.WITHDRAWN
    with pytest.raises(NotAllowed, match="ended"):
        sessions.raise_hand(session=session, user=world.kofi, now=timezone.now())


@pytest.mark.django_db
def test_every_change_publishes_the_panel(world, sent, committing):
    with committing():
        session = start(world)
    with committing():
        sessions.raise_hand(session=session, user=world.ana, now=timezone.now())
    with committing():
        sessions.give_floor(session=session, by=world.convenor, now=timezone.now())
    group = f"session.{session.pk}"
    assert sent.types(group) == ["session.update"] * 3
    panel = sent.of("session.update")[-1]["html"]
    assert "Ana" in panel and "has the floor" in panel and 'data-left="1' in panel


# The socket -------------------------------------------------------------------------------------------


@pytest.fixture
def live_world(transactional_db):
    return build_world()


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    yield
    await close_consumer_connections()


@pytest.mark.django_db(transaction=True)
async def test_the_session_socket_sends_the_panel_as_it_changes(live_world):
    world = live_world
    session = await database_sync_to_async(start)(world)
    cookie = await database_sync_to_async(session_cookie)(world.kofi)
    kofi = WebsocketCommunicator(application, f"/ws/sessions/{session.pk}/", headers=[ORIGIN, (b"cookie", cookie)])
    connected, _code = await kofi.connect()
    assert connected
    await database_sync_to_async(sessions.raise_hand)(session=session, user=world.ana, now=timezone.now())
    update = await kofi.receive_json_from(timeout=3)
    assert update["type"] == "session.update" and "Ana" in update["html"]
    await kofi.send_json_to({"type": "refresh"})
    assert "Ana" in (await kofi.receive_json_from(timeout=3))["html"]
    await kofi.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_the_session_socket_refuses_anonymous_and_outsiders_of_a_private_assembly(live_world):
    world = live_world
    private_debate = world.private_debate
    session = await database_sync_to_async(sessions.start_session)(
        assembly=world.private, by=world.convenor, title="Council", debates=[private_debate], now=timezone.now()
    )
    assert await LiveSession.objects.filter(pk=session.pk).aexists()
    for user, code in ((None, 4401), (world.outsider, 4403)):
        headers = [ORIGIN] + ([(b"cookie", await database_sync_to_async(session_cookie)(user))] if user else [])
        communicator = WebsocketCommunicator(application, f"/ws/sessions/{session.pk}/", headers=headers)
        connected, closed_with = await communicator.connect()
        assert not connected and closed_with == code
        await communicator.disconnect()


# Polls on the agenda ----------------------------------------------------------------------------------


def poll_on_agenda(world, **kwargs):
    """A draft roll-call motion, its debate, and a session whose first point is that debate."""
    from tests.polls.pollkit import make_poll

    poll = make_poll(world.assembly, world.convenor, **kwargs)
    debate = debates.debate_for(poll=poll, now=timezone.now())
    session = start(world, debates=[debate, world.debate])
    return poll, session


@pytest.mark.django_db
def test_a_point_shows_the_poll_it_is_about_and_a_proposal_shows_the_poll_deciding_it(world):
    from polls.models import Poll
    from tests import factories
    from tests.polls.pollkit import make_poll, open_poll

    poll, session = poll_on_agenda(world)
    panel = sessions.panel_context(session, now=timezone.now())
    assert panel["poll"] == poll and panel["agenda"][1].poll is None
    from assemblies.membership.models import Space
    from assemblies.roadmap.models import Item

    Space.objects.filter(pk=world.space.pk).update(phase="drafting")  # amendments are written in drafting
    amendment = factories.amend(world.ana, Item.objects.get(pk=world.item.pk), "A better text for the item.")
    closed_earlier = make_poll(world.assembly, world.convenor, subject_type="amendment", contributions=[amendment])
    Poll.objects.filter(pk=closed_earlier.pk).update(status=Poll.Status.CLOSED)
    deciding = make_poll(world.assembly, world.convenor, subject_type="amendment", contributions=[amendment])
    open_poll(deciding, world.convenor)
    debate = debates.debate_for(contribution=amendment, now=timezone.now())
    assert sessions.poll_of_debate(debate) == deciding  # the open one, not the older closed one
    assert sessions.poll_of_debate(world.debate) is None


@pytest.mark.django_db
def test_the_chair_opens_and_closes_the_poll_from_the_session(world, sent, committing):
    from polls.models import Poll
    from polls.services import cast_roll_call

    poll, session = poll_on_agenda(world)
    point = session.current_point
    with committing():
        sessions.open_point_poll(session=session, by=world.convenor, point=point, now=timezone.now())
    poll.refresh_from_db()
    assert poll.status == Poll.Status.OPEN
    update = sent.of("session.update")[-1]
    assert (
        update["poll"] == poll.pk
        and "0 ballots cast" in update["html"]
        and f"/polls/{poll.public_id}/vote/" in update["html"]
    )
    for person, choice in (
        (world.convenor, "yes"),
        (world.moderator, "no"),
        (world.ana, "yes"),
        (world.kofi, "abstain"),
    ):
        with committing():
            cast_roll_call(poll=poll, user=person, choice=choice, now=timezone.now())
    turnout = sent.of("poll.turnout")
    assert [event["count"] for event in turnout] == [1, 2, 3, 4] and all(set(e) == {"type", "count"} for e in turnout)
    with committing():
        sessions.close_point_poll(session=session, by=world.convenor, point=point, now=timezone.now())
    poll.refresh_from_db()
    assert poll.status == Poll.Status.CLOSED
    assert "Closed with 4 ballots." in sent.of("session.update")[-1]["html"]


@pytest.mark.django_db
def test_the_polls_refusals_reach_the_session_as_they_are(world):
    """One family of errors: the polls' own refusals pass through the session with their kind (a poll
    in the wrong state is a Conflict, 409 at the edge), not rewrapped."""
    poll, session = poll_on_agenda(world)
    point = session.current_point
    with pytest.raises(NotAllowed, match="Only the chair"):
        sessions.open_point_poll(session=session, by=world.ana, point=point, now=timezone.now())
    with pytest.raises(Conflict, match="never opened"):
        sessions.close_point_poll(session=session, by=world.convenor, point=point, now=timezone.now())
    sessions.open_point_poll(session=session, by=world.convenor, point=point, now=timezone.now())
    with pytest.raises(Conflict, match="already opened"):
        sessions.open_point_poll(session=session, by=world.convenor, point=point, now=timezone.now())
    with pytest.raises(NotAllowed, match="everyone eligible has voted: 0 of 4"):
        sessions.close_point_poll(session=session, by=world.convenor, point=point, now=timezone.now())
    other = session.agenda.get(position=2)
    with pytest.raises(NotAllowed, match="No poll decides this point"):
        sessions.open_point_poll(session=session, by=world.convenor, point=other, now=timezone.now())


@pytest.mark.django_db
def test_a_secret_poll_with_paper_codes_is_opened_from_its_own_page_only(world):
    from assemblies.membership.services import membership
    from polls.models import Poll
    from tests import factories

    link = membership.create_join_link(assembly=world.assembly, by=world.convenor, now=timezone.now())
    for number in range(3):  # a secret poll needs five voters
        membership.join_by_link(token=link.token, user=factories.user(f"Voter {number}"), now=timezone.now())
    poll, session = poll_on_agenda(world, secrecy="credential", delivery="paper")
    with pytest.raises(NotAllowed, match="printed on paper"):
        sessions.open_point_poll(session=session, by=world.convenor, point=session.current_point, now=timezone.now())
    poll.refresh_from_db()
    assert poll.status == Poll.Status.DRAFT


@pytest.mark.django_db(transaction=True)
async def test_session_and_debate_sockets_follow_the_turnout_but_never_the_choices(live_world):
    from polls.services import cast_roll_call

    world = live_world
    poll, session = await database_sync_to_async(poll_on_agenda)(world)
    await database_sync_to_async(sessions.open_point_poll)(
        session=session, by=world.convenor, point=session.current_point, now=timezone.now()
    )
    debate_id = session.current_point.debate_id
    cookie = await database_sync_to_async(session_cookie)(world.kofi)
    headers = [ORIGIN, (b"cookie", cookie)]
    panel = WebsocketCommunicator(application, f"/ws/sessions/{session.pk}/", headers=headers)
    debate = WebsocketCommunicator(application, f"/ws/debates/{debate_id}/", headers=headers)
    assert (await panel.connect())[0] and (await debate.connect())[0]
    assert (await debate.receive_json_from(timeout=3))["type"] == "debate.presence"
    await database_sync_to_async(cast_roll_call)(poll=poll, user=world.ana, choice="no", now=timezone.now())
    for socket in (panel, debate):
        frame = await socket.receive_json_from(timeout=3)
        while frame["type"] != "poll.turnout":
            frame = await socket.receive_json_from(timeout=3)
        assert frame == {"type": "poll.turnout", "poll": poll.pk, "count": 1, "text": "1 ballot cast"}
    # Reconnecting pages ask for the state again: the count, still no result.
    await debate.send_json_to({"type": "since", "last_id": 0})
    assert (await debate.receive_json_from(timeout=3))["type"] == "debate.since"
    state = await debate.receive_json_from(timeout=3)
    assert state["type"] == "poll.state" and "1 ballot cast" in state["html"] and "Closed" not in state["html"]
    await panel.disconnect()
    await debate.disconnect()


def test_an_agenda_point_on_a_polls_debate_is_named_after_the_poll(db):
    from assemblies.debates.selectors import subject_title
    from assemblies.debates.services import debates
    from tests.polls import pollkit

    assembly, convenor, _members, _observer = pollkit.world(2)
    poll = pollkit.make_poll(assembly, convenor, kind="schulze")
    debate = debates.debate_for(poll=poll, now=pollkit.now())
    assert subject_title(debate) == poll.title


@pytest.fixture
def amendment_debate(live_world):
    from assemblies.membership.models import Space
    from assemblies.roadmap.models import Item
    from tests import factories

    Space.objects.filter(pk=live_world.space.pk).update(phase="drafting")
    amendment = factories.amend(live_world.ana, Item.objects.get(pk=live_world.item.pk), "A better text for the item.")
    return amendment, debates.debate_for(contribution=amendment, now=timezone.now())


async def reader_socket(world, debate):
    cookie = await database_sync_to_async(session_cookie)(world.kofi)
    socket = WebsocketCommunicator(application, f"/ws/debates/{debate.pk}/", headers=[ORIGIN, (b"cookie", cookie)])
    assert (await socket.connect())[0]

    async def next_frame():  # presence counts come whenever people come and go
        frame = await socket.receive_json_from(timeout=3)
        while frame["type"] == "debate.presence":
            frame = await socket.receive_json_from(timeout=3)
        return frame

    async def quiet():
        while not await socket.receive_nothing(timeout=0.3):
            assert (await socket.receive_json_from())["type"] == "debate.presence"

    return socket, next_frame, quiet


@pytest.mark.django_db(transaction=True)
async def test_a_poll_tabled_and_opened_on_the_debated_text_reaches_open_pages_at_once(live_world, amendment_debate):
    """No reload and no wait: tabling the poll pushes its state to the debate's sockets, which follow
    it from then on (its opening, its turnout); a second poll tabled meanwhile does not replace the
    open one, as a reload would not."""
    from polls.services import cast_roll_call
    from tests.polls.pollkit import close, make_poll, open_poll

    world, (amendment, debate) = live_world, amendment_debate
    socket, next_frame, quiet = await reader_socket(world, debate)
    await quiet()  # no poll yet: no poll state
    poll = await database_sync_to_async(make_poll)(
        world.assembly,
        world.convenor,
        subject_type="amendment",
        contributions=[amendment],
        title="Adopt the better text?",
    )
    state = await next_frame()
    assert state["type"] == "poll.state" and state["poll"] == poll.pk
    assert "Adopt the better text?" in state["html"] and "nobody can vote yet" in state["html"]

    await database_sync_to_async(open_poll)(poll, world.convenor)
    state = await next_frame()
    assert state["type"] == "poll.state" and "0 ballots cast" in state["html"]
    await quiet()  # the poll it already follows: no second state
    await database_sync_to_async(cast_roll_call)(poll=poll, user=world.ana, choice="yes", now=timezone.now())
    turnout = await next_frame()
    assert turnout == {"type": "poll.turnout", "poll": poll.pk, "count": 1, "text": "1 ballot cast"}

    later = await database_sync_to_async(make_poll)(
        world.assembly, world.convenor, subject_type="amendment", contributions=[amendment], title="A later draft"
    )
    await quiet()  # the open poll stays the one shown
    await database_sync_to_async(close)(poll)
    # The closing and the new choice travel apart (the poll's group, the debate's hub), so the page
    # may see the closed poll for a moment; it ends on the draft, as a reload would show it.
    states = [await next_frame()]
    while states[-1]["poll"] != later.pk:
        states.append(await next_frame())
    assert all(state["type"] == "poll.state" for state in states) and "A later draft" in states[-1]["html"]
    assert all("Closed with 1 ballot." in state["html"] for state in states[:-1])
    while not await socket.receive_nothing(timeout=0.3):  # and it stays there
        frame = await socket.receive_json_from()
        assert frame["type"] == "debate.presence" or frame.get("poll") == later.pk
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_missed_announcement_is_caught_up_at_the_next_catch_up(live_world, amendment_debate, monkeypatch):
    """The page asks for what it missed every minute: a poll whose announcement was lost comes with
    the answer, and the socket follows it from then on."""
    from tests.polls.pollkit import make_poll, open_poll

    monkeypatch.setattr("polls.services._announce", lambda poll, contribution_ids=None: None)  # lost
    world, (amendment, debate) = live_world, amendment_debate
    socket, next_frame, quiet = await reader_socket(world, debate)
    await socket.send_json_to({"type": "since", "last_id": 0})
    assert (await next_frame())["type"] == "debate.since"
    await quiet()
    poll = await database_sync_to_async(make_poll)(
        world.assembly,
        world.convenor,
        subject_type="amendment",
        contributions=[amendment],
        title="Adopt the better text?",
    )
    await quiet()
    await socket.send_json_to({"type": "since", "last_id": 0})
    assert (await next_frame())["type"] == "debate.since"
    state = await next_frame()
    assert state["type"] == "poll.state" and state["poll"] == poll.pk and "Adopt the better text?" in state["html"]
    await database_sync_to_async(open_poll)(poll, world.convenor)
    state = await next_frame()
    assert state["type"] == "poll.state" and "0 ballots cast" in state["html"]
    await socket.disconnect()
