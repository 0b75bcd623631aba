"""The debate socket, through the real ASGI application (origin check, session auth, routing): who may
connect, the events each change brings, catch-up after a reconnection, posting, and the limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from assemblies.debates.models import Message
from assemblies.debates.services import debates
from assemblies.membership.services import membership
from deliberate.asgi import application
from tests.debatekit import (
    ORIGIN,
    build_world,
    close_consumer_connections,
    session_cookie,
)

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 3


@pytest.fixture
def world(transactional_db):
    return build_world()


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    yield
    # The consumers' database calls ran in a worker thread whose connection would outlive the test.
    await close_consumer_connections()


def socket(path, user=None, *, origin=ORIGIN):
    headers = [origin] if origin else []
    if user is not None:
        headers.append((b"cookie", session_cookie(user)))
    return WebsocketCommunicator(application, path, headers=headers)


def debate_path(debate) -> str:
    return f"/ws/debates/{debate.pk}/"


async def frame(communicator, kind, *, timeout=TIMEOUT, ignore=()):
    """The next frame of this type, skipping presence counts (which arrive whenever people come and go)
    and the types in `ignore`."""
    while True:
        received = await communicator.receive_json_from(timeout=timeout)
        if received["type"] == kind:
            return received
        if received["type"] != "debate.presence" and received["type"] not in ignore:
            raise AssertionError(f"expected {kind}, got {received}")


async def nothing_but_presence(communicator, wait=0.5):
    """Waits without tearing the application down (a receive that times out would cancel it)."""
    while not await communicator.receive_nothing(timeout=wait):
        assert (await communicator.receive_json_from())["type"] == "debate.presence"


async def connected(path, user):
    communicator = await database_sync_to_async(socket)(path, user)
    ok, code = await communicator.connect(timeout=TIMEOUT)
    assert ok, code
    return communicator


async def refused_with(path, user=None, origin=ORIGIN):
    communicator = await database_sync_to_async(socket)(path, user, origin=origin)
    ok, code = await communicator.connect(timeout=TIMEOUT)
    await communicator.disconnect()
    assert not ok
    return code


# Who may connect ----------------------------------------------------------------------------------------


async def test_an_anonymous_socket_is_refused_with_4401(world):
    assert await refused_with(debate_path(world.debate)) == 4401


async def test_an_outsider_cannot_follow_a_private_debate(world):
    assert await refused_with(debate_path(world.private_debate), world.outsider) == 4403


async def test_an_unknown_debate_is_refused_like_a_private_one(world):
    assert await refused_with("/ws/debates/999999/", world.ana) == 4403


async def test_a_socket_from_another_site_is_refused(world):
    await refused_with(debate_path(world.debate), world.ana, origin=(b"origin", b"https://evil.example"))
    await refused_with(debate_path(world.debate), world.ana, origin=None)


async def test_members_and_readers_of_a_public_debate_connect_and_see_presence(world):
    ana = await connected(debate_path(world.debate), world.ana)
    assert (await frame(ana, "debate.presence"))["count"] >= 1
    observer = await connected(debate_path(world.debate), world.observer)  # observers read, live too
    outsider = await connected(debate_path(world.debate), world.outsider)  # a public debate is public
    counts = [(await frame(outsider, "debate.presence"))["count"]]
    assert counts[0] >= 3
    for communicator in (ana, observer, outsider):
        await communicator.disconnect()


# Events -----------------------------------------------------------------------------------------------


async def test_post_edit_react_hide_restore_and_delete_reach_the_socket(world):
    kofi = await connected(debate_path(world.debate), world.kofi)
    now = timezone.now
    message = await database_sync_to_async(debates.post_message)(
        debate=world.debate, author=world.ana, text="Let us **fund** it.", stance="for", now=now()
    )
    event = await frame(kofi, "debate.message")
    assert event["id"] == message.pk and "<strong>fund</strong>" in event["html"]

    await database_sync_to_async(debates.edit_message)(
        message=message, editor=world.ana, text="Fund it twice.", now=now()
    )
    assert "Fund it twice." in (await frame(kofi, "debate.edited"))["html"]
    await database_sync_to_async(debates.react)(message=message, user=world.convenor, kind="agree", now=now())
    assert "Agree 1" in (await frame(kofi, "debate.reaction"))["html"]
    await database_sync_to_async(debates.hide_message)(
        message=message, by=world.moderator, reason="Off topic.", now=now()
    )
    hidden = await frame(kofi, "debate.hidden")
    assert "Off topic." in hidden["html"] and "Fund it twice." not in hidden["html"]
    await database_sync_to_async(debates.restore_message)(message=message, by=world.moderator, now=now())
    assert "Fund it twice." in (await frame(kofi, "debate.restored"))["html"]
    await database_sync_to_async(debates.delete_message)(message=message, by=world.ana, now=now())
    deleted = await frame(kofi, "debate.deleted")
    assert deleted["id"] == message.pk and "Fund it twice." not in deleted["html"]
    await kofi.disconnect()


async def test_events_of_another_debate_do_not_arrive(world):
    kofi = await connected(debate_path(world.debate), world.kofi)
    other = await database_sync_to_async(debates.debate_for)(space=world.space, now=timezone.now())
    await database_sync_to_async(debates.post_message)(
        debate=other, author=world.ana, text="Elsewhere.", now=timezone.now()
    )
    await nothing_but_presence(kofi)
    await kofi.disconnect()


# Catch-up -----------------------------------------------------------------------------------------------


async def test_a_reconnecting_client_gets_what_it_missed_since_its_last_id(world):
    post = database_sync_to_async(debates.post_message)
    seen = await post(debate=world.debate, author=world.ana, text="Seen before the cut.", now=timezone.now())
    older = await Message.objects.filter(pk=seen.pk).aget()
    # While the client is away: two new messages, and an edit of the one it had seen.
    first = await post(debate=world.debate, author=world.kofi, text="Missed one.", now=timezone.now())
    second = await post(debate=world.debate, author=world.ana, text="Missed two.", now=timezone.now())
    await database_sync_to_async(debates.edit_message)(
        message=older, editor=world.ana, text="Seen, then edited.", now=timezone.now()
    )
    kofi = await connected(debate_path(world.debate), world.kofi)
    await kofi.send_json_to({"type": "since", "last_id": seen.pk})
    caught = await frame(kofi, "debate.since")
    by_id = {m["id"]: m["html"] for m in caught["messages"]}
    assert {first.pk, second.pk, seen.pk} <= set(by_id) and caught["more"] is False
    assert "Seen, then edited." in by_id[seen.pk] and "Missed two." in by_id[second.pk]
    await kofi.send_json_to({"type": "since", "last_id": second.pk})
    again = await frame(kofi, "debate.since")
    assert first.pk not in {m["id"] for m in again["messages"]}
    await kofi.disconnect()


async def test_catch_up_from_a_change_mark_and_an_author_still_reads_a_hidden_message(world):
    message = await database_sync_to_async(debates.post_message)(
        debate=world.debate, author=world.ana, text="My own words.", now=timezone.now()
    )
    mark = debates.change_mark(message.changed_at) + 1
    await database_sync_to_async(debates.hide_message)(
        message=message, by=world.moderator, reason="Rude.", now=message.changed_at + timedelta(seconds=1)
    )
    ana = await connected(debate_path(world.debate), world.ana)
    await ana.send_json_to({"type": "since", "last_id": message.pk, "at": mark})
    caught = (await frame(ana, "debate.since"))["messages"]
    assert [m["id"] for m in caught] == [message.pk]
    assert "Rude." in caught[0]["html"] and "My own words." in caught[0]["html"]
    assert caught[0]["at"] > mark
    await ana.send_json_to({"type": "since", "last_id": message.pk, "at": caught[0]["at"] + 1})
    assert (await frame(ana, "debate.since"))["messages"] == []
    kofi = await connected(debate_path(world.debate), world.kofi)
    await kofi.send_json_to({"type": "since", "last_id": 0})
    assert "My own words." not in (await frame(kofi, "debate.since"))["messages"][0]["html"]
    for communicator in (ana, kofi):
        await communicator.disconnect()


async def test_since_needs_a_valid_id(world):
    kofi = await connected(debate_path(world.debate), world.kofi)
    for bad in ("3", -1, None, True):
        await kofi.send_json_to({"type": "since", "last_id": bad})
        assert (await frame(kofi, "error"))["message"]
    for bad_mark in ("yesterday", 10**18, -5):
        await kofi.send_json_to({"type": "since", "last_id": 0, "at": bad_mark})
        assert (await frame(kofi, "error"))["message"]
    await kofi.disconnect()


# Posting through the socket -----------------------------------------------------------------------------


async def test_a_member_posts_through_the_socket_and_everyone_receives_it(world):
    ana = await connected(debate_path(world.debate), world.ana)
    kofi = await connected(debate_path(world.debate), world.kofi)
    await ana.send_json_to(
        {"type": "post", "text": "From the socket <img src=x onerror=alert(1)>", "stance": "question"}
    )
    posted = await frame(ana, "posted", ignore=["debate.message"])
    event = await frame(kofi, "debate.message")
    assert event["id"] == posted["id"] and "From the socket" in event["html"]
    assert "onerror" not in event["html"] and "<img" not in event["html"]
    await ana.send_json_to({"type": "post", "text": "A reply.", "reply_to": posted["id"]})
    reply = await frame(kofi, "debate.message")
    assert reply["reply_to"] == posted["id"]
    for communicator in (ana, kofi):
        await communicator.disconnect()


async def test_an_observer_posting_through_the_socket_gets_an_error_frame(world):
    oscar = await connected(debate_path(world.debate), world.observer)
    await oscar.send_json_to({"type": "post", "text": "I only watch."})
    assert "Observers" in (await frame(oscar, "error"))["message"]
    assert not await Message.objects.aexists()
    await oscar.disconnect()


async def test_posts_through_the_socket_are_rate_limited(world, settings):
    settings.DELIBERATE_DEBATE_POSTS_PER_MINUTE = 2
    ana = await connected(debate_path(world.debate), world.ana)
    for number in range(2):
        await ana.send_json_to({"type": "post", "text": f"Message {number}."})
        await frame(ana, "posted", ignore=["debate.message"])
    await ana.send_json_to({"type": "post", "text": "One too many."})
    refusal = await frame(ana, "error", ignore=["debate.message"])
    assert "too fast" in refusal["message"] and refusal["retry_after"] > 0
    assert await Message.objects.acount() == 2
    await ana.disconnect()


async def test_a_flooding_socket_is_told_to_slow_down(world):
    ana = await connected(debate_path(world.debate), world.ana)
    for _ in range(15):
        await ana.send_json_to({"type": "ping"})
    kinds = []
    for _ in range(15):
        received = await ana.receive_json_from(timeout=TIMEOUT)
        while received["type"] == "debate.presence":
            received = await ana.receive_json_from(timeout=TIMEOUT)
        kinds.append(received["type"])
    assert kinds.count("pong") <= 11 and "error" in kinds
    await ana.disconnect()


async def test_bad_frames_get_an_error_and_the_socket_stays_open(world):
    ana = await connected(debate_path(world.debate), world.ana)
    await ana.send_to(text_data="not json")
    assert (await frame(ana, "error"))["message"]
    await ana.send_json_to({"type": "launch"})
    assert (await frame(ana, "error"))["message"]
    await ana.send_to(text_data="x" * 20_000)
    assert (await frame(ana, "error"))["message"]
    await ana.send_json_to({"type": "ping"})
    assert await frame(ana, "pong")
    await ana.disconnect()


# Revocation ---------------------------------------------------------------------------------------------


async def test_muting_closes_the_members_debate_sockets_and_a_muted_member_cannot_post(world):
    ana = await connected(debate_path(world.debate), world.ana)
    now = timezone.now()
    await database_sync_to_async(debates.mute_member)(
        assembly=world.assembly,
        by=world.moderator,
        member=world.ana,
        until=now + timedelta(hours=1),
        reason="Flooding.",
        now=now,
    )
    while True:
        output = await ana.receive_output(timeout=TIMEOUT)
        if output["type"] == "websocket.close":
            break
    assert output["code"] == 4403
    await ana.disconnect()
    # Reading is still allowed: the reconnected socket refuses the post with the reason.
    again = await connected(debate_path(world.debate), world.ana)
    await again.send_json_to({"type": "post", "text": "Let me speak."})
    assert "muted" in (await frame(again, "error"))["message"]
    await again.disconnect()


async def test_a_revocation_in_another_assembly_leaves_the_socket_open(world):
    ana = await connected(debate_path(world.debate), world.ana)
    await database_sync_to_async(membership.revoke_member_sockets)(assembly=world.private, user=world.ana)
    await ana.send_json_to({"type": "ping"})
    assert await frame(ana, "pong")
    await ana.disconnect()


# The personal feed --------------------------------------------------------------------------------------


async def test_the_personal_socket_receives_notifications_and_refuses_anonymous(world):
    assert await refused_with("/ws/me/") == 4401
    ana = await connected("/ws/me/", world.ana)
    message = await database_sync_to_async(debates.post_message)(
        debate=world.debate, author=world.ana, text="Hello.", now=timezone.now()
    )
    await database_sync_to_async(debates.hide_message)(
        message=message, by=world.moderator, reason="Spam.", now=timezone.now()
    )
    notification = await frame(ana, "user.notification")
    assert "Spam." in notification["text"] and notification["url"].endswith(f"/m/{message.pk}/")
    await ana.disconnect()
