"""Debates: posting, editing and deleting messages, reactions, flags, and moderation (hide, restore, mute).

Every change runs in one transaction and publishes, after commit, an event to the debate's group
`debate.<id>`: `{"type": "debate.message" | "debate.edited" | "debate.deleted" | "debate.hidden" |
"debate.restored" | "debate.reaction", "debate": <debate id>, "id": <message id>, "reply_to": <id or
null>, "at": <change mark>, "html": <fragment>}`. The polls services add `{"type": "debate.poll",
"debate": <debate id>, "poll": <poll id>}` when a poll tabled, opened or closed on the debated text makes
a poll the one its pages show (`live_sessions.announce_poll`).
The fragment is what everyone may see (a hidden message shows the moderator's reason); it is rendered in
the site's language and, under `html_i18n`, in each other working language of the assembly, so that each
socket forwards the one its reader reads.

Moderation acts (hide, restore, mute, unmute) are appended to the assembly's hash-chained moderation
log, which no service ever updates or deletes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from assemblies.audit import services as audit
from assemblies.common.errors import InvalidInput, NotAllowed, RateLimited, require
from assemblies.common.events import publish
from assemblies.common.text import clean_text
from assemblies.debates import rules as debates_rules
from assemblies.debates.models import (
    MESSAGE_MAX,
    Debate,
    Flag,
    Message,
    MessageRevision,
    ModerationEntry,
    Reaction,
    Stance,
)
from assemblies.membership import rules as membership_rules
from assemblies.membership.models import Assembly, Membership, Role, Space
from assemblies.membership.services.membership import revoke_member_sockets
from assemblies.membership.services.notifications import notify
from assemblies.roadmap.models import Contribution, Item
from polls.core import moderation_log
from polls.core.canonical import format_time

FRAGMENT_TEMPLATE = "frontend/debates/_message.html"
REASON_MAX = 300
MUTE_MAX = timedelta(days=365)


def posts_per_minute() -> int:
    return int(getattr(settings, "DELIBERATE_DEBATE_POSTS_PER_MINUTE", 10))


# Debates ----------------------------------------------------------------------------------------------


def subject_key(
    *, space: Space | None = None, item: Item | None = None, contribution: Contribution | None = None, poll=None
) -> str:
    subjects = [
        (kind, value)
        for kind, value in (("space", space), ("item", item), ("contribution", contribution), ("poll", poll))
        if value is not None
    ]
    if len(subjects) != 1:
        raise InvalidInput(_("A debate is about exactly one subject."))
    kind, value = subjects[0]
    return f"{kind}:{value.pk}"


def _assembly_and_space(*, space, item, contribution, poll) -> tuple[Assembly, Space | None]:
    if space is not None:
        return space.assembly, space
    if item is not None:
        return item.space.assembly, item.space
    if contribution is not None:
        return contribution.space.assembly, contribution.space
    # A poll (another app) is read by duck typing: its space when it has one, else its assembly.
    poll_space = getattr(poll, "space", None)
    if poll_space is not None:
        return poll_space.assembly, poll_space
    return poll.assembly, None


def debate_for(
    *,
    space: Space | None = None,
    item: Item | None = None,
    contribution: Contribution | None = None,
    poll=None,
    now: datetime,
) -> Debate:
    """The debate of one subject, created the first time it is asked for (concurrent first asks get
    the same debate: the subject key is unique)."""
    key = subject_key(space=space, item=item, contribution=contribution, poll=poll)
    assembly, gate = _assembly_and_space(space=space, item=item, contribution=contribution, poll=poll)
    debate, _created = Debate.objects.select_related("assembly", "space").get_or_create(
        subject_key=key, defaults={"assembly": assembly, "space": gate, "created_at": now}
    )
    return debate


# Fragments and events -----------------------------------------------------------------------------------


def fragment_languages(assembly: Assembly) -> list[str]:
    known = dict(settings.LANGUAGES)
    languages = [settings.LANGUAGE_CODE]
    for code in assembly.languages or []:
        if code in known and code not in languages:
            languages.append(code)
    return languages


def message_html(message: Message, *, language: str | None = None) -> str:
    """The fragment everyone may see of one message, as live pages insert it (no viewer's controls)."""
    context = {"m": message, "base": reverse("debate", args=[message.debate.assembly.slug, message.debate_id])}
    with translation.override(language or settings.LANGUAGE_CODE):
        return render_to_string(FRAGMENT_TEMPLATE, context)


def change_mark(moment: datetime) -> int:
    """A change's time as clients keep it (milliseconds since the epoch): they send back the latest
    they saw when they reconnect."""
    return int(moment.timestamp() * 1000)


def _publish(kind: str, message: Message) -> None:
    languages = fragment_languages(message.debate.assembly)
    event = {
        "type": kind,
        "debate": message.debate_id,
        "id": message.pk,
        "reply_to": message.reply_to_id,
        "at": change_mark(message.changed_at),
        "html": message_html(message, language=languages[0]),
    }
    if len(languages) > 1:
        event["html_i18n"] = {code: message_html(message, language=code) for code in languages[1:]}
    publish(message.debate.group, event)


def _locked(message: Message) -> Message:
    """The message again, under a row lock, with what its fragment shows."""
    locked = (
        Message.objects.select_for_update(of=("self",))
        .select_related("author", "debate__assembly", "debate__space")
        .get(pk=message.pk)
    )
    return locked


# Posting ----------------------------------------------------------------------------------------------


def _clean_stance(stance: str | None) -> str:
    stance = (stance or "").strip()
    if stance == "blank":
        stance = ""
    if stance not in Stance.values:
        raise InvalidInput(_("Unknown stance."), field="stance")
    return stance


def _spend_post_allowance(author, now: datetime) -> None:
    """Count a post against the author's allowance for the current minute (kept in the shared cache,
    so every Daphne process counts against the same allowance)."""
    limit = posts_per_minute()
    window = int(now.timestamp()) // 60
    key = f"debate-posts:{author.pk}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    if count > limit:
        retry_after = 60 - int(now.timestamp()) % 60
        raise RateLimited(
            _("You are posting too fast (%(limit)d messages a minute): wait %(seconds)d seconds.")
            % {"limit": limit, "seconds": retry_after},
            retry_after=retry_after,
        )


def post_message(
    *, debate: Debate, author, text: str, stance: str = "", reply_to: Message | None = None, now: datetime
) -> Message:
    """Post a message (Markdown source, sanitised when rendered) in a debate, optionally in reply to one
    of its messages. Refuses non-participants, observers, muted members, closed spaces, empty or
    oversized text, and members past their allowance of posts per minute."""
    text = clean_text(text, field="text", max_length=MESSAGE_MAX)
    stance = _clean_stance(stance)
    require(debates_rules.can_post_in_debate(author, debate, now))
    if reply_to is not None and reply_to.debate_id != debate.pk:
        raise InvalidInput(_("You can only reply to a message of this debate."), field="reply_to")
    _spend_post_allowance(author, now)
    with transaction.atomic():
        message = Message.objects.create(
            debate=debate,
            author=author,
            text=text,
            stance=stance,
            reply_to=reply_to,
            thread_id=(reply_to.thread_id or reply_to.pk) if reply_to is not None else None,
            created_at=now,
            changed_at=now,
        )
        message.debate = debate
        _publish("debate.message", message)
    return message


def edit_message(*, message: Message, editor, text: str, stance: str | None = None, now: datetime) -> Message:
    """The author changes the text (and stance); the previous text is kept as a revision."""
    text = clean_text(text, field="text", max_length=MESSAGE_MAX)
    with transaction.atomic():
        message = _locked(message)
        require(debates_rules.can_edit_message(editor, message, now))
        stance = message.stance if stance is None else _clean_stance(stance)
        if text == message.text and stance == message.stance:
            return message
        number = message.revisions.count() + 1
        MessageRevision.objects.create(
            message=message,
            number=number,
            text=message.text,
            stance=message.stance,
            written_at=message.edited_at or message.created_at,
            replaced_at=now,
        )
        message.text, message.stance = text, stance
        message.edited_at = message.changed_at = now
        message.save(update_fields=["text", "stance", "edited_at", "changed_at"])
        _publish("debate.edited", message)
    return message


def delete_message(*, message: Message, by, now: datetime) -> Message:
    """The author deletes a message: a tombstone stays in its place (replies keep their context); its
    text and earlier versions are erased."""
    with transaction.atomic():
        message = _locked(message)
        require(debates_rules.can_delete_message(by, message))
        message.revisions.all().delete()
        message.text = ""
        message.deleted_at = message.changed_at = now
        message.save(update_fields=["text", "deleted_at", "changed_at"])
        _publish("debate.deleted", message)
    return message


# Reactions and flags ----------------------------------------------------------------------------------


def _recount(message: Message) -> None:
    counts = {kind: 0 for kind in Reaction.Kind.values}
    for kind in message.reactions.values_list("kind", flat=True):
        counts[kind] += 1
    message.agree_count = counts[Reaction.Kind.AGREE]
    message.disagree_count = counts[Reaction.Kind.DISAGREE]


def react(*, message: Message, user, kind: str, now: datetime) -> Message:
    """Agree or disagree with a message (one replaces the other); reacting twice changes nothing."""
    if kind not in Reaction.Kind.values:
        raise InvalidInput(_("Unknown reaction."), field="kind")
    with transaction.atomic():
        message = _locked(message)
        require(debates_rules.can_react(user, message, now))
        if Reaction.objects.filter(message=message, user=user, kind=kind).exists():
            return message
        Reaction.objects.filter(message=message, user=user).exclude(kind=kind).delete()
        Reaction.objects.create(message=message, user=user, kind=kind, created_at=now)
        _recount(message)
        message.changed_at = now
        message.save(update_fields=["agree_count", "disagree_count", "changed_at"])
        _publish("debate.reaction", message)
    return message


def unreact(*, message: Message, user, kind: str, now: datetime) -> Message:
    with transaction.atomic():
        message = _locked(message)
        deleted, _rows = Reaction.objects.filter(message=message, user=user, kind=kind).delete()
        if not deleted:
            return message
        _recount(message)
        message.changed_at = now
        message.save(update_fields=["agree_count", "disagree_count", "changed_at"])
        _publish("debate.reaction", message)
    return message


def toggle_reaction(*, message: Message, user, kind: str, now: datetime) -> bool:
    """React, or take the reaction back when the person already reacted so; True when now reacted."""
    if user.is_authenticated and Reaction.objects.filter(message=message, user=user, kind=kind).exists():
        unreact(message=message, user=user, kind=kind, now=now)
        return False
    react(message=message, user=user, kind=kind, now=now)
    return True


def _moderators(assembly: Assembly) -> list:
    return [
        m.user
        for m in Membership.objects.filter(assembly=assembly, role__in=(Role.CONVENOR, Role.MODERATOR)).select_related(
            "user"
        )
    ]


def flag(*, message: Message, user, reason: str = "", now: datetime) -> Flag:
    """Ask the moderators to look at a message (once per person); the first flag notifies them."""
    reason = clean_text(reason, field="reason", required=False, max_length=REASON_MAX)
    message = Message.objects.select_related("debate__assembly").get(pk=message.pk)
    require(debates_rules.can_flag(user, message))
    assembly = message.debate.assembly
    try:
        with transaction.atomic():
            created = Flag.objects.create(message=message, user=user, reason=reason, created_at=now)
            if Flag.objects.filter(message=message).count() == 1:
                notify(
                    users=_moderators(assembly),
                    assembly=assembly,
                    kind="message_flagged",
                    text=_("A message was flagged in %(assembly)s.") % {"assembly": assembly.name},
                    url=reverse("debate_message", args=[assembly.slug, message.debate_id, message.pk]),
                    now=now,
                )
    except IntegrityError:
        raise NotAllowed(_("You already flagged this message.")) from None
    return created


# Moderation -------------------------------------------------------------------------------------------


def _append_to_log(
    *,
    assembly: Assembly,
    actor,
    action: str,
    reason: str,
    now: datetime,
    message: Message | None = None,
    target=None,
    until: datetime | None = None,
) -> ModerationEntry:
    """Append an entry to the assembly's moderation log; must run inside the caller's transaction."""
    # The assembly row lock serialises appends: two moderators acting at once get consecutive numbers.
    Assembly.objects.select_for_update().filter(pk=assembly.pk).first()
    last = ModerationEntry.objects.filter(assembly=assembly).order_by("-number").only("number", "entry_hash").first()
    number = last.number + 1 if last else 1
    previous_hash = last.entry_hash if last else ""
    document = moderation_log.entry_document(
        assembly=assembly.pk,
        number=number,
        action=action,
        actor=actor.pk,
        message=message.pk if message is not None else None,
        target=target.pk if target is not None else None,
        reason=reason,
        until=format_time(until) if until is not None else None,
        created_at=format_time(now),
        previous_hash=previous_hash,
    )
    data = moderation_log.canonical_bytes(document)
    entry = ModerationEntry.objects.create(
        assembly=assembly,
        number=number,
        actor=actor,
        action=action,
        message=message,
        target=target,
        reason=reason,
        until=until,
        created_at=now,
        document=data,
        entry_hash=moderation_log.entry_hash(data),
        previous_hash=previous_hash,
    )
    # The audit log lists every act of the assembly's officers in one place; it points at this entry.
    audit.record(
        assembly=assembly,
        actor=actor,
        action=f"moderation.{action}",
        target=message or target,
        now=now,
        details={"entry": number, "reason": reason, "until": format_time(until) if until is not None else None},
    )
    return entry


def hide_message(*, message: Message, by, reason: str, now: datetime) -> Message:
    """A moderator hides a message: everyone sees the reason in its place; its author still reads it."""
    reason = clean_text(reason, field="reason", max_length=REASON_MAX)
    with transaction.atomic():
        message = _locked(message)
        assembly = message.debate.assembly
        require(membership_rules.can_moderate(by, assembly))
        if message.deleted_at is not None:
            raise NotAllowed(_("This message was deleted by its author."))
        if message.hidden_at is not None:
            raise NotAllowed(_("This message is already hidden."))
        message.hidden_at = message.changed_at = now
        message.hidden_by, message.hidden_reason = by, reason
        message.save(update_fields=["hidden_at", "hidden_by", "hidden_reason", "changed_at"])
        _append_to_log(
            assembly=assembly,
            actor=by,
            action=ModerationEntry.Action.HIDE,
            message=message,
            target=message.author,
            reason=reason,
            now=now,
        )
        notify(
            users=[message.author],
            assembly=assembly,
            kind="message_hidden",
            text=_("A moderator hid your message: %(reason)s") % {"reason": reason},
            url=reverse("debate_message", args=[assembly.slug, message.debate_id, message.pk]),
            now=now,
        )
        _publish("debate.hidden", message)
    return message


def restore_message(*, message: Message, by, reason: str = "", now: datetime) -> Message:
    reason = clean_text(reason, field="reason", required=False, max_length=REASON_MAX)
    with transaction.atomic():
        message = _locked(message)
        assembly = message.debate.assembly
        require(membership_rules.can_moderate(by, assembly))
        if message.hidden_at is None:
            raise NotAllowed(_("This message is not hidden."))
        message.hidden_at, message.hidden_by, message.hidden_reason = None, None, ""
        message.changed_at = now
        message.save(update_fields=["hidden_at", "hidden_by", "hidden_reason", "changed_at"])
        _append_to_log(
            assembly=assembly,
            actor=by,
            action=ModerationEntry.Action.RESTORE,
            message=message,
            target=message.author,
            reason=reason,
            now=now,
        )
        _publish("debate.restored", message)
    return message


def mute_member(*, assembly: Assembly, by, member, until: datetime, reason: str, now: datetime) -> Membership:
    """A moderator stops a member from posting in the assembly's debates until `until`; their open
    debate sockets in the assembly are closed (and re-check permission when they reconnect)."""
    reason = clean_text(reason, field="reason", max_length=REASON_MAX)
    require(debates_rules.can_mute(by, assembly, member))
    if until is None or until <= now:
        raise InvalidInput(_("A mute must end in the future."), field="until")
    if until - now > MUTE_MAX:
        raise InvalidInput(_("A mute lasts at most a year."), field="until")
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(assembly=assembly, user=member)
        membership.muted_until = until
        membership.save(update_fields=["muted_until"])
        _append_to_log(
            assembly=assembly,
            actor=by,
            action=ModerationEntry.Action.MUTE,
            target=member,
            reason=reason,
            until=until,
            now=now,
        )
        notify(
            users=[member],
            assembly=assembly,
            kind="member_muted",
            text=_("A moderator muted you in %(assembly)s: %(reason)s") % {"assembly": assembly.name, "reason": reason},
            url=assembly.get_absolute_url(),
            now=now,
        )
        revoke_member_sockets(assembly=assembly, user=member)
    membership_rules.forget_memberships(member)
    return membership


def unmute_member(*, assembly: Assembly, by, member, reason: str = "", now: datetime) -> Membership:
    reason = clean_text(reason, field="reason", required=False, max_length=REASON_MAX)
    require(membership_rules.can_moderate(by, assembly))
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(assembly=assembly, user=member).first()
        if membership is None or membership.muted_until is None or membership.muted_until <= now:
            raise NotAllowed(_("This person is not muted."))
        membership.muted_until = None
        membership.save(update_fields=["muted_until"])
        _append_to_log(
            assembly=assembly, actor=by, action=ModerationEntry.Action.UNMUTE, target=member, reason=reason, now=now
        )
        revoke_member_sockets(assembly=assembly, user=member)
    membership_rules.forget_memberships(member)
    return membership
