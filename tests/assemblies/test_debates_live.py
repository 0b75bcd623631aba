"""Scale-out: two Daphne processes sharing events through Redis, on one PostgreSQL database. A message
posted through one process reaches the clients of the other, whether posted over a socket or a form."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.livekit import live_site, post_form

pytestmark = [pytest.mark.redis, pytest.mark.postgres]
TIMEOUT = 10


@pytest.fixture(scope="module")
def site():
    with live_site(servers=2, use_services=True) as running:
        yield running


def follow(site, server: int, person: str, debate=None):
    debate = debate or site.data["debate"]
    return connect(
        site.ws(server, f"/ws/debates/{debate}/"),
        origin=site.origin(server),
        additional_headers={"Cookie": f"sessionid={site.data['sessions'][person]}"},
        open_timeout=TIMEOUT,
    )


async def frame(socket, kind):
    while True:
        received = json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))
        if received["type"] == kind:
            return received


async def test_a_message_posted_on_one_daphne_reaches_a_client_of_the_other(site):
    async with follow(site, 0, "kofi") as kofi_on_first, follow(site, 1, "ana") as ana_on_second:
        await frame(kofi_on_first, "debate.presence")
        await frame(ana_on_second, "debate.presence")
        await ana_on_second.send(json.dumps({"type": "post", "text": "Across **processes**.", "stance": "for"}))
        posted = await frame(ana_on_second, "posted")
        event = await frame(kofi_on_first, "debate.message")
        assert event["id"] == posted["id"] and "<strong>processes</strong>" in event["html"]


async def test_a_form_posted_to_one_daphne_reaches_a_socket_on_the_other(site):
    data = site.data
    async with follow(site, 0, "ana") as ana_on_first:
        await frame(ana_on_first, "debate.presence")
        response = await asyncio.to_thread(
            post_form,
            site.bases[1],
            f"/a/{data['slug']}/debates/{data['debate']}/post/",
            data["debate_url"],
            session=data["sessions"]["kofi"],
            fields={"text": "Posted without JavaScript.", "stance": ""},
        )
        assert response.status == 302
        event = await frame(ana_on_first, "debate.message")
        assert "Posted without JavaScript." in event["html"]
        # The reader that reconnects to the other process catches up from the shared database.
    async with follow(site, 1, "ana") as again:
        await again.send(json.dumps({"type": "since", "last_id": 0}))
        caught = await frame(again, "debate.since")
        assert any("Posted without JavaScript." in m["html"] for m in caught["messages"])


async def test_presence_counts_readers_on_both_processes(site):
    async with follow(site, 0, "kofi") as first, follow(site, 1, "ana") as second:
        await frame(first, "debate.presence")
        await frame(second, "debate.presence")
        counts = set()
        for _ in range(4):
            counts.add((await frame(first, "debate.presence"))["count"])
            if 2 in counts:
                break
        assert 2 in counts


async def test_a_refused_socket_is_refused_at_the_handshake(site):
    # Refusing before accept makes Daphne answer the handshake with HTTP 403 (the 4403 code is what
    # the ASGI application closes with; a real client sees the refused upgrade).
    with pytest.raises(InvalidStatus) as refusal:
        async with follow(site, 1, "outsider", debate=site.data["private_debate"]):
            pass
    assert refusal.value.response.status_code == 403
