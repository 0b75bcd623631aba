"""User accounts: people are known by their email address and a display name, never a username."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=email.strip().lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    class Notify(models.TextChoices):
        IMMEDIATELY = "immediately", _("Immediately")
        DAILY = "daily", _("In a daily digest")
        NEVER = "never", _("Never")

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    language = models.CharField(
        _("interface language"), max_length=8, choices=settings.LANGUAGES, blank=True
    )
    notify_by_email = models.CharField(
        _("email notifications"), max_length=12, choices=Notify.choices, default=Notify.IMMEDIATELY
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_case_insensitive"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        """What others see: the display name, else the part of the email address before the @."""
        return self.display_name or self.email.split("@", 1)[0]

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name


# Audit log -----------------------------------------------------------------------------------------------

APPEND_ONLY = "The audit log is append-only: record a new entry instead."


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError(APPEND_ONLY)

    def delete(self):
        raise TypeError(APPEND_ONLY)


class AuditEntry(models.Model):
    """One act of a convenor, a moderator or an administrator in an assembly, written once (see
    `deliberate.audit.record`). Entries of an assembly form a hash chain: each stores the canonical bytes
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
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
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
