"""Demo polls for `load_demo`, made through the services as the product makes them.

`load_demo_polls(assembly, people)` adds, once (it does nothing when the assembly already has polls):
a closed roll-call motion (yes / no / abstain) with its ballots, a closed secret approval poll whose ballots
were cast with voting codes, and an open roll-call poll on the priorities of a space. `load_demo_decisions` adds the
decisions that fed the roadmap: amendments adopted by a roll-call and by a secret poll, one rejected by a
poll, and a closed priorities poll whose ranks are a version of the roadmap.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from assemblies.roadmap.models import Item
from assemblies.roadmap.services import contributions as contribution_services
from polls import selectors, services
from polls.models import Poll

MOTION = {"kind": "yes-no-abstain", "threshold": {"num": 1, "den": 2}, "base": "cast", "quorum": 4}


def load_demo_polls(assembly, people: dict) -> list[Poll]:
    """`people` maps the demo's short names (convenor, moderator, ana, kofi, lea, mateo, nadia, olu) to users."""
    if Poll.objects.filter(assembly=assembly).exists():
        return []
    convenor = people["convenor"]
    voters = [
        people[name]
        for name in ("convenor", "moderator", "ana", "kofi", "lea", "mateo", "nadia", "olu")
        if name in people
    ]
    now = timezone.now().replace(microsecond=0)
    start = now - timedelta(days=10)

    motion = services.create_poll(
        assembly=assembly,
        by=convenor,
        title="Join the regional SSE charter",
        question="Should the forum sign the regional charter of social and solidarity economy networks?",
        subject_type="motion",
        subject_refs=[],
        contributions=[],
        options=selectors.yes_no_abstain_options(),
        method=MOTION,
        secrecy="roll-call",
        revote="last-counts",
        opens_at=None,
        closes_at=start + timedelta(days=3),
        now=start,
    )
    services.open_poll(poll=motion, by=convenor, now=start)
    for person, choice in zip(voters, ["yes", "yes", "no", "yes", "abstain", "yes", "no"]):
        services.cast_roll_call(poll=motion, user=person, choice=choice, now=start + timedelta(days=1))
    services.close_poll(poll=motion, now=start + timedelta(days=3))

    workshops = [
        "Digital commons",
        "Public procurement",
        "Youth and SSE",
        "Financing cooperatives",
        "Women's leadership",
    ]
    secret = services.create_poll(
        assembly=assembly,
        by=convenor,
        title="Workshops of the next forum",
        question="Which workshops should the next forum hold? Approve up to three.",
        subject_type="election",
        subject_refs=[],
        contributions=[],
        options=selectors.listed_options(workshops),
        method={"kind": "approval", "min": 0, "max": 3},
        secrecy="credential",
        revote="last-counts",
        delivery="paper",
        opens_at=None,
        closes_at=start + timedelta(days=6),
        now=start + timedelta(days=4),
    )
    codes = services.open_poll(poll=secret, by=convenor, now=start + timedelta(days=4)).paper_codes
    ids = [option["id"] for option in secret.options]
    ballots = [[0, 1], [0, 2, 4], [1], [0, 4], [2, 3, 4], [0], [0, 1, 4]]
    for code, picks in zip(codes, ballots):
        services.cast_with_code(
            poll=secret, code=code, choice=sorted(ids[i] for i in picks), now=start + timedelta(days=5)
        )
    services.close_poll(poll=secret, now=start + timedelta(days=6))

    space = assembly.spaces.filter(code="DIG").first() or assembly.spaces.order_by("position").first()
    subject = selectors.subject_for_priorities(space) if space is not None else None
    if subject is None or len(subject.options) < 2:
        subject = selectors.Subject(
            type="motion", refs=[], contributions=[], options=selectors.yes_no_abstain_options()
        )
        method = MOTION
    else:
        method = {"kind": "schulze"}
    current = services.create_poll(
        assembly=assembly,
        by=convenor,
        title=f"Priorities of “{space.title}”" if space else "Open motion",
        question="In which order should the forum work on these items? Rank the ones you care about.",
        subject_type=subject.type,
        subject_refs=subject.refs,
        contributions=subject.contributions,
        options=subject.options,
        method=method,
        secrecy="roll-call",
        revote="last-counts",
        opens_at=None,
        closes_at=now + timedelta(days=7),
        space=subject.space,
        now=now - timedelta(hours=2),
    )
    services.open_poll(poll=current, by=convenor, now=now - timedelta(hours=2))
    if method["kind"] == "schulze":
        ranking = [option["id"] for option in subject.options]
        services.cast_roll_call(poll=current, user=voters[2], choice=ranking[:3], now=now - timedelta(hours=1))
        services.cast_roll_call(
            poll=current, user=voters[3], choice=list(reversed(ranking))[:2], now=now - timedelta(hours=1)
        )
    return list(Poll.objects.filter(pk__in=[motion.pk, secret.pk, current.pk]).order_by("created_at"))


YES_NO = {"kind": "yes-no-abstain", "threshold": {"num": 1, "den": 2}, "base": "cast", "quorum": 0}
AMENDMENTS = [
    # (author, item, new text, title, secrecy, ballots: yes / no / abstain in the voters' order)
    (
        "lea",
        "LOC-2",
        "Invest in learning processes on SSE for organisations, but also for people from local and/or "
        "regional governments, with open courses that networks share and translate.",
        "Shared open courses",
        "roll-call",
        ["yes", "yes", "yes", "abstain", "yes", "no", "yes", "yes"],
    ),
    (
        "mateo",
        "STA-2",
        "Create and adopt financial instruments adapted to the diversity of the popular, social and "
        "solidarity economy, designed with the organisations that will use them.",
        "Designed with their users",
        "credential",
        ["yes", "no", "yes", "yes", "yes", "yes", "abstain", "yes"],
    ),
    (
        "olu",
        "INV-4",
        "Make work meaningful and dignified again through SSE.",
        "A shorter item",
        "roll-call",
        ["no", "no", "yes", "no", "abstain", "no", "yes", "no"],
    ),
]


def load_demo_decisions(assembly, people: dict, *, start) -> list[Poll]:
    """On the demo's Mont Blanc roadmap: amendments decided by polls (two adopted, in each secrecy mode, and
    one rejected), then a closed priorities poll on the education space. Each adoption and the priorities
    are versions of the roadmap whose provenance names the poll. Returns the polls it made."""
    convenor = people["convenor"]
    voters = [people[name] for name in ("convenor", "moderator", "ana", "kofi", "lea", "mateo", "nadia", "olu")]
    made = []
    for day, (author, ref, text, title, secrecy, choices) in enumerate(AMENDMENTS):
        at = start + timedelta(days=day, hours=9)
        item = Item.objects.select_related("roadmap", "space__assembly").get(roadmap__assembly=assembly, ref=ref)
        amendment = contribution_services.propose_amendment(
            author=people[author],
            item=item,
            change="edit",
            text=text,
            title=title,
            base_version=item.roadmap.head,
            submission_key=f"demo-{assembly.slug}-{ref}",
            now=at,
        )
        contribution_services.table(contribution=amendment, by=convenor, now=at + timedelta(hours=1))
        subject = selectors.subject_for_contribution(amendment)
        poll = services.create_poll(
            assembly=assembly,
            by=convenor,
            title=f"Adopt “{title}” ({ref})?",
            question=f"Should item {ref} read as the amendment proposes?",
            subject_type=subject.type,
            subject_refs=subject.refs,
            contributions=subject.contributions,
            options=subject.options,
            method=YES_NO,
            secrecy=secrecy,
            revote="last-counts",
            delivery="paper" if secrecy == "credential" else "",
            opens_at=None,
            closes_at=at + timedelta(days=1),
            space=subject.space,
            now=at + timedelta(hours=2),
        )
        codes = services.open_poll(poll=poll, by=convenor, now=at + timedelta(hours=2)).paper_codes
        when = at + timedelta(hours=5)
        if secrecy == "credential":
            for code, choice in zip(codes, choices):
                services.cast_with_code(poll=poll, code=code, choice=choice, now=when)
        else:
            for person, choice in zip(voters, choices):
                services.cast_roll_call(poll=poll, user=person, choice=choice, now=when)
        services.close_poll(poll=poll, now=at + timedelta(days=1))
        made.append(poll.pk)

    at = start + timedelta(days=len(AMENDMENTS), hours=9)
    space = assembly.spaces.get(code="EDU")
    subject = selectors.subject_for_priorities(space)
    poll = services.create_poll(
        assembly=assembly,
        by=convenor,
        title=f"Priorities of “{space.title}”",
        question="Approve the items the forum should work on first (up to three).",
        subject_type=subject.type,
        subject_refs=subject.refs,
        contributions=subject.contributions,
        options=subject.options,
        method={"kind": "approval", "min": 0, "max": 3},
        secrecy="roll-call",
        revote="last-counts",
        opens_at=None,
        closes_at=at + timedelta(days=2),
        space=subject.space,
        now=at,
    )
    services.open_poll(poll=poll, by=convenor, now=at)
    ids = [option["id"] for option in subject.options]
    approvals = [[0, 4], [4, 5], [0, 4, 5], [1, 4], [4], [0, 2, 4], [5, 0], [3, 4]]
    for person, picks in zip(voters, approvals):
        services.cast_roll_call(
            poll=poll, user=person, choice=sorted(ids[i] for i in picks if i < len(ids)), now=at + timedelta(hours=3)
        )
    services.close_poll(poll=poll, now=at + timedelta(days=2))
    made.append(poll.pk)
    return list(Poll.objects.filter(pk__in=made).order_by("created_at"))
