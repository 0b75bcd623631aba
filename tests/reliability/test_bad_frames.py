"""Bad input on the WebSocket consumers, property-based: frames of every type, malformed and hostile, sent to
the debate, live-session and personal sockets through the real ASGI application. Each frame is answered once
(an error frame that says why, or the frame's answer), nothing refused is written, and the socket stays open.
"""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from hypothesis import given, settings
from hypothesis import strategies as st

from assemblies.debates import consumers
from assemblies.debates.models import LiveSession, Message
from assemblies.debates.services import live_sessions
from deliberate.asgi import application
from tests.debatekit import ORIGIN, build_world, session_cookie

from .test_bad_input import FEW, json_values, text

# Frames ----------------------------------------------------------------------------------------------------

frames = st.one_of(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["since", "post", "ping", "refresh", "pong", "nope", ""])},
        optional={
            "last_id": json_values,
            "at": json_values,
            "text": json_values,
            "stance": json_values,
            "reply_to": json_values,
        },
    ).map(json.dumps),
    json_values.map(json.dumps),
    text,
    st.binary(max_size=50),
    st.just("x" * 20_000),
    st.just('{"type": "since", "last_id": 1e400}'),
    st.just('{"type": "since", "at": 99999999999999999}'),
)


@pytest.mark.django_db(transaction=True)
def test_every_consumer_answers_hostile_frames_with_an_error_frame_and_stays_open(monkeypatch):
    from django.conf import settings as django_settings

    # The flood and posting limits have their own tests.
    monkeypatch.setattr(consumers, "FRAME_BURST", 10_000)
    monkeypatch.setattr(django_settings, "DELIBERATE_DEBATE_POSTS_PER_MINUTE", 10_000, raising=False)
    w = build_world()
    from django.utils import timezone

    session = live_sessions.start_session(
        assembly=w.assembly, by=w.convenor, title="Session", debates=[w.debate], now=timezone.now()
    )
    cookie = session_cookie(w.ana)
    paths = [f"/ws/debates/{w.debate.pk}/", f"/ws/sessions/{session.pk}/", "/ws/me/"]
    count = database_sync_to_async(lambda: Message.objects.count())

    async def exchange(path, frame):
        """Send the frame, then a ping; return what came back before the ping's pong."""
        communicator = WebsocketCommunicator(application, path, headers=[ORIGIN, (b"cookie", cookie)])
        ok, code = await communicator.connect(timeout=5)
        assert ok, code
        before = await count()
        if isinstance(frame, bytes):
            await communicator.send_to(bytes_data=frame)
        else:
            await communicator.send_to(text_data=frame)
        await communicator.send_json_to({"type": "ping"})
        pongs, answers = 1 + _is_ping(frame), []
        while pongs:
            received = await communicator.receive_json_from(timeout=5)
            if received["type"] == "pong":
                pongs -= 1
                if not pongs:
                    break
            if received["type"] != "debate.presence":
                answers.append(received)
        await communicator.disconnect()
        posted = sum(1 for a in answers if a["type"] == "posted")
        assert await count() == before + posted, "a refused frame wrote a message"
        assert all(a["message"].strip() for a in answers if a["type"] == "error")
        return answers

    @settings(FEW, max_examples=30)
    @given(path=st.sampled_from(paths), frame=frames)
    def check(path, frame):
        answers = async_to_sync(exchange)(path, frame)
        assert len(answers) == 1, (path, frame, answers)  # every frame is answered, once

    try:
        check()
    finally:
        async_to_sync(database_sync_to_async(connections.close_all))()
        close_worker_connections()
    assert LiveSession.objects.filter(pk=session.pk).exists()


def _is_ping(frame) -> bool:
    try:
        content = json.loads(frame)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(content, dict) and content.get("type") == "ping"


def close_worker_connections():
    """The consumers' own database threads keep a connection each: close them all (one task per thread,
    held at a barrier so that no thread takes two), or the test database cannot be dropped."""
    import threading

    executor = getattr(consumers, "_debate_db", None)
    if executor is None:
        return
    workers = executor._max_workers
    barrier = threading.Barrier(workers)

    def close():
        barrier.wait(timeout=10)
        connections.close_all()

    for future in [executor.submit(close) for _ in range(workers)]:
        future.result(timeout=20)
