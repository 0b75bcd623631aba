"""What a closed poll decides, applied to the roadmap in the transaction that records the result.

So the roadmap and the results never disagree: a poll's close, its result line and the versions it
creates commit together or not at all. Each adopted version's provenance names the poll, its fingerprint
and the entry hash of its result line, so anyone can go from a sentence of the roadmap to the board.
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from assemblies.models import Contribution
from assemblies.services import AlreadyDecided, AmendmentConflict
from assemblies.services import roadmap as roadmap_services
from polls.models import Poll
from polls.selectors import contribution_ref


def decision_of(poll: Poll) -> dict:
    return {"poll": poll.public_id, "fingerprint": poll.fingerprint, "result_entry": poll.result_entry}


def apply_outcome(poll: Poll, *, now: datetime) -> list[Contribution]:
    """Adopt what the poll adopted and reject the rest; returns the contributions decided.

    Requires a closed poll inside the closing transaction. A yes-no-abstain poll on one text adopts it
    when passed; a poll among competing texts (a `winners` outcome) adopts the winner and rejects the
    others ("keep the current text" winning rejects them all). A text that was withdrawn or decided in
    the meantime is left as it is; an amendment whose base moved on during the vote is never applied
    over the newer text: it is recorded as not adopted, with the reason.
    """
    contributions = {contribution_ref(c): c for c in poll.contributions.select_related("space__assembly")}
    if poll.subject_type not in (Poll.SubjectType.AMENDMENT, Poll.SubjectType.PROPOSAL) or not contributions:
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
        if _decide(contribution, adopt=ref in adopted, poll=poll, now=now):
            decided.append(contribution)
    return decided


def _decide(contribution: Contribution, *, adopt: bool, poll: Poll, now: datetime) -> bool:
    decision = decision_of(poll)
    try:
        if adopt:
            decision["note"] = _("Adopted by the poll “%(title)s”.") % {"title": poll.title}
            roadmap_services.adopt(contribution=contribution, decision=decision, now=now)
        else:
            decision["note"] = _("Not adopted by the poll “%(title)s”.") % {"title": poll.title}
            roadmap_services.reject(contribution=contribution, decision=decision, now=now)
    except AlreadyDecided:
        return False
    except AmendmentConflict:
        decision["note"] = _(
            "The poll “%(title)s” adopted it, but the text it amends changed during the vote: it was not "
            "applied over the newer text."
        ) % {"title": poll.title}
        roadmap_services.reject(contribution=contribution, decision=decision, now=now)
    return True
