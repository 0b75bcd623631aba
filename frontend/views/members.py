"""Who belongs to an assembly: the members list, invitations, join links, join requests, roles, leaving."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from assemblies.common.errors import DomainError
from assemblies.membership import rules, selectors
from assemblies.membership.models import Invitation, JoinLink, JoinRequest, Membership
from assemblies.membership.services import membership
from assemblies.membership.services.invitations_mail import send_invitation
from frontend.forms.membership import (
    InviteForm,
    JoinRequestDecisionForm,
    JoinRequestForm,
    RoleForm,
)
from frontend.views.common import (
    act,
    form_error,
    login_redirect,
    now,
    paginate,
    refused,
    role_label,
    visible_assembly,
)

MEMBERS_PER_PAGE = 50


def _join_url(link: JoinLink) -> str:
    return f"{settings.DELIBERATE_BASE_URL}{reverse('join_link', args=[link.token])}"


def _members_page(request, assembly, *, invite_form=None, invitation_link="", error="", status=200):
    user = request.user
    if not rules.role_of(user, assembly):
        return refused(
            request,
            _("Only members can see who the other members are."),
            title=_("Members of %(assembly)s") % {"assembly": assembly.name},
            back=assembly.get_absolute_url(),
        )
    can_manage = rules.can_manage_members(user, assembly)
    context = {
        "assembly": assembly,
        "role": role_label(user, assembly),
        "members": paginate(request, selectors.members_of(assembly), per_page=MEMBERS_PER_PAGE),
        "can_manage": can_manage,
        "roles": RoleForm.base_fields["role"].choices,
        "error": error,
    }
    if can_manage:
        context.update(
            {
                "invite_form": invite_form or InviteForm(),
                "invitation_link": invitation_link,
                "join_links": [(link, _join_url(link)) for link in selectors.active_join_links(assembly)],
                "join_requests": selectors.pending_join_requests(assembly),
                "invitations": selectors.pending_invitations(assembly, now()),
            }
        )
    return render(request, "frontend/members/index.html", context, status=status)


@require_safe
def index(request, slug):
    return _members_page(request, visible_assembly(request, slug))


@require_POST
def invite(request, slug):
    assembly = visible_assembly(request, slug)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _members_page(request, assembly, invite_form=form, status=400)
    try:
        invitation, token = membership.invite(assembly=assembly, by=request.user, now=now(), **form.cleaned_data)
    except DomainError as error:
        status = form_error(form, error)
        return _members_page(request, assembly, invite_form=form, error=error.message, status=status)
    link = send_invitation(invitation=invitation, token=token, base_url=settings.DELIBERATE_BASE_URL)
    messages.success(request, _("The invitation was emailed to %(email)s.") % {"email": invitation.email})
    # Shown once, here: only the token's hash is kept.
    return _members_page(request, assembly, invitation_link=link)


@require_POST
def revoke_invitation(request, slug, pk):
    assembly = visible_assembly(request, slug)
    invitation = get_object_or_404(Invitation, pk=pk, assembly=assembly)
    return act(
        request,
        lambda: membership.revoke_invitation(invitation=invitation, by=request.user, now=now()),
        success=_("The invitation was withdrawn."),
        to=reverse("assembly_members", args=[slug]),
    )


@require_POST
def create_join_link(request, slug):
    assembly = visible_assembly(request, slug)
    return act(
        request,
        lambda: membership.create_join_link(assembly=assembly, by=request.user, now=now()),
        success=_("A new join link was made: share it with the people you want."),
        to=reverse("assembly_members", args=[slug]),
    )


@require_POST
def revoke_join_link(request, slug, pk):
    assembly = visible_assembly(request, slug)
    link = get_object_or_404(JoinLink, pk=pk, assembly=assembly)
    return act(
        request,
        lambda: membership.revoke_join_link(link=link, by=request.user, now=now()),
        success=_("The join link no longer works."),
        to=reverse("assembly_members", args=[slug]),
    )


@require_POST
def decide_join_request(request, slug, pk):
    assembly = visible_assembly(request, slug)
    join_request = get_object_or_404(JoinRequest.objects.select_related("user"), pk=pk, assembly=assembly)
    join_request.assembly = assembly
    form = JoinRequestDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to accept or refuse."))
        return redirect("assembly_members", slug)
    accept = form.cleaned_data["accept"]
    return act(
        request,
        lambda: membership.decide_join_request(join_request=join_request, by=request.user, accept=accept, now=now()),
        success=(_("%(name)s is now a member.") if accept else _("The request of %(name)s was refused."))
        % {"name": join_request.user.name},
        to=reverse("assembly_members", args=[slug]),
    )


def _member_or_404(assembly, user_id):
    found = Membership.objects.select_related("user").filter(assembly=assembly, user_id=user_id).first()
    if found is None:
        raise Http404
    return found.user


@require_POST
def set_role(request, slug, user_id):
    assembly = visible_assembly(request, slug)
    member = _member_or_404(assembly, user_id)
    role = request.POST.get("role", "")
    return act(
        request,
        lambda: membership.set_role(assembly=assembly, by=request.user, member=member, role=role, now=now()),
        success=_("The role of %(name)s was changed.") % {"name": member.name},
        to=reverse("assembly_members", args=[slug]),
    )


@require_POST
def remove(request, slug, user_id):
    assembly = visible_assembly(request, slug)
    member = _member_or_404(assembly, user_id)
    return act(
        request,
        lambda: membership.remove_member(assembly=assembly, by=request.user, member=member, now=now()),
        success=_("%(name)s is no longer a member.") % {"name": member.name},
        to=reverse("assembly_members", args=[slug]),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def request_to_join(request, slug):
    assembly = visible_assembly(request, slug)
    if (response := login_redirect(request)) is not None:
        return response
    verdict = rules.can_request_to_join(request.user, assembly)
    if not verdict:
        return refused(
            request,
            verdict,
            title=_("Join %(assembly)s") % {"assembly": assembly.name},
            back=assembly.get_absolute_url(),
        )
    form = JoinRequestForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                membership.request_to_join(assembly=assembly, user=request.user, now=now(), **form.cleaned_data)
            except DomainError as error:
                status = form_error(form, error)
            else:
                messages.success(request, _("Your request was sent: a convenor will answer."))
                return redirect("assembly", slug)
    return render(request, "frontend/members/join.html", {"assembly": assembly, "form": form}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def leave(request, slug):
    assembly = visible_assembly(request, slug)
    if (response := login_redirect(request)) is not None:
        return response
    verdict = rules.can_leave(request.user, assembly)
    if not verdict:
        return refused(
            request,
            verdict,
            title=_("Leave %(assembly)s") % {"assembly": assembly.name},
            back=assembly.get_absolute_url(),
        )
    error_message, status = "", 200
    if request.method == "POST":
        try:
            membership.leave(assembly=assembly, user=request.user, now=now())
        except DomainError as error:
            error_message, status = error.message, 409
        else:
            messages.success(request, _("You left %(assembly)s.") % {"assembly": assembly.name})
            return redirect("assembly", slug) if assembly.is_public else redirect("home")
    return render(
        request,
        "frontend/members/leave.html",
        {"assembly": assembly, "role": role_label(request.user, assembly), "error": error_message},
        status=status,
    )


def _invitation_problem(invitation: Invitation, moment) -> str:
    """Why this invitation cannot be used, in the words the service uses, or "" when it can."""
    if invitation.revoked_at:
        return _("This invitation was withdrawn by a convenor.")
    if invitation.used_at:
        return _("This invitation was already used.")
    if invitation.expires_at <= moment:
        return _("This invitation has expired. Ask the convenor for a new one.")
    return ""


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def accept_invitation(request, token):
    try:
        invitation = membership.find_invitation(token)
    except DomainError as error:
        return refused(request, error.message, title=_("Invitation"), status=404)
    assembly = invitation.assembly
    problem, status = _invitation_problem(invitation, now()), 200
    if request.method == "POST":
        try:
            membership.accept_invitation(token=token, user=request.user, now=now())
        except DomainError as error:
            problem = error.message
        else:
            messages.success(request, _("Welcome to %(assembly)s.") % {"assembly": assembly.name})
            return redirect("assembly", assembly.slug)
    if problem:
        status = 410
    return render(
        request,
        "frontend/members/invitation.html",
        {
            "assembly": assembly,
            "invitation": invitation,
            "problem": problem,
            "already_member": bool(rules.role_of(request.user, assembly)),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def join_by_link(request, token):
    link = JoinLink.objects.select_related("assembly").filter(token=token).first()
    problem = _("This join link is not valid any more. Ask a convenor for a new one.")
    if link is None:
        return refused(request, problem, title=_("Join link"), status=404)
    assembly = link.assembly
    if link.revoked_at is None:
        problem = ""
    if request.method == "POST" and not problem:
        try:
            membership.join_by_link(token=token, user=request.user, now=now())
        except DomainError as error:
            problem = error.message
        else:
            messages.success(request, _("Welcome to %(assembly)s.") % {"assembly": assembly.name})
            return redirect("assembly", assembly.slug)
    return render(
        request,
        "frontend/members/join_link.html",
        {
            "assembly": assembly,
            "link": link,
            "problem": problem,
            "already_member": bool(rules.role_of(request.user, assembly)),
        },
        status=410 if problem else 200,
    )
