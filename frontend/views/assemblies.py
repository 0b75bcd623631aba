"""An assembly's page, its creation, and its co-construction spaces."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from assemblies.common.errors import DomainError
from assemblies.membership import rules as membership_rules
from assemblies.membership import selectors as membership_selectors
from assemblies.membership.models import JoinRequest
from assemblies.membership.services import membership, spaces
from assemblies.roadmap import rules as roadmap_rules
from assemblies.roadmap import selectors as roadmap_selectors
from frontend.forms.membership import AssemblyForm, PhaseForm
from frontend.views.common import (
    act,
    form_error,
    now,
    paginate,
    role_label,
    visible_assembly,
)

CONTRIBUTIONS_PER_PAGE = 20


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def create(request):
    form = AssemblyForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                assembly = membership.create_assembly(creator=request.user, now=now(), **form.cleaned_data)
            except DomainError as error:
                status = form_error(form, error)
            else:
                return redirect("assembly", assembly.slug)
    return render(request, "frontend/assemblies/create.html", {"form": form}, status=status)


@require_safe
def detail(request, slug):
    assembly = visible_assembly(request, slug)
    roadmap = roadmap_selectors.roadmap_of(assembly, with_document=False)
    head_id = roadmap.head_id if roadmap else None
    user = request.user
    asked = (
        user.is_authenticated
        and not membership_rules.role_of(user, assembly)
        and JoinRequest.objects.filter(assembly=assembly, user=user, status=JoinRequest.Status.PENDING).exists()
    )
    return render(
        request,
        "frontend/assemblies/detail.html",
        {
            "assembly": assembly,
            "roadmap": roadmap if head_id else None,
            "spaces": roadmap_selectors.spaces_with_counts(assembly, head_id),
            "role": role_label(user, assembly),
            "is_member": bool(membership_rules.role_of(user, assembly)),
            "can_manage": membership_rules.can_manage_members(user, assembly),
            "can_moderate": membership_rules.can_moderate(user, assembly),
            "can_edit_roadmap": roadmap_rules.can_edit_roadmap(user, assembly),
            "can_join": membership_rules.can_request_to_join(user, assembly),
            "asked_to_join": asked,
        },
    )


def _space_or_404(assembly, code):
    space = membership_selectors.space_by_code(assembly, code)
    if space is None:
        raise Http404
    return space


@require_safe
def space(request, slug, code):
    assembly = visible_assembly(request, slug)
    space = _space_or_404(assembly, code)
    roadmap = roadmap_selectors.roadmap_of(assembly, with_document=False)
    items = list(roadmap_selectors.items_by_priority(roadmap, space=space)) if roadmap and roadmap.head_id else []
    can_set_phase = membership_rules.can_set_phase(request.user, space)
    return render(
        request,
        "frontend/assemblies/space.html",
        {
            "assembly": assembly,
            "space": space,
            "roadmap": roadmap,
            "items": items,
            "prioritised": any(row.priority is not None for row in items),
            "contributions": paginate(
                request, roadmap_selectors.contributions_of_space(space), per_page=CONTRIBUTIONS_PER_PAGE
            ),
            "can_propose": roadmap_rules.can_propose(request.user, space),
            "can_set_phase": can_set_phase,
            "phase_form": PhaseForm(initial={"phase": space.phase}) if can_set_phase else None,
            "role": role_label(request.user, assembly),
        },
    )


@require_POST
def set_phase(request, slug, code):
    assembly = visible_assembly(request, slug)
    space = _space_or_404(assembly, code)
    return act(
        request,
        lambda: spaces.set_phase(space=space, by=request.user, phase=request.POST.get("phase", ""), now=now()),
        success=_("The phase was changed."),
        to=space.get_absolute_url(),
    )
