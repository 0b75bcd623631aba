"""Secret-ballot privacy, end to end on PostgreSQL and Redis: after a secret poll whose codes went out by email
(members voting logged in, by the plain form and by the JavaScript path, with a revote, a wrong code and a
close), no voting code and no link between a member and a credential or a choice is found in:

- any table of the database (every column of every row as text, sessions decoded),
- the application's logs, captured at DEBUG for the whole run,
- the channel layer's traffic (a channel subscribed to every group involved, and Redis MONITOR on the
  tests' Redis database), and the cache's keys and values in Redis.

tests/polls/test_privacy.py checks the database and the published events on the embedded defaults; this one
runs the real layers, decodes what they hold, and checks that the secret-ballot requests never read who is
logged in.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
import urllib.parse

import pytest
import redis
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from polls import services
from polls.core import board as B
from polls.models import BoardLine
from tests.polls import pollkit as K
from tests.polls.test_privacy import every_row

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


class Monitor(threading.Thread):
    """Every command Redis runs on the tests' database, as text, until stopped."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.db = int(urllib.parse.urlparse(url).path.strip("/") or 0)
        self.client = redis.Redis.from_url(url)
        self.commands: list[str] = []
        self.ready = threading.Event()
        self.stopping = False

    def run(self):
        with self.client.monitor() as monitor:
            self.ready.set()
            for command in monitor.listen():
                if self.stopping:
                    return
                if command.get("db") == self.db:
                    self.commands.append(command["command"])

    def stop(self):
        self.stopping = True
        self.client.ping()  # one more command wakes the listener up
        self.join(timeout=5)


class Listener(threading.Thread):
    """A channel subscribed to the given groups, receiving in an event loop of its own until stopped."""

    def __init__(self, groups: list[str]):
        super().__init__(daemon=True)
        self.groups, self.events = groups, []
        self.ready, self.stopping = threading.Event(), False

    def run(self):
        asyncio.run(self.listen())

    async def listen(self):
        layer = get_channel_layer()
        channel = await layer.new_channel()
        for group in self.groups:
            await layer.group_add(group, channel)
        self.ready.set()
        while not self.stopping:
            try:
                self.events.append(await asyncio.wait_for(layer.receive(channel), timeout=0.5))
            except TimeoutError:
                continue
        for group in self.groups:
            await layer.group_discard(group, channel)

    def stop(self) -> list[dict]:
        time.sleep(1)  # what was sent after commit is on its way
        self.stopping = True
        self.join(timeout=10)
        return self.events


def forms_of(code: str) -> set[str]:
    bare = code.replace("-", "")
    return {code, bare, code.lower(), bare.lower()}


def test_no_code_and_no_member_credential_link_in_the_database_the_logs_or_the_channel_layer(mailoutbox, caplog):
    caplog.set_level(logging.DEBUG)
    monitor = Monitor(settings.REDIS_URL)
    monitor.start()
    assert monitor.ready.wait(5)

    assembly, convenor, members, observer = K.world(5)
    people = [convenor, *members]
    poll = K.make_poll(assembly, convenor, kind="approval", secrecy="credential", delivery="email")
    listener = Listener([f"poll.{poll.pk}", f"assembly.{assembly.pk}", *[f"user.{p.pk}" for p in people + [observer]]])
    listener.start()
    assert listener.ready.wait(10)
    poll, _none = K.open_poll(poll, convenor)
    codes = [re.search(r"#code=([A-Z2-7-]{29})", m.body).group(1) for m in mailoutbox]
    assert len(codes) == len(people) == 6
    vote_url = reverse("poll_vote_code", args=[poll.public_id])

    # Logged-in members vote with the plain form; the request must not even read who they are.
    for person, code, choice in zip(members[:3], codes, [["solar-co-op"], ["seed-library"], []]):
        client = Client()
        client.force_login(person)
        with CaptureQueriesContext(connection) as queries:
            response = client.post(vote_url, {"code": code, "choice": choice})
        assert response.status_code == 200
        touched = " ".join(q["sql"] for q in queries.captured_queries)
        assert "deliberate_user" not in touched and "django_session" not in touched
    # A revote, a wrong code, and the JavaScript path (signed in the browser, posted as JSON).
    client = Client()
    client.force_login(members[0])
    assert client.post(vote_url, {"code": codes[0], "choice": ["repair-cafe"]}).status_code == 200
    wrong = codes[4][:-1] + ("A" if codes[4][-1] != "A" else "B")
    assert client.post(vote_url, {"code": wrong, "choice": ["repair-cafe"]}).status_code == 403
    client = Client()
    client.force_login(members[3])
    client.get(vote_url)
    body = B.make_ballot_body(
        poll.public_id,
        poll.fingerprint,
        services.derive_credential(codes[3], poll.public_id),
        ["repair-cafe", "solar-co-op"],
        signer="voter",
    )
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("poll_ballots", args=[poll.public_id]),
            json.dumps(body),
            content_type="application/json",
            HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
        )
    assert response.status_code == 201
    touched = " ".join(q["sql"] for q in queries.captured_queries)
    assert "deliberate_user" not in touched and "django_session" not in touched
    K.close(poll)

    events = listener.stop()
    monitor.stop()
    assert {event["type"] for event in events} >= {"poll.opened", "poll.turnout", "poll.closed"}

    secrets_ = {form for code in codes + [wrong] for form in forms_of(code)}
    ballots = list(BoardLine.objects.filter(poll=poll, type="ballot").values_list("cred", "nonce", "tracker"))
    assert len(ballots) == 5
    public = {value for row in ballots for value in row} | set(services.setup_of(poll).cred_index)
    member_ids = {p.pk for p in people}
    identities = {p.email for p in people} | {p.name for p in people}

    # The database: every column of every row, with the sessions' contents decoded.
    for model, values, users in every_row():
        text = " ".join(values.values())
        if model is Session:
            text += json.dumps(Session.objects.get(session_key=values["session_key"]).get_decoded())
        assert not [s for s in secrets_ if s in text], f"a voting code is stored in {model.__name__}"
        if users & member_ids:
            assert not [p for p in public if p in text], f"{model.__name__} links a member to a credential or ballot"

    # The logs of the whole run.
    logged = caplog.text
    assert not [s for s in secrets_ if s in logged], "a voting code was logged"
    for record in caplog.records:
        message = record.getMessage()
        if any(p in message for p in public):
            assert not any(who in message for who in identities), "a log line names a member beside a credential"

    # The channel layer: what a subscriber received, and every command Redis ran on the tests' database.
    received = json.dumps(events, default=str)
    assert not [s for s in secrets_ | public if s in received], "an event carries a code or a credential"
    traffic = "\n".join(monitor.commands)
    assert "poll.turnout" in traffic, "the monitor saw none of the channel layer's traffic"
    assert not [s for s in secrets_ | public if s in traffic], "a code or a credential crossed Redis"
    cache = redis.Redis.from_url(settings.REDIS_URL)
    stored = []
    for key in cache.scan_iter(count=1000):
        value = cache.dump(key) or b""
        stored.append(key.decode("latin-1") + " " + value.decode("latin-1"))
    stored_text = "\n".join(stored)
    assert not [s for s in secrets_ | public if s in stored_text], "the cache holds a code or a credential"
