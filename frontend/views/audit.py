"""An assembly's audit log, for its convenors: who did what, on what, when; newest first."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from assemblies.audit import services as audit
from assemblies.membership import rules
from assemblies.membership.models import Assembly, Phase, Role
from frontend.forms.polls import METHOD_CHOICES
from frontend.views.common import login_redirect, paginate, refused, visible_assembly

ENTRIES_PER_PAGE = 30

DETAIL_LABELS = {
    "role": gettext_lazy("role"),
    "from": gettext_lazy("from"),
    "to": gettext_lazy("to"),
    "reason": gettext_lazy("reason"),
    "note": gettext_lazy("note"),
    "item": gettext_lazy("item"),
    "items": gettext_lazy("items"),
    "spaces": gettext_lazy("spaces"),
    "version": gettext_lazy("roadmap version"),
    "visibility": gettext_lazy("visibility"),
    "secrecy": gettext_lazy("secrecy"),
    "method": gettext_lazy("method"),
    "eligible": gettext_lazy("eligible voters"),
    "codes": gettext_lazy("voting codes issued"),
    "ballots": gettext_lazy("ballots"),
    "automatic": gettext_lazy("at its closing time"),
    "entry": gettext_lazy("moderation log entry"),
    "until": gettext_lazy("until"),
    "agenda": gettext_lazy("agenda points"),
    "point": gettext_lazy("point"),
    "speaker": gettext_lazy("speaker"),
}
# The codes a detail may hold (role, phase, visibility, secrecy, method), in words.
VALUE_LABELS = {
    **dict(Role.choices),
    **dict(Phase.choices),
    **dict(Assembly.Visibility.choices),
    **dict(METHOD_CHOICES),
    "roll-call": gettext_lazy("roll-call"),
    "credential": gettext_lazy("secret"),
}
ORDER = {name: position for position, name in enumerate(DETAIL_LABELS)}


def _link(slug: str, entry) -> str:
    """Where the object acted on can be seen now ("" when it has no page)."""
    kind, key = entry.target_kind, entry.target_key
    if kind == "space":
        return reverse("space", args=[slug, key])
    if kind == "poll":
        return reverse("poll", args=[key])
    if kind == "contribution":
        return reverse("contribution", args=[slug, int(key)])
    if kind == "version":
        return reverse("roadmap_version", args=[slug, int(key)])
    if kind == "session":
        return reverse("live_session", args=[slug, int(key)])
    if kind == "message":
        debate_id, message_id = key.split("/")
        return reverse("debate_message", args=[slug, int(debate_id), int(message_id)])
    if kind in ("invitation", "join_link", "join_request", "user"):
        return reverse("assembly_members", args=[slug])
    return ""


def _details(entry) -> list[tuple[str, str]]:
    shown = []
    # In a fixed order: the database may hand JSON keys back in any.
    for name, value in sorted(entry.details.items(), key=lambda pair: (ORDER.get(pair[0], len(ORDER)), pair[0])):
        if value in (None, "", False):
            continue
        if value is True:
            shown.append((str(DETAIL_LABELS.get(name, name)), _("yes")))
        else:
            shown.append((str(DETAIL_LABELS.get(name, name)), str(VALUE_LABELS.get(value, value))))
    return shown


@require_safe
def index(request, slug):
    assembly = visible_assembly(request, slug)
    if (response := login_redirect(request)) is not None:
        return response
    title = _("Audit log of %(assembly)s") % {"assembly": assembly.name}
    verdict = rules.can_view_audit_log(request.user, assembly)
    if not verdict:
        return refused(request, verdict, title=title, back=assembly.get_absolute_url())
    entries = paginate(request, audit.entries_of(assembly), per_page=ENTRIES_PER_PAGE)
    rows = [(entry, _link(assembly.slug, entry), _details(entry)) for entry in entries]
    return render(
        request,
        "frontend/audit/index.html",
        {
            "assembly": assembly,
            "title": title,
            "entries": entries,
            "rows": rows,
        },
    )
