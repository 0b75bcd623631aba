"""Read queries about the roadmap, its versions, items and contributions that pages share; each returns in a
fixed number of queries, whatever the roadmap's size.

Nothing here changes state (that is the services) or decides who may see what (that is the rules):
callers pass objects they were already allowed to see.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from assemblies.membership.models import (
    Assembly,
    Space,
)
from assemblies.roadmap.core.blame import last_change
from assemblies.roadmap.models import (
    Contribution,
    ContributionRevision,
    Edition,
    Item,
    Roadmap,
    RoadmapVersion,
    Support,
    VersionItem,
)

# Statuses still under discussion, shown first in lists.
LIVE_STATUSES = (Contribution.Status.OPEN, Contribution.Status.TABLED)
DECIDED_STATUSES = (Contribution.Status.ADOPTED, Contribution.Status.REJECTED)


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
    numbers = (
        RoadmapVersion.objects.filter(roadmap_id=item.roadmap_id).order_by("number").values_list("number", flat=True)
    )
    states = []
    for number in numbers:
        row = present.get(number)
        states.append(
            ItemState(
                version=row.version if row else None,
                number=number,
                text=row.text if row else None,
                priority=row.priority if row else None,
            )
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
        .select_related(
            "space", "author", "target_item__roadmap", "target_item__space", "target_proposal", "base_version"
        )
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


# Outcomes -----------------------------------------------------------------------------------------
# Read queries of what became of things: the life of a proposal or amendment, a member's own
# contributions, the changes between two versions, the version (and decision) behind every item's text,
# and the roadmap's published editions.
#
# Each function runs a fixed number of queries, whatever the number of revisions, co-signers, messages,
# polls or versions. Nothing here changes state (the services) or decides who may see what
# (the rules): callers pass what they were allowed to see. Polls are read through the
# `Contribution.polls` relation that the polls app declares, so this module imports nothing from it.

POLL_OPEN = "open"  # polls.models.Poll.Status.OPEN, named here so that this module needs no polls import


# A member's contributions --------------------------------------------------------------------------------


def with_outcomes(contributions: QuerySet[Contribution]) -> QuerySet[Contribution]:
    """The contributions, newest first, each with its assembly, author and target, `support_count`,
    `adopted_number` (the roadmap version it created) and `open_poll` (the public id of an open poll it
    is in, or None): one query per page, whatever the number of assemblies."""
    supports = (
        Support.objects.filter(contribution=OuterRef("pk"))
        .order_by()
        .values("contribution")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return (
        contributions.select_related("space__assembly", "author", "target_item", "target_proposal")
        .defer("text", "base_text", "target_proposal__text", "target_proposal__base_text")
        .annotate(
            support_count=Coalesce(Subquery(supports, output_field=IntegerField()), 0),
            adopted_number=Subquery(RoadmapVersion.objects.filter(contribution=OuterRef("pk")).values("number")[:1]),
            open_poll=Subquery(
                Contribution.objects.filter(pk=OuterRef("pk"), polls__status=POLL_OPEN)
                .order_by("-polls__created_at")
                .values("polls__public_id")[:1]
            ),
        )
        .order_by("-created_at", "-pk")
    )


def authored_by(user, visible: QuerySet[Contribution]) -> QuerySet[Contribution]:
    """What the person proposed or amended, among the contributions they may see."""
    return with_outcomes(visible.filter(author=user))


def cosigned_by(user, visible: QuerySet[Contribution]) -> QuerySet[Contribution]:
    """What the person co-signed (and did not write), among the contributions they may see."""
    return with_outcomes(visible.filter(supports__user=user).exclude(author=user))


# Changes between versions, and the origin of every item's text -------------------------------------------------


def decision_in(document: dict) -> dict:
    """The decision a version's hashed provenance records (a poll's id, fingerprint and result entry, a
    note), or an empty dict for a version no decision made (import, editorial change)."""
    decision = document.get("provenance", {}).get("decision") or {}
    return decision if isinstance(decision, dict) else {}


@dataclass(frozen=True)
class Change:
    """A version between two editions: what made it, on which item, by which contribution and decision."""

    number: int
    kind: str
    created_at: datetime
    item_ref: str
    space_code: str  # for a priorities version: the space whose items it ranked
    contribution_id: int | None
    contribution_title: str
    reason: str
    decision: dict
    poll_title: str


def changes_between(roadmap: Roadmap, after: int, upto: int) -> list[Change]:
    """The versions numbered in (after, upto], oldest first, with their hashed provenance read from their
    documents. Two queries."""
    versions = list(
        RoadmapVersion.objects.filter(roadmap=roadmap, number__gt=after, number__lte=upto)
        .select_related("contribution")
        .defer("contribution__text", "contribution__base_text")
        .order_by("number")
    )
    # The titles of the polls that decided them, through the contributions they were put to.
    titles = {
        (pk, public_id): title
        for pk, public_id, title in Contribution.objects.filter(
            pk__in=[v.contribution_id for v in versions if v.contribution_id and v.poll_ref]
        ).values_list("pk", "polls__public_id", "polls__title")
    }
    changes = []
    for version in versions:
        provenance = json.loads(bytes(version.document)).get("provenance", {})
        contribution = version.contribution
        changes.append(
            Change(
                number=version.number,
                kind=version.kind,
                created_at=version.created_at,
                item_ref=str(provenance.get("item") or ""),
                space_code=str(provenance.get("space") or ""),
                contribution_id=version.contribution_id,
                contribution_title=str(contribution) if contribution is not None else "",
                reason=version.reason,
                decision=decision_in({"provenance": provenance}),
                poll_title=titles.get((version.contribution_id, version.poll_ref), ""),
            )
        )
    return changes


@dataclass(frozen=True)
class Origin:
    """The version that last set an item's text, what made it, and the decision behind it."""

    number: int
    kind: str
    created_at: datetime
    contribution_id: int | None
    contribution_title: str
    reason: str
    decision: dict = field(default_factory=dict)
    # For an item with a priority: the version that set it (a priorities poll), as an Origin too.
    priority_from: Origin | None = None

    @property
    def poll_id(self) -> str:
        return str(self.decision.get("poll") or "")


def item_origins(version: RoadmapVersion, *, refs=None) -> dict[str, Origin]:
    """For every item of `version`, by ref: the version that last set its text as it reads there (see
    `core.blame.last_change`), with its kind, contribution and the decision its hashed provenance
    records; and, for an item with a priority, the same for the version that set that priority
    (`Origin.priority_from`). Only the items named in `refs` when given (a page of them). Four queries
    at most, whatever the number of items and versions."""
    rows = VersionItem.objects.filter(version__roadmap_id=version.roadmap_id, version__number__lte=version.number)
    if refs is not None:
        rows = rows.filter(item__ref__in=list(refs))
    rows = rows.order_by("item_id", "version__number").values_list(
        "item_id", "item__ref", "version__number", "text", "priority"
    )
    text_from: dict[str, int] = {}
    priority_from: dict[str, int] = {}
    texts: list[tuple[int, str | None, Any]] = []
    priorities: list[tuple[int, str | None, Any]] = []
    current: tuple[int, str] | None = None

    def settle():
        if current is None or not texts or texts[-1][0] != version.number:
            return  # not in this version
        found = last_change(texts)
        if found is not None:
            text_from[current[1]] = found[0]
        found = last_change(priorities)
        if found is not None and priorities[-1][1] != "":
            priority_from[current[1]] = found[0]

    for item_id, ref, number, text, priority in rows.iterator(chunk_size=2000):
        if current is None or current[0] != item_id:
            settle()
            current, texts, priorities = (item_id, ref), [], []
        if texts and number > texts[-1][0] + 1:
            # Absent in between: a removal breaks the lineage.
            texts.append((texts[-1][0] + 1, None, None))
            priorities.append((texts[-1][0], None, None))
        texts.append((number, text, None))
        priorities.append((number, "" if priority is None else str(priority), None))
    settle()

    numbers = set(text_from.values()) | set(priority_from.values())
    versions = {found.number: found for found in versions_by_numbers(version.roadmap_id, numbers)}
    decided = [number for number in numbers if versions[number].poll_ref or versions[number].contribution_id]
    decisions = {
        number: decision_in(json.loads(bytes(document)))
        for number, document in RoadmapVersion.objects.filter(
            roadmap_id=version.roadmap_id, number__in=decided
        ).values_list("number", "document")
    }

    def origin(number: int, **extra) -> Origin:
        found = versions[number]
        return Origin(
            number=number,
            kind=found.kind,
            created_at=found.created_at,
            contribution_id=found.contribution_id,
            contribution_title=str(found.contribution) if found.contribution_id else "",
            reason=found.reason,
            decision=decisions.get(number, {}),
            **extra,
        )

    return {
        ref: origin(number, priority_from=origin(priority_from[ref]) if ref in priority_from else None)
        for ref, number in text_from.items()
    }


def versions_by_numbers(roadmap_id: int, numbers) -> QuerySet[RoadmapVersion]:
    """Versions without their documents, with the contribution that made them (its title only)."""
    return (
        RoadmapVersion.objects.filter(roadmap_id=roadmap_id, number__in=list(numbers))
        .select_related("contribution")
        .only(
            "number",
            "kind",
            "created_at",
            "reason",
            "poll_ref",
            "contribution_id",
            "contribution__title",
            "contribution__kind",
        )
    )


# Editions -------------------------------------------------------------------------------------------------


def editions_of(roadmap: Roadmap) -> QuerySet[Edition]:
    """The roadmap's editions, newest version first, each with its version (without the document)."""
    return (
        Edition.objects.filter(roadmap=roadmap)
        .select_related("version", "published_by")
        .defer("version__document", "notes")
        .order_by("-version__number")
    )


def edition_by_slug(roadmap: Roadmap, slug: str) -> Edition | None:
    edition = Edition.objects.filter(roadmap=roadmap, slug=slug).select_related("version", "published_by").first()
    if edition is not None:
        edition.roadmap = roadmap
        edition.version.roadmap = roadmap
    return edition


def latest_edition(roadmap: Roadmap, *, before: int | None = None) -> Edition | None:
    """The edition of the newest version (older than version `before` when given)."""
    queryset = Edition.objects.filter(roadmap=roadmap).select_related("version").defer("version__document")
    if before is not None:
        queryset = queryset.filter(version__number__lt=before)
    return queryset.order_by("-version__number").first()


def current_text(item: Item) -> str | None:
    """The item's text in the current version, or None when the item was removed."""
    # The head is read from the database, not from a possibly stale `item.roadmap`.
    head = Roadmap.objects.filter(pk=item.roadmap_id).values("head_id")
    return VersionItem.objects.filter(version_id=Subquery(head), item=item).values_list("text", flat=True).first()


def spaces_with_counts(assembly: Assembly, head_id: int | None) -> QuerySet[Space]:
    """The assembly's spaces, each with `item_count` (in the head version) and `open_count` (open or
    tabled contributions), in one query."""
    items = (
        VersionItem.objects.filter(version_id=head_id, space=OuterRef("pk"))
        .order_by()
        .values("space")
        .annotate(count=Count("pk"))
        .values("count")
    )
    live = (
        Contribution.objects.filter(space=OuterRef("pk"), status__in=LIVE_STATUSES)
        .order_by()
        .values("space")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        Space.objects.filter(assembly=assembly)
        .annotate(
            item_count=Coalesce(Subquery(items, output_field=IntegerField()), Value(0)),
            open_count=Coalesce(Subquery(live, output_field=IntegerField()), Value(0)),
        )
        .order_by("position")
    )
