"""Assemblies, membership, spaces, the versioned roadmap, and contributions (proposals and amendments).

Every state change goes through `assemblies.services`; the invariants that a race could break are
database constraints here.
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
    used_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
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
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
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


class Roadmap(models.Model):
    assembly = models.OneToOneField(Assembly, on_delete=models.CASCADE, related_name="roadmap")
    title = models.CharField(max_length=300)
    # The current version; moved only by `services.roadmap`, under a row lock on this roadmap.
    head = models.OneToOneField("RoadmapVersion", on_delete=models.PROTECT, null=True, related_name="+")

    def __str__(self):
        return self.title


class RoadmapVersion(models.Model):
    """An immutable version: its canonical document bytes, their hash, and its parent's hash."""

    class Kind(models.TextChoices):
        IMPORT = "import", _("Import")
        AMENDMENT = "amendment", _("Adopted amendment")
        PROPOSAL = "proposal", _("Adopted proposal")
        PRIORITIES = "priorities", _("Priorities poll")
        EDITORIAL = "editorial", _("Editorial change")

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    parent = models.OneToOneField("self", on_delete=models.PROTECT, null=True, related_name="child")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.TextField(blank=True)
    # Exactly the bytes that were hashed (RFC 8785 JSON); served as they are, never re-serialised.
    document = models.BinaryField()
    content_hash = models.CharField(max_length=64, unique=True)
    parent_hash = models.CharField(max_length=64, blank=True)
    contribution = models.ForeignKey(
        "Contribution", on_delete=models.PROTECT, null=True, blank=True, related_name="adopted_versions"
    )
    # The poll that decided this version, when one did (set by the polls app through the services).
    poll_ref = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["roadmap", "number"]
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "number"], name="version_number_unique"),
            # An outcome is applied once: a contribution produces at most one version.
            models.UniqueConstraint(fields=["contribution"], name="contribution_adopted_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="version_number_positive"),
        ]

    def __str__(self):
        return f"{self.roadmap} v{self.number}"

    def get_absolute_url(self):
        return reverse("roadmap_version", args=[self.roadmap.assembly.slug, self.number])


class Item(models.Model):
    """The identity of a roadmap item: its stable reference survives edits, moves and renumbering."""

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="items")
    ref = models.CharField(max_length=20)
    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="items")

    class Meta:
        ordering = ["roadmap", "ref"]
        constraints = [models.UniqueConstraint(fields=["roadmap", "ref"], name="item_ref_unique_in_roadmap")]

    def __str__(self):
        return self.ref

    def get_absolute_url(self):
        return reverse("item", args=[self.roadmap.assembly.slug, self.ref])


class VersionItem(models.Model):
    """An item as it stands in one version (derived from the version's document, for queries)."""

    version = models.ForeignKey(RoadmapVersion, on_delete=models.CASCADE, related_name="version_items")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="versions")
    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    text = models.TextField()
    priority = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "item"], name="item_once_per_version")]

    def __str__(self):
        return f"{self.item.ref} in v{self.version.number}"


class Contribution(models.Model):
    """A proposal (a new item in a space) or an amendment (to an item or to a proposal)."""

    class Kind(models.TextChoices):
        PROPOSAL = "proposal", _("Proposal")
        AMENDMENT = "amendment", _("Amendment")

    class Change(models.TextChoices):
        EDIT = "edit", _("Change the text")
        REPLACE = "replace", _("Replace the text")
        DELETE = "delete", _("Delete the item")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        TABLED = "tabled", _("Tabled for decision")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        ADOPTED = "adopted", _("Adopted")
        REJECTED = "rejected", _("Rejected")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="contributions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contributions")
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(_("text"), blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Amendments only: what they change, against which base.
    change = models.CharField(max_length=8, choices=Change.choices, blank=True)
    target_item = models.ForeignKey(Item, on_delete=models.PROTECT, null=True, blank=True, related_name="amendments")
    target_proposal = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="amendments"
    )
    base_version = models.ForeignKey(RoadmapVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    base_revision = models.PositiveIntegerField(null=True, blank=True)
    base_text = models.TextField(blank=True)
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    tabled_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    # Idempotency key of the form that created it: a double click creates one contribution.
    submission_key = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="amendment_has_exactly_one_target",
                condition=(Q(kind="proposal", target_item__isnull=True, target_proposal__isnull=True, change="")
                           | Q(kind="amendment", target_item__isnull=False, target_proposal__isnull=True)
                           | Q(kind="amendment", target_item__isnull=True, target_proposal__isnull=False)),
            ),
        ]

    def __str__(self):
        return self.title or f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self):
        return reverse("contribution", args=[self.space.assembly.slug, self.pk])

    @property
    def is_amendment(self) -> bool:
        return self.kind == self.Kind.AMENDMENT


class ContributionRevision(models.Model):
    """The history of a contribution's text: revision 1 is the original, each edit or rebase adds one."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)
    base_version = models.ForeignKey(RoadmapVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    base_text = models.TextField(blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["contribution", "number"]
        constraints = [models.UniqueConstraint(fields=["contribution", "number"], name="revision_number_unique")]

    def __str__(self):
        return f"{self.contribution} r{self.number}"


class Support(models.Model):
    """A co-signature of a contribution."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supports")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["contribution", "user"], name="one_support_per_person")]

    def __str__(self):
        return f"{self.user} supports {self.contribution}"


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


# Debates (messages, reactions, moderation) live in their own module of this app's models.
from assemblies.models_debate import *  # noqa: E402,F401,F403


class Edition(models.Model):
    """A roadmap version published under a name ("Roadmap 2026"), with release notes in Markdown.

    An edition names a version that already exists (versions are immutable), so publishing changes no
    text: it only says which version the assembly stands behind, and why it differs from the last one.
    """

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="editions")
    version = models.OneToOneField(RoadmapVersion, on_delete=models.PROTECT, related_name="edition")
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name in addresses"), max_length=80)
    notes = models.TextField(_("release notes"), blank=True)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["roadmap", "-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "slug"], name="edition_slug_unique_in_roadmap"),
            models.UniqueConstraint(fields=["roadmap", "name"], name="edition_name_unique_in_roadmap"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("roadmap_edition", args=[self.roadmap.assembly.slug, self.slug])
