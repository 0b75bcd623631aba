"""A live session through its pages, without JavaScript: the convenor starts it on an agenda, members
raise hands, the chair gives the floor, everyone reads the speaker, the time left and the queue."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from assemblies.debates.models import LiveSession
from assemblies.debates.services import live_sessions
from tests.debatekit import world  # noqa: F401

pytestmark = pytest.mark.django_db


def action(session, name):
    return reverse("live_session_action", args=[session.assembly.slug, session.pk, name])


def test_a_session_from_start_to_end_without_javascript(client, world):
    index = reverse("live_sessions", args=[world.assembly.slug])
    client.force_login(world.convenor)
    page = client.get(index)
    choices = [value for value, _label in page.context["form"].fields["agenda"].choices]
    assert f"space:{world.space.pk}" in choices
    response = client.post(
        reverse("live_session_start", args=[world.assembly.slug]),
        {"title": "Plenary of June", "speaking_seconds": "120", "agenda": [f"space:{world.space.pk}"]},
    )
    session = LiveSession.objects.get()
    assert response.status_code == 302 and response["Location"] == session.get_absolute_url()

    for person in (world.ana, world.kofi):
        client.force_login(person)
        assert client.post(action(session, "raise")).status_code == 302
    page = client.get(session.get_absolute_url()).content.decode()
    assert "number 2 in the queue" in page and '<meta http-equiv="refresh" content="15">' in page

    client.force_login(world.convenor)
    client.post(action(session, "floor"), {"request": ""})
    client.force_login(world.kofi)
    page = client.get(session.get_absolute_url()).content.decode()
    assert re.search(
        r"<strong>Ana</strong> has the floor: <span class=\"timer\" data-left=\"1[0-2]\d\">[12]:\d\d</span>", page
    )
    assert "Your hand is raised: number 1 in the queue." in page

    client.force_login(world.ana)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "You have the floor." in page
    client.post(action(session, "end-turn"))
    client.force_login(world.convenor)
    client.post(action(session, "end"))
    page = client.get(session.get_absolute_url()).content.decode()
    assert "This session has ended." in page and "http-equiv" not in page


def test_members_cannot_start_or_chair_a_session(client, world):
    client.force_login(world.ana)
    response = client.post(
        reverse("live_session_start", args=[world.assembly.slug]),
        {"title": "Mine", "speaking_seconds": "60", "agenda": [f"space:{world.space.pk}"]},
    )
    assert response.status_code == 403 and not LiveSession.objects.exists()
    session = live_sessions.start_session(
        assembly=world.assembly, by=world.convenor, title="P", debates=[world.debate], now=timezone.now()
    )
    client.post(action(session, "raise"))
    client.post(action(session, "floor"), {"request": ""})
    assert live_sessions.panel_context(session, now=timezone.now())["speaking"] is None
    assert "Give the floor" not in client.get(session.get_absolute_url()).content.decode()


def test_an_observer_reads_the_session_but_cannot_raise_a_hand(client, world):
    session = live_sessions.start_session(
        assembly=world.assembly, by=world.convenor, title="P", debates=[world.debate], now=timezone.now()
    )
    client.force_login(world.observer)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "Observers can read" in page and "Raise my hand" not in page
    client.post(action(session, "raise"))
    assert not session.speaker_requests.exists()


def test_a_private_assemblys_sessions_are_404_to_outsiders(client, world):
    session = live_sessions.start_session(
        assembly=world.private, by=world.convenor, title="Council", debates=[world.private_debate], now=timezone.now()
    )
    client.force_login(world.outsider)
    assert client.get(session.get_absolute_url()).status_code == 404
    assert client.post(action(session, "raise")).status_code == 404


def test_unknown_actions_and_bad_choices_are_refused_cleanly(client, world):
    session = live_sessions.start_session(
        assembly=world.assembly, by=world.convenor, title="P", debates=[world.debate], now=timezone.now()
    )
    client.force_login(world.convenor)
    assert client.post(action(session, "explode")).status_code == 404
    for data in ({"request": "abc"}, {"request": "999999"}):
        assert client.post(action(session, "floor"), data).status_code == 302
    assert client.post(action(session, "move"), {"point": "x"}).status_code == 302
    response = client.post(
        reverse("live_session_start", args=[world.assembly.slug]),
        {"title": "", "speaking_seconds": "7", "agenda": ["space:999999"]},
    )
    assert response.status_code == 400


def test_the_chair_opens_and_closes_the_current_points_poll_and_members_see_turnout_on_reload(client, world):
    from assemblies.debates.services import debates
    from polls.models import Poll
    from polls.services import cast_roll_call
    from tests.polls.pollkit import make_poll

    poll = make_poll(world.assembly, world.convenor, title="Adopt the charter")
    debate = debates.debate_for(poll=poll, now=timezone.now())
    session = live_sessions.start_session(
        assembly=world.assembly, by=world.convenor, title="P", debates=[debate, world.debate], now=timezone.now()
    )
    client.force_login(world.convenor)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "Adopt the charter" in page and "This poll is a draft" in page and "Open the poll" in page
    point = {"point": str(session.current_point_id)}
    response = client.post(action(session, "poll-open"), point, follow=True)
    assert "The poll is open." in response.content.decode()
    poll.refresh_from_db()
    assert poll.status == Poll.Status.OPEN
    # Closing early needs every eligible ballot: the polls' refusal is the page's message.
    page = client.post(action(session, "poll-close"), point, follow=True).content.decode()
    assert "A poll closes early only when everyone eligible has voted: 0 of 4 have." in page

    cast_roll_call(poll=poll, user=world.ana, choice="yes", now=timezone.now())
    client.force_login(world.kofi)
    for url in (session.get_absolute_url(), debate.get_absolute_url()):
        page = client.get(url).content.decode()
        assert "1 ballot cast" in page and reverse("poll_vote", args=[poll.public_id]) in page
        assert "Open the poll" not in page and "Close the poll now" not in page
    assert client.post(action(session, "poll-close"), point).status_code == 302  # refused: not the chair
    poll.refresh_from_db()
    assert poll.status == Poll.Status.OPEN

    for person in (world.convenor, world.moderator, world.kofi):
        cast_roll_call(poll=poll, user=person, choice="no", now=timezone.now())
    client.force_login(world.convenor)
    page = client.post(action(session, "poll-close"), point, follow=True).content.decode()
    assert "The poll is closed and its result published." in page and "Closed with 4 ballots." in page
    assert reverse("poll_results", args=[poll.public_id]) in page


def test_poll_actions_refuse_points_of_other_sessions_and_points_without_a_poll(client, world):
    session = live_sessions.start_session(
        assembly=world.assembly, by=world.convenor, title="P", debates=[world.debate], now=timezone.now()
    )
    client.force_login(world.convenor)
    for data, message in (
        ({"point": "x"}, "not on the session"),
        ({"point": str(session.current_point_id)}, "No poll decides this point"),
    ):
        page = client.post(action(session, "poll-open"), data, follow=True).content.decode()
        assert message in page


def test_the_agenda_choices_name_every_debate_in_the_same_number_of_queries_however_many(client, world):
    """The start form lists the debates already open (items, polls) by name: one query per kind of
    subject, not one per debate."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assemblies.debates.services import debates
    from assemblies.roadmap.models import Item
    from tests.polls.pollkit import make_poll

    index = reverse("live_sessions", args=[world.assembly.slug])
    client.force_login(world.convenor)

    def choices_and_queries():
        with CaptureQueriesContext(connection) as captured:
            page = client.get(index)
        return dict(page.context["form"].fields["agenda"].choices), len(captured.captured_queries)

    now = timezone.now()
    poll = make_poll(world.assembly, world.convenor, title="Which priorities first?")
    debates.debate_for(poll=poll, now=now)
    few, queries_with_few = choices_and_queries()
    assert few[f"item:{world.item.pk}"] == world.item.ref and few[f"poll:{poll.pk}"] == "Which priorities first?"

    items = list(Item.objects.filter(roadmap__assembly=world.assembly).exclude(pk=world.item.pk)[:6])
    for item in items:
        debates.debate_for(item=item, now=now)
    for number in range(4):
        debates.debate_for(poll=make_poll(world.assembly, world.convenor, title=f"Poll on round {number}"), now=now)
    many, queries_with_many = choices_and_queries()
    assert len(items) >= 3 and len(many) == len(few) + len(items) + 4
    assert many[f"poll:{poll.pk}"] == "Which priorities first?" and "Poll on round 3" in many.values()
    assert all(many[f"item:{item.pk}"] == item.ref for item in items)
    assert queries_with_many == queries_with_few
