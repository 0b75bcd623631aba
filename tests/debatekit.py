"""What the debate tests share: an assembly with every role, its debates, and a way to capture the
events the services publish after commit. Test modules import the fixtures they use by name."""

from __future__ import annotations

import asyncio
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.db import connections
from django.utils import timezone

from assemblies.debates.services import debates
from assemblies.membership.models import Role
from assemblies.roadmap.models import Item
from tests import factories


@dataclass
class World:
    convenor: object
    moderator: object
    ana: object
    kofi: object
    observer: object
    outsider: object
    anonymous: object
    assembly: object
    space: object
    item: object
    debate: object
    private: object
    private_debate: object


def build_world() -> World:
    convenor = factories.user("Amara")
    moderator = factories.user("Moss")
    ana, kofi = factories.user("Ana"), factories.user("Kofi")
    observer, outsider = factories.user("Oscar"), factories.user("Olu")
    assembly = factories.assembly(
        convenor,
        name="Mont Blanc",
        roadmap_text=factories.SMALL_ROADMAP,
        members=[(moderator, Role.MODERATOR), (ana, Role.MEMBER), (kofi, Role.MEMBER), (observer, Role.OBSERVER)],
    )
    space = factories.space_in(assembly, "DIG", phase="deliberation")
    item = Item.objects.filter(roadmap__assembly=assembly, space=space).order_by("pk").first()
    private = factories.assembly(
        convenor,
        name="Council",
        visibility="members",
        roadmap_text=factories.SMALL_ROADMAP,
        members=[(ana, Role.MEMBER)],
    )
    now = timezone.now()
    return World(
        convenor=convenor,
        moderator=moderator,
        ana=ana,
        kofi=kofi,
        observer=observer,
        outsider=outsider,
        anonymous=AnonymousUser(),
        assembly=assembly,
        space=space,
        item=item,
        debate=debates.debate_for(item=item, now=now),
        private=private,
        private_debate=debates.debate_for(space=private.spaces.get(code="DIG"), now=now),
    )


@pytest.fixture
def world(db):
    return build_world()


class Sent(list):
    """(group, event) pairs, as the channel layer would have received them."""

    def types(self, group=None):
        return [event["type"] for g, event in self if group is None or g == group]

    def of(self, kind):
        return [event for _g, event in self if event["type"] == kind]


@pytest.fixture
def sent(monkeypatch):
    events = Sent()
    monkeypatch.setattr(
        "assemblies.common.events._send_rollback_unsafe", lambda group, event: events.append((group, event))
    )
    return events


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """`with committing():` runs the on-commit callbacks of what happens inside, as a commit would."""

    @contextmanager
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return run


ORIGIN = (b"origin", b"http://localhost")


def session_cookie(user) -> bytes:
    """The Cookie header of a logged-in session, for a WebsocketCommunicator."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


def post(world_or_debate, author, text="A point worth making.", **kwargs):
    debate = getattr(world_or_debate, "debate", world_or_debate)
    return debates.post_message(
        debate=debate, author=author, text=text, now=kwargs.pop("now", timezone.now()), **kwargs
    )


async def close_consumer_connections() -> None:
    """Close the database connections of the threads the consumers ran on: the default one and the
    debate sockets' own (assemblies.debates.consumers._debate_db). Left open, they keep the test database
    from being dropped at the end of the run."""
    from assemblies.debates import consumers

    await database_sync_to_async(connections.close_all)()
    # One task per thread: each waits for the others, so no thread runs two and every one closes.
    barrier = threading.Barrier(consumers.DEBATE_DB_WORKERS)

    def close():
        try:
            barrier.wait(timeout=10)
        finally:
            connections.close_all()

    tasks = [consumers._debate_db.submit(close) for _ in range(consumers.DEBATE_DB_WORKERS)]
    await asyncio.gather(*(asyncio.wrap_future(task) for task in tasks), return_exceptions=True)
