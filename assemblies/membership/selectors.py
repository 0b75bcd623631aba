"""Read queries about assemblies, spaces and members that pages share.

Nothing here changes state (that is the services) or decides who may see what (that is the rules):
callers pass objects they were already allowed to see.
"""

from __future__ import annotations

from django.db.models import (
    QuerySet,
)

from assemblies.membership.models import (
    Assembly,
    JoinLink,
    JoinRequest,
    Membership,
    Space,
)


def assembly_by_slug(slug: str) -> Assembly | None:
    return Assembly.objects.filter(slug=slug).first()


# Spaces and items -------------------------------------------------------------------------------------


def space_by_code(assembly: Assembly, code: str) -> Space | None:
    space = Space.objects.filter(assembly=assembly, code=code).first()
    if space is not None:
        space.assembly = assembly  # the rules read space.assembly: no second query for it
    return space


# Membership -------------------------------------------------------------------------------------------


def members_of(assembly: Assembly) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(assembly=assembly)
        .select_related("user")
        .order_by("user__display_name", "user__email")
    )


def active_join_links(assembly: Assembly) -> QuerySet[JoinLink]:
    return JoinLink.objects.filter(assembly=assembly, revoked_at__isnull=True).order_by("-created_at")


def pending_join_requests(assembly: Assembly) -> QuerySet[JoinRequest]:
    return (
        JoinRequest.objects.filter(assembly=assembly, status=JoinRequest.Status.PENDING)
        .select_related("user")
        .order_by("created_at")
    )


def pending_invitations(assembly: Assembly, now):
    return assembly.invitations.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now).order_by(
        "-created_at"
    )
