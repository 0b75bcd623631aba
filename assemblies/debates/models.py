"""Debates: one per subject (a space, a roadmap item, a contribution or a poll), their messages,
reactions, flags, and the append-only moderation log.

A debate names its subject by a key ("item:5") rather than by foreign keys to every kind of subject, so
that polls (another app) can have debates without this app depending on it. Messages are never deleted:
authors leave a tombstone, moderators hide with a reason; every moderation act is a new log entry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

__all__ = [
    "MESSAGE_MAX",
    "Debate",
    "Message",
    "MessageRevision",
    "Reaction",
    "Flag",
    "ModerationEntry",
    "Stance",
    "LiveSession",
    "AgendaPoint",
    "SpeakerRequest",
]

MESSAGE_MAX = 5000


class Debate(models.Model):
    class Subject(models.TextChoices):
        SPACE = "space", _("Space")
        ITEM = "item", _("Roadmap item")
        CONTRIBUTION = "contribution", _("Proposal or amendment")
        POLL = "poll", _("Poll")

    assembly = models.ForeignKey("assemblies.Assembly", on_delete=models.CASCADE, related_name="debates")
    # "item:5": the kind and the id of what is debated; one debate per subject.
    subject_key = models.CharField(max_length=40, unique=True)
    # The space whose phase gates posting (a closed space closes its debates); null for subjects
    # outside any space.
    space = models.ForeignKey(
        "assemblies.Space", on_delete=models.CASCADE, null=True, blank=True, related_name="debates"
    )
    created_at = models.DateTimeField()

    class Meta:
        db_table = "assemblies_debate"  # named before the split into apps by role
        ordering = ["assembly", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(subject_key__regex=r"^(space|item|contribution|poll):[0-9]+$"),
                name="debate_subject_key_form",
            ),
        ]

    def __str__(self):
        return f"Debate on {self.subject_key}"

    def get_absolute_url(self):
        return reverse("debate", args=[self.assembly.slug, self.pk])

    @property
    def subject_kind(self) -> str:
        return self.subject_key.split(":", 1)[0]

    @property
    def subject_id(self) -> int:
        return int(self.subject_key.split(":", 1)[1])

    @property
    def group(self) -> str:
        return f"debate.{self.pk}"


class Stance(models.TextChoices):
    NONE = "", _("No stance")
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    QUESTION = "question", _("Question")
    INFORMATION = "information", _("Information")


class Message(models.Model):
    debate = models.ForeignKey(Debate, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="debate_messages")
    text = models.TextField(_("message"), max_length=MESSAGE_MAX)
    stance = models.CharField(_("stance"), max_length=12, choices=Stance.choices, blank=True, default=Stance.NONE)
    reply_to = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    # The first message of the thread (null for a thread's first message): a thread loads in one query.
    thread = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden_reason = models.CharField(max_length=300, blank=True)
    # Last time anything shown with the message changed (text, tombstone, moderation, reactions): a
    # reconnecting client is sent what changed since the last message it saw.
    changed_at = models.DateTimeField(db_index=True)
    agree_count = models.PositiveIntegerField(default=0)
    disagree_count = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "assemblies_message"  # named before the split into apps by role
        ordering = ["debate", "pk"]
        indexes = [
            models.Index(fields=["debate", "thread", "id"], name="message_debate_thread_id"),
            models.Index(fields=["author", "created_at"], name="message_author_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(pk=models.F("reply_to")), name="message_not_reply_to_itself"),
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True) | ~Q(hidden_reason=""), name="hidden_message_has_reason"
            ),
        ]

    def __str__(self):
        return f"Message #{self.pk} by {self.author}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class MessageRevision(models.Model):
    """A text a message had before an edit: the history shown as "edited"."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    text = models.TextField(max_length=MESSAGE_MAX)
    stance = models.CharField(max_length=12, choices=Stance.choices, blank=True)
    written_at = models.DateTimeField()
    replaced_at = models.DateTimeField()

    class Meta:
        db_table = "assemblies_messagerevision"  # named before the split into apps by role
        ordering = ["message", "number"]
        constraints = [models.UniqueConstraint(fields=["message", "number"], name="message_revision_number_unique")]

    def __str__(self):
        return f"{self.message} r{self.number}"


class Reaction(models.Model):
    class Kind(models.TextChoices):
        AGREE = "agree", _("Agree")
        DISAGREE = "disagree", _("Disagree")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "assemblies_reaction"  # named before the split into apps by role
        ordering = ["message", "created_at"]
        constraints = [models.UniqueConstraint(fields=["message", "user", "kind"], name="one_reaction_of_a_kind")]

    def __str__(self):
        return f"{self.user} {self.kind}s with {self.message}"


class Flag(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "assemblies_flag"  # named before the split into apps by role
        ordering = ["message", "created_at"]
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="one_flag_per_person")]

    def __str__(self):
        return f"{self.user} flagged {self.message}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The moderation log is append-only: add an entry instead.")

    def delete(self):
        raise TypeError("The moderation log is append-only: add an entry instead.")


class ModerationEntry(models.Model):
    """One moderation act, written once. Entries of an assembly form a hash chain: each stores the
    canonical bytes it hashed (`document`) and the hash of the entry before it."""

    class Action(models.TextChoices):
        HIDE = "hide", _("Hid a message")
        RESTORE = "restore", _("Restored a message")
        MUTE = "mute", _("Muted a member")
        UNMUTE = "unmute", _("Unmuted a member")

    assembly = models.ForeignKey("assemblies.Assembly", on_delete=models.CASCADE, related_name="moderation_log")
    number = models.PositiveIntegerField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=8, choices=Action.choices)
    message = models.ForeignKey(Message, on_delete=models.RESTRICT, null=True, blank=True, related_name="moderation")
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    document = models.BinaryField()
    entry_hash = models.CharField(max_length=64, unique=True)
    previous_hash = models.CharField(max_length=64, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        db_table = "assemblies_moderationentry"  # named before the split into apps by role
        ordering = ["assembly", "-number"]
        verbose_name_plural = _("moderation entries")
        constraints = [
            models.UniqueConstraint(fields=["assembly", "number"], name="moderation_entry_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="moderation_entry_number_positive"),
        ]

    def __str__(self):
        return f"{self.assembly} moderation #{self.number}: {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The moderation log is append-only: add an entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The moderation log is append-only: add an entry instead.")


# Live sessions ------------------------------------------------------------------------------------------


class LiveSession(models.Model):
    """A meeting chaired by a convenor on an agenda of debates, with a speaker queue and a timer."""

    assembly = models.ForeignKey("assemblies.Assembly", on_delete=models.CASCADE, related_name="live_sessions")
    title = models.CharField(_("title"), max_length=200)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    speaking_seconds = models.PositiveIntegerField(_("speaking time, in seconds"), default=120)
    current_point = models.ForeignKey("AgendaPoint", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "assemblies_livesession"  # named before the split into apps by role
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(speaking_seconds__gte=15, speaking_seconds__lte=3600), name="session_speaking_time_in_range"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("live_session", args=[self.assembly.slug, self.pk])

    @property
    def is_running(self) -> bool:
        return self.ended_at is None

    @property
    def group(self) -> str:
        return f"session.{self.pk}"


class AgendaPoint(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveIntegerField()
    debate = models.ForeignKey(Debate, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=300)

    class Meta:
        db_table = "assemblies_agendapoint"  # named before the split into apps by role
        ordering = ["session", "position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "position"], name="agenda_position_unique"),
            models.UniqueConstraint(fields=["session", "debate"], name="agenda_debate_once"),
        ]

    def __str__(self):
        return f"{self.position}. {self.title}"


class SpeakerRequest(models.Model):
    """A raised hand: waiting in the queue, then speaking, then done (or withdrawn)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        SPEAKING = "speaking", _("Speaking")
        DONE = "done", _("Spoke")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="speaker_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    raised_at = models.DateTimeField()
    given_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "assemblies_speakerrequest"  # named before the split into apps by role
        ordering = ["session", "raised_at", "pk"]
        constraints = [
            # One hand up per person, and one person speaking at a time: a double click or two chairs
            # acting at once end in a refusal, never a second entry.
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=Q(status__in=["waiting", "speaking"]),
                name="one_raised_hand_per_person",
            ),
            models.UniqueConstraint(fields=["session"], condition=Q(status="speaking"), name="one_speaker_at_a_time"),
        ]

    def __str__(self):
        return f"{self.user} in {self.session}: {self.status}"
