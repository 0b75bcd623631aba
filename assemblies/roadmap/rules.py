"""Who may change the roadmap, propose, amend, support, table and decide contributions."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from assemblies.membership.models import (
    Assembly,
    Phase,
    Role,
    Space,
)
from assemblies.membership.rules import (
    ALLOWED,
    PHASE_REFUSALS,
    Verdict,
    assemblies_visible_to,
    can_view_assembly,
    in_drafting,
    participates,
    refuse,
    role_of,
)
from assemblies.roadmap.models import Contribution


def can_edit_roadmap(user, assembly: Assembly) -> Verdict:
    if role_of(user, assembly) == Role.CONVENOR:
        return ALLOWED
    return refuse(_("Only a convenor can import the roadmap or make an editorial change."))


def can_publish_edition(user, assembly: Assembly) -> Verdict:
    """Tagging a roadmap version as a published edition, with its release notes, is a convenor's act."""
    if role_of(user, assembly) == Role.CONVENOR:
        return ALLOWED
    return refuse(_("Only a convenor can publish an edition of the roadmap."))


def can_propose(user, space: Space) -> Verdict:
    return participates(user, space.assembly) and in_drafting(space)


def can_amend_item(user, item) -> Verdict:
    return participates(user, item.space.assembly) and in_drafting(item.space)


def can_amend_proposal(user, proposal: Contribution) -> Verdict:
    verdict = participates(user, proposal.space.assembly) and in_drafting(proposal.space)
    if not verdict:
        return verdict
    if proposal.kind != Contribution.Kind.PROPOSAL:
        return refuse(_("Only proposals and roadmap items can be amended."))
    if proposal.status != Contribution.Status.OPEN:
        return refuse(_("This proposal is no longer open to amendments."))
    return ALLOWED


# Contributions ------------------------------------------------------------------------------------------


def can_view_contribution(user, contribution: Contribution) -> Verdict:
    return can_view_assembly(user, contribution.space.assembly)


def contributions_visible_to(user) -> QuerySet[Contribution]:
    return Contribution.objects.filter(space__assembly__in=assemblies_visible_to(user))


def can_edit_contribution(user, contribution: Contribution) -> Verdict:
    if user is None or contribution.author_id != user.pk:
        return refuse(_("Only the author can edit this."))
    if contribution.status != Contribution.Status.OPEN:
        return refuse(_("It was tabled for decision or closed: it can no longer be edited."))
    return participates(user, contribution.space.assembly) and in_drafting(contribution.space)


def can_withdraw(user, contribution: Contribution) -> Verdict:
    if user is None or contribution.author_id != user.pk:
        return refuse(_("Only the author can withdraw this."))
    if contribution.status not in (Contribution.Status.OPEN, Contribution.Status.TABLED):
        return refuse(_("It is already decided or withdrawn."))
    if contribution.space.phase in (Phase.VOTING, Phase.CLOSED):
        return refuse(PHASE_REFUSALS[contribution.space.phase])
    return ALLOWED


def can_support(user, contribution: Contribution) -> Verdict:
    verdict = participates(user, contribution.space.assembly)
    if not verdict:
        return verdict
    if contribution.author_id == user.pk:
        return refuse(_("Authors cannot co-sign their own text."))
    if contribution.status not in (Contribution.Status.OPEN, Contribution.Status.TABLED):
        return refuse(_("It is already decided or withdrawn."))
    if contribution.space.phase in (Phase.VOTING, Phase.CLOSED):
        return refuse(PHASE_REFUSALS[contribution.space.phase])
    return ALLOWED


def can_withdraw_support(user, contribution: Contribution) -> Verdict:
    if user is None or not contribution.supports.filter(user=user).exists():
        return refuse(_("You have not co-signed this."))
    if contribution.status not in (Contribution.Status.OPEN, Contribution.Status.TABLED):
        return refuse(_("It is already decided or withdrawn."))
    if contribution.space.phase in (Phase.VOTING, Phase.CLOSED):
        return refuse(PHASE_REFUSALS[contribution.space.phase])
    return ALLOWED


def can_table(user, contribution: Contribution) -> Verdict:
    if role_of(user, contribution.space.assembly) != Role.CONVENOR:
        return refuse(_("Only a convenor can table a text for decision."))
    if contribution.status != Contribution.Status.OPEN:
        return refuse(_("Only open texts can be tabled."))
    if contribution.space.phase == Phase.CLOSED:
        return refuse(PHASE_REFUSALS[Phase.CLOSED])
    return ALLOWED


def can_decide(user, contribution: Contribution) -> Verdict:
    """Recording a decision by hand (without a poll) is a convenor's act on a tabled text."""
    if role_of(user, contribution.space.assembly) != Role.CONVENOR:
        return refuse(_("Only a convenor can record a decision."))
    if contribution.status != Contribution.Status.TABLED:
        return refuse(_("Only tabled texts can be decided."))
    return ALLOWED
