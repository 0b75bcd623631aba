"""An assembly's decisions: every closed poll, most recently closed first, with its outcome in words (who or
what won, passed or not), the texts it decided and the roadmap versions it created.

As public as the assembly (404 for a private one to anyone outside it). A fixed number of queries per page,
whatever the number of polls: the polls, their texts (prefetched) and their versions (one query).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.shortcuts import render
from django.views.decorators.http import require_safe

from frontend.views.common import paginate, visible_assembly
from polls import selectors as poll_selectors
from polls.models import Poll

DECISIONS_PER_PAGE = 20


@dataclass(frozen=True)
class Decision:
    poll: Poll
    outcome: str
    texts: list
    versions: list


@require_safe
def index(request, slug):
    assembly = visible_assembly(request, slug)
    page = paginate(request, poll_selectors.decided_polls(assembly), per_page=DECISIONS_PER_PAGE)
    polls = list(page)
    versions = poll_selectors.versions_by_poll(assembly, [poll.public_id for poll in polls])
    decisions = [
        Decision(
            poll=poll,
            outcome=poll_selectors.outcome_in_words(poll),
            texts=list(poll.contributions.all()),
            versions=versions.get(poll.public_id, []),
        )
        for poll in polls
    ]
    return render(
        request,
        "frontend/assemblies/decisions.html",
        {
            "assembly": assembly,
            "page": page,
            "decisions": decisions,
        },
    )
