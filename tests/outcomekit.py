"""Contributions decided by real polls, and published editions, for the outcome tests (helpers only)."""

from __future__ import annotations

from assemblies.roadmap.models import Item, Roadmap, RoadmapVersion
from assemblies.roadmap.services import contributions, editions
from polls import selectors as poll_selectors
from polls import services as poll_services
from tests import factories
from tests.polls import pollkit

BASE = "http://testserver"


def item(assembly, ref):
    return Item.objects.select_related("roadmap__assembly", "space__assembly").get(roadmap__assembly=assembly, ref=ref)


def tabled_amendment(assembly, convenor, author, *, ref, text, title):
    amendment = contributions.propose_amendment(
        author=author,
        item=item(assembly, ref),
        base_version=fresh_roadmap(assembly).head,
        change="edit",
        text=text,
        title=title,
        submission_key=factories.submission_key(),
        now=pollkit.now(),
    )
    return contributions.table(contribution=amendment, by=convenor, now=pollkit.now())


def open_poll_on(contribution, convenor, *, secrecy="roll-call"):
    """A yes/no poll on the tabled contribution, opened; returns (poll, paper voting codes)."""
    subject = poll_selectors.subject_for_contribution(contribution)
    poll = pollkit.make_poll(
        contribution.space.assembly,
        convenor,
        subject_type=subject.type,
        subject_refs=subject.refs,
        contributions=subject.contributions,
        options=subject.options,
        secrecy=secrecy,
    )
    return pollkit.open_poll(poll, convenor)


def decided_by_poll(assembly, convenor, voters, *, ref, text, title, passed=True, secrecy="roll-call"):
    """An amendment by voters[0], tabled and put to a yes/no poll in which every voter says yes (or no),
    closed: the poll adopts it (or not). Returns (amendment, poll)."""
    amendment = tabled_amendment(assembly, convenor, voters[0], ref=ref, text=text, title=title)
    poll, codes = open_poll_on(amendment, convenor, secrecy=secrecy)
    choice = "yes" if passed else "no"
    if secrecy == "roll-call":
        for person in voters:
            poll_services.cast_roll_call(poll=poll, user=person, choice=choice, now=pollkit.now())
    else:
        for code in codes:
            poll_services.cast_with_code(poll=poll, code=code, choice=choice, now=pollkit.now())
    poll = pollkit.close(poll)
    amendment.refresh_from_db()
    return amendment, poll


def fresh_roadmap(assembly):
    """The assembly's roadmap as it is now in the database (its head moves with every version)."""
    return Roadmap.objects.select_related("assembly").get(assembly=assembly)


def head(assembly):
    return RoadmapVersion.objects.filter(roadmap__assembly=assembly).order_by("-number").first()


def publish(assembly, convenor, name, *, number=None, notes=None):
    roadmap = fresh_roadmap(assembly)
    version = head(assembly) if number is None else roadmap.versions.get(number=number)
    if notes is None:
        notes = editions.release_notes(roadmap=roadmap, version=version, base_url=BASE)
    return editions.publish_edition(
        roadmap=roadmap, version_number=version.number, name=name, notes=notes, by=convenor, now=pollkit.now()
    )
