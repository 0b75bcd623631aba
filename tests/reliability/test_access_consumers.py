"""Access to every WebSocket consumer, for every role, through the real ASGI application: who may open the debate,
live-session and personal sockets of a public and of a members-only assembly. A members-only assembly's
sockets refuse outsiders with exactly the code an unknown id gets, so they learn nothing."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections

from assemblies.debates.consumers import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED
from deliberate.asgi import application
from tests.debatekit import ORIGIN, session_cookie

from . import worldkit as W
from .test_bad_frames import close_worker_connections

pytestmark = [pytest.mark.django_db(transaction=True)]

ACCEPTED = "accepted"


def expected(path_kind: str, private: bool, role: str):
    if role == "anonymous":
        return CLOSE_UNAUTHENTICATED
    if path_kind == "me" or not private:
        return ACCEPTED
    return CLOSE_FORBIDDEN if role in W.OUTSIDERS else ACCEPTED


async def outcome(path: str, cookie: bytes | None):
    headers = [ORIGIN] + ([(b"cookie", cookie)] if cookie else [])
    communicator = WebsocketCommunicator(application, path, headers=headers)
    ok, code = await communicator.connect(timeout=5)
    await communicator.disconnect()
    return ACCEPTED if ok else code


async def test_every_consumer_admits_exactly_the_roles_that_may_read():
    world = await database_sync_to_async(W.build_world)()
    cookies = {
        role: None if role == "anonymous" else await database_sync_to_async(session_cookie)(world.people[role])
        for role in W.ROLES
    }
    paths = []
    for private, site in ((False, world.public), (True, world.private)):
        paths += [
            ("debate", private, f"/ws/debates/{site.debate.pk}/"),
            ("session", private, f"/ws/sessions/{site.session.pk}/"),
        ]
    paths.append(("me", False, "/ws/me/"))
    wrong = []
    try:
        for role in W.ROLES:
            for kind, private, path in paths:
                got = await outcome(path, cookies[role])
                if got != expected(kind, private, role):
                    wrong.append(f"{role} on {path} ({'private' if private else 'public'} {kind}): {got}")
            if role != "anonymous":
                for unknown in ("/ws/debates/999999/", "/ws/sessions/999999/"):
                    assert await outcome(unknown, cookies[role]) == CLOSE_FORBIDDEN
    finally:
        await database_sync_to_async(connections.close_all)()
        await database_sync_to_async(close_worker_connections, thread_sensitive=False)()
    assert not wrong, "\n".join(wrong)
