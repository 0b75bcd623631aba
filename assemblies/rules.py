"""Permissions as named predicates, each paired with the queryset filter of what a person may see.

A predicate answers a `Verdict`: truthy when allowed, and otherwise carrying the reason in plain words,
which the services raise as `NotAllowed` and the pages show. Private assemblies are invisible to
non-members: views answer 404 for them, so their existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from assemblies.models import (
    PARTICIPATING_ROLES,
    Assembly,
    Contribution,
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


def can_edit_roadmap(user, assembly: Assembly) -> Verdict:
    if role_of(user, assembly) == Role.CONVENOR:
        return ALLOWED
    return refuse(_("Only a convenor can import the roadmap or make an editorial change."))


def can_publish_edition(user, assembly: Assembly) -> Verdict:
    """Tagging a roadmap version as a published edition, with its release notes, is a convenor's act."""
    if role_of(user, assembly) == Role.CONVENOR:
        return ALLOWED
    return refuse(_("Only a convenor can publish an edition of the roadmap."))


def _participates(user, assembly: Assembly) -> Verdict:
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


def _in_drafting(space: Space) -> Verdict:
    if space.phase == Phase.DRAFTING:
        return ALLOWED
    return refuse(PHASE_REFUSALS[space.phase])


def can_propose(user, space: Space) -> Verdict:
    return _participates(user, space.assembly) and _in_drafting(space)


def can_amend_item(user, item) -> Verdict:
    return _participates(user, item.space.assembly) and _in_drafting(item.space)


def can_amend_proposal(user, proposal: Contribution) -> Verdict:
    verdict = _participates(user, proposal.space.assembly) and _in_drafting(proposal.space)
    if not verdict:
        return verdict
    if proposal.kind != Contribution.Kind.PROPOSAL:
        return refuse(_("Only proposals and roadmap items can be amended."))
    if proposal.status != Contribution.Status.OPEN:
        return refuse(_("This proposal is no longer open to amendments."))
    return ALLOWED


def can_comment(user, space: Space) -> Verdict:
    verdict = _participates(user, space.assembly)
    if not verdict:
        return verdict
    if space.phase == Phase.CLOSED:
        return refuse(PHASE_REFUSALS[Phase.CLOSED])
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
    return _participates(user, contribution.space.assembly) and _in_drafting(contribution.space)


def can_withdraw(user, contribution: Contribution) -> Verdict:
    if user is None or contribution.author_id != user.pk:
        return refuse(_("Only the author can withdraw this."))
    if contribution.status not in (Contribution.Status.OPEN, Contribution.Status.TABLED):
        return refuse(_("It is already decided or withdrawn."))
    if contribution.space.phase in (Phase.VOTING, Phase.CLOSED):
        return refuse(PHASE_REFUSALS[contribution.space.phase])
    return ALLOWED


def can_support(user, contribution: Contribution) -> Verdict:
    verdict = _participates(user, contribution.space.assembly)
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


# Debates ------------------------------------------------------------------------------------------------
# Reading a debate is reading its assembly. Taking part (posting, editing, reacting) is commenting in the
# debate's space, unless muted. Authors always keep the right to delete what they wrote.

def can_view_debate(user, debate) -> Verdict:
    return can_view_assembly(user, debate.assembly)


def debates_visible_to(user):
    from assemblies.models import Debate

    return Debate.objects.filter(assembly__in=assemblies_visible_to(user))


def muted_until(user, assembly: Assembly, now):
    """When the person's mute in this assembly ends, or None when they are not muted at `now`."""
    membership = membership_of(user, assembly)
    if membership is not None and membership.muted_until is not None and membership.muted_until > now:
        return membership.muted_until
    return None


def _not_muted(user, assembly: Assembly, now) -> Verdict:
    until = muted_until(user, assembly, now)
    if until is not None:
        from django.utils import formats, timezone

        return refuse(_("A moderator muted you in this assembly until %(until)s.")
                      % {"until": formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")})
    return ALLOWED


def can_post_in_debate(user, debate, now) -> Verdict:
    """Post or edit: a participating member, not muted, in a debate whose space is not closed."""
    if debate.space_id is not None:
        verdict = can_comment(user, debate.space)
    else:
        verdict = _participates(user, debate.assembly)
    return verdict and _not_muted(user, debate.assembly, now)


def can_edit_message(user, message, now) -> Verdict:
    if user is None or message.author_id != user.pk:
        return refuse(_("Only the author can edit this message."))
    if message.deleted_at is not None:
        return refuse(_("This message was deleted."))
    if message.hidden_at is not None:
        return refuse(_("A moderator hid this message: it can no longer be edited."))
    return can_post_in_debate(user, message.debate, now)


def can_delete_message(user, message) -> Verdict:
    if user is None or message.author_id != user.pk:
        return refuse(_("Only the author can delete this message."))
    if message.deleted_at is not None:
        return refuse(_("This message was already deleted."))
    return ALLOWED


def can_react(user, message, now) -> Verdict:
    if message.deleted_at is not None or message.hidden_at is not None:
        return refuse(_("This message cannot receive reactions."))
    return can_post_in_debate(user, message.debate, now)


def can_flag(user, message) -> Verdict:
    """Any member, observers included, can ask the moderators to look at a message."""
    if user is None or not user.is_authenticated:
        return refuse(_("Log in to flag a message."))
    if role_of(user, message.debate.assembly) is None:
        return refuse(_("Only members of this assembly can flag messages."))
    if message.author_id == user.pk:
        return refuse(_("You cannot flag your own message."))
    if message.deleted_at is not None or message.hidden_at is not None:
        return refuse(_("This message is no longer shown."))
    return ALLOWED


def can_see_hidden_text(user, message) -> bool:
    """The author and the moderators still read a hidden message."""
    if user is None or not user.is_authenticated:
        return False
    return message.author_id == user.pk or bool(can_moderate(user, message.debate.assembly))


def can_mute(user, assembly: Assembly, member) -> Verdict:
    verdict = can_moderate(user, assembly)
    if not verdict:
        return verdict
    if member is None or user.pk == member.pk:
        return refuse(_("You cannot mute yourself."))
    target_role = role_of(member, assembly)
    if target_role is None:
        return refuse(_("This person is not a member of this assembly."))
    if target_role == Role.CONVENOR or (target_role == Role.MODERATOR and role_of(user, assembly) != Role.CONVENOR):
        return refuse(_("Only a convenor can mute a moderator, and convenors cannot be muted."))
    return ALLOWED


def can_view_moderation_log(user, assembly: Assembly) -> Verdict:
    return can_moderate(user, assembly)


def can_view_audit_log(user, assembly: Assembly) -> Verdict:
    if role_of(user, assembly) == Role.CONVENOR:
        return ALLOWED
    return refuse(_("Only the convenors of this assembly can read its audit log."))


# Live sessions --------------------------------------------------------------------------------------------

def can_run_session(user, assembly: Assembly) -> Verdict:
    if role_of(user, assembly) == Role.CONVENOR:
        return ALLOWED
    return refuse(_("Only a convenor can run a live session."))


def can_chair(user, session) -> Verdict:
    if session.ended_at is not None:
        return refuse(_("This session has ended."))
    if user is not None and user.is_authenticated and session.chair_id == user.pk:
        return ALLOWED
    return refuse(_("Only the chair of the session can do this."))


def can_raise_hand(user, session, now) -> Verdict:
    if session.ended_at is not None:
        return refuse(_("This session has ended."))
    return _participates(user, session.assembly) and _not_muted(user, session.assembly, now)
