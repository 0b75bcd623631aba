"""Assemblies, their members and roles, invitations and join requests, spaces and their phases, and
the notifications members receive.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Assembly(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: anyone can read")
        MEMBERS = "members", _("Members only")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name in addresses"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    visibility = models.CharField(_("visibility"), max_length=8, choices=Visibility.choices, default=Visibility.PUBLIC)
    languages = models.JSONField(_("working languages"), default=list, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("assemblies")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("assembly", args=[self.slug])

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC


class Role(models.TextChoices):
    CONVENOR = "convenor", _("Convenor")
    MODERATOR = "moderator", _("Moderator")
    MEMBER = "member", _("Member")
    OBSERVER = "observer", _("Observer")


# Roles that take part (propose, amend, debate, vote); observers only read.
PARTICIPATING_ROLES = (Role.CONVENOR, Role.MODERATOR, Role.MEMBER)
VOTING_ROLES = PARTICIPATING_ROLES


class Membership(models.Model):
    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField()
    muted_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assembly", "joined_at"]
        constraints = [models.UniqueConstraint(fields=["assembly", "user"], name="one_membership_per_assembly")]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} of {self.assembly}"


class Invitation(models.Model):
    """A single-use, expiring invitation sent to an email address; only the token's hash is kept."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation of {self.email} to {self.assembly}"


class JoinLink(models.Model):
    """A shareable link that lets anyone signed in join as a member, until a convenor revokes it."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="join_links")
    token = models.CharField(max_length=64, unique=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Join link of {self.assembly}"


class JoinRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests")
    message = models.TextField(blank=True, max_length=2000)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "user"], condition=Q(status="pending"), name="one_pending_join_request"
            )
        ]

    def __str__(self):
        return f"{self.user} asks to join {self.assembly}"


class Phase(models.TextChoices):
    DRAFTING = "drafting", _("Drafting")
    DELIBERATION = "deliberation", _("Deliberation")
    VOTING = "voting", _("Voting")
    CLOSED = "closed", _("Closed")


class Space(models.Model):
    """A co-construction space: one theme (section) of the roadmap, with a phase gating what members do."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="spaces")
    code = models.CharField(_("code"), max_length=10)
    title = models.CharField(_("title"), max_length=300)
    group = models.CharField(_("group"), max_length=300, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    position = models.PositiveIntegerField(default=0)
    phase = models.CharField(_("phase"), max_length=12, choices=Phase.choices, default=Phase.DRAFTING)
    phase_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assembly", "position"]
        constraints = [models.UniqueConstraint(fields=["assembly", "code"], name="space_code_unique_in_assembly")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("space", args=[self.assembly.slug, self.code])


class Notification(models.Model):
    """An in-site notification; emailed at once, in a daily digest, or never, as the person chose."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, null=True, related_name="+")
    kind = models.CharField(max_length=40)
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"]), models.Index(fields=["emailed_at", "created_at"])]

    def __str__(self):
        return self.text
