"""What every page of an assembly does the same way: find what the address names (or answer 404),
map a service's refusal to a message and a status code, paginate, and read the clock once."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from assemblies.common.errors import DomainError, http_status
from assemblies.membership import rules
from assemblies.membership import selectors as membership_selectors
from assemblies.membership.models import Assembly, Role
from assemblies.roadmap import selectors as roadmap_selectors


def now():
    return timezone.now()


def visible_assembly(request, slug: str) -> Assembly:
    """The assembly the address names, or 404 when it does not exist or the person may not see it
    (a private assembly is 404 for non-members, never 403: its existence does not leak)."""
    assembly = membership_selectors.assembly_by_slug(slug)
    if assembly is None or not rules.can_view_assembly(request.user, assembly):
        raise Http404
    return assembly


def roadmap_or_404(assembly: Assembly, *, with_document: bool = False):
    roadmap = roadmap_selectors.roadmap_of(assembly, with_document=with_document)
    if roadmap is None or roadmap.head_id is None:
        raise Http404
    return roadmap


def login_redirect(request):
    """Send an anonymous visitor to the log-in page, back here afterwards; None for a signed-in one."""
    if request.user.is_authenticated:
        return None
    return redirect_to_login(request.get_full_path())


def role_label(user, assembly: Assembly) -> str:
    role = rules.role_of(user, assembly)
    return Role(role).label if role else ""


def form_error(form, error: DomainError) -> int:
    """Put a service's refusal on the form (on the field it names when the form has it); the status."""
    field = getattr(error, "field", None)
    form.add_error(field if field in form.fields else None, error.message)
    return http_status(error)


def act(request, call, *, success: str, to: str):
    """A POST-only action: run the one service call, say how it went, and go back to `to`."""
    try:
        call()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect(to)


def refused(request, verdict_or_message, *, title: str, status: int = 403, back=None):
    """A page that says, in plain words, why the person cannot do this here."""
    reason = getattr(verdict_or_message, "reason", verdict_or_message)
    return render(request, "frontend/refused.html", {"title": title, "reason": reason, "back": back}, status=status)


def paginate(request, items, *, per_page: int, param: str = "page"):
    """The requested page of `items` (a queryset or a list); out-of-range numbers give the last page."""
    return Paginator(items, per_page).get_page(request.GET.get(param))
