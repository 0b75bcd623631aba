"""The versioned roadmap: roadmaps, immutable versions and their items, contributions (proposals and
amendments) with their revisions and supporters, and published editions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assemblies.membership.models import Assembly, Space


class Roadmap(models.Model):
    assembly = models.OneToOneField(Assembly, on_delete=models.CASCADE, related_name="roadmap")
    title = models.CharField(max_length=300)
    # The current version; moved only by `services.roadmap`, under a row lock on this roadmap.
    head = models.OneToOneField("RoadmapVersion", on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        db_table = "assemblies_roadmap"  # named before the split into apps by role

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
        db_table = "assemblies_roadmapversion"  # named before the split into apps by role
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
        db_table = "assemblies_item"  # named before the split into apps by role
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
        db_table = "assemblies_versionitem"  # named before the split into apps by role
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
        db_table = "assemblies_contribution"  # named before the split into apps by role
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="amendment_has_exactly_one_target",
                condition=(
                    Q(kind="proposal", target_item__isnull=True, target_proposal__isnull=True, change="")
                    | Q(kind="amendment", target_item__isnull=False, target_proposal__isnull=True)
                    | Q(kind="amendment", target_item__isnull=True, target_proposal__isnull=False)
                ),
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
        db_table = "assemblies_contributionrevision"  # named before the split into apps by role
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
        db_table = "assemblies_support"  # named before the split into apps by role
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["contribution", "user"], name="one_support_per_person")]

    def __str__(self):
        return f"{self.user} supports {self.contribution}"


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
        db_table = "assemblies_edition"  # named before the split into apps by role
        ordering = ["roadmap", "-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "slug"], name="edition_slug_unique_in_roadmap"),
            models.UniqueConstraint(fields=["roadmap", "name"], name="edition_name_unique_in_roadmap"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("roadmap_edition", args=[self.roadmap.assembly.slug, self.slug])
