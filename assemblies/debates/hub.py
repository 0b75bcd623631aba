"""One channel-layer subscription per process and debate, fanned out to the sockets of this process.

With a channel per socket, every broadcast would cross the channel layer once per socket (with
channels_redis's list-based layer, one Redis push and pop per socket and event; with its
publish/subscribe layer, one decoding per socket). The hub joins each debate group once per process with
one channel of its own, receives each event once, and hands it to the sockets here, which share one
encoded frame per language. Events therefore name their debate (`"debate": <id>`); the services put it
there.

Sockets still keep their own channel for their person's group (`user.<id>`: revocations and
notifications), which carries little traffic.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

logger = logging.getLogger(__name__)

# channels_redis's list-based layer forgets group members after a day (`group_expiry`): the hub renews
# its memberships (a no-op on the publish/subscribe layer).
RENEW_SECONDS = 3600
YIELD_EVERY = 50


class DebateHub:
    def __init__(self, layer):
        self.layer = layer
        self.channel: str | None = None
        self.members: dict[int, set] = {}
        self.lock = asyncio.Lock()
        self.tasks: list[asyncio.Task] = []

    async def join(self, debate_id: int, socket) -> None:
        async with self.lock:
            if self.channel is None:
                # The default prefix on purpose: channels_redis's list-based layer receives every
                # channel of a process through one key per prefix, under one lock.
                self.channel = await self.layer.new_channel()
                loop = asyncio.get_running_loop()
                self.tasks = [loop.create_task(self._pump()), loop.create_task(self._renew())]
            sockets = self.members.setdefault(debate_id, set())
            if not sockets:
                await self.layer.group_add(f"debate.{debate_id}", self.channel)
            sockets.add(socket)

    async def leave(self, debate_id: int, socket) -> None:
        async with self.lock:
            sockets = self.members.get(debate_id)
            if sockets is None:
                return
            sockets.discard(socket)
            if sockets:
                return
            del self.members[debate_id]
            await self.layer.group_discard(f"debate.{debate_id}", self.channel)
            if not self.members:
                # The last socket of the process left: stop listening until the next one comes.
                tasks, self.tasks, self.channel = self.tasks, [], None
                for task in tasks:
                    task.cancel()
                # Let the receive unwind now (the publish/subscribe layer unsubscribes the channel as
                # it does; the list-based one refuses a receive from another event loop while one it
                # started is still pending).
                await asyncio.gather(*tasks, return_exceptions=True)

    def local_count(self, debate_id: int) -> int:
        return len(self.members.get(debate_id, ()))

    async def _pump(self) -> None:
        channel = self.channel
        while True:
            try:
                event = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # an unreachable layer: retry; readers catch up when they reconnect
                logger.exception("The debate hub could not receive")
                await asyncio.sleep(1)
                continue
            for number, socket in enumerate(list(self.members.get(event.get("debate"), ())), start=1):
                try:
                    await socket.deliver(event)
                except Exception:  # mostly a socket closing before it left: its reader reconnects
                    logger.debug("Could not deliver %s to a socket", event.get("type"), exc_info=True)
                if number % YIELD_EVERY == 0:
                    # Handing an event to a thousand sockets takes tens of milliseconds without ever
                    # waiting: let the loop run what queued meanwhile (a post's publish, a handshake).
                    await asyncio.sleep(0)

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            for debate_id in list(self.members):
                await self.layer.group_add(f"debate.{debate_id}", self.channel)


_hubs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def hub_for(layer) -> DebateHub:
    """The hub of the running event loop (one per Daphne process; one per test's loop in tests)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None or hub.layer is not layer:
        hub = _hubs[loop] = DebateHub(layer)
    return hub
