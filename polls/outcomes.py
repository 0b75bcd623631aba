"""What a closed poll decides, applied to the roadmap in the transaction that records the result.

So the roadmap and the results never disagree: a poll's close, its result line and the versions it
creates commit together or not at all. Each adopted version's provenance names the poll, its fingerprint
and the entry hash of its result line, so anyone can go from a sentence of the roadmap to the board.
`close_poll` holds the poll's row lock and refuses a second close, so all of this runs once per poll.
"""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from assemblies.common.errors import DomainError
from assemblies.membership.models import Space
from assemblies.membership.services.notifications import notify
from assemblies.roadmap.models import Contribution, Item
from assemblies.roadmap.services import roadmap as roadmap_services
from assemblies.roadmap.services.contributions import AmendmentConflict
from assemblies.roadmap.services.roadmap import AlreadyDecided
from polls.models import Poll
from polls.selectors import contribution_ref, outcome_in_words

# Methods whose outcome ranks every option (the board's `ranking`): what a priorities poll needs.
RANKING_KINDS = ("plurality", "approval", "dot", "score", "majority-judgment", "schulze")


def decision_of(poll: Poll) -> dict:
    return {"poll": poll.public_id, "fingerprint": poll.fingerprint, "result_entry": poll.result_entry}


def apply_outcome(poll: Poll, *, now: datetime) -> list[Contribution]:
    """Apply what the poll decided and tell the people concerned; returns the contributions decided.

    Requires a closed poll inside the closing transaction. A yes-no-abstain poll on one text adopts it
    when passed; a poll among competing texts (a `winners` outcome) adopts the winner and rejects the
    others ("keep the current text" winning rejects them all). A text that was withdrawn or decided in
    the meantime is left as it is; an amendment whose base moved on during the vote is never applied
    over the newer text: it is recorded as not adopted, with the reason; so is a proposal whose text is
    no longer the one put to the vote. A priorities poll records its ranking as the next roadmap version
    (`apply_priorities`). Elections and motions change nothing: their outcome is the result itself.
    Then every eligible voter, and every author and co-signer of a decided text, gets one notice.
    """
    decided: list[tuple[Contribution, bool]] = []
    if poll.subject_type == Poll.SubjectType.PRIORITIES:
        apply_priorities(poll, now=now)
    elif poll.subject_type in (Poll.SubjectType.AMENDMENT, Poll.SubjectType.PROPOSAL):
        decided = _apply_to_contributions(poll, now=now)
    _notify(poll, decided, now=now)
    return [contribution for contribution, _adopted in decided]


def _apply_to_contributions(poll: Poll, *, now: datetime) -> list[tuple[Contribution, bool]]:
    contributions = {contribution_ref(c): c for c in poll.contributions.select_related("space__assembly")}
    if not contributions:
        return []
    outcome = poll.result["outcome"]
    if poll.method["kind"] == "yes-no-abstain":
        if len(contributions) != 1:
            return []
        adopted = {ref for ref in contributions if outcome["passed"]}
    else:
        adopted = set(outcome.get("winners", [])[:1]) & contributions.keys()
    decided = []
    for ref, contribution in contributions.items():
        result = _decide(contribution, adopt=ref in adopted, poll=poll, now=now)
        if result is not None:
            decided.append((contribution, result))
    return decided


def _decide(contribution: Contribution, *, adopt: bool, poll: Poll, now: datetime) -> bool | None:
    """Adopt or reject one text; True adopted, False not adopted, None when it was already decided."""
    decision = decision_of(poll)
    title = {"title": poll.title}
    # The text put to the vote was fixed when the poll opened (parliamentary order); a proposal whose text
    # differs now is not what the voters adopted.
    changed = (
        bool(poll.subject_text)
        and contribution.kind == Contribution.Kind.PROPOSAL
        and (
            Contribution.objects.filter(pk=contribution.pk).values_list("text", flat=True).first() != poll.subject_text
        )
    )
    try:
        if adopt and not changed:
            decision["note"] = _("Adopted by the poll “%(title)s”.") % title
            roadmap_services.adopt(contribution=contribution, decision=decision, now=now, notify_participants=False)
            return True
        if adopt:
            decision["note"] = (
                _(
                    "The poll “%(title)s” adopted it, but its text changed after the poll opened: the new text was "
                    "not put to the vote, so it was not adopted."
                )
                % title
            )
        else:
            decision["note"] = _("Not adopted by the poll “%(title)s”.") % title
        roadmap_services.reject(contribution=contribution, decision=decision, now=now, notify_participants=False)
        return False
    except AlreadyDecided:
        return None
    except AmendmentConflict:
        decision["note"] = (
            _(
                "The poll “%(title)s” adopted it, but the text it amends changed during the vote: it was not "
                "applied over the newer text."
            )
            % title
        )
        roadmap_services.reject(contribution=contribution, decision=decision, now=now, notify_participants=False)
        return False


def priority_ranks(poll: Poll) -> dict[str, int]:
    """Each polled item's rank (1 = highest): its position in the ranking the result line publishes.

    Ties are ranked as the board ranks them (deliberate-board/1, section 3): tied options are ordered by
    the published tie order, SHA-256 of the revealed tie-break seed followed by the option id, smallest
    first; so every rank is distinct and anyone can recompute it from the board. Only options that are
    item refs of the poll's subject get a rank; a method without a ranking (IRV, yes/no) gives none, and
    so does a poll without any ballot counted.
    """
    if not (poll.result or {}).get("counted"):
        return {}  # no ballot: a ranking by the tie order alone decides nothing
    ranking = poll.result["outcome"].get("ranking") or []
    refs = set(poll.subject_refs)
    return {ref: rank for rank, ref in enumerate(ranking, start=1) if ref in refs}


def apply_priorities(poll: Poll, *, now: datetime) -> None:
    """Record a priorities poll's ranking as the next roadmap version (nothing when it cannot apply)."""
    ranks = priority_ranks(poll)
    if not ranks:
        return
    space = poll.space or _space_of(poll, ranks)
    if space is None:
        return
    decision = decision_of(poll)
    decision["note"] = _("Priorities set by the poll “%(title)s”.") % {"title": poll.title}
    try:
        roadmap_services.set_priorities(space=space, ranks=ranks, decision=decision, now=now)
    except DomainError:
        # Already recorded, or every polled item was removed during the vote: the result stands alone.
        return


def _space_of(poll: Poll, ranks: dict[str, int]) -> Space | None:
    item = Item.objects.filter(roadmap__assembly=poll.assembly_id, ref__in=list(ranks)).select_related("space").first()
    return item.space if item is not None else None


def _notify(poll: Poll, decided: list[tuple[Contribution, bool]], *, now: datetime) -> None:
    """One notice per person, with the link to the result: the authors and co-signers of the decided texts
    hear what became of theirs; every other eligible voter (of a secret poll too: the list of eligible
    members is no secret, and everyone on it gets the same notice) hears the outcome."""
    url = reverse("poll_results", args=[poll.public_id])
    title = {"title": poll.title}
    texts_of: dict[int, list[tuple[Contribution, bool]]] = {}
    people: dict[int, object] = {}
    for contribution, adopted in decided:
        participants = [contribution.author] + [s.user for s in contribution.supports.select_related("user")]
        for person in participants:
            people[person.pk] = person
            texts_of.setdefault(person.pk, []).append((contribution, adopted))
    groups: dict[tuple[str, str], list] = {}
    for pk, texts in texts_of.items():
        if len(texts) == 1:
            contribution, adopted = texts[0]
            kind = "adopted" if adopted else "rejected"
            if adopted:
                pattern = _("Adopted by the poll “%(title)s”: %(text)s")
            else:
                pattern = _("Not adopted by the poll “%(title)s”: %(text)s")
            text = pattern % {**title, "text": str(contribution)}
        else:
            kind = "decided"
            text = _("The poll “%(title)s” decided your texts: %(list)s") % {
                **title,
                "list": "; ".join(
                    (_("adopted: %(text)s") if adopted else _("not adopted: %(text)s")) % {"text": str(contribution)}
                    for contribution, adopted in texts
                ),
            }
        groups.setdefault((kind, text), []).append(people[pk])
    voters = [user for user in poll.eligible_voters.all() if user.pk not in people]
    if voters:
        text = _("The poll “%(title)s” is closed: %(outcome)s") % {**title, "outcome": outcome_in_words(poll)}
        groups.setdefault(("poll_closed", text), []).extend(voters)
    for (kind, text), users in groups.items():
        notify(users=users, assembly=poll.assembly, kind=kind, text=text, url=url, now=now)
