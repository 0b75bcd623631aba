"""The decisions page of an assembly: every closed poll with its outcome in words, newest first, paginated,
as public as the assembly, in a bounded number of queries."""

from __future__ import annotations

import gzip
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from assemblies.roadmap.models import Item, RoadmapVersion
from assemblies.roadmap.services import contributions
from polls import selectors, services
from tests import factories
from tests.polls import pollkit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return pollkit.world(members=3)


def closed_motion(assembly, convenor, people, *, title, choice=None, kind="plurality", at=None):
    poll = pollkit.make_poll(assembly, convenor, kind=kind, title=title, at=at)
    poll, _ = pollkit.open_poll(poll, convenor, at=at)
    if choice is not None:
        for person in people:
            services.cast_roll_call(poll=poll, user=person, choice=choice, now=pollkit.now())
    return pollkit.close(poll)


def adopted_amendment(
    assembly, convenor, people, ref="DIG-2", text="Build democratic values and open validation processes."
):
    item = Item.objects.select_related("roadmap", "space__assembly").get(roadmap__assembly=assembly, ref=ref)
    amendment = factories.amend(people[0], item, text)
    amendment = contributions.table(contribution=amendment, by=convenor, now=pollkit.now())
    subject = selectors.subject_for_contribution(amendment)
    poll = pollkit.make_poll(
        assembly,
        convenor,
        title=f"Adopt the rewording of {ref}",
        subject_type=subject.type,
        subject_refs=subject.refs,
        contributions=subject.contributions,
        options=subject.options,
        space=subject.space,
    )
    poll, _ = pollkit.open_poll(poll, convenor)
    for person in people:
        services.cast_roll_call(poll=poll, user=person, choice="yes", now=pollkit.now())
    return pollkit.close(poll), amendment


def url(assembly, page=None):
    return reverse("assembly_decisions", args=[assembly.slug]) + (f"?page={page}" if page else "")


def test_anyone_reads_the_decisions_of_a_public_assembly_in_words_newest_first(world, client):
    assembly, convenor, people, _ = world
    pollkit.make_poll(assembly, convenor, title="A draft that decided nothing")
    election = closed_motion(assembly, convenor, people, title="Elect the facilitator", choice="seed-library")
    motion = closed_motion(assembly, convenor, people, title="Meet monthly", kind="yes-no-abstain", choice="no")
    adoption, amendment = adopted_amendment(assembly, convenor, people)

    response = client.get(url(assembly))
    assert response.status_code == 200
    page = response.content.decode()
    assert "A draft that decided nothing" not in page
    assert "Winner: Seed library" in page and "Not passed" in page and "Passed" in page
    # Most recently closed first (each was closed a second after its closing time, in this order).
    assert page.index("Adopt the rewording of DIG-2") < page.index("Meet monthly") < page.index("Elect the facilitator")
    version = RoadmapVersion.objects.get(contribution=amendment)
    assert reverse("roadmap_version", args=[assembly.slug, version.number]) in page
    assert reverse("contribution", args=[assembly.slug, amendment.pk]) in page
    for poll in (election, motion, adoption):
        assert reverse("poll_results", args=[poll.public_id]) in page
    assert url(assembly) in client.get(reverse("assembly", args=[assembly.slug])).content.decode()


def test_a_members_only_assembly_hides_its_decisions_from_everyone_else(client):
    assembly, convenor, people, observer = pollkit.world(members=3, visibility="members")
    closed_motion(assembly, convenor, people, title="A private resolution", choice="solar-co-op")
    assert client.get(url(assembly)).status_code == 404
    outsider = Client()
    outsider.force_login(factories.user("Outsider"))
    assert outsider.get(url(assembly)).status_code == 404
    member = Client()
    member.force_login(observer)
    response = member.get(url(assembly))
    assert response.status_code == 200 and "A private resolution" in response.content.decode()


def test_the_decisions_are_paginated(world, client):
    assembly, convenor, people, _ = world
    start = pollkit.now() - timedelta(days=30)
    for number in range(22):
        closed_motion(
            assembly, convenor, people, title=f"Motion number {number:02d}", at=start + timedelta(hours=number)
        )
    first, second = client.get(url(assembly)).content.decode(), client.get(url(assembly, 2)).content.decode()
    assert "Motion number 21" in first and "Motion number 02" in first and "Motion number 01" not in first
    assert "Motion number 01" in second and "Motion number 00" in second and "Motion number 21" not in second
    assert "No ballot was cast" in first


def test_the_page_reads_a_bounded_number_of_queries_and_stays_light(world, client, django_assert_max_num_queries):
    assembly, convenor, people, _ = world

    def queries():
        with django_assert_max_num_queries(12) as captured:
            response = client.get(url(assembly), HTTP_ACCEPT_ENCODING="gzip")
        assert response.status_code == 200
        body = response.content if response.get("Content-Encoding") == "gzip" else gzip.compress(response.content)
        assert len(body) < 14 * 1024
        return len(captured)

    adopted_amendment(assembly, convenor, people)
    closed_motion(assembly, convenor, people, title="One", choice="solar-co-op")
    few = queries()
    for number in range(6):
        closed_motion(assembly, convenor, people, title=f"More {number}", choice="solar-co-op")
    adopted_amendment(assembly, convenor, people, ref="DIG-3", text="Fight the digital divide everywhere.")
    assert queries() == few


def test_a_priorities_decision_names_the_order_and_the_version_it_created(world, client):
    from tests.polls.test_outcomes import PRIORITY_BALLOTS, priorities_poll, vote_all

    assembly, convenor, people, _ = world
    poll, _ = pollkit.open_poll(priorities_poll(assembly, convenor, kind="dot", title="Our priorities"), convenor)
    vote_all(poll, people, PRIORITY_BALLOTS["dot"][:3])
    pollkit.close(poll)
    version = RoadmapVersion.objects.get(roadmap__assembly=assembly, kind=RoadmapVersion.Kind.PRIORITIES)
    page = client.get(url(assembly)).content.decode()
    assert "Priorities set: 1. DIG-3, 2. DIG-1, 3. DIG-2" in page
    assert reverse("roadmap_version", args=[assembly.slug, version.number]) in page
