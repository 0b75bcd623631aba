"""Read queries of polls that pages, commands and the demo share. Nothing here changes state.

Callers pass objects they were already allowed to see (`polls.rules`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assemblies.membership.models import Space
from assemblies.roadmap import selectors as assembly_selectors
from assemblies.roadmap.models import Contribution, Item
from polls.models import BoardLine, Poll, VoterKey

YES_NO_ABSTAIN_IDS = ("yes", "no", "abstain")
PRIORITIES_SHOWN = 5  # items named when a priorities outcome is put in words
KEEP_CURRENT = "keep"


def poll_by_public_id(public_id: str) -> Poll | None:
    return Poll.objects.select_related("assembly", "space").filter(public_id=public_id).first()


def polls_of(assembly) -> QuerySet[Poll]:
    """The assembly's polls: open ones first, then drafts, then closed ones, newest first."""
    order = Case(
        When(status=Poll.Status.OPEN, then=Value(0)),
        When(status=Poll.Status.DRAFT, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        Poll.objects.filter(assembly=assembly)
        .annotate(status_order=order)
        .order_by("status_order", "-created_at", "-pk")
    )


def decided_polls(assembly) -> QuerySet[Poll]:
    """The assembly's closed polls, most recently closed first, each with its decided texts (prefetched:
    one more query per page, whatever the number of polls)."""
    texts = Contribution.objects.only("pk", "kind", "title", "status", "space_id").order_by("pk")
    return (
        Poll.objects.filter(assembly=assembly, status=Poll.Status.CLOSED)
        .select_related("space")
        .prefetch_related(Prefetch("contributions", queryset=texts))
        .order_by("-closed_at", "-pk")
    )


def versions_by_poll(assembly, public_ids) -> dict[str, list]:
    """The roadmap versions that the given polls created ({poll public id: [version, ...]}), in one query."""
    from assemblies.roadmap.models import RoadmapVersion

    versions = (
        RoadmapVersion.objects.defer("document")
        .filter(roadmap__assembly=assembly, poll_ref__in=list(public_ids))
        .order_by("number")
    )
    found: dict[str, list] = {}
    for version in versions:
        found.setdefault(version.poll_ref, []).append(version)
    return found


def outcome_in_words(poll: Poll) -> str:
    """A closed poll's outcome in a few plain words, with the options' labels (never their ids)."""
    result = poll.result or {}
    outcome = result.get("outcome")
    if outcome is None:
        return _("no result yet")
    if "passed" in outcome:
        if outcome["passed"]:
            return _("passed")
        if not outcome["quorum_met"]:
            return _("not passed: the quorum was not met")
        return _("not passed")
    if not result.get("counted"):
        return _("no ballot was cast")
    labels = {option["id"]: option["label"] for option in poll.options}
    if poll.subject_type == Poll.SubjectType.PRIORITIES and outcome.get("ranking"):
        # The options are item refs, shorter than their labels (which carry the item's text).
        ranking = outcome["ranking"]
        order = ", ".join(f"{rank}. {ref}" for rank, ref in enumerate(ranking[:PRIORITIES_SHOWN], start=1))
        return _("priorities set: %(order)s") % {"order": order + (", …" if len(ranking) > PRIORITIES_SHOWN else "")}
    winners = [labels.get(winner, winner) for winner in outcome.get("winners", [])]
    return ngettext("winner: %(names)s", "winners: %(names)s", len(winners)) % {"names": ", ".join(winners)}


def board_lines(poll: Poll) -> QuerySet[BoardLine]:
    return BoardLine.objects.filter(poll=poll).order_by("seq")


def board_bytes(poll: Poll) -> Iterator[bytes]:
    """The board as stored, one line at a time, each with its newline: the exact bytes that were hashed."""
    rows = BoardLine.objects.filter(poll=poll).order_by("seq").values_list("data", flat=True)
    for data in rows.iterator(chunk_size=1000):
        yield bytes(data) + b"\n"


def ballot_lines(poll: Poll) -> QuerySet[BoardLine]:
    return BoardLine.objects.filter(poll=poll, type=BoardLine.Type.BALLOT).order_by("seq")


def ballot_line(poll: Poll, seq: int) -> BoardLine | None:
    return BoardLine.objects.filter(poll=poll, seq=seq, type=BoardLine.Type.BALLOT).first()


def voted_credentials(poll: Poll) -> int:
    """How many distinct credentials have at least one ballot on the board."""
    return ballot_lines(poll).values("cred").distinct().count()


@dataclass(frozen=True)
class TrackerLookup:
    tracker: str
    line: BoardLine | None
    # After close: True counted, False superseded by a later ballot of the same credential; None while open.
    counted: bool | None


def find_tracker(poll: Poll, tracker: str) -> TrackerLookup:
    tracker = (tracker or "").strip().upper()
    line = BoardLine.objects.filter(poll=poll, type=BoardLine.Type.BALLOT, tracker=tracker).first()
    counted = None
    if line is not None and poll.status == Poll.Status.CLOSED:
        counted = not ballot_lines(poll).filter(cred=line.cred, seq__gt=line.seq).exists()
    return TrackerLookup(tracker=tracker, line=line, counted=counted)


def member_ballots(poll: Poll, credential: str) -> QuerySet[BoardLine]:
    """A roll-call member's ballots (public on a roll-call board anyway), newest first."""
    return ballot_lines(poll).filter(cred=credential).order_by("-seq")


def member_credential(setup, user) -> str | None:
    """The credential a roll-call setup lists for this member (None when they are not listed)."""
    wanted = str(user.pk)
    for cred in setup.body["eligibility"]["credentials"]:
        if cred.get("member", {}).get("id") == wanted:
            return cred["pub"]
    return None


def active_voter_key(user) -> VoterKey | None:
    if not user.is_authenticated:
        return None
    return VoterKey.objects.filter(user=user, revoked_at__isnull=True).first()


# What a poll can decide: its subject, refs and options -----------------------------------------------------


@dataclass(frozen=True)
class Subject:
    type: str
    refs: list[str]
    contributions: list[Contribution]
    options: list[dict]
    space: Space | None = None


def yes_no_abstain_options() -> list[dict]:
    return [{"id": "yes", "label": _("Yes")}, {"id": "no", "label": _("No")}, {"id": "abstain", "label": _("Abstain")}]


def tabled_contributions(assembly) -> QuerySet[Contribution]:
    return (
        Contribution.objects.filter(space__assembly=assembly, status=Contribution.Status.TABLED)
        .select_related("space", "target_item")
        .order_by("space__position", "pk")
    )


def items_with_competing_amendments_queryset(assembly) -> QuerySet[Item]:
    """Items with at least two tabled amendments, which a ranked poll can decide between."""
    tabled = Count("amendments", filter=Q(amendments__status=Contribution.Status.TABLED))
    return (
        Item.objects.filter(roadmap__assembly=assembly)
        .annotate(tabled=tabled)
        .filter(tabled__gte=2)
        .select_related("space")
        .order_by("ref")
    )


def contribution_ref(contribution: Contribution) -> str:
    return f"c-{contribution.pk}"


def _label(text: str, limit: int = 200) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def subject_for_contribution(contribution: Contribution) -> Subject:
    """Adopt or not one tabled amendment or proposal: yes, no, abstain."""
    return Subject(
        type=contribution.kind,
        refs=[contribution_ref(contribution)],
        contributions=[contribution],
        options=yes_no_abstain_options(),
        space=contribution.space,
    )


def subject_for_competing_amendments(item: Item) -> Subject:
    """Choose among the tabled amendments of one item, or keep its current text."""
    amendments = list(
        Contribution.objects.filter(target_item=item, status=Contribution.Status.TABLED)
        .select_related("space")
        .order_by("pk")
    )
    options = [{"id": contribution_ref(a), "label": _label(f"#{a.pk} {a.title or a.text}")} for a in amendments] + [
        {"id": KEEP_CURRENT, "label": _("Keep the current text")}
    ]
    return Subject(
        type=Poll.SubjectType.AMENDMENT,
        refs=[contribution_ref(a) for a in amendments],
        contributions=amendments,
        options=options,
        space=item.space,
    )


def subject_for_priorities(space: Space) -> Subject:
    """The space's current items, to prioritise."""
    roadmap = assembly_selectors.roadmap_of(space.assembly, with_document=False)
    rows = list(assembly_selectors.current_items(roadmap, space=space)) if roadmap and roadmap.head_id else []
    options = [{"id": row.item.ref, "label": _label(f"{row.item.ref}: {row.text}")} for row in rows]
    return Subject(
        type=Poll.SubjectType.PRIORITIES,
        refs=[row.item.ref for row in rows],
        contributions=[],
        options=options,
        space=space,
    )


def amendments_to_decide_first(poll: Poll) -> list[Contribution]:
    """Parliamentary order: the amendments tabled against the proposals of a poll that are not decided yet
    (open or tabled), which must be adopted, rejected or withdrawn before the poll opens. Each comes with
    its target proposal and its polls (newest first), in two queries; empty for other subjects."""
    if poll.subject_type != Poll.SubjectType.PROPOSAL:
        return []
    polls = Poll.objects.only("pk", "public_id", "title", "status", "created_at").order_by("-created_at", "-pk")
    return list(
        Contribution.objects.filter(
            target_proposal__in=poll.contributions.filter(kind=Contribution.Kind.PROPOSAL),
            status__in=(Contribution.Status.OPEN, Contribution.Status.TABLED),
        )
        .select_related("target_proposal")
        .prefetch_related(Prefetch("polls", queryset=polls))
        .order_by("pk")
    )


def listed_options(lines: list[str]) -> list[dict]:
    """Options typed one per line; ids are readable slugs of the labels (made unique)."""
    from django.utils.text import slugify

    options, used = [], set()
    for number, label in enumerate((line.strip() for line in lines if line.strip()), start=1):
        base = slugify(label)[:40].strip("-") or f"option-{number}"
        option_id, n = base, 2
        while option_id in used:
            option_id, n = f"{base}-{n}", n + 1
        used.add(option_id)
        options.append({"id": option_id, "label": label})
    return options
