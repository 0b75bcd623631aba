"""Read queries that pages share. Each returns in a fixed number of queries, whatever the roadmap's size.

Nothing here changes state (that is `assemblies.services`) or decides who may see what (that is
`assemblies.rules`): callers pass objects they were already allowed to see.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from assemblies.models import (
    Assembly,
    Contribution,
    ContributionRevision,
    Item,
    JoinLink,
    JoinRequest,
    Membership,
    Roadmap,
    RoadmapVersion,
    Space,
    VersionItem,
)

# Statuses still under discussion, shown first in lists.
LIVE_STATUSES = (Contribution.Status.OPEN, Contribution.Status.TABLED)
DECIDED_STATUSES = (Contribution.Status.ADOPTED, Contribution.Status.REJECTED)


def assembly_by_slug(slug: str) -> Assembly | None:
    return Assembly.objects.filter(slug=slug).first()


def versions_without_documents() -> QuerySet[RoadmapVersion]:
    """Versions without their document bytes (which can be large); load those only when rendering one."""
    return RoadmapVersion.objects.defer("document")


def roadmap_of(assembly: Assembly, *, with_document: bool = True) -> Roadmap | None:
    """The assembly's roadmap with its head version (and the head's document unless told not to)."""
    queryset = Roadmap.objects.select_related("head").filter(assembly=assembly)
    if not with_document:
        queryset = queryset.defer("head__document")
    roadmap = queryset.first()
    if roadmap is not None:
        roadmap.assembly = assembly
    return roadmap


def version_of(roadmap: Roadmap, number: int | None, *, with_document: bool = True) -> RoadmapVersion | None:
    if number is None:
        return None
    queryset = RoadmapVersion.objects if with_document else versions_without_documents()
    return queryset.select_related("created_by", "contribution").filter(roadmap=roadmap, number=number).first()


def versions_by_number(roadmap: Roadmap, numbers) -> dict[int, RoadmapVersion]:
    """Several versions with their documents, in one query."""
    versions = RoadmapVersion.objects.filter(roadmap=roadmap, number__in=list(numbers))
    return {version.number: version for version in versions}


def history(roadmap: Roadmap) -> QuerySet[RoadmapVersion]:
    """The roadmap's versions, newest first, with who made them and what produced them."""
    return (
        versions_without_documents()
        .filter(roadmap=roadmap)
        .select_related("created_by", "contribution")
        .defer("contribution__text", "contribution__base_text")
        .order_by("-number")
    )


# Spaces and items -------------------------------------------------------------------------------------

def spaces_with_counts(assembly: Assembly, head_id: int | None) -> QuerySet[Space]:
    """The assembly's spaces, each with `item_count` (in the head version) and `open_count` (open or
    tabled contributions), in one query."""
    items = (
        VersionItem.objects.filter(version_id=head_id, space=OuterRef("pk"))
        .order_by().values("space").annotate(count=Count("pk")).values("count")
    )
    live = (
        Contribution.objects.filter(space=OuterRef("pk"), status__in=LIVE_STATUSES)
        .order_by().values("space").annotate(count=Count("pk")).values("count")
    )
    return Space.objects.filter(assembly=assembly).annotate(
        item_count=Coalesce(Subquery(items, output_field=IntegerField()), Value(0)),
        open_count=Coalesce(Subquery(live, output_field=IntegerField()), Value(0)),
    ).order_by("position")


def space_by_code(assembly: Assembly, code: str) -> Space | None:
    space = Space.objects.filter(assembly=assembly, code=code).first()
    if space is not None:
        space.assembly = assembly  # the rules read space.assembly: no second query for it
    return space


def current_items(roadmap: Roadmap, *, space: Space | None = None) -> QuerySet[VersionItem]:
    """The items of the head version, in roadmap order, each with its item and space, in one query."""
    queryset = VersionItem.objects.filter(version_id=roadmap.head_id).select_related("item", "space")
    if space is not None:
        queryset = queryset.filter(space=space)
    return queryset.order_by("position")


def items_by_priority(roadmap: Roadmap, *, space: Space) -> QuerySet[VersionItem]:
    """The space's items in the head version: by their decided priority (1 first), then in roadmap order,
    items without a priority last (in roadmap order, which is all of them before any priorities poll)."""
    return current_items(roadmap, space=space).order_by(F("priority").asc(nulls_last=True), "position")


def item_by_ref(roadmap: Roadmap, ref: str) -> Item | None:
    item = Item.objects.select_related("space").filter(roadmap=roadmap, ref=ref).first()
    if item is not None:
        item.roadmap = roadmap
        item.space.assembly = roadmap.assembly
    return item


@dataclass(frozen=True)
class ItemState:
    """The item in one version: its text there (None when absent from that version)."""

    version: RoadmapVersion | None
    number: int
    text: str | None
    priority: int | None


def item_history(item: Item) -> list[ItemState]:
    """The item in every version of its roadmap, oldest first, absent versions included (as None
    texts, so that a removal breaks the blame lineage). Two queries, whatever the number of versions."""
    rows = (
        VersionItem.objects.filter(item=item)
        .select_related("version__created_by", "version__contribution")
        .defer("version__document", "version__contribution__text", "version__contribution__base_text")
        .order_by("version__number")
    )
    present = {row.version.number: row for row in rows}
    numbers = RoadmapVersion.objects.filter(roadmap_id=item.roadmap_id).order_by("number").values_list("number", flat=True)
    states = []
    for number in numbers:
        row = present.get(number)
        states.append(
            ItemState(version=row.version if row else None, number=number, text=row.text if row else None,
                      priority=row.priority if row else None)
        )
    return states


# Contributions ----------------------------------------------------------------------------------------

def _status_order():
    return Case(
        When(status=Contribution.Status.OPEN, then=Value(0)),
        When(status=Contribution.Status.TABLED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def contributions_of_space(space: Space) -> QuerySet[Contribution]:
    """Proposals and amendments of a space that are live or decided (not withdrawn), open ones first,
    each with its author, target item and `support_count`."""
    return (
        Contribution.objects.filter(space=space)
        .exclude(status=Contribution.Status.WITHDRAWN)
        .select_related("author", "target_item")
        .annotate(support_count=Count("supports"), status_order=_status_order())
        .order_by("status_order", "-created_at", "-pk")
    )


def amendments_of_item(item: Item) -> QuerySet[Contribution]:
    return (
        Contribution.objects.filter(target_item=item)
        .select_related("author")
        .annotate(support_count=Count("supports"), status_order=_status_order())
        .order_by("status_order", "-created_at", "-pk")
    )


def amendments_of_proposal(proposal: Contribution) -> QuerySet[Contribution]:
    return (
        Contribution.objects.filter(target_proposal=proposal)
        .select_related("author")
        .annotate(support_count=Count("supports"), status_order=_status_order())
        .order_by("status_order", "-created_at", "-pk")
    )


def contribution_in(assembly: Assembly, pk: int) -> Contribution | None:
    """A contribution of this assembly with what its page and the rules read, in one query."""
    contribution = (
        Contribution.objects.filter(pk=pk, space__assembly=assembly)
        .select_related("space", "author", "target_item__roadmap", "target_item__space", "target_proposal",
                        "base_version")
        .defer("base_version__document", "target_proposal__base_text")
        .first()
    )
    if contribution is not None:
        contribution.space.assembly = assembly
        if contribution.target_item is not None:
            contribution.target_item.roadmap.assembly = assembly
            contribution.target_item.space.assembly = assembly
        if contribution.target_proposal is not None:
            contribution.target_proposal.space = contribution.space
    return contribution


def supporters_of(contribution: Contribution):
    return contribution.supports.select_related("user").order_by("created_at")


def revisions_of(contribution: Contribution) -> QuerySet[ContributionRevision]:
    """Newest first."""
    return ContributionRevision.objects.filter(contribution=contribution).order_by("-number")


def adopted_version(contribution: Contribution) -> RoadmapVersion | None:
    return versions_without_documents().filter(contribution=contribution).first()


# Membership -------------------------------------------------------------------------------------------

def members_of(assembly: Assembly) -> QuerySet[Membership]:
    return Membership.objects.filter(assembly=assembly).select_related("user").order_by("user__display_name", "user__email")


def active_join_links(assembly: Assembly) -> QuerySet[JoinLink]:
    return JoinLink.objects.filter(assembly=assembly, revoked_at__isnull=True).order_by("-created_at")


def pending_join_requests(assembly: Assembly) -> QuerySet[JoinRequest]:
    return JoinRequest.objects.filter(assembly=assembly, status=JoinRequest.Status.PENDING).select_related("user").order_by("created_at")


def pending_invitations(assembly: Assembly, now):
    return assembly.invitations.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now).order_by("-created_at")
