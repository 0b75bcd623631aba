"""Live sessions: a convenor chairs a meeting on an agenda of debates; members raise a hand to join the
speaker queue; the chair gives the floor (to the next in the queue or to someone in it) and a speaking
timer runs for everyone.

An agenda point about a poll (the poll's own debate, or the debate of a proposal or amendment that a
poll decides) shows the poll: its state, its turnout (never a partial result) and a link to vote; the
chair opens and closes it from the session, through the polls' own services.

Every change publishes, after commit, `{"type": "session.update", "session": <id>, "html": <panel>,
"poll": <id of the current point's poll, or None>}` to `session.<id>`: the panel (current point, its
poll, speaker and time left, queue) as everyone sees it. Pages without JavaScript show the same panel
and refresh themselves.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Value, When
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from assemblies.audit import services as audit
from assemblies.common.errors import InvalidInput, NotAllowed, require
from assemblies.common.events import publish
from assemblies.common.text import clean_text
from assemblies.debates import rules
from assemblies.debates import selectors as selectors_debates
from assemblies.debates.models import AgendaPoint, Debate, LiveSession, SpeakerRequest
from assemblies.debates.services.debates import fragment_languages
from assemblies.membership.models import Assembly
from polls import services as poll_services
from polls.models import Poll

PANEL_TEMPLATE = "frontend/debates/_session_panel.html"
POLL_TEMPLATE = "frontend/debates/_poll_state.html"
SPEAKING_MIN, SPEAKING_MAX = 15, 3600
AGENDA_MAX = 30

Status = SpeakerRequest.Status


# Polls on the agenda ------------------------------------------------------------------------------------


def polls_of_debates(debates) -> dict[int, Poll]:
    """The poll each debate is about, by debate id: a poll's own debate shows that poll; a proposal's or
    amendment's debate shows the poll that decides it (an open one first, then a draft, then the
    latest closed). At most two queries."""
    by_poll, by_contribution = {}, {}
    for debate in debates:
        kind, pk = debate.subject_kind, debate.subject_id
        if kind == "poll":
            by_poll[pk] = debate.pk
        elif kind == "contribution":
            by_contribution[pk] = debate.pk
    found: dict[int, Poll] = {}
    if by_poll:
        for poll in Poll.objects.filter(pk__in=by_poll):
            found[by_poll[poll.pk]] = poll
    if by_contribution:
        rank = Case(
            When(poll__status=Poll.Status.OPEN, then=Value(0)),
            When(poll__status=Poll.Status.DRAFT, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        links = (
            Poll.contributions.through.objects.filter(contribution_id__in=list(by_contribution))
            .select_related("poll")
            .annotate(rank=rank)
            .order_by("rank", "-poll__created_at", "-poll_id")
        )
        for link in links:
            found.setdefault(by_contribution[link.contribution_id], link.poll)
    return found


def poll_of_debate(debate) -> Poll | None:
    return polls_of_debates([debate]).get(debate.pk)


def announce_poll(poll: Poll, contribution_ids: list[int] | None = None) -> None:
    """Tell the open pages of the debates on a poll's texts which poll they show now (after commit):
    tabling, opening or closing a poll can change it (see polls_of_debates). At most three queries."""
    if contribution_ids is None:
        contribution_ids = list(poll.contributions.values_list("pk", flat=True))
    if not contribution_ids:
        return
    debates = list(Debate.objects.filter(subject_key__in=[f"contribution:{pk}" for pk in contribution_ids]))
    if not debates:
        return
    shown = polls_of_debates(debates)
    for debate in debates:
        if debate.pk in shown:
            publish(debate.group, {"type": "debate.poll", "debate": debate.pk, "poll": shown[debate.pk].pk})


def poll_html(poll_id: int, *, now: datetime, language: str | None = None) -> str:
    """The state of a poll as pages show it beside a debate or in a session: its status, its turnout and
    a link to vote while it is open; its result only once closed."""
    poll = Poll.objects.get(pk=poll_id)
    poll.accepting = poll.accepts_ballots_at(now)
    with translation.override(language or settings.LANGUAGE_CODE):
        return render_to_string(POLL_TEMPLATE, {"poll": poll})


def _point_poll(point: AgendaPoint) -> Poll:
    poll = poll_of_debate(point.debate)
    if poll is None:
        raise NotAllowed(_("No poll decides this point of the agenda."))
    return poll


# The panel ----------------------------------------------------------------------------------------------


def panel_context(session: LiveSession, *, now: datetime) -> dict:
    """What everyone sees of a session: its agenda and current point (with the poll it is about), who
    speaks and the time left, and the queue. At most five queries."""
    agenda = list(session.agenda.select_related("debate").order_by("position"))
    for point in agenda:
        point.debate.assembly = session.assembly
    polls = polls_of_debates([point.debate for point in agenda])
    for point in agenda:
        point.poll = polls.get(point.debate_id)
        if point.poll is not None:
            point.poll.accepting = point.poll.accepts_ballots_at(now)
    requests = list(
        session.speaker_requests.filter(status__in=[Status.WAITING, Status.SPEAKING])
        .select_related("user")
        .order_by("raised_at", "pk")
    )
    speaking = next((request for request in requests if request.status == Status.SPEAKING), None)
    left = None
    if speaking is not None:
        left = int((speaking.given_at + timedelta(seconds=session.speaking_seconds) - now).total_seconds())
    current = next((point for point in agenda if point.pk == session.current_point_id), None)
    return {
        "session": session,
        "agenda": agenda,
        "current": current,
        "poll": current.poll if current is not None else None,
        "speaking": speaking,
        "queue": [request for request in requests if request.status == Status.WAITING],
        "seconds_left": left,
        "clock": f"{max(left, 0) // 60}:{max(left, 0) % 60:02d}" if left is not None else "",
    }


def panel_html(session: LiveSession, *, now: datetime, language: str | None = None) -> str:
    with translation.override(language or settings.LANGUAGE_CODE):
        return render_to_string(PANEL_TEMPLATE, panel_context(session, now=now))


def current_poll_id(session: LiveSession) -> int | None:
    """The poll of the session's current point, whose turnout its pages follow."""
    point = session.current_point
    if point is None or session.ended_at is not None:
        return None
    poll = poll_of_debate(point.debate)
    return poll.pk if poll is not None else None


def _publish(session: LiveSession, *, now: datetime) -> None:
    languages = fragment_languages(session.assembly)
    with translation.override(languages[0]):
        context = panel_context(session, now=now)
        event = {
            "type": "session.update",
            "session": session.pk,
            "html": render_to_string(PANEL_TEMPLATE, context),
            "poll": context["poll"].pk if context["poll"] is not None and session.ended_at is None else None,
        }
    if len(languages) > 1:
        event["html_i18n"] = {code: panel_html(session, now=now, language=code) for code in languages[1:]}
    publish(session.group, event)


def _locked(session: LiveSession) -> LiveSession:
    return LiveSession.objects.select_for_update(of=("self",)).select_related("assembly", "chair").get(pk=session.pk)


# Running a session --------------------------------------------------------------------------------------


def start_session(
    *, assembly: Assembly, by, title: str, debates: list[Debate], speaking_seconds: int = 120, now: datetime
) -> LiveSession:
    """A convenor opens a session on an agenda of the assembly's debates (in that order) and chairs it."""
    require(rules.can_run_session(by, assembly))
    title = clean_text(title, field="title", max_length=200)
    if not (SPEAKING_MIN <= speaking_seconds <= SPEAKING_MAX):
        raise InvalidInput(_("Speaking time is between 15 seconds and an hour."), field="speaking_seconds")
    debates = list(dict.fromkeys(debates))
    if not debates or len(debates) > AGENDA_MAX:
        raise InvalidInput(_("Put between one and %(max)d points on the agenda.") % {"max": AGENDA_MAX}, field="agenda")
    if any(debate.assembly_id != assembly.pk for debate in debates):
        raise InvalidInput(_("The agenda can only hold this assembly's debates."), field="agenda")
    with transaction.atomic():
        session = LiveSession.objects.create(
            assembly=assembly, title=title, chair=by, speaking_seconds=speaking_seconds, started_at=now
        )
        points = AgendaPoint.objects.bulk_create(
            [
                AgendaPoint(
                    session=session, position=number, debate=debate, title=selectors_debates.subject_title(debate)[:300]
                )
                for number, debate in enumerate(debates, start=1)
            ]
        )
        session.current_point = points[0]
        session.save(update_fields=["current_point"])
        audit.record(
            assembly=assembly,
            actor=by,
            action=audit.Action.SESSION_START,
            target=session,
            details={"agenda": len(points)},
            now=now,
        )
        _publish(session, now=now)
    return session


def raise_hand(*, session: LiveSession, user, now: datetime) -> SpeakerRequest:
    """Join the speaker queue (once: a second raised hand is refused)."""
    require(rules.can_raise_hand(user, session, now))
    try:
        with transaction.atomic():
            request = SpeakerRequest.objects.create(session=session, user=user, raised_at=now)
            _publish(session, now=now)
    except IntegrityError:
        raise NotAllowed(_("Your hand is already raised.")) from None
    return request


def lower_hand(*, session: LiveSession, user, now: datetime) -> None:
    with transaction.atomic():
        lowered = SpeakerRequest.objects.filter(session=session, user=user, status=Status.WAITING).update(
            status=Status.WITHDRAWN, ended_at=now
        )
        if not lowered:
            raise NotAllowed(_("Your hand is not raised."))
        _publish(session, now=now)


def _end_speaking(session: LiveSession, now: datetime) -> None:
    SpeakerRequest.objects.filter(session=session, status=Status.SPEAKING).update(status=Status.DONE, ended_at=now)


def give_floor(*, session: LiveSession, by, request: SpeakerRequest | None = None, now: datetime) -> SpeakerRequest:
    """The chair gives the floor to someone in the queue (the first one when none is named); whoever
    was speaking is done. The timer starts now."""
    with transaction.atomic():
        session = _locked(session)
        require(rules.can_chair(by, session))
        waiting = SpeakerRequest.objects.select_for_update().filter(session=session, status=Status.WAITING)
        chosen = (waiting.filter(pk=request.pk) if request is not None else waiting.order_by("raised_at", "pk")).first()
        if chosen is None:
            raise NotAllowed(
                _("Nobody is waiting for the floor.")
                if request is None
                else _("This person is no longer waiting for the floor.")
            )
        _end_speaking(session, now)
        chosen.status, chosen.given_at = Status.SPEAKING, now
        chosen.save(update_fields=["status", "given_at"])
        audit.record(
            assembly=session.assembly,
            actor=by,
            action=audit.Action.SESSION_FLOOR,
            target=session,
            details={"speaker": chosen.user.name},
            now=now,
        )
        _publish(session, now=now)
    return chosen


def end_turn(*, session: LiveSession, by, now: datetime) -> None:
    """The chair, or the speaker, ends the current turn."""
    with transaction.atomic():
        session = _locked(session)
        speaking = SpeakerRequest.objects.filter(session=session, status=Status.SPEAKING).first()
        if speaking is None:
            raise NotAllowed(_("Nobody has the floor."))
        if speaking.user_id != getattr(by, "pk", None):
            require(rules.can_chair(by, session))
        _end_speaking(session, now)
        _publish(session, now=now)


def move_to(*, session: LiveSession, by, point: AgendaPoint, now: datetime) -> LiveSession:
    """The chair moves the session to another point of its agenda."""
    with transaction.atomic():
        session = _locked(session)
        require(rules.can_chair(by, session))
        if point.session_id != session.pk:
            raise InvalidInput(_("This point is not on the session's agenda."), field="point")
        session.current_point = point
        session.save(update_fields=["current_point"])
        audit.record(
            assembly=session.assembly,
            actor=by,
            action=audit.Action.SESSION_MOVE,
            target=session,
            details={"point": point.title},
            now=now,
        )
        _publish(session, now=now)
    return session


def end_session(*, session: LiveSession, by, now: datetime) -> LiveSession:
    with transaction.atomic():
        session = _locked(session)
        require(rules.can_chair(by, session))
        _end_speaking(session, now)
        SpeakerRequest.objects.filter(session=session, status=Status.WAITING).update(
            status=Status.WITHDRAWN, ended_at=now
        )
        session.ended_at = now
        session.save(update_fields=["ended_at"])
        audit.record(assembly=session.assembly, actor=by, action=audit.Action.SESSION_END, target=session, now=now)
        _publish(session, now=now)
    return session


def open_point_poll(*, session: LiveSession, by, point: AgendaPoint, now: datetime) -> Poll:
    """The chair opens the poll of a point of the agenda (polls.services.open_poll decides whether it
    may open, and freezes its voters). A secret poll whose codes are printed on paper is opened from its
    own page, the only place that shows them."""
    with transaction.atomic():
        session = _locked(session)
        require(rules.can_chair(by, session))
        if point.session_id != session.pk:
            raise InvalidInput(_("This point is not on the session's agenda."), field="point")
        poll = _point_poll(point)
        if poll.is_secret and poll.delivery == Poll.Delivery.PAPER:
            raise NotAllowed(
                _(
                    "The voting codes of this poll are printed on paper: open it from its own page, "
                    "which shows them once."
                )
            )
        opened = poll_services.open_poll(poll=poll, by=by, now=now)
        _publish(session, now=now)
    return opened.poll


def close_point_poll(*, session: LiveSession, by, point: AgendaPoint, now: datetime) -> Poll:
    """The chair closes the poll of a point of the agenda and publishes its result
    (polls.services.close_poll: before its closing time, only once everyone eligible has voted)."""
    with transaction.atomic():
        session = _locked(session)
        require(rules.can_chair(by, session))
        if point.session_id != session.pk:
            raise InvalidInput(_("This point is not on the session's agenda."), field="point")
        poll = _point_poll(point)
        closed = poll_services.close_poll(poll=poll, by=by, now=now)
        _publish(session, now=now)
    return closed
