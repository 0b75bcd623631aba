"""The audit log: every consequential act of a convenor or moderator, hash-chained so that an edit or a
deletion is detected.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Audit log -----------------------------------------------------------------------------------------------

APPEND_ONLY = "The audit log is append-only: record a new entry instead."


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError(APPEND_ONLY)

    def delete(self):
        raise TypeError(APPEND_ONLY)


class AuditEntry(models.Model):
    """One act of a convenor, a moderator or an administrator in an assembly, written once (see
    `assemblies.audit.services.record`). Entries of an assembly form a hash chain: each stores the canonical bytes
    it hashed (`document`) and the hash of the entry before it, so an edit made in the database shows
    (`manage.py verify_audit`). Nothing about who voted is ever recorded here."""

    class Action(models.TextChoices):
        ASSEMBLY_CREATE = "assembly.create", _("Created the assembly")
        MEMBER_INVITE = "member.invite", _("Invited someone")
        INVITATION_REVOKE = "member.invitation_revoke", _("Withdrew an invitation")
        MEMBER_ROLE = "member.role", _("Changed a member's role")
        MEMBER_REMOVE = "member.remove", _("Removed a member")
        JOIN_LINK_CREATE = "member.join_link_create", _("Made a join link")
        JOIN_LINK_REVOKE = "member.join_link_revoke", _("Revoked a join link")
        JOIN_REQUEST_ACCEPT = "member.join_request_accept", _("Accepted a request to join")
        JOIN_REQUEST_REFUSE = "member.join_request_refuse", _("Declined a request to join")
        SPACE_CREATE = "space.create", _("Created a space")
        SPACE_PHASE = "space.phase", _("Changed the phase of a space")
        ROADMAP_IMPORT = "roadmap.import", _("Imported the roadmap")
        ROADMAP_EDIT = "roadmap.edit", _("Made an editorial change to the roadmap")
        CONTRIBUTION_TABLE = "contribution.table", _("Tabled a text for decision")
        CONTRIBUTION_ADOPT = "contribution.adopt", _("Recorded the adoption of a text")
        CONTRIBUTION_REJECT = "contribution.reject", _("Recorded the rejection of a text")
        POLL_CREATE = "poll.create", _("Tabled a poll")
        POLL_OPEN = "poll.open", _("Opened a poll")
        POLL_CLOSE = "poll.close", _("Closed a poll")
        MODERATION_HIDE = "moderation.hide", _("Hid a message")
        MODERATION_RESTORE = "moderation.restore", _("Restored a message")
        MODERATION_MUTE = "moderation.mute", _("Muted a member")
        MODERATION_UNMUTE = "moderation.unmute", _("Unmuted a member")
        SESSION_START = "session.start", _("Started a live session")
        SESSION_FLOOR = "session.floor", _("Gave the floor")
        SESSION_MOVE = "session.move", _("Moved a live session to another point")
        SESSION_END = "session.end", _("Ended a live session")

    assembly = models.ForeignKey("assemblies.Assembly", on_delete=models.CASCADE, related_name="audit_log")
    number = models.PositiveIntegerField()
    # Null: the system (a scheduled job, or an administrator at the command line).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=40, choices=Action.choices)
    # What was acted on, by kind and public address ("poll:p-abcd", "user:7", "space:DIG"), and what it
    # was called then: the entry stays readable when the object changes later.
    target = models.CharField(max_length=100, blank=True)
    target_label = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    document = models.BinaryField()
    entry_hash = models.CharField(max_length=64, unique=True)
    previous_hash = models.CharField(max_length=64, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        db_table = "deliberate_auditentry"  # named before the split into apps by role
        ordering = ["assembly", "-number"]
        verbose_name_plural = _("audit entries")
        constraints = [
            models.UniqueConstraint(fields=["assembly", "number"], name="audit_entry_number_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="audit_entry_number_positive"),
        ]

    def __str__(self):
        return f"{self.assembly} audit #{self.number}: {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(APPEND_ONLY)

    @property
    def target_kind(self) -> str:
        return self.target.split(":", 1)[0]

    @property
    def target_key(self) -> str:
        return self.target.split(":", 1)[1] if ":" in self.target else ""
