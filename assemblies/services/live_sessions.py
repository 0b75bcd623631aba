"""Live sessions: a convenor chairs a meeting on an agenda of debates; members raise a hand to join the
speaker queue; the chair gives the floor (to the next in the queue or to someone in it) and a speaking
timer runs for everyone.

Every change publishes, after commit, `{"type": "session.update", "session": <id>, "html": <panel>}`
to `session.<id>`: the panel (current point, speaker and time left, queue) as everyone sees it. Pages
without JavaScript show the same panel and refresh themselves.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from assemblies import rules, selectors_debates
from assemblies.models import AgendaPoint, Assembly, Debate, LiveSession, SpeakerRequest
from assemblies.services import InvalidInput, NotAllowed, require
from assemblies.services.debates import fragment_languages
from assemblies.services.text import clean_text
from deliberate.events import publish

PANEL_TEMPLATE = "frontend/debates/_session_panel.html"
SPEAKING_MIN, SPEAKING_MAX = 15, 3600
AGENDA_MAX = 30

Status = SpeakerRequest.Status


# The panel ----------------------------------------------------------------------------------------------

def panel_context(session: LiveSession, *, now: datetime) -> dict:
    """What everyone sees of a session: its agenda and current point, who speaks and the time left,
    and the queue. Three queries."""
    agenda = list(session.agenda.select_related("debate").order_by("position"))
    for point in agenda:
        point.debate.assembly = session.assembly
    requests = list(session.speaker_requests.filter(status__in=[Status.WAITING, Status.SPEAKING])
                    .select_related("user").order_by("raised_at", "pk"))
    speaking = next((request for request in requests if request.status == Status.SPEAKING), None)
    left = None
    if speaking is not None:
        left = int((speaking.given_at + timedelta(seconds=session.speaking_seconds) - now).total_seconds())
    return {
        "session": session,
        "agenda": agenda,
        "current": next((point for point in agenda if point.pk == session.current_point_id), None),
        "speaking": speaking,
        "queue": [request for request in requests if request.status == Status.WAITING],
        "seconds_left": left,
        "clock": f"{max(left, 0) // 60}:{max(left, 0) % 60:02d}" if left is not None else "",
    }


def panel_html(session: LiveSession, *, now: datetime, language: str | None = None) -> str:
    with translation.override(language or settings.LANGUAGE_CODE):
        return render_to_string(PANEL_TEMPLATE, panel_context(session, now=now))


def _publish(session: LiveSession, *, now: datetime) -> None:
    languages = fragment_languages(session.assembly)
    event = {"type": "session.update", "session": session.pk,
             "html": panel_html(session, now=now, language=languages[0])}
    if len(languages) > 1:
        event["html_i18n"] = {code: panel_html(session, now=now, language=code) for code in languages[1:]}
    publish(session.group, event)


def _locked(session: LiveSession) -> LiveSession:
    return LiveSession.objects.select_for_update(of=("self",)).select_related("assembly", "chair").get(pk=session.pk)


# Running a session --------------------------------------------------------------------------------------

def start_session(*, assembly: Assembly, by, title: str, debates: list[Debate], speaking_seconds: int = 120,
                  now: datetime) -> LiveSession:
    """A convenor opens a session on an agenda of the assembly's debates (in that order) and chairs it."""
    require(rules.can_run_session(by, assembly))
    title = clean_text(title, field="title", max_length=200)
    if not (SPEAKING_MIN <= speaking_seconds <= SPEAKING_MAX):
        raise InvalidInput(_("Speaking time is between 15 seconds and an hour."), field="speaking_seconds")
    debates = list(dict.fromkeys(debates))
    if not debates or len(debates) > AGENDA_MAX:
        raise InvalidInput(_("Put between one and %(max)d points on the agenda.") % {"max": AGENDA_MAX},
                           field="agenda")
    if any(debate.assembly_id != assembly.pk for debate in debates):
        raise InvalidInput(_("The agenda can only hold this assembly's debates."), field="agenda")
    with transaction.atomic():
        session = LiveSession.objects.create(assembly=assembly, title=title, chair=by,
                                             speaking_seconds=speaking_seconds, started_at=now)
        points = AgendaPoint.objects.bulk_create([
            AgendaPoint(session=session, position=number, debate=debate,
                        title=selectors_debates.subject_title(debate)[:300])
            for number, debate in enumerate(debates, start=1)
        ])
        session.current_point = points[0]
        session.save(update_fields=["current_point"])
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
            status=Status.WITHDRAWN, ended_at=now)
        if not lowered:
            raise NotAllowed(_("Your hand is not raised."))
        _publish(session, now=now)


def _end_speaking(session: LiveSession, now: datetime) -> None:
    SpeakerRequest.objects.filter(session=session, status=Status.SPEAKING).update(status=Status.DONE, ended_at=now)


def give_floor(*, session: LiveSession, by, request: SpeakerRequest | None = None,
               now: datetime) -> SpeakerRequest:
    """The chair gives the floor to someone in the queue (the first one when none is named); whoever
    was speaking is done. The timer starts now."""
    with transaction.atomic():
        session = _locked(session)
        require(rules.can_chair(by, session))
        waiting = SpeakerRequest.objects.select_for_update().filter(session=session, status=Status.WAITING)
        chosen = (waiting.filter(pk=request.pk) if request is not None else waiting.order_by("raised_at", "pk")).first()
        if chosen is None:
            raise NotAllowed(_("Nobody is waiting for the floor.") if request is None
                             else _("This person is no longer waiting for the floor."))
        _end_speaking(session, now)
        chosen.status, chosen.given_at = Status.SPEAKING, now
        chosen.save(update_fields=["status", "given_at"])
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
        _publish(session, now=now)
    return session


def end_session(*, session: LiveSession, by, now: datetime) -> LiveSession:
    with transaction.atomic():
        session = _locked(session)
        require(rules.can_chair(by, session))
        _end_speaking(session, now)
        SpeakerRequest.objects.filter(session=session, status=Status.WAITING).update(
            status=Status.WITHDRAWN, ended_at=now)
        session.ended_at = now
        session.save(update_fields=["ended_at"])
        _publish(session, now=now)
    return session
