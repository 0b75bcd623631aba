"""Assemblies and who belongs to them: creation, invitations, join links, join requests, roles, leaving."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from assemblies.audit import services as audit
from assemblies.common.errors import Conflict, InvalidInput, NotAllowed, require
from assemblies.common.events import publish
from assemblies.common.text import clean_text
from assemblies.membership import rules
from assemblies.membership.models import (
    Assembly,
    Invitation,
    JoinLink,
    JoinRequest,
    Membership,
    Role,
)
from assemblies.membership.services.notifications import notify

INVITATION_LIFETIME = timedelta(days=14)


class InvitationInvalid(InvalidInput):
    """The invitation or join link is unknown, used, expired or revoked."""


class LastConvenor(Conflict):
    """An assembly always keeps at least one convenor."""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_assembly(
    *,
    name: str,
    slug: str = "",
    description: str = "",
    visibility: str = Assembly.Visibility.PUBLIC,
    languages: list[str] | None = None,
    creator,
    now: datetime,
) -> Assembly:
    """Create an assembly whose creator is its first convenor."""
    name = clean_text(name, field="name", max_length=120)
    slug = slugify(slug or name)[:60]
    if not slug:
        raise InvalidInput(_("Choose a short name made of letters, digits and dashes."), field="slug")
    if visibility not in Assembly.Visibility.values:
        raise InvalidInput(_("Unknown visibility."), field="visibility")
    known = dict(settings.LANGUAGES)
    languages = [code for code in (languages or []) if code in known]
    try:
        with transaction.atomic():
            assembly = Assembly.objects.create(
                name=name,
                slug=slug,
                description=clean_text(description, field="description", required=False),
                visibility=visibility,
                languages=languages,
                created_at=now,
            )
            Membership.objects.create(assembly=assembly, user=creator, role=Role.CONVENOR, joined_at=now)
            audit.record(
                assembly=assembly,
                actor=creator,
                action=audit.Action.ASSEMBLY_CREATE,
                details={"visibility": visibility},
                now=now,
            )
    except IntegrityError:
        raise InvalidInput(_("The short name “%(slug)s” is taken.") % {"slug": slug}, field="slug") from None
    rules.forget_memberships(creator)
    return assembly


ROLE_RANK = {Role.OBSERVER: 0, Role.MEMBER: 1, Role.MODERATOR: 2, Role.CONVENOR: 3}


def _add_member(*, assembly: Assembly, user, role: str, now: datetime) -> Membership:
    """Admit a person, or raise an existing member to the role offered (an invitation never demotes)."""
    membership, created = Membership.objects.select_for_update().get_or_create(
        assembly=assembly, user=user, defaults={"role": role, "joined_at": now}
    )
    if not created and ROLE_RANK[role] > ROLE_RANK[membership.role]:
        membership.role = role
        membership.save(update_fields=["role"])
    rules.forget_memberships(user)
    return membership


def invite(*, assembly: Assembly, by, email: str, role: str = Role.MEMBER, now: datetime) -> tuple[Invitation, str]:
    """Create a single-use invitation; returns it with its token (emailed once, never stored)."""
    require(rules.can_manage_members(by, assembly))
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254:
        raise InvalidInput(_("Enter a valid email address."), field="email")
    if role not in Role.values:
        raise InvalidInput(_("Unknown role."), field="role")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            assembly=assembly,
            email=email,
            role=role,
            token_hash=_token_hash(token),
            invited_by=by,
            created_at=now,
            expires_at=now + INVITATION_LIFETIME,
        )
        audit.record(
            assembly=assembly,
            actor=by,
            action=audit.Action.MEMBER_INVITE,
            target=invitation,
            details={"role": role},
            now=now,
        )
    return invitation, token


def find_invitation(token: str) -> Invitation:
    invitation = Invitation.objects.select_related("assembly").filter(token_hash=_token_hash(token or "")).first()
    if invitation is None:
        raise InvitationInvalid(_("This invitation link is not valid. Ask the convenor for a new one."))
    return invitation


def accept_invitation(*, token: str, user, now: datetime) -> Membership:
    """Use an invitation: single use, before it expires, by any signed-in person holding the link."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(token_hash=_token_hash(token or "")).first()
        if invitation is None:
            raise InvitationInvalid(_("This invitation link is not valid. Ask the convenor for a new one."))
        if invitation.revoked_at:
            raise InvitationInvalid(_("This invitation was withdrawn by a convenor."))
        if invitation.used_at:
            raise InvitationInvalid(_("This invitation was already used."))
        if invitation.expires_at <= now:
            raise InvitationInvalid(_("This invitation has expired. Ask the convenor for a new one."))
        invitation.used_at = now
        invitation.used_by = user
        invitation.save(update_fields=["used_at", "used_by"])
        return _add_member(assembly=invitation.assembly, user=user, role=invitation.role, now=now)


def revoke_invitation(*, invitation: Invitation, by, now: datetime) -> None:
    require(rules.can_manage_members(by, invitation.assembly))
    with transaction.atomic():
        if Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(revoked_at=now):
            audit.record(
                assembly=invitation.assembly,
                actor=by,
                action=audit.Action.INVITATION_REVOKE,
                target=invitation,
                now=now,
            )


def create_join_link(*, assembly: Assembly, by, now: datetime) -> JoinLink:
    require(rules.can_manage_members(by, assembly))
    with transaction.atomic():
        link = JoinLink.objects.create(
            assembly=assembly, token=secrets.token_urlsafe(24), created_by=by, created_at=now
        )
        audit.record(
            assembly=assembly,
            actor=by,
            action=audit.Action.JOIN_LINK_CREATE,
            target=link,
            details={"role": link.role},
            now=now,
        )
    return link


def revoke_join_link(*, link: JoinLink, by, now: datetime) -> None:
    require(rules.can_manage_members(by, link.assembly))
    with transaction.atomic():
        if JoinLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=now):
            audit.record(assembly=link.assembly, actor=by, action=audit.Action.JOIN_LINK_REVOKE, target=link, now=now)


def join_by_link(*, token: str, user, now: datetime) -> Membership:
    link = JoinLink.objects.select_related("assembly").filter(token=token or "").first()
    if link is None or link.revoked_at:
        raise InvitationInvalid(_("This join link is not valid any more. Ask a convenor for a new one."))
    with transaction.atomic():
        existing = Membership.objects.select_for_update().filter(assembly=link.assembly, user=user).first()
        if existing is not None:
            # A link anyone may hold admits newcomers: it never changes the role a convenor gave (an observer
            # must not become a member by following it).
            return existing
        return _add_member(assembly=link.assembly, user=user, role=link.role, now=now)


def request_to_join(*, assembly: Assembly, user, message: str = "", now: datetime) -> JoinRequest:
    require(rules.can_request_to_join(user, assembly))
    message = clean_text(message, field="message", required=False, max_length=2000)
    try:
        with transaction.atomic():
            join_request = JoinRequest.objects.create(assembly=assembly, user=user, message=message, created_at=now)
    except IntegrityError:
        raise NotAllowed(_("You already asked to join; a convenor will answer.")) from None
    convenors = [m.user for m in assembly.memberships.filter(role=Role.CONVENOR).select_related("user")]
    notify(
        users=convenors,
        assembly=assembly,
        kind="join_request",
        text=_("%(name)s asks to join %(assembly)s.") % {"name": user.name, "assembly": assembly.name},
        url=reverse("assembly_members", args=[assembly.slug]),
        now=now,
    )
    return join_request


def decide_join_request(*, join_request: JoinRequest, by, accept: bool, now: datetime) -> JoinRequest:
    require(rules.can_manage_members(by, join_request.assembly))
    with transaction.atomic():
        join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
        if join_request.status != JoinRequest.Status.PENDING:
            raise NotAllowed(_("This request was already answered."))
        join_request.status = JoinRequest.Status.ACCEPTED if accept else JoinRequest.Status.REFUSED
        join_request.decided_by = by
        join_request.decided_at = now
        join_request.save(update_fields=["status", "decided_by", "decided_at"])
        if accept:
            _add_member(assembly=join_request.assembly, user=join_request.user, role=Role.MEMBER, now=now)
        audit.record(
            assembly=join_request.assembly,
            actor=by,
            target=join_request,
            now=now,
            action=audit.Action.JOIN_REQUEST_ACCEPT if accept else audit.Action.JOIN_REQUEST_REFUSE,
        )
    assembly = join_request.assembly
    notify(
        users=[join_request.user],
        assembly=assembly,
        kind="join_request_decided",
        text=(
            _("You are now a member of %(assembly)s.")
            if accept
            else _("Your request to join %(assembly)s was declined.")
        )
        % {"assembly": assembly.name},
        url=assembly.get_absolute_url(),
        now=now,
    )
    return join_request


def _other_convenors(assembly: Assembly, user) -> int:
    # Locks the other convenors' rows (FOR UPDATE cannot be combined with COUNT).
    return len(
        assembly.memberships.select_for_update()
        .filter(role=Role.CONVENOR)
        .exclude(user=user)
        .values_list("pk", flat=True)
    )


def set_role(*, assembly: Assembly, by, member, role: str, now: datetime) -> Membership:
    """Change a member's role; the last convenor cannot be demoted."""
    require(rules.can_manage_members(by, assembly))
    if role not in Role.values:
        raise InvalidInput(_("Unknown role."), field="role")
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(assembly=assembly, user=member).first()
        if membership is None:
            raise InvalidInput(_("This person is not a member."), field="member")
        if membership.role == Role.CONVENOR and role != Role.CONVENOR and not _other_convenors(assembly, member):
            raise LastConvenor(_("The assembly needs at least one convenor: name another one first."))
        if membership.role != role:
            audit.record(
                assembly=assembly,
                actor=by,
                action=audit.Action.MEMBER_ROLE,
                target=member,
                details={"from": membership.role, "to": role},
                now=now,
            )
        membership.role = role
        membership.save(update_fields=["role"])
        if role == Role.OBSERVER:
            revoke_member_sockets(assembly=assembly, user=member)
    rules.forget_memberships(member)
    return membership


def leave(*, assembly: Assembly, user, now: datetime) -> None:
    require(rules.can_leave(user, assembly))
    _remove(assembly=assembly, user=user)


def remove_member(*, assembly: Assembly, by, member, now: datetime) -> None:
    require(rules.can_manage_members(by, assembly))
    with transaction.atomic():
        _remove(assembly=assembly, user=member)
        audit.record(assembly=assembly, actor=by, action=audit.Action.MEMBER_REMOVE, target=member, now=now)


def _remove(*, assembly: Assembly, user) -> None:
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(assembly=assembly, user=user).first()
        if membership is None:
            raise InvalidInput(_("This person is not a member."), field="member")
        if membership.role == Role.CONVENOR and not _other_convenors(assembly, user):
            raise LastConvenor(_("The assembly needs at least one convenor: name another one before leaving."))
        membership.delete()
        revoke_member_sockets(assembly=assembly, user=user)
    rules.forget_memberships(user)


def revoke_member_sockets(*, assembly: Assembly, user) -> None:
    """Close the person's open debate sockets in this assembly (after commit): they reconnect only if
    they may still read. Membership services call this when someone leaves, is removed or changes role."""
    publish(f"user.{user.pk}", {"type": "user.revoke", "assembly": assembly.pk})
