"""Debate pages: the debate beside its subject, a message with its history and forms, and moderation.

Everything works with plain forms and redirects; with JavaScript, `live.js` posts and reacts over fetch
(answered in JSON) and follows the debate's socket. A private assembly's debates are 404 to outsiders.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages as flash
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assemblies.common.errors import DomainError, NotAllowed, RateLimited, http_status
from assemblies.debates import rules as debates_rules
from assemblies.debates import selectors as debate_selectors
from assemblies.debates.models import SpeakerRequest
from assemblies.debates.services import debates as debate_services
from assemblies.debates.services import live_sessions as session_services
from assemblies.membership import rules as membership_rules
from assemblies.membership import selectors as membership_selectors
from assemblies.roadmap import selectors as roadmap_selectors
from assemblies.roadmap.core.diff import word_diff
from frontend.forms.debates import (
    EditMessageForm,
    MuteForm,
    PostForm,
    ReasonForm,
    StartSessionForm,
)
from frontend.views.common import (
    act,
    form_error,
    now,
    paginate,
    refused,
    visible_assembly,
)

THREADS = "threads"
MAX_DEPTH = 4
LOG_PER_PAGE = 30


# Finding things ---------------------------------------------------------------------------------------


def _debate_or_404(request, slug, pk):
    assembly = visible_assembly(request, slug)
    debate = debate_selectors.debate_in(assembly, pk)
    if debate is None:
        raise Http404
    return assembly, debate


def _message_or_404(debate, message_id):
    message = debate_selectors.message_in(debate, message_id)
    if message is None:
        raise Http404
    return message


def _id_param(request, name):
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def _view_of(value) -> str:
    return THREADS if value == THREADS else ""


def _debate_url(debate, *, view="", anchor=None) -> str:
    url = reverse("debate", args=[debate.assembly.slug, debate.pk])
    if view == THREADS:
        url += "?view=threads"
    return url + (f"#m{anchor}" if anchor else "")


def _login_then(debate):
    return redirect_to_login(_debate_url(debate))


def _wants_json(request) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


# Entering a debate from its subject -------------------------------------------------------------------


@require_GET
def space_debate(request, slug, code):
    assembly = visible_assembly(request, slug)
    space = membership_selectors.space_by_code(assembly, code)
    if space is None:
        raise Http404
    return redirect(_debate_url(debate_services.debate_for(space=space, now=now())))


@require_GET
def item_debate(request, slug, ref):
    assembly = visible_assembly(request, slug)
    roadmap = roadmap_selectors.roadmap_of(assembly, with_document=False)
    item = roadmap_selectors.item_by_ref(roadmap, ref) if roadmap is not None else None
    if item is None:
        raise Http404
    return redirect(_debate_url(debate_services.debate_for(item=item, now=now())))


@require_GET
def contribution_debate(request, slug, pk):
    assembly = visible_assembly(request, slug)
    contribution = roadmap_selectors.contribution_in(assembly, pk)
    if contribution is None:
        raise Http404
    return redirect(_debate_url(debate_services.debate_for(contribution=contribution, now=now())))


# The debate page --------------------------------------------------------------------------------------


def _subject_context(debate) -> dict:
    subject = debate_selectors.subject_of(debate)
    context = {"subject": subject}
    if subject.item is not None:
        context["item_text"] = roadmap_selectors.current_text(subject.item)
    contribution = subject.contribution
    if contribution is not None and contribution.is_amendment and contribution.change != "delete":
        context["amendment_ops"] = word_diff(contribution.base_text, contribution.text)
    poll = session_services.poll_of_debate(debate)
    if poll is not None:
        poll.accepting = poll.accepts_ballots_at(now())
        context["poll"] = poll
    return context


def _title(debate, subject) -> str:
    return _("Debate on %(subject)s") % {"subject": debate_selectors.subject_title(debate, subject)}


def _nest(page):
    """Give each shown message its `children`; replies deeper than MAX_DEPTH are listed flat, in order,
    under their ancestor at that depth (each still says what it replies to). Returns all shown."""
    shown = []

    def walk(message, depth):
        shown.append(message)
        children = page.threads.get(message.pk, [])
        if depth < MAX_DEPTH:
            message.children = children
            for child in children:
                walk(child, depth + 1)
            return
        flat, queue = [], list(children)
        while queue:
            node = queue.pop(0)
            node.children = []
            flat.append(node)
            queue.extend(page.threads.get(node.pk, []))
        message.children = sorted(flat, key=lambda node: node.pk)
        shown.extend(flat)

    for root in page.messages:
        walk(root, 1)
    return shown


# A page read at T shows every change committed before T minus a margin for transactions still
# committing; its socket asks for the changes since that mark.
CATCH_UP_MARGIN = timedelta(seconds=5)


def _render_debate(request, assembly, debate, *, form=None, status=200):
    user = request.user
    mark = debate_services.change_mark(now() - CATCH_UP_MARGIN)
    view = _view_of(request.GET.get("view"))
    before, after = _id_param(request, "before"), _id_param(request, "after")
    if view == THREADS:
        page = debate_selectors.threaded(debate, before=before, after=after)
        shown = _nest(page)
    else:
        page = debate_selectors.newest_first(debate, before=before, after=after)
        shown = page.messages
    moderator = debate_selectors.for_reader(user, debate, shown)
    subject = _subject_context(debate)
    can_post = debates_rules.can_post_in_debate(user, debate, now())
    context = {
        "assembly": assembly,
        "debate": debate,
        "title": _title(debate, subject["subject"]),
        "page": page,
        "view": view,
        "view_query": "view=threads&" if view == THREADS else "",
        "first_page": before is None and after is None,
        "last_id": max((m.pk for m in shown), default=0),
        "mark": mark,
        "base": reverse("debate", args=[assembly.slug, debate.pk]),
        "form": form or PostForm(initial={"view": view}),
        "can_post": can_post,
        "moderator": moderator,
        "live": user.is_authenticated,
        **subject,
    }
    return render(request, "frontend/debates/debate.html", context, status=status)


@require_GET
def debate(request, slug, pk):
    assembly, found = _debate_or_404(request, slug, pk)
    return _render_debate(request, assembly, found)


def _refusal(request, error: DomainError, *, status: int):
    if _wants_json(request):
        return JsonResponse({"error": error.message}, status=status)
    return None


def _status(error: DomainError) -> int:
    return http_status(error)


@require_POST
def post(request, slug, pk):
    assembly, found = _debate_or_404(request, slug, pk)
    if not request.user.is_authenticated:
        return _login_then(found)
    form = PostForm(request.POST)
    if not form.is_valid():
        return _render_debate(request, assembly, found, form=form, status=400)
    data = form.cleaned_data
    reply_to = None
    if data["reply_to"]:
        reply_to = debate_selectors.message_in(found, data["reply_to"])
        if reply_to is None:
            form.add_error(None, _("The message you reply to is not in this debate."))
            return _render_debate(request, assembly, found, form=form, status=400)
    try:
        message = debate_services.post_message(
            debate=found, author=request.user, text=data["text"], stance=data["stance"], reply_to=reply_to, now=now()
        )
    except DomainError as error:
        status = _status(error)
        if (response := _refusal(request, error, status=status)) is not None:
            return response
        form_error(form, error)
        response = _render_debate(request, assembly, found, form=form, status=status)
        if isinstance(error, RateLimited):
            response["Retry-After"] = str(error.retry_after)
        return response
    if _wants_json(request):
        message.author = request.user
        return JsonResponse(
            {
                "id": message.pk,
                "reply_to": message.reply_to_id,
                "at": debate_services.change_mark(message.changed_at),
                "html": debate_services.message_html(message),
            },
            status=201,
        )
    return redirect(_debate_url(found, view=_view_of(data["view"]), anchor=message.pk))


# One message ------------------------------------------------------------------------------------------


@require_GET
def message(request, slug, pk, message_id):
    assembly, found = _debate_or_404(request, slug, pk)
    shown = _message_or_404(found, message_id)
    user = request.user
    replies = list(shown.replies.select_related("author").order_by("pk")[:50])
    for reply in replies:
        reply.debate = found
    context_messages = [shown, *replies] + ([shown.reply_to] if shown.reply_to else [])
    moderator = debate_selectors.for_reader(user, found, context_messages)
    at = now()
    author_membership = membership_rules.membership_of(shown.author, assembly)
    return render(
        request,
        "frontend/debates/message.html",
        {
            "assembly": assembly,
            "debate": found,
            "m": shown,
            "replies": replies,
            "base": reverse("debate", args=[assembly.slug, found.pk]),
            "revisions": debate_selectors.revisions_of(shown) if shown.deleted_at is None else [],
            "can_post": debates_rules.can_post_in_debate(user, found, at),
            "can_edit": debates_rules.can_edit_message(user, shown, at),
            "can_delete": debates_rules.can_delete_message(user, shown),
            "can_flag": debates_rules.can_flag(user, shown) and not debate_selectors.has_flagged(user, shown),
            "can_mute": debates_rules.can_mute(user, assembly, shown.author) if moderator else False,
            "author_muted_until": author_membership.muted_until
            if author_membership and author_membership.muted_until and author_membership.muted_until > at
            else None,
            "flag_count": debate_selectors.flag_counts([shown]).get(shown.pk, 0) if moderator else 0,
            "moderator": moderator,
            "post_form": PostForm(initial={"reply_to": shown.pk}),
            "edit_form": EditMessageForm(initial={"text": shown.text, "stance": shown.stance}, auto_id="edit-%s"),
            "reason_form": ReasonForm(),
            "mute_form": MuteForm(),
        },
    )


def _act(request, found, message_id, call, *, success: str, anchor=True):
    """A POST action on one message: the one service call, a message saying how it went, and back."""
    if not request.user.is_authenticated:
        return _login_then(found)
    target = _message_or_404(found, message_id)
    back = request.POST.get("next")
    if back != "message":
        back = _debate_url(found, view=_view_of(request.POST.get("view")), anchor=target.pk if anchor else None)
    else:
        back = reverse("debate_message", args=[found.assembly.slug, found.pk, target.pk])
    try:
        result = call(target)
    except DomainError as error:
        if (response := _refusal(request, error, status=_status(error))) is not None:
            return response
        flash.error(request, error.message)
        return redirect(back)
    if _wants_json(request):
        return JsonResponse(
            {
                "id": target.pk,
                "at": debate_services.change_mark(result.changed_at),
                "html": debate_services.message_html(result),
            }
        )
    if success:
        flash.success(request, success)
    return redirect(back)


@require_POST
def edit(request, slug, pk, message_id):
    _assembly, found = _debate_or_404(request, slug, pk)
    form = EditMessageForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    return _act(
        request,
        found,
        message_id,
        lambda target: debate_services.edit_message(
            message=target, editor=request.user, text=data.get("text", ""), stance=data.get("stance", ""), now=now()
        ),
        success=_("Your message was changed."),
    )


@require_POST
def delete(request, slug, pk, message_id):
    _assembly, found = _debate_or_404(request, slug, pk)
    return _act(
        request,
        found,
        message_id,
        lambda target: debate_services.delete_message(message=target, by=request.user, now=now()),
        success=_("Your message was deleted."),
    )


@require_POST
def react(request, slug, pk, message_id):
    _assembly, found = _debate_or_404(request, slug, pk)
    kind = request.POST.get("kind", "")

    def toggle(target):
        debate_services.toggle_reaction(message=target, user=request.user, kind=kind, now=now())
        return debate_selectors.message_in(found, target.pk)

    return _act(request, found, message_id, toggle, success="")


@require_POST
def flag(request, slug, pk, message_id):
    _assembly, found = _debate_or_404(request, slug, pk)
    form = ReasonForm(request.POST)
    form.is_valid()

    def flag_it(target):
        debate_services.flag(message=target, user=request.user, reason=form.cleaned_data.get("reason", ""), now=now())
        return target

    return _act(request, found, message_id, flag_it, success=_("Thank you: the moderators will look at it."))


@require_POST
def hide(request, slug, pk, message_id):
    _assembly, found = _debate_or_404(request, slug, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    return _act(
        request,
        found,
        message_id,
        lambda target: debate_services.hide_message(
            message=target, by=request.user, reason=form.cleaned_data.get("reason", ""), now=now()
        ),
        success=_("The message is hidden."),
    )


@require_POST
def restore(request, slug, pk, message_id):
    _assembly, found = _debate_or_404(request, slug, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    return _act(
        request,
        found,
        message_id,
        lambda target: debate_services.restore_message(
            message=target, by=request.user, reason=form.cleaned_data.get("reason", ""), now=now()
        ),
        success=_("The message is shown again."),
    )


# Moderation -------------------------------------------------------------------------------------------


def _member_or_404(assembly, user_id):
    member = get_user_model().objects.filter(pk=user_id, memberships__assembly=assembly).first()
    if member is None:
        raise Http404
    return member


def _moderation_url(assembly):
    return reverse("moderation_log", args=[assembly.slug])


@require_POST
def mute(request, slug, user_id):
    assembly = visible_assembly(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(_moderation_url(assembly))
    member = _member_or_404(assembly, user_id)
    form = MuteForm(request.POST)
    back = request.POST.get("next", "")
    back = back if back.startswith(f"/a/{assembly.slug}/") else _moderation_url(assembly)
    if not form.is_valid():
        flash.error(request, _("Choose how long the mute lasts."))
        return redirect(back)
    at = now()
    try:
        debate_services.mute_member(
            assembly=assembly,
            by=request.user,
            member=member,
            until=at + form.duration_delta(),
            reason=form.cleaned_data["reason"],
            now=at,
        )
    except DomainError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, _("%(name)s is muted.") % {"name": member.name})
    return redirect(back)


@require_POST
def unmute(request, slug, user_id):
    assembly = visible_assembly(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(_moderation_url(assembly))
    member = _member_or_404(assembly, user_id)
    try:
        debate_services.unmute_member(
            assembly=assembly, by=request.user, member=member, reason=request.POST.get("reason", "")[:300], now=now()
        )
    except DomainError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, _("%(name)s can post again.") % {"name": member.name})
    return redirect(_moderation_url(assembly))


@require_GET
def moderation_log(request, slug):
    assembly = visible_assembly(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    verdict = debates_rules.can_view_moderation_log(request.user, assembly)
    title = _("Moderation of %(assembly)s") % {"assembly": assembly.name}
    if not verdict:
        return refused(request, verdict, title=title, back=assembly.get_absolute_url())
    at = now()
    return render(
        request,
        "frontend/debates/moderation.html",
        {
            "assembly": assembly,
            "title": title,
            "entries": paginate(request, debate_selectors.moderation_log(assembly), per_page=LOG_PER_PAGE),
            "flagged": debate_selectors.flagged_messages(assembly)[:20],
            "muted": debate_selectors.muted_members(assembly, at),
        },
    )


# Live sessions ----------------------------------------------------------------------------------------

SESSIONS_PER_PAGE = 20


def _session_or_404(request, slug, pk):
    assembly = visible_assembly(request, slug)
    session = debate_selectors.session_in(assembly, pk)
    if session is None:
        raise Http404
    return assembly, session


def _sessions_page(request, assembly, *, form=None, status=200):
    can_run = debates_rules.can_run_session(request.user, assembly)
    if can_run and form is None:
        form = StartSessionForm(candidates=debate_selectors.agenda_candidates(assembly))
    return render(
        request,
        "frontend/debates/sessions.html",
        {
            "assembly": assembly,
            "title": _("Live sessions of %(assembly)s") % {"assembly": assembly.name},
            "sessions": paginate(request, debate_selectors.sessions_of(assembly), per_page=SESSIONS_PER_PAGE),
            "form": form if can_run else None,
        },
        status=status,
    )


@require_GET
def sessions(request, slug):
    return _sessions_page(request, visible_assembly(request, slug))


def _debate_of_key(assembly, key: str):
    """The debate an agenda choice names ("space:3", "contribution:9", or an open debate's key)."""
    kind, _sep, pk = key.partition(":")
    if not pk.isdigit():
        return None
    if kind == "space":
        space = assembly.spaces.filter(pk=int(pk)).first()
        return debate_services.debate_for(space=space, now=now()) if space else None
    if kind == "contribution":
        contribution = roadmap_selectors.contribution_in(assembly, int(pk))
        return debate_services.debate_for(contribution=contribution, now=now()) if contribution else None
    return debate_selectors.debate_of_subject(key) if key else None


@require_POST
def start_session(request, slug):
    assembly = visible_assembly(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("live_sessions", args=[slug]))
    verdict = debates_rules.can_run_session(request.user, assembly)
    if not verdict:  # before resolving the agenda, which opens debates
        return refused(request, verdict, title=_("Start a live session"), back=reverse("live_sessions", args=[slug]))
    form = StartSessionForm(request.POST, candidates=debate_selectors.agenda_candidates(assembly))
    if not form.is_valid():
        return _sessions_page(request, assembly, form=form, status=400)
    data = form.cleaned_data
    try:
        agenda = [_debate_of_key(assembly, key) for key in data["agenda"]]
        session = session_services.start_session(
            assembly=assembly,
            by=request.user,
            title=data["title"],
            speaking_seconds=data["speaking_seconds"],
            debates=[debate for debate in agenda if debate is not None],
            now=now(),
        )
    except DomainError as error:
        return _sessions_page(request, assembly, form=form, status=form_error(form, error))
    return redirect(session.get_absolute_url())


@require_GET
def session(request, slug, pk):
    assembly, found = _session_or_404(request, slug, pk)
    at = now()
    panel = session_services.panel_context(found, now=at)
    mine = debate_selectors.own_request(found, request.user)
    queue = panel["queue"]
    return render(
        request,
        "frontend/debates/session.html",
        {
            **panel,
            "assembly": assembly,
            "mine": mine,
            "place": next((number for number, r in enumerate(queue, start=1) if mine and r.pk == mine.pk), None),
            "can_raise": debates_rules.can_raise_hand(request.user, found, at),
            "chair": bool(debates_rules.can_chair(request.user, found)),
            "live": request.user.is_authenticated,
        },
    )


@require_POST
def session_action(request, slug, pk, action):
    assembly, found = _session_or_404(request, slug, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(found.get_absolute_url())
    user, at = request.user, now()

    def give_floor():
        chosen = request.POST.get("request", "")
        target = (
            SpeakerRequest.objects.filter(session=found, pk=int(chosen)).first()
            if chosen.isdigit() and len(chosen) < 19
            else None
        )
        if chosen and target is None:
            raise NotAllowed(_("This person is no longer waiting for the floor."))
        session_services.give_floor(session=found, by=user, request=target, now=at)

    def chosen_point():
        chosen = request.POST.get("point", "")
        point = (
            found.agenda.select_related("debate").filter(pk=int(chosen)).first()
            if chosen.isdigit() and len(chosen) < 19
            else None
        )
        if point is None:
            raise NotAllowed(_("This point is not on the session's agenda."))
        return point

    def move():
        session_services.move_to(session=found, by=user, point=chosen_point(), now=at)

    actions = {
        "raise": (lambda: session_services.raise_hand(session=found, user=user, now=at), _("Your hand is raised.")),
        "lower": (lambda: session_services.lower_hand(session=found, user=user, now=at), _("Your hand is lowered.")),
        "floor": (give_floor, ""),
        "end-turn": (lambda: session_services.end_turn(session=found, by=user, now=at), ""),
        "move": (move, ""),
        "end": (lambda: session_services.end_session(session=found, by=user, now=at), _("The session has ended.")),
        "poll-open": (
            lambda: session_services.open_point_poll(session=found, by=user, point=chosen_point(), now=at),
            _("The poll is open."),
        ),
        "poll-close": (
            lambda: session_services.close_point_poll(session=found, by=user, point=chosen_point(), now=at),
            _("The poll is closed and its result published."),
        ),
    }
    if action not in actions:
        raise Http404
    call, success = actions[action]
    return act(request, call, success=success, to=found.get_absolute_url())
