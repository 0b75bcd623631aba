"""Permissions of assemblies, memberships and spaces, as named predicates, each paired with the queryset
filter of what a person may see.

A predicate answers a `Verdict`: truthy when allowed, and otherwise carrying the reason in plain words,
which the services raise as `NotAllowed` and the pages show. Private assemblies are invisible to
non-members: views answer 404 for them, so their existence does not leak. The other apps' rules build on
these (`participates`, `in_drafting`, `can_comment`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from assemblies.membership.models import (
    PARTICIPATING_ROLES,
    Assembly,
    Membership,
    Phase,
    Role,
    Space,
)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Verdict(True)


def refuse(reason) -> Verdict:
    return Verdict(False, str(reason))


def membership_of(user, assembly: Assembly) -> Membership | None:
    """The person's membership, cached on the user object for the length of a request."""
    if user is None or not user.is_authenticated:
        return None
    cache = user.__dict__.setdefault("_memberships", {})
    if assembly.pk not in cache:
        cache[assembly.pk] = Membership.objects.filter(assembly=assembly, user=user).first()
    return cache[assembly.pk]


def forget_memberships(user) -> None:
    if user is not None:
        user.__dict__.pop("_memberships", None)


def role_of(user, assembly: Assembly) -> str | None:
    membership = membership_of(user, assembly)
    return membership.role if membership else None


# Assemblies ------------------------------------------------------------------------------------------


def can_view_assembly(user, assembly: Assembly) -> Verdict:
    if assembly.is_public or role_of(user, assembly):
        return ALLOWED
    return refuse(_("This assembly is open to its members only."))


def assemblies_visible_to(user) -> QuerySet[Assembly]:
    public = Q(visibility=Assembly.Visibility.PUBLIC)
    if user is None or not user.is_authenticated:
        return Assembly.objects.filter(public)
    return Assembly.objects.filter(public | Q(memberships__user=user)).distinct()


def can_manage_members(user, assembly: Assembly) -> Verdict:
    if role_of(user, assembly) == Role.CONVENOR:
        return ALLOWED
    return refuse(_("Only a convenor can manage the members of this assembly."))


def can_moderate(user, assembly: Assembly) -> Verdict:
    if role_of(user, assembly) in (Role.CONVENOR, Role.MODERATOR):
        return ALLOWED
    return refuse(_("Only moderators and convenors can moderate."))


def can_request_to_join(user, assembly: Assembly) -> Verdict:
    if user is None or not user.is_authenticated:
        return refuse(_("Log in to ask to join."))
    if role_of(user, assembly):
        return refuse(_("You are already a member of this assembly."))
    if not assembly.is_public:
        return refuse(_("This assembly admits members by invitation only."))
    return ALLOWED


def can_leave(user, assembly: Assembly) -> Verdict:
    if not role_of(user, assembly):
        return refuse(_("You are not a member of this assembly."))
    return ALLOWED


# Spaces and the roadmap ---------------------------------------------------------------------------------


def can_set_phase(user, space: Space) -> Verdict:
    if role_of(user, space.assembly) == Role.CONVENOR:
        return ALLOWED
    return refuse(_("Only a convenor can change the phase of a space."))


def participates(user, assembly: Assembly) -> Verdict:
    if user is None or not user.is_authenticated:
        return refuse(_("Log in to take part."))
    role = role_of(user, assembly)
    if role is None:
        return refuse(_("Only members of this assembly can take part. You can ask to join."))
    if role not in PARTICIPATING_ROLES:
        return refuse(_("Observers can read and follow, but not take part."))
    return ALLOWED


PHASE_REFUSALS = {
    Phase.DELIBERATION: _("This space is in deliberation: texts can be debated, not proposed or amended."),
    Phase.VOTING: _("This space is voting: its texts are frozen until the polls close."),
    Phase.CLOSED: _("This space is closed: it can be read, not changed."),
}


def in_drafting(space: Space) -> Verdict:
    if space.phase == Phase.DRAFTING:
        return ALLOWED
    return refuse(PHASE_REFUSALS[space.phase])


def can_comment(user, space: Space) -> Verdict:
    verdict = participates(user, space.assembly)
    if not verdict:
        return verdict
    if space.phase == Phase.CLOSED:
        return refuse(PHASE_REFUSALS[Phase.CLOSED])
    return ALLOWED


def can_view_audit_log(user, assembly: Assembly) -> Verdict:
    if role_of(user, assembly) == Role.CONVENOR:
        return ALLOWED
    return refuse(_("Only the convenors of this assembly can read its audit log."))
