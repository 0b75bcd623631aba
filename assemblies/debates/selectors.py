"""Read queries of the debates: pages of messages by id, threads, catch-up after a reconnection, and
what moderators review. Nothing here changes state or decides who may see what (callers pass a debate
they were allowed to read)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, IntegerField, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from assemblies.debates.models import (
    Debate,
    Flag,
    LiveSession,
    Message,
    MessageRevision,
    ModerationEntry,
    Reaction,
    SpeakerRequest,
)
from assemblies.membership import rules as membership_rules
from assemblies.membership.models import Assembly, Membership, Space
from assemblies.roadmap.models import Contribution, ContributionRevision, Item, RoadmapVersion, Support
from polls.models import Poll

PAGE_SIZE = 20
CATCH_UP_LIMIT = 100


def debate_in(assembly: Assembly, pk: int) -> Debate | None:
    debate = Debate.objects.select_related("space").filter(assembly=assembly, pk=pk).first()
    if debate is not None:
        debate.assembly = assembly
        if debate.space is not None:
            debate.space.assembly = assembly
    return debate


def debate_by_pk(pk: int) -> Debate | None:
    return Debate.objects.select_related("assembly", "space").filter(pk=pk).first()


def debate_of_subject(key: str) -> Debate | None:
    return Debate.objects.filter(subject_key=key).first()


def _messages(debate: Debate) -> QuerySet[Message]:
    return Message.objects.filter(debate=debate).select_related("author")


def _attach(messages, debate: Debate):
    for message in messages:
        message.debate = debate
    return messages


def message_in(debate: Debate, pk: int) -> Message | None:
    message = _messages(debate).select_related("reply_to__author").filter(pk=pk).first()
    if message is not None:
        message.debate = debate
    return message


@dataclass
class MessagePage:
    """Messages newest first, with the ids that continue the list either way (None at an end)."""

    messages: list[Message]
    older_than: int | None = None
    newer_than: int | None = None
    threads: dict[int, list[Message]] = field(default_factory=dict)

    @property
    def ids(self) -> list[int]:
        return [message.pk for message in self.messages]


def _page(queryset: QuerySet[Message], *, before: int | None, after: int | None, size: int):
    """Rows of `queryset` by id, newest first: the newest `size` of them, those before an id, or
    those right after one. Returns (rows, has_older, has_newer)."""
    if after is not None:
        rows = list(queryset.filter(pk__gt=after).order_by("pk")[: size + 1])
        has_newer = len(rows) > size
        rows = rows[:size][::-1]
        has_older = True
    else:
        if before is not None:
            queryset = queryset.filter(pk__lt=before)
        rows = list(queryset.order_by("-pk")[: size + 1])
        has_older = len(rows) > size
        rows = rows[:size]
        has_newer = before is not None
    return rows, has_older, has_newer


def newest_first(
    debate: Debate, *, before: int | None = None, after: int | None = None, size: int = PAGE_SIZE
) -> MessagePage:
    rows, has_older, has_newer = _page(_messages(debate), before=before, after=after, size=size)
    return _continuations(_attach(rows, debate), has_older=has_older, has_newer=has_newer, after=after)


def _continuations(rows, *, has_older, has_newer, after) -> MessagePage:
    page = MessagePage(messages=rows)
    if rows:
        page.older_than = rows[-1].pk if has_older else None
        # "Newer messages" is always offered from the top: it loads what arrived since this page.
        page.newer_than = rows[0].pk
    elif after is not None:
        page.newer_than = after
    return page


def threaded(
    debate: Debate, *, before: int | None = None, after: int | None = None, size: int = PAGE_SIZE
) -> MessagePage:
    """A page of threads (first messages, newest first), each with all its replies, oldest first."""
    roots, has_older, has_newer = _page(
        _messages(debate).filter(thread__isnull=True), before=before, after=after, size=size
    )
    page = _continuations(_attach(roots, debate), has_older=has_older, has_newer=has_newer, after=after)
    replies = _attach(list(_messages(debate).filter(thread__in=[root.pk for root in roots]).order_by("pk")), debate)
    children: dict[int, list[Message]] = {}
    for reply in replies:
        children.setdefault(reply.reply_to_id, []).append(reply)
    page.threads = children
    return page


def changed_since(
    debate: Debate, last_id: int, *, since=None, limit: int = CATCH_UP_LIMIT
) -> tuple[list[Message], bool]:
    """What a client that last saw message `last_id` may have missed: the messages after it, and those
    changed (edited, deleted, moderated, reacted to) since `since` (the latest change it saw), or, when
    it does not say, since message `last_id` was posted. Oldest first; the flag says whether more
    remain (the client then reloads the page)."""
    if since is None and last_id:
        last = Message.objects.filter(debate=debate, pk=last_id).only("created_at").first()
        since = last.created_at if last is not None else None
    condition = Q(pk__gt=last_id)
    if since is not None:
        condition |= Q(changed_at__gte=since)
    rows = list(_messages(debate).filter(condition).order_by("pk")[: limit + 1])
    return _attach(rows[:limit], debate), len(rows) > limit


def reactions_by(user, messages) -> dict[int, set[str]]:
    if user is None or not user.is_authenticated or not messages:
        return {}
    mine: dict[int, set[str]] = {}
    for message_id, kind in Reaction.objects.filter(user=user, message__in=[m.pk for m in messages]).values_list(
        "message_id", "kind"
    ):
        mine.setdefault(message_id, set()).add(kind)
    return mine


def for_reader(user, debate: Debate, messages) -> bool:
    """Mark what only this reader sees on each message: their own reactions (`mine`), and whether they
    still read a hidden text (`show_hidden`: its author and the moderators). True for a moderator."""
    mine = reactions_by(user, messages)
    moderator = bool(membership_rules.can_moderate(user, debate.assembly))
    for message in messages:
        message.mine = mine.get(message.pk, ())
        message.show_hidden = message.hidden_at is not None and (
            moderator or (user.is_authenticated and message.author_id == user.pk)
        )
    return moderator


def flag_counts(messages) -> dict[int, int]:
    rows = Flag.objects.filter(message__in=[m.pk for m in messages]).values("message").annotate(n=Count("pk"))
    return {row["message"]: row["n"] for row in rows}


def revisions_of(message: Message) -> QuerySet[MessageRevision]:
    return MessageRevision.objects.filter(message=message).order_by("-number")


def has_flagged(user, message: Message) -> bool:
    return user.is_authenticated and Flag.objects.filter(message=message, user=user).exists()


# Moderation -------------------------------------------------------------------------------------------


def moderation_log(assembly: Assembly) -> QuerySet[ModerationEntry]:
    """Newest first, with who acted on whom."""
    return (
        ModerationEntry.objects.filter(assembly=assembly)
        .select_related("actor", "target", "message__debate")
        .defer("document")
        .order_by("-number")
    )


def flagged_messages(assembly: Assembly) -> QuerySet[Message]:
    """Messages still shown that someone flagged, most flagged first."""
    return (
        Message.objects.filter(
            debate__assembly=assembly, hidden_at__isnull=True, deleted_at__isnull=True, flags__isnull=False
        )
        .select_related("author", "debate")
        .annotate(flag_count=Count("flags"))
        .order_by("-flag_count", "-pk")
    )


def muted_members(assembly: Assembly, now) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(assembly=assembly, muted_until__gt=now).select_related("user").order_by("muted_until")
    )


# Subjects ---------------------------------------------------------------------------------------------


@dataclass
class Subject:
    """What a debate is about, for the page that shows it beside the debate."""

    kind: str
    space: Space | None = None
    item: Item | None = None
    contribution: Contribution | None = None
    poll_id: int | None = None


def subject_of(debate: Debate) -> Subject:
    kind, pk = debate.subject_kind, debate.subject_id
    if kind == "space":
        return Subject(kind, space=debate.space)
    if kind == "item":
        item = Item.objects.select_related("space", "roadmap").filter(pk=pk).first()
        if item is not None:
            item.roadmap.assembly = debate.assembly
            item.space.assembly = debate.assembly
        return Subject(kind, item=item, space=debate.space)
    if kind == "contribution":
        contribution = Contribution.objects.select_related("space", "author", "target_item").filter(pk=pk).first()
        if contribution is not None:
            contribution.space.assembly = debate.assembly
        return Subject(kind, contribution=contribution, space=debate.space)
    return Subject(kind, poll_id=pk, space=debate.space)


def subject_title(debate: Debate, subject: Subject | None = None) -> str:
    """A short name of what a debate is about: the item's reference, the contribution's title, the
    space's title, or the poll's title."""
    subject = subject or subject_of(debate)
    if subject.item is not None:
        return subject.item.ref
    if subject.contribution is not None:
        return str(subject.contribution)
    if subject.kind == "poll":
        title = Poll.objects.filter(pk=subject.poll_id).values_list("title", flat=True).first()
        return title or gettext("Poll %(number)s") % {"number": subject.poll_id}
    return subject.space.title if subject.space is not None else debate.subject_key


# Live sessions ----------------------------------------------------------------------------------------


def agenda_candidates(assembly: Assembly) -> list[tuple[str, str]]:
    """What a session's agenda can hold, as (key, label): the spaces, the proposals and amendments
    still under discussion, and any other debate already open (polls, items)."""
    spaces = Space.objects.filter(assembly=assembly).order_by("position")
    options = [(f"space:{space.pk}", space.title) for space in spaces]
    live = Contribution.objects.filter(space__assembly=assembly, status__in=["open", "tabled"]).order_by("-pk")[:50]
    options += [(f"contribution:{c.pk}", str(c)) for c in live]
    taken = {key for key, _label in options}
    others = [
        debate
        for debate in Debate.objects.filter(assembly=assembly).select_related("space").order_by("-pk")[:50]
        if debate.subject_key not in taken
    ]
    titles = _subject_titles(others)
    options += [(debate.subject_key, titles[debate.subject_key]) for debate in others]
    return options


def _subject_titles(debates: list[Debate]) -> dict[str, str]:
    """subject_title of many debates by subject key, in one query per kind of subject."""
    ids: dict[str, list[int]] = {"item": [], "contribution": [], "poll": []}
    for debate in debates:
        if debate.subject_kind in ids:
            ids[debate.subject_kind].append(debate.subject_id)
    found: dict[str, str] = {}
    if ids["item"]:
        found.update(
            (f"item:{pk}", ref) for pk, ref in Item.objects.filter(pk__in=ids["item"]).values_list("pk", "ref")
        )
    if ids["contribution"]:
        found.update(
            (f"contribution:{c.pk}", str(c))
            for c in Contribution.objects.filter(pk__in=ids["contribution"]).only("pk", "title", "kind")
        )
    if ids["poll"]:
        found.update(
            (f"poll:{pk}", title) for pk, title in Poll.objects.filter(pk__in=ids["poll"]).values_list("pk", "title")
        )
    titles = {}
    for debate in debates:
        title = found.get(debate.subject_key)
        if not title:
            if debate.subject_kind == "poll":
                title = gettext("Poll %(number)s") % {"number": debate.subject_id}
            else:
                title = debate.space.title if debate.space is not None else debate.subject_key
        titles[debate.subject_key] = title
    return titles


def sessions_of(assembly: Assembly):
    return LiveSession.objects.filter(assembly=assembly).select_related("chair").order_by("-started_at")


def session_in(assembly: Assembly, pk: int):
    session = (
        LiveSession.objects.select_related("chair", "current_point__debate").filter(assembly=assembly, pk=pk).first()
    )
    if session is not None:
        session.assembly = assembly
    return session


def own_request(session, user):
    if not user.is_authenticated:
        return None
    return SpeakerRequest.objects.filter(session=session, user=user, status__in=["waiting", "speaking"]).first()


# The life of a contribution ---------------------------------------------------------------------------
# Here, at the top of the domain, because it gathers the roadmap's record, the polls and the debate.

# A long life is summarised: the newest revisions and amendments are listed, the older ones counted.
TIMELINE_REVISIONS = 8
TIMELINE_AMENDMENTS = 8
# Same-instant steps keep the order of the story (a revision recorded with its adoption comes first).
_ORDER = {
    kind: position
    for position, kind in enumerate(
        (
            "proposed",
            "earlier_revisions",
            "revised",
            "earlier_amendments",
            "amendment",
            "cosigned",
            "debated",
            "tabled",
            "voted",
            "adopted",
            "rejected",
            "withdrawn",
        )
    )
}


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
        return next((poll for poll in self.polls if poll.status == Poll.Status.OPEN), None)


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
            support_count=Coalesce(
                Subquery(supports.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0
            ),
            first_support=Subquery(supports.annotate(first=Min("created_at")).values("first")[:1]),
            debate_id=Subquery(debates.values("pk")[:1]),
            message_count=Coalesce(Subquery(debates.values("n")[:1], output_field=IntegerField()), 0),
            first_message=Subquery(debates.values("first")[:1]),
            last_message=Subquery(debates.values("last")[:1]),
            adopted_number=Subquery(RoadmapVersion.objects.filter(contribution=OuterRef("pk")).values("number")[:1]),
            amendment_count=Coalesce(
                Subquery(
                    Contribution.objects.filter(target_proposal=OuterRef("pk"))
                    .order_by()
                    .values("target_proposal")
                    .annotate(n=Count("pk"))
                    .values("n")[:1],
                    output_field=IntegerField(),
                ),
                0,
            ),
        )
        .values(
            "support_count",
            "first_support",
            "debate_id",
            "message_count",
            "first_message",
            "last_message",
            "adopted_number",
            "amendment_count",
        )
        .get()
    )
    life = Life(
        contribution=contribution,
        support_count=facts["support_count"],
        message_count=facts["message_count"],
        debate_id=facts["debate_id"],
        adopted_number=facts["adopted_number"],
    )
    steps = life.steps
    steps.append(Step("proposed", contribution.created_at, who=contribution.author.name, note=contribution.kind))

    newest = contribution.revision
    first_listed = max(2, newest - TIMELINE_REVISIONS + 1)
    if first_listed > 2:
        steps.append(Step("earlier_revisions", contribution.created_at, number=first_listed - 2))
    revisions = (
        ContributionRevision.objects.filter(contribution=contribution, number__gte=first_listed)
        .order_by("number")
        .values_list("number", "note", "created_at")
    )
    steps += [Step("revised", at, number=number, note=note) for number, note, at in revisions]

    if contribution.kind == Contribution.Kind.PROPOSAL and facts["amendment_count"]:
        amendments = list(
            Contribution.objects.filter(target_proposal=contribution)
            .select_related("author")
            .only("pk", "title", "status", "created_at", "author__display_name", "author__email")
            .order_by("-created_at", "-pk")[:TIMELINE_AMENDMENTS]
        )
        if facts["amendment_count"] > len(amendments):
            steps.append(
                Step("earlier_amendments", contribution.created_at, number=facts["amendment_count"] - len(amendments))
            )
        steps += [
            Step("amendment", a.created_at, who=a.author.name, number=a.pk, note=a.title, status=a.status)
            for a in amendments
        ]

    if facts["support_count"]:
        steps.append(Step("cosigned", facts["first_support"], number=facts["support_count"]))
    if facts["message_count"]:
        steps.append(
            Step("debated", facts["first_message"], number=facts["message_count"], last_at=facts["last_message"])
        )
    if contribution.tabled_at is not None:
        steps.append(Step("tabled", contribution.tabled_at))

    life.polls = [
        PollSeen(
            public_id=p["public_id"],
            title=p["title"],
            status=p["status"],
            opened_at=p["opened_at"],
            closed_at=p["closed_at"],
            fingerprint=p["fingerprint"],
            result_entry=p["result_entry"],
        )
        for p in contribution.polls.order_by("created_at", "pk").values(
            "public_id", "title", "status", "opened_at", "closed_at", "fingerprint", "result_entry", "created_at"
        )
    ]
    for poll in life.polls:
        steps.append(
            Step(
                "voted",
                poll.closed_at or poll.opened_at or contribution.tabled_at or contribution.created_at,
                poll=poll,
                status=poll.status,
            )
        )

    decided_at = contribution.decided_at or contribution.updated_at
    if contribution.status == Contribution.Status.ADOPTED:
        steps.append(Step("adopted", decided_at, number=life.adopted_number, note=contribution.decision_note))
    elif contribution.status == Contribution.Status.REJECTED:
        steps.append(Step("rejected", decided_at, note=contribution.decision_note))
    elif contribution.status == Contribution.Status.WITHDRAWN:
        steps.append(Step("withdrawn", decided_at))

    steps.sort(key=lambda step: (step.at is None, step.at or contribution.created_at, _ORDER[step.kind]))
    return life
