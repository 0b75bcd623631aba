"""Who may do what with a poll: named predicates answering `assemblies.membership.rules.Verdict`, with the reason.

Status and time rules that a race could break (is the poll still open?) are checked again by the services
under the poll's row lock; these predicates are what pages show before anyone clicks.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from assemblies.membership.models import VOTING_ROLES, Assembly, Role
from assemblies.membership.rules import (
    ALLOWED,
    Verdict,
    assemblies_visible_to,
    can_view_assembly,
    refuse,
    role_of,
)
from polls.models import Poll


def can_view_poll(user, poll: Poll) -> Verdict:
    """Anyone for a public assembly, members for a private one (pages answer 404 otherwise)."""
    return can_view_assembly(user, poll.assembly)


def polls_visible_to(user) -> QuerySet[Poll]:
    return Poll.objects.filter(assembly__in=assemblies_visible_to(user))


def can_create_poll(user, assembly: Assembly) -> Verdict:
    if role_of(user, assembly) == Role.CONVENOR:
        return ALLOWED
    return refuse(_("Only a convenor can table a poll."))


def can_open_poll(user, poll: Poll) -> Verdict:
    if role_of(user, poll.assembly) != Role.CONVENOR:
        return refuse(_("Only a convenor can open a poll."))
    if poll.status != Poll.Status.DRAFT:
        return refuse(_("This poll was already opened."))
    return ALLOWED


def can_close_poll(user, poll: Poll) -> Verdict:
    """Closing before the closing time is a convenor's act (the service also requires that everyone
    eligible has voted); at or after the closing time anyone may close, and the system does."""
    if role_of(user, poll.assembly) != Role.CONVENOR:
        return refuse(_("Only a convenor can close a poll before its closing time."))
    if poll.status != Poll.Status.OPEN:
        return refuse(_("Only an open poll can be closed."))
    return ALLOWED


def can_vote(user, poll: Poll) -> Verdict:
    """A member who still has a voting role and was on the list frozen when the poll opened."""
    if user is None or not user.is_authenticated:
        return refuse(_("Log in to vote."))
    role = role_of(user, poll.assembly)
    if role is None:
        return refuse(_("Only members of this assembly can vote."))
    if role not in VOTING_ROLES:
        return refuse(_("Observers do not vote."))
    if poll.status == Poll.Status.DRAFT:
        return refuse(_("This poll is not open yet."))
    if poll.status == Poll.Status.CLOSED:
        return refuse(_("This poll is closed."))
    if not poll.eligible_voters.filter(pk=user.pk).exists():
        return refuse(_("You were not a voting member when this poll opened, so you are not on its list."))
    return ALLOWED
