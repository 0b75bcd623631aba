"""Who may read and take part in debates, moderate them, and run or join live sessions."""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from assemblies.debates.models import Debate
from assemblies.membership.models import (
    Assembly,
    Role,
)
from assemblies.membership.rules import (
    ALLOWED,
    Verdict,
    assemblies_visible_to,
    can_comment,
    can_moderate,
    can_view_assembly,
    membership_of,
    participates,
    refuse,
    role_of,
)

# Debates ------------------------------------------------------------------------------------------------
# Reading a debate is reading its assembly. Taking part (posting, editing, reacting) is commenting in the
# debate's space, unless muted. Authors always keep the right to delete what they wrote.


def can_view_debate(user, debate) -> Verdict:
    return can_view_assembly(user, debate.assembly)


def debates_visible_to(user):
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
        return refuse(
            _("A moderator muted you in this assembly until %(until)s.")
            % {"until": formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")}
        )
    return ALLOWED


def can_post_in_debate(user, debate, now) -> Verdict:
    """Post or edit: a participating member, not muted, in a debate whose space is not closed."""
    if debate.space_id is not None:
        verdict = can_comment(user, debate.space)
    else:
        verdict = participates(user, debate.assembly)
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
    return participates(user, session.assembly) and _not_muted(user, session.assembly, now)
