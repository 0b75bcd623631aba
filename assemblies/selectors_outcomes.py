"""Read queries of what became of things: the life of a proposal or amendment, a member's own
contributions, the changes between two versions, the version (and decision) behind every item's text,
and the roadmap's published editions.

Each function runs a fixed number of queries, whatever the number of revisions, co-signers, messages,
polls or versions. Nothing here changes state (`assemblies.services`) or decides who may see what
(`assemblies.rules`): callers pass what they were allowed to see. Polls are read through the
`Contribution.polls` relation that the polls app declares, so this module imports nothing from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, IntegerField, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from assemblies.core.blame import last_change
from assemblies.models import (
    Contribution,
    ContributionRevision,
    Debate,
    Edition,
    Roadmap,
    RoadmapVersion,
    Support,
    VersionItem,
)

# A long life is summarised: the newest revisions and amendments are listed, the older ones counted.
TIMELINE_REVISIONS = 8
TIMELINE_AMENDMENTS = 8
POLL_OPEN = "open"  # polls.models.Poll.Status.OPEN, named here so that this module needs no polls import


# The life of a contribution ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PollSeen:
    """A poll the contribution was put to, as its outcome page shows it."""

    public_id: str
    title: str
    status: str
    opened_at: datetime | None
    closed_at: datetime | None
    fingerprint: str
    result_entry: str


@dataclass(frozen=True)
class Step:
    """One event of a contribution's life. `kind` is one of: proposed, revised, earlier_revisions,
    amendment, earlier_amendments, cosigned, debated, tabled, voted, adopted, rejected, withdrawn.
    Only the fields that the kind uses are set."""

    kind: str
    at: datetime | None
    who: str = ""
    number: int | None = None  # revision number, amendment id, version number (adopted), or a count
    note: str = ""
    status: str = ""
    last_at: datetime | None = None
    poll: PollSeen | None = None


# Same-instant steps keep the order of the story (a revision recorded with its adoption comes first).
_ORDER = {kind: position for position, kind in enumerate((
    "proposed", "earlier_revisions", "revised", "earlier_amendments", "amendment", "cosigned", "debated",
    "tabled", "voted", "adopted", "rejected", "withdrawn",
))}


@dataclass
class Life:
    contribution: Contribution
    steps: list[Step] = field(default_factory=list)
    support_count: int = 0
    message_count: int = 0
    debate_id: int | None = None
    adopted_number: int | None = None  # the roadmap version it created, when it created one
    polls: list[PollSeen] = field(default_factory=list)

    @property
    def open_poll(self) -> PollSeen | None:
        return next((poll for poll in self.polls if poll.status == POLL_OPEN), None)


def life_of(contribution: Contribution) -> Life:
    """Everything that happened to a proposal or amendment, oldest first: proposed (by whom, when), its
    revisions (edits, rebases, adopted amendments), amendments proposed to it, co-signatures, the
    debate, tabling, every poll it was put to, and its outcome (adopted into version N, not adopted
    with the decision note, or withdrawn). Four queries at most (three for an amendment)."""
    debate_key = f"contribution:{contribution.pk}"
    supports = Support.objects.filter(contribution=OuterRef("pk")).order_by().values("contribution")
    shown = Q(messages__deleted_at__isnull=True, messages__hidden_at__isnull=True)
    debates = Debate.objects.filter(subject_key=debate_key).annotate(
        n=Count("messages", filter=shown),
        first=Min("messages__created_at", filter=shown),
        last=Max("messages__created_at", filter=shown),
    )
    facts = (
        Contribution.objects.filter(pk=contribution.pk)
        .annotate(
            support_count=Coalesce(Subquery(supports.annotate(n=Count("pk")).values("n")[:1],
                                            output_field=IntegerField()), 0),
            first_support=Subquery(supports.annotate(first=Min("created_at")).values("first")[:1]),
            debate_id=Subquery(debates.values("pk")[:1]),
            message_count=Coalesce(Subquery(debates.values("n")[:1], output_field=IntegerField()), 0),
            first_message=Subquery(debates.values("first")[:1]),
            last_message=Subquery(debates.values("last")[:1]),
            adopted_number=Subquery(
                RoadmapVersion.objects.filter(contribution=OuterRef("pk")).values("number")[:1]
            ),
            amendment_count=Coalesce(Subquery(
                Contribution.objects.filter(target_proposal=OuterRef("pk")).order_by().values("target_proposal")
                .annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0),
        )
        .values("support_count", "first_support", "debate_id", "message_count", "first_message", "last_message",
                "adopted_number", "amendment_count")
        .get()
    )
    life = Life(contribution=contribution, support_count=facts["support_count"], message_count=facts["message_count"],
                debate_id=facts["debate_id"], adopted_number=facts["adopted_number"])
    steps = life.steps
    steps.append(Step("proposed", contribution.created_at, who=contribution.author.name, note=contribution.kind))

    newest = contribution.revision
    first_listed = max(2, newest - TIMELINE_REVISIONS + 1)
    if first_listed > 2:
        steps.append(Step("earlier_revisions", contribution.created_at, number=first_listed - 2))
    revisions = (ContributionRevision.objects.filter(contribution=contribution, number__gte=first_listed)
                 .order_by("number").values_list("number", "note", "created_at"))
    steps += [Step("revised", at, number=number, note=note) for number, note, at in revisions]

    if contribution.kind == Contribution.Kind.PROPOSAL and facts["amendment_count"]:
        amendments = list(
            Contribution.objects.filter(target_proposal=contribution).select_related("author")
            .only("pk", "title", "status", "created_at", "author__display_name", "author__email")
            .order_by("-created_at", "-pk")[:TIMELINE_AMENDMENTS]
        )
        if facts["amendment_count"] > len(amendments):
            steps.append(Step("earlier_amendments", contribution.created_at,
                              number=facts["amendment_count"] - len(amendments)))
        steps += [Step("amendment", a.created_at, who=a.author.name, number=a.pk, note=a.title, status=a.status)
                  for a in amendments]

    if facts["support_count"]:
        steps.append(Step("cosigned", facts["first_support"], number=facts["support_count"]))
    if facts["message_count"]:
        steps.append(Step("debated", facts["first_message"], number=facts["message_count"],
                          last_at=facts["last_message"]))
    if contribution.tabled_at is not None:
        steps.append(Step("tabled", contribution.tabled_at))

    life.polls = [
        PollSeen(public_id=p["public_id"], title=p["title"], status=p["status"], opened_at=p["opened_at"],
                 closed_at=p["closed_at"], fingerprint=p["fingerprint"], result_entry=p["result_entry"])
        for p in contribution.polls.order_by("created_at", "pk").values(
            "public_id", "title", "status", "opened_at", "closed_at", "fingerprint", "result_entry", "created_at")
    ]
    for poll in life.polls:
        steps.append(Step("voted", poll.closed_at or poll.opened_at or contribution.tabled_at or contribution.created_at,
                          poll=poll, status=poll.status))

    decided_at = contribution.decided_at or contribution.updated_at
    if contribution.status == Contribution.Status.ADOPTED:
        steps.append(Step("adopted", decided_at, number=life.adopted_number, note=contribution.decision_note))
    elif contribution.status == Contribution.Status.REJECTED:
        steps.append(Step("rejected", decided_at, note=contribution.decision_note))
    elif contribution.status == Contribution.Status.WITHDRAWN:
        steps.append(Step("withdrawn", decided_at))

    steps.sort(key=lambda step: (step.at is None, step.at or contribution.created_at, _ORDER[step.kind]))
    return life


# A member's contributions --------------------------------------------------------------------------------

def with_outcomes(contributions: QuerySet[Contribution]) -> QuerySet[Contribution]:
    """The contributions, newest first, each with its assembly, author and target, `support_count`,
    `adopted_number` (the roadmap version it created) and `open_poll` (the public id of an open poll it
    is in, or None): one query per page, whatever the number of assemblies."""
    supports = (Support.objects.filter(contribution=OuterRef("pk")).order_by().values("contribution")
                .annotate(n=Count("pk")).values("n")[:1])
    return (
        contributions.select_related("space__assembly", "author", "target_item", "target_proposal")
        .defer("text", "base_text", "target_proposal__text", "target_proposal__base_text")
        .annotate(
            support_count=Coalesce(Subquery(supports, output_field=IntegerField()), 0),
            adopted_number=Subquery(RoadmapVersion.objects.filter(contribution=OuterRef("pk")).values("number")[:1]),
            open_poll=Subquery(
                Contribution.objects.filter(pk=OuterRef("pk"), polls__status=POLL_OPEN)
                .order_by("-polls__created_at").values("polls__public_id")[:1]
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
        .select_related("contribution").defer("contribution__text", "contribution__base_text").order_by("number")
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
        changes.append(Change(
            number=version.number, kind=version.kind, created_at=version.created_at,
            item_ref=str(provenance.get("item") or ""), space_code=str(provenance.get("space") or ""),
            contribution_id=version.contribution_id,
            contribution_title=str(contribution) if contribution is not None else "",
            reason=version.reason,
            decision=decision_in({"provenance": provenance}),
            poll_title=titles.get((version.contribution_id, version.poll_ref), ""),
        ))
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
    rows = (
        rows.order_by("item_id", "version__number")
        .values_list("item_id", "item__ref", "version__number", "text", "priority")
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
        for number, document in RoadmapVersion.objects.filter(roadmap_id=version.roadmap_id, number__in=decided)
        .values_list("number", "document")
    }

    def origin(number: int, **extra) -> Origin:
        found = versions[number]
        return Origin(
            number=number, kind=found.kind, created_at=found.created_at, contribution_id=found.contribution_id,
            contribution_title=str(found.contribution) if found.contribution_id else "", reason=found.reason,
            decision=decisions.get(number, {}), **extra,
        )

    return {
        ref: origin(number, priority_from=origin(priority_from[ref]) if ref in priority_from else None)
        for ref, number in text_from.items()
    }


def versions_by_numbers(roadmap_id: int, numbers) -> QuerySet[RoadmapVersion]:
    """Versions without their documents, with the contribution that made them (its title only)."""
    return (
        RoadmapVersion.objects.filter(roadmap_id=roadmap_id, number__in=list(numbers))
        .select_related("contribution").only("number", "kind", "created_at", "reason", "poll_ref", "contribution_id",
                                             "contribution__title", "contribution__kind")
    )


# Editions -------------------------------------------------------------------------------------------------

def editions_of(roadmap: Roadmap) -> QuerySet[Edition]:
    """The roadmap's editions, newest version first, each with its version (without the document)."""
    return (
        Edition.objects.filter(roadmap=roadmap).select_related("version", "published_by")
        .defer("version__document", "notes").order_by("-version__number")
    )


def edition_by_slug(roadmap: Roadmap, slug: str) -> Edition | None:
    edition = (Edition.objects.filter(roadmap=roadmap, slug=slug).select_related("version", "published_by").first())
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
