"""Debate services: who may post, edit, delete, react, flag and moderate; limits; and the events each
change publishes after commit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from assemblies.common.errors import InvalidInput, NotAllowed, RateLimited
from assemblies.debates import rules as debates_rules
from assemblies.debates.models import (
    Debate,
    Flag,
    Message,
    MessageRevision,
    ModerationEntry,
    Reaction,
)
from assemblies.debates.services import debates
from assemblies.membership import rules as membership_rules
from assemblies.membership.models import Notification, Phase
from assemblies.membership.services import spaces
from assemblies.roadmap.services import contributions
from polls.core import moderation_log
from tests import factories
from tests.debatekit import committing, post, sent, world  # noqa: F401

pytestmark = pytest.mark.django_db


# Debates ------------------------------------------------------------------------------------------------


def test_each_subject_has_one_debate(world):
    now = timezone.now()
    assert debates.debate_for(item=world.item, now=now) == world.debate
    space_debate = debates.debate_for(space=world.space, now=now)
    assert space_debate != world.debate and space_debate.subject_key == f"space:{world.space.pk}"
    assert Debate.objects.filter(subject_key=f"item:{world.item.pk}").count() == 1
    assert world.debate.space == world.space and world.debate.assembly == world.assembly


def test_a_poll_debate_is_keyed_by_the_poll_and_gated_by_its_space(world):
    class Poll:  # the polls app's model is read by duck typing: pk and space (or assembly)
        pk = 3
        space = world.space

    debate = debates.debate_for(poll=Poll(), now=timezone.now())
    assert debate.subject_key == "poll:3" and debate.space == world.space


def test_a_debate_is_about_exactly_one_subject(world):
    with pytest.raises(InvalidInput):
        debates.debate_for(space=world.space, item=world.item, now=timezone.now())


# Posting ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["convenor", "moderator", "ana"])
def test_participants_post(world, role):
    message = post(world, getattr(world, role), "I agree with the **aim**.", stance="for")
    assert message.stance == "for" and message.thread_id is None


@pytest.mark.parametrize("role", ["observer", "outsider", "anonymous"])
def test_observers_outsiders_and_anonymous_cannot_post(world, role):
    with pytest.raises(NotAllowed):
        post(world, getattr(world, role))
    assert not Message.objects.exists()


def test_posting_in_a_closed_space_is_refused(world):
    spaces.set_phase(space=world.space, by=world.convenor, phase=Phase.CLOSED, now=timezone.now())
    world.debate.space.refresh_from_db()
    with pytest.raises(NotAllowed, match="closed"):
        post(world, world.ana)


@pytest.mark.parametrize("text", ["", "   \n  ", "x" * 5001])
def test_empty_or_oversized_text_is_refused(world, text):
    with pytest.raises(InvalidInput) as refusal:
        post(world, world.ana, text)
    assert refusal.value.field == "text"


def test_a_message_of_exactly_the_limit_is_accepted(world):
    assert len(post(world, world.ana, "y" * 5000).text) == 5000


def test_an_unknown_stance_is_refused(world):
    with pytest.raises(InvalidInput):
        post(world, world.ana, stance="maybe")


def test_a_reply_joins_the_thread_of_what_it_answers(world):
    first = post(world, world.ana)
    reply = post(world, world.kofi, reply_to=first)
    reply_to_reply = post(world, world.ana, reply_to=reply)
    assert reply.thread_id == first.pk and reply_to_reply.thread_id == first.pk
    assert reply_to_reply.reply_to_id == reply.pk


def test_a_reply_to_another_debates_message_is_refused(world):
    other = debates.debate_for(space=world.space, now=timezone.now())
    elsewhere = post(other, world.ana)
    with pytest.raises(InvalidInput):
        post(world, world.kofi, reply_to=elsewhere)


def test_posting_is_rate_limited_per_member_per_minute(world, settings):
    settings.DELIBERATE_DEBATE_POSTS_PER_MINUTE = 3
    minute = timezone.now().replace(second=5, microsecond=0)
    for _ in range(3):
        post(world, world.ana, now=minute)
    with pytest.raises(RateLimited) as refusal:
        post(world, world.ana, now=minute + timedelta(seconds=10))
    assert "too fast" in refusal.value.message and 0 < refusal.value.retry_after <= 60
    post(world, world.kofi, now=minute)  # another member has their own allowance
    post(world, world.ana, now=minute + timedelta(minutes=1))  # and a new minute a new one
    assert Message.objects.filter(author=world.ana).count() == 4


def test_a_muted_member_cannot_post_until_the_mute_ends(world):
    now = timezone.now()
    debates.mute_member(
        assembly=world.assembly,
        by=world.moderator,
        member=world.ana,
        until=now + timedelta(hours=1),
        reason="Insults.",
        now=now,
    )
    membership_rules.forget_memberships(world.ana)
    with pytest.raises(NotAllowed, match="muted"):
        post(world, world.ana, now=now + timedelta(minutes=59))
    assert post(world, world.ana, now=now + timedelta(hours=1, seconds=1))


# Editing and deleting ---------------------------------------------------------------------------------


def test_the_author_edits_and_the_previous_text_is_kept(world):
    message = post(world, world.ana, "First wording.")
    later = timezone.now() + timedelta(minutes=1)
    edited = debates.edit_message(
        message=message, editor=world.ana, text="Second wording.", stance="question", now=later
    )
    assert edited.text == "Second wording." and edited.edited_at == later and edited.stance == "question"
    revision = MessageRevision.objects.get(message=message)
    assert revision.text == "First wording." and revision.number == 1 and revision.written_at == message.created_at


def test_only_the_author_edits(world):
    message = post(world, world.ana)
    for someone in (world.kofi, world.moderator, world.convenor):
        with pytest.raises(NotAllowed):
            debates.edit_message(message=message, editor=someone, text="Not mine.", now=timezone.now())


def test_editing_with_the_same_text_makes_no_revision(world):
    message = post(world, world.ana, "Same.")
    debates.edit_message(message=message, editor=world.ana, text="Same.", now=timezone.now())
    assert not MessageRevision.objects.exists()


def test_deleting_leaves_a_tombstone_and_erases_the_text(world):
    message = post(world, world.ana, "Regrettable.")
    reply = post(world, world.kofi, reply_to=message)
    debates.edit_message(message=message, editor=world.ana, text="Still regrettable.", now=timezone.now())
    debates.delete_message(message=message, by=world.ana, now=timezone.now())
    message.refresh_from_db()
    assert message.deleted_at is not None and message.text == "" and not message.revisions.exists()
    reply.refresh_from_db()
    assert reply.reply_to_id == message.pk  # the reply keeps its place in the thread
    with pytest.raises(NotAllowed):
        debates.delete_message(message=message, by=world.ana, now=timezone.now())


def test_only_the_author_deletes(world):
    message = post(world, world.ana)
    with pytest.raises(NotAllowed):
        debates.delete_message(message=message, by=world.moderator, now=timezone.now())


# Reactions and flags ----------------------------------------------------------------------------------


def test_agreeing_then_disagreeing_replaces_the_reaction(world):
    message = post(world, world.ana)
    debates.react(message=message, user=world.kofi, kind="agree", now=timezone.now())
    debates.react(message=message, user=world.kofi, kind="agree", now=timezone.now())
    debates.react(message=message, user=world.convenor, kind="agree", now=timezone.now())
    message.refresh_from_db()
    assert (message.agree_count, message.disagree_count) == (2, 0)
    debates.react(message=message, user=world.kofi, kind="disagree", now=timezone.now())
    message.refresh_from_db()
    assert (message.agree_count, message.disagree_count) == (1, 1)
    assert Reaction.objects.filter(message=message, user=world.kofi).count() == 1


def test_toggling_a_reaction_takes_it_back(world):
    message = post(world, world.ana)
    assert debates.toggle_reaction(message=message, user=world.kofi, kind="agree", now=timezone.now()) is True
    assert debates.toggle_reaction(message=message, user=world.kofi, kind="agree", now=timezone.now()) is False
    message.refresh_from_db()
    assert message.agree_count == 0


def test_observers_cannot_react_but_can_flag(world):
    message = post(world, world.ana)
    with pytest.raises(NotAllowed):
        debates.react(message=message, user=world.observer, kind="agree", now=timezone.now())
    debates.flag(message=message, user=world.observer, reason="Off topic.", now=timezone.now())
    assert Flag.objects.get(message=message).reason == "Off topic."


def test_a_person_flags_a_message_once_and_the_first_flag_tells_the_moderators(world):
    message = post(world, world.ana)
    debates.flag(message=message, user=world.kofi, now=timezone.now())
    with pytest.raises(NotAllowed, match="already"):
        debates.flag(message=message, user=world.kofi, now=timezone.now())
    debates.flag(message=message, user=world.observer, now=timezone.now())
    told = Notification.objects.filter(kind="message_flagged")
    assert {n.user for n in told} == {world.convenor, world.moderator}


def test_authors_and_outsiders_cannot_flag(world):
    message = post(world, world.ana)
    for someone in (world.ana, world.outsider):
        with pytest.raises(NotAllowed):
            debates.flag(message=message, user=someone, now=timezone.now())


# Moderation -------------------------------------------------------------------------------------------


def test_a_moderator_hides_with_a_reason_and_restores(world):
    message = post(world, world.ana)
    debates.hide_message(message=message, by=world.moderator, reason="Personal attack.", now=timezone.now())
    message.refresh_from_db()
    assert message.hidden_reason == "Personal attack." and message.hidden_by == world.moderator
    assert debates_rules.can_see_hidden_text(world.ana, message) and debates_rules.can_see_hidden_text(
        world.convenor, message
    )
    assert not debates_rules.can_see_hidden_text(world.kofi, message)
    debates.restore_message(message=message, by=world.convenor, reason="Apology made.", now=timezone.now())
    message.refresh_from_db()
    assert message.hidden_at is None and message.hidden_reason == ""
    actions = list(ModerationEntry.objects.order_by("number").values_list("action", "actor", "reason"))
    assert actions == [
        ("hide", world.moderator.pk, "Personal attack."),
        ("restore", world.convenor.pk, "Apology made."),
    ]


@pytest.mark.parametrize("role", ["ana", "observer", "outsider"])
def test_only_moderators_and_convenors_hide(world, role):
    message = post(world, world.kofi)
    with pytest.raises(NotAllowed):
        debates.hide_message(message=message, by=getattr(world, role), reason="No.", now=timezone.now())


def test_hiding_needs_a_reason(world):
    message = post(world, world.kofi)
    with pytest.raises(InvalidInput):
        debates.hide_message(message=message, by=world.moderator, reason=" ", now=timezone.now())


def test_muting_rules(world):
    now, later = timezone.now(), timezone.now() + timedelta(hours=1)
    with pytest.raises(NotAllowed):
        debates.mute_member(assembly=world.assembly, by=world.ana, member=world.kofi, until=later, reason="R", now=now)
    with pytest.raises(NotAllowed):
        debates.mute_member(
            assembly=world.assembly, by=world.moderator, member=world.convenor, until=later, reason="R", now=now
        )
    with pytest.raises(NotAllowed):
        debates.mute_member(
            assembly=world.assembly, by=world.moderator, member=world.outsider, until=later, reason="R", now=now
        )
    with pytest.raises(InvalidInput):
        debates.mute_member(
            assembly=world.assembly, by=world.moderator, member=world.kofi, until=now, reason="R", now=now
        )
    membership = debates.mute_member(
        assembly=world.assembly, by=world.convenor, member=world.moderator, until=later, reason="Cooling off.", now=now
    )
    assert membership.muted_until == later


def test_unmuting_lets_the_member_post_again_and_is_logged(world):
    now = timezone.now()
    debates.mute_member(
        assembly=world.assembly,
        by=world.moderator,
        member=world.ana,
        until=now + timedelta(days=1),
        reason="Spam.",
        now=now,
    )
    debates.unmute_member(assembly=world.assembly, by=world.moderator, member=world.ana, now=now)
    membership_rules.forget_memberships(world.ana)
    assert post(world, world.ana)
    assert list(ModerationEntry.objects.order_by("number").values_list("action", flat=True)) == ["mute", "unmute"]


def test_the_moderation_log_is_append_only_and_hash_chained(world):
    message = post(world, world.ana)
    debates.hide_message(message=message, by=world.moderator, reason="One.", now=timezone.now())
    debates.restore_message(message=message, by=world.moderator, now=timezone.now())
    debates.mute_member(
        assembly=world.assembly,
        by=world.moderator,
        member=world.kofi,
        until=timezone.now() + timedelta(hours=1),
        reason="Two.",
        now=timezone.now(),
    )
    entries = list(ModerationEntry.objects.filter(assembly=world.assembly).order_by("number"))
    assert [e.number for e in entries] == [1, 2, 3]
    assert entries[1].previous_hash == entries[0].entry_hash and entries[0].previous_hash == ""
    assert moderation_log.verify_chain((bytes(e.document), e.entry_hash) for e in entries) == []
    first = entries[0]
    first.reason = "Rewritten."
    with pytest.raises(TypeError):
        first.save()
    with pytest.raises(TypeError):
        first.delete()
    with pytest.raises(TypeError):
        ModerationEntry.objects.filter(pk=first.pk).update(reason="Rewritten.")
    with pytest.raises(TypeError):
        ModerationEntry.objects.filter(pk=first.pk).delete()
    assert ModerationEntry.objects.get(pk=first.pk).reason == "One."


def test_a_tampered_log_entry_is_detected(world):
    message = post(world, world.ana)
    debates.hide_message(message=message, by=world.moderator, reason="One.", now=timezone.now())
    entry = ModerationEntry.objects.get()
    tampered = bytes(entry.document).replace(b"One.", b"Two.")
    assert moderation_log.verify_chain([(tampered, entry.entry_hash)]) == ["entry 1: its bytes do not match its hash"]


# Events -----------------------------------------------------------------------------------------------


def test_every_change_publishes_its_event_to_the_debate_after_commit(world, sent, committing):
    group = f"debate.{world.debate.pk}"
    with committing():
        message = post(world, world.ana, "Hello <script>alert(1)</script> **all**")
    with committing():
        debates.edit_message(message=message, editor=world.ana, text="Hello again", now=timezone.now())
    with committing():
        debates.react(message=message, user=world.kofi, kind="agree", now=timezone.now())
    with committing():
        debates.hide_message(message=message, by=world.moderator, reason="Test reason.", now=timezone.now())
    with committing():
        debates.restore_message(message=message, by=world.moderator, now=timezone.now())
    with committing():
        debates.delete_message(message=message, by=world.ana, now=timezone.now())
    assert sent.types(group) == [
        "debate.message",
        "debate.edited",
        "debate.reaction",
        "debate.hidden",
        "debate.restored",
        "debate.deleted",
    ]
    first = sent.of("debate.message")[0]
    assert first["id"] == message.pk and f'id="m{message.pk}"' in first["html"]
    assert "<script>" not in first["html"] and "<strong>all</strong>" in first["html"]
    hidden = sent.of("debate.hidden")[0]["html"]
    assert "Test reason." in hidden and "Hello again" not in hidden
    assert "Agree 1" in sent.of("debate.reaction")[0]["html"]
    assert "Hello again" not in sent.of("debate.deleted")[0]["html"]


def test_a_refused_or_rolled_back_change_publishes_nothing(world, sent, committing):
    with committing():
        with pytest.raises(NotAllowed):
            post(world, world.observer)
    with committing():
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                post(world, world.ana)
                raise RuntimeError("rolled back")
    assert sent.types(f"debate.{world.debate.pk}") == []


def test_muting_closes_the_members_sockets_through_their_user_group(world, sent, committing):
    with committing():
        debates.mute_member(
            assembly=world.assembly,
            by=world.moderator,
            member=world.ana,
            until=timezone.now() + timedelta(hours=1),
            reason="Spam.",
            now=timezone.now(),
        )
    assert ("user.%d" % world.ana.pk, {"type": "user.revoke", "assembly": world.assembly.pk}) in sent


def test_events_carry_the_fragment_in_each_working_language(world, sent, committing):
    world.assembly.languages = ["fr", "es"]
    world.assembly.save(update_fields=["languages"])
    world.debate.assembly.languages = ["fr", "es"]
    with committing():
        post(world, world.ana)
    event = sent.of("debate.message")[0]
    assert set(event["html_i18n"]) == {"fr", "es"}


def test_a_debate_on_an_amendment_is_gated_by_its_space(world):
    drafting = factories.space_in(world.assembly, "POL")
    from assemblies.roadmap.models import Item

    item = Item.objects.filter(space=drafting).first()
    amendment = contributions.propose_amendment(
        author=world.ana,
        item=item,
        change="edit",
        text="Better.",
        base_version=item.roadmap.head,
        submission_key=factories.submission_key(),
        now=timezone.now(),
    )
    debate = debates.debate_for(contribution=amendment, now=timezone.now())
    assert debate.space == drafting and post(debate, world.kofi)
