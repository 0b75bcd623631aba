"""WebSocket consumers: a debate's live feed (`ws/debates/<id>/`) and a person's own feed (`ws/me/`).

They are thin: permission is checked in `connect`, before `accept` (4401 for an anonymous socket, 4403
for a debate the person may not read or that does not exist); state changes go through the services
(through `database_sync_to_async`), whose events arrive through the process's hub (`assemblies.debates.hub`:
one subscription per process and debate) and are forwarded.
The server, not the socket, is the source of truth: a client that reconnects sends `{"type": "since",
"last_id": N}` and receives what it missed; pages also ask every minute, since the channel layer may
drop an event without closing the socket (channels_redis drops what a full channel cannot hold, and what
a process's hub could not receive while Redis was unreachable).

Client frames: `since` (`last_id`, and `at`: the latest change mark seen), `post` (`text`, `stance`,
`reply_to`) and `ping`. Each socket may send a few frames a second (a token bucket); a socket that keeps
flooding is closed with 4429.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assemblies.common.errors import DomainError, NotAllowed, NotFound, RateLimited, close_code, http_status
from assemblies.debates import rules as debates_rules
from assemblies.debates import selectors as debate_selectors
from assemblies.debates.hub import hub_for
from assemblies.debates.models import LiveSession
from assemblies.debates.services import debates as debate_services
from assemblies.debates.services import live_sessions
from assemblies.membership import rules as membership_rules

CLOSE_UNAUTHENTICATED = 4401  # no domain error: the socket has no session
CLOSE_FORBIDDEN = close_code(NotAllowed)
CLOSE_FLOODING = close_code(RateLimited)
MAX_FRAME_CHARS = 16_000
FRAME_BURST = 10
FRAMES_PER_SECOND = 2.0
FLOOD_TOLERANCE = 20
PRESENCE_DELAY = 1.0
PRESENCE_TTL = 6 * 3600

DEBATE_EVENTS = (
    "debate.message",
    "debate.edited",
    "debate.deleted",
    "debate.hidden",
    "debate.restored",
    "debate.reaction",
)


class TokenBucket:
    """`capacity` frames at once, refilled at `rate` a second."""

    def __init__(self, capacity: float, rate: float, now: float):
        self.capacity, self.rate = capacity, rate
        self.tokens, self.updated = capacity, now

    def take(self, now: float) -> bool:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def language_of(scope, user) -> str:
    """The reader's interface language: saved on the account, else the language cookie, else the
    browser's first supported choice, else the site's."""
    candidates = [getattr(user, "language", "")]
    candidates.append(scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME, ""))
    headers = dict(scope.get("headers") or [])
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    candidates += [part.split(";")[0].strip() for part in accept.split(",")]
    for candidate in candidates:
        if not candidate:
            continue
        try:
            return translation.get_supported_language_variant(candidate)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


# Presence: a counter per debate in the shared cache (every Daphne process adds and removes its
# sockets). A process that dies leaves its sockets counted until the counter expires after hours of
# quiet; the count shown is never below one, the reader.


def _presence_key(debate_id: int) -> str:
    return f"debate-presence:{debate_id}"


def _presence_change_sync(debate_id: int, delta: int) -> int:
    key = _presence_key(debate_id)
    cache.add(key, 0, timeout=PRESENCE_TTL)
    try:
        value = cache.incr(key, delta)
    except ValueError:
        value = max(delta, 0)
        cache.set(key, value, timeout=PRESENCE_TTL)
    if value < 0:
        cache.set(key, 0, timeout=PRESENCE_TTL)
        value = 0
    return value


presence_change = sync_to_async(_presence_change_sync, thread_sensitive=False)
presence_count = sync_to_async(lambda debate_id: cache.get(_presence_key(debate_id), 0), thread_sensitive=False)

_presence_broadcasts: dict[int, asyncio.Task] = {}


def schedule_presence_broadcast(layer, debate_id: int) -> None:
    """Tell the debate how many are viewing, at most once per PRESENCE_DELAY per process: a thousand
    readers arriving must not send a million presence frames."""
    pending = _presence_broadcasts.get(debate_id)
    loop = asyncio.get_running_loop()
    if pending is not None and not pending.done() and pending.get_loop() is loop:
        return

    async def broadcast():
        try:
            await asyncio.sleep(PRESENCE_DELAY)
        finally:
            _presence_broadcasts.pop(debate_id, None)
        count = await presence_count(debate_id)
        await layer.group_send(
            f"debate.{debate_id}", {"type": "debate.presence", "debate": debate_id, "count": max(int(count), 1)}
        )

    _presence_broadcasts[debate_id] = loop.create_task(broadcast())


# Database work, each in one sync call ------------------------------------------------------------------

# A debate socket's database work (the permission check on connect, catch-up, posts) runs on a few
# threads of its own rather than on the one thread that `database_sync_to_async` shares by default:
# a post publishes its event after commit through the event loop and waits for it, and the loop may be
# busy handing the previous message to a thousand sockets; on the shared thread every other socket's
# post, catch-up and handshake would queue behind that wait. Each worker keeps its own connection.
DEBATE_DB_WORKERS = 4
_debate_db = ThreadPoolExecutor(max_workers=DEBATE_DB_WORKERS, thread_name_prefix="debate-db")


def debate_db(function):
    return database_sync_to_async(function, thread_sensitive=False, executor=_debate_db)


@debate_db
def _readable_debate(user, pk: int):
    """The debate and the id of the poll it is about (None when none), or None when it may not be read."""
    debate = debate_selectors.debate_by_pk(pk)
    if debate is None or not debates_rules.can_view_debate(user, debate):
        return None
    return debate, _poll_id_of(debate)


def _poll_id_of(debate) -> int | None:
    poll = live_sessions.poll_of_debate(debate)
    return poll.pk if poll is not None else None


_current_poll_id = debate_db(_poll_id_of)


@debate_db
def _catch_up(user, debate, last_id: int, since, language: str):
    """Rendered for this reader (unlike broadcast events): an author catching up still reads their
    hidden message, as on the page. None when the reader may no longer read the debate (pages ask
    every minute: a revocation event lost on the way still closes the socket then)."""
    membership_rules.forget_memberships(user)
    if not debates_rules.can_view_debate(user, debate):
        return None
    messages, more = debate_selectors.changed_since(debate, last_id, since=since)
    debate_selectors.for_reader(user, debate, messages)
    return [
        {
            "id": m.pk,
            "reply_to": m.reply_to_id,
            "at": debate_services.change_mark(m.changed_at),
            "html": debate_services.message_html(m, language=language),
        }
        for m in messages
    ], more


@debate_db
def _post(debate_id: int, user, text, stance, reply_to_id) -> int:
    membership_rules.forget_memberships(user)  # a socket lives for hours: read the membership (mute, role) afresh
    debate = debate_selectors.debate_by_pk(debate_id)
    if debate is None or not debates_rules.can_view_debate(user, debate):
        raise NotAllowed(_("This debate is not open to you."))
    reply_to = None
    if reply_to_id is not None:
        reply_to = debate_selectors.message_in(debate, reply_to_id)
        if reply_to is None:
            raise NotFound(_("The message you reply to is not in this debate."))
    message = debate_services.post_message(
        debate=debate, author=user, text=text, stance=stance, reply_to=reply_to, now=timezone.now()
    )
    return message.pk


def _time_of_mark(mark: int):
    try:
        return datetime.fromtimestamp(mark / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _int_or_none(value):
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


class JsonFramesConsumer(AsyncJsonWebsocketConsumer):
    """Frames are small JSON objects; anything else gets an error frame instead of closing the socket,
    and a socket that floods is closed."""

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if not self.frames.take(time.monotonic()):
            self.floods += 1
            if self.floods > FLOOD_TOLERANCE:
                await self.close(code=CLOSE_FLOODING)
            else:
                await self.error(_("Too many messages on this connection: slow down."))
            return
        if text_data is None or len(text_data) > MAX_FRAME_CHARS:
            await self.error(_("This frame is too large or not text."))
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            content = None
        if not isinstance(content, dict):
            await self.error(_("Frames are JSON objects."))
            return
        await self.receive_json(content)

    def start_frames(self):
        self.frames = TokenBucket(FRAME_BURST, FRAMES_PER_SECOND, time.monotonic())
        self.floods = 0

    async def error(self, message: str, **extra):
        await self.send_json({"type": "error", "message": str(message), **extra})


# Polls beside a debate or a session: live turnout, never a partial result ------------------------------

TURNOUT_INTERVAL = 1.0
FRAGMENT_SECONDS = 2.0


def _poll_fragment_sync(poll_id: int, language: str) -> str:
    return live_sessions.poll_html(poll_id, now=timezone.now(), language=language)


_poll_fragment = debate_db(_poll_fragment_sync)
# (loop, poll, language, occasion) -> (rendered at, future of the fragment): the sockets of a process
# share one rendering when a poll opens or closes, instead of a query each.
_fragments: dict[tuple, tuple[float, asyncio.Future]] = {}


async def poll_fragment(poll_id: int, language: str, occasion: str) -> str:
    loop = asyncio.get_running_loop()
    key, now = (id(loop), poll_id, language, occasion), time.monotonic()
    cached = _fragments.get(key)
    if cached is None or now - cached[0] > FRAGMENT_SECONDS or cached[1].get_loop() is not loop:
        for stale in [k for k, (at, _future) in _fragments.items() if now - at > FRAGMENT_SECONDS]:
            del _fragments[stale]
        cached = _fragments[key] = (now, asyncio.ensure_future(_poll_fragment(poll_id, language)))
    return await asyncio.shield(cached[1])


@functools.lru_cache(maxsize=512)
def turnout_text(count: int, language: str) -> str:
    with translation.override(language):
        return ngettext("%(counter)s ballot cast", "%(counter)s ballots cast", count) % {"counter": count}


class PollFollower:
    """Follows the poll beside the page (group `poll.<id>`, joined with the socket's own channel): its
    turnout (at most once a second per socket; counts only) and its opening and closing (its state,
    rendered once per process)."""

    poll_id: int | None = None
    _turnout_count = 0
    _turnout_sent = 0.0
    _turnout_pending: asyncio.Task | None = None

    async def follow_poll(self, poll_id: int | None):
        if poll_id == self.poll_id:
            return
        if self.poll_id is not None:
            await self.channel_layer.group_discard(f"poll.{self.poll_id}", self.channel_name)
        self.poll_id, self._turnout_count = poll_id, 0
        if poll_id is not None:
            await self.channel_layer.group_add(f"poll.{poll_id}", self.channel_name)

    async def unfollow_poll(self):
        if self._turnout_pending is not None:
            self._turnout_pending.cancel()
        await self.follow_poll(None)

    async def send_poll_state(self, occasion: str):
        if self.poll_id is not None:
            html = await poll_fragment(self.poll_id, self.language, occasion)
            await self.send_json({"type": "poll.state", "poll": self.poll_id, "html": html})

    async def poll_turnout(self, event):
        count = event.get("count")
        if self.poll_id is None or not isinstance(count, int) or count <= self._turnout_count:
            return
        self._turnout_count = count
        wait = self._turnout_sent + TURNOUT_INTERVAL - time.monotonic()
        if wait <= 0:
            await self._send_turnout()
        elif self._turnout_pending is None:
            self._turnout_pending = asyncio.ensure_future(self._send_turnout(after=wait))

    async def _send_turnout(self, after: float = 0):
        if after:
            await asyncio.sleep(after)
            self._turnout_pending = None
        self._turnout_sent = time.monotonic()
        if self.poll_id is None:
            return
        count = self._turnout_count
        await self.send_json(
            {"type": "poll.turnout", "poll": self.poll_id, "count": count, "text": turnout_text(count, self.language)}
        )

    async def poll_opened(self, event):
        await self.send_poll_state("opened")

    async def poll_closed(self, event):
        await self.send_poll_state("closed")


class DebateConsumer(PollFollower, JsonFramesConsumer):
    joined = False

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        readable = await _readable_debate(user, int(self.scope["url_route"]["kwargs"]["pk"]))
        if readable is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        debate, poll_id = readable
        self.user, self.debate = user, debate
        self.group, self.user_group = debate.group, f"user.{user.pk}"
        self.language = language_of(self.scope, user)
        self.start_frames()
        self.hub = hub_for(self.channel_layer)
        await self.channel_layer.group_add(self.user_group, self.channel_name)
        await self.follow_poll(poll_id)
        await self.accept()
        # Joined after accepting: the hub may hand this socket an event at once.
        await self.hub.join(debate.pk, self)
        self.joined = True
        count = await presence_change(debate.pk, 1)
        await self.send_json({"type": "debate.presence", "count": max(count, 1)})
        schedule_presence_broadcast(self.channel_layer, debate.pk)

    async def disconnect(self, code):
        if not self.joined:
            return
        self.joined = False
        await self.hub.leave(self.debate.pk, self)
        await self.channel_layer.group_discard(self.user_group, self.channel_name)
        await self.unfollow_poll()
        await presence_change(self.debate.pk, -1)
        schedule_presence_broadcast(self.channel_layer, self.debate.pk)

    # From the client --------------------------------------------------------------------------------

    async def receive_json(self, content, **kwargs):
        kind = content.get("type")
        if kind == "since":
            last_id, at = _int_or_none(content.get("last_id")), content.get("at")
            if last_id is None or (at is not None and _int_or_none(at) is None):
                await self.error(
                    _(
                        "`since` needs the last message id seen (0 for none), and optionally "
                        "the latest change seen (`at`)."
                    )
                )
                return
            since = _time_of_mark(at) if at is not None else None
            if at is not None and since is None:
                await self.error(_("This change mark is out of range."))
                return
            caught_up = await _catch_up(self.user, self.debate, last_id, since, self.language)
            if caught_up is None:
                await self.close(code=CLOSE_FORBIDDEN)
                return
            messages, more = caught_up
            await self.send_json({"type": "debate.since", "messages": messages, "more": more})
            # A poll tabled (or a newer one) since the page was read: follow it from now on, and
            # the page shows it in place of the old one.
            await self.follow_poll(await _current_poll_id(self.debate))
            await self.send_poll_state("now")
        elif kind == "post":
            await self.post(content)
        elif kind == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.error(_("Unknown frame type."))

    async def post(self, content):
        text, stance = content.get("text"), content.get("stance") or ""
        reply_to = content.get("reply_to")
        if (
            not isinstance(text, str)
            or not isinstance(stance, str)
            or (reply_to is not None and _int_or_none(reply_to) is None)
        ):
            await self.error(_("A post needs a text, and optionally a stance and the id it replies to."))
            return
        try:
            message_id = await _post(self.debate.pk, self.user, text, stance, reply_to)
        except RateLimited as refusal:
            await self.error(refusal.message, status=http_status(refusal), retry_after=refusal.retry_after)
        except DomainError as refusal:
            await self.error(refusal.message, status=http_status(refusal))
        else:
            await self.send_json({"type": "posted", "id": message_id})

    # From the channel layer: debate events through the hub, the person's own through this channel ---

    async def deliver(self, event):
        """Called by the process's hub for each event of this debate."""
        if event["type"] == "debate.presence":
            await self.send(text_data=json.dumps({"type": "debate.presence", "count": event["count"]}))
        elif event["type"] in DEBATE_EVENTS:
            await self.forward(event)
        elif event["type"] == "debate.poll":
            await self.show_poll(event.get("poll"))

    async def show_poll(self, poll_id):
        """A poll tabled, opened or closed on the debated text changed which poll the page shows:
        follow that one, and send its state (rendered once per process and language)."""
        if isinstance(poll_id, int) and poll_id != self.poll_id:
            await self.follow_poll(poll_id)
            await self.send_poll_state("shown")

    async def forward(self, event):
        # The hub hands one event object to every socket of this process: serialise it once per
        # language for all of them.
        key = f"_frame_{self.language}"
        frame = event.get(key)
        if frame is None:
            html = event.get("html_i18n", {}).get(self.language) or event["html"]
            frame = event[key] = json.dumps(
                {
                    "type": event["type"],
                    "id": event["id"],
                    "reply_to": event.get("reply_to"),
                    "at": event.get("at"),
                    "html": html,
                }
            )
        await self.send(text_data=frame)

    async def user_revoke(self, event):
        """The person was muted, removed or changed role in an assembly: close its debate sockets;
        they reconnect only if they may still read."""
        if event.get("assembly") == self.debate.assembly_id:
            await self.close(code=CLOSE_FORBIDDEN)

    async def user_notification(self, event):
        """Shown by the person's own socket (`ws/me/`), not by each debate they follow."""


@database_sync_to_async
def _readable_session(user, pk: int):
    """The session and the id of its current point's poll (None when none), or None when it may not
    be read."""
    session = LiveSession.objects.select_related("assembly", "current_point__debate").filter(pk=pk).first()
    if session is None or not membership_rules.can_view_assembly(user, session.assembly):
        return None
    return session, live_sessions.current_poll_id(session)


@database_sync_to_async
def _panel(session_id: int, language: str) -> str:
    session = LiveSession.objects.select_related("assembly").get(pk=session_id)
    return live_sessions.panel_html(session, now=timezone.now(), language=language)


class SessionConsumer(PollFollower, JsonFramesConsumer):
    """A live session's panel (current point and its poll, speaker and timer, queue), as it changes, and
    the turnout of the current point's poll. Sessions change a few times a minute: each socket keeps its
    own channel in the group."""

    joined = False

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        readable = await _readable_session(user, int(self.scope["url_route"]["kwargs"]["pk"]))
        if readable is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        session, poll_id = readable
        self.session, self.language = session, language_of(self.scope, user)
        self.groups_joined = [session.group, f"user.{user.pk}"]
        self.start_frames()
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.follow_poll(poll_id)
        await self.accept()
        self.joined = True

    async def disconnect(self, code):
        if self.joined:
            self.joined = False
            for group in self.groups_joined:
                await self.channel_layer.group_discard(group, self.channel_name)
            await self.unfollow_poll()

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "refresh":
            html = await _panel(self.session.pk, self.language)
            await self.send_json({"type": "session.update", "html": html})
        elif content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.error(_("Unknown frame type."))

    async def session_update(self, event):
        html = event.get("html_i18n", {}).get(self.language) or event["html"]
        await self.send_json({"type": "session.update", "html": html})
        if "poll" in event:  # the session moved to another point, or ended
            await self.follow_poll(event["poll"])

    async def user_revoke(self, event):
        if event.get("assembly") == self.session.assembly_id:
            await self.close(code=CLOSE_FORBIDDEN)

    async def user_notification(self, event):
        """Shown by the person's own socket."""


class PersonalConsumer(JsonFramesConsumer):
    """A signed-in person's own events: notifications as they happen."""

    joined = False

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = f"user.{user.pk}"
        self.start_frames()
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        self.joined = True

    async def disconnect(self, code):
        if self.joined:
            self.joined = False
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.error(_("Unknown frame type."))

    async def user_notification(self, event):
        await self.send_json({"type": "user.notification", "text": event.get("text", ""), "url": event.get("url", "")})

    async def user_revoke(self, event):
        """Debate sockets close on this; a person's own feed stays open."""
