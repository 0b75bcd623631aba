"""The roadmap, diff and item pages (and their neighbours) run a bounded number of queries: the same for a
roadmap of 10 items as for one of 80."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from assemblies.membership.services import membership
from assemblies.roadmap.services import contributions
from assemblies.roadmap.services import roadmap as roadmap_services
from tests.frontend.conftest import first_item, generated_roadmap, join, key

pytestmark = pytest.mark.django_db

# Session, user, unread count, assembly, membership, and what the page itself reads.
MAX_QUERIES = 12


def assembly_with(items, people, slug):
    assembly = membership.create_assembly(
        name=f"Assembly {slug}", slug=slug, creator=people.convenor, now=timezone.now()
    )
    join(assembly, [people.ana, people.kofi], by=people.convenor)
    roadmap_services.import_roadmap(
        assembly=assembly, text=generated_roadmap(items), by=people.convenor, now=timezone.now()
    )
    item = first_item(assembly)
    amendment = contributions.propose_amendment(
        author=people.ana,
        item=item,
        base_version=item.roadmap.head,
        change="edit",
        text="Action rewritten by Ana.",
        title="Rewrite",
        submission_key=key(),
        now=timezone.now(),
    )
    contributions.support(contribution=amendment, user=people.kofi, now=timezone.now())
    roadmap_services.edit_item(
        item=item, text="Action number 0, edited.", by=people.convenor, reason="style", now=timezone.now()
    )
    contributions.propose(
        space=item.space,
        author=people.kofi,
        title="More",
        text="Another action.",
        submission_key=key(),
        now=timezone.now(),
    )
    return assembly, item, amendment


def pages(assembly, item, amendment):
    slug = assembly.slug
    return {
        "roadmap": reverse("roadmap", args=[slug]),
        "roadmap page 2": reverse("roadmap", args=[slug]) + "?page=2",
        "version": reverse("roadmap_version", args=[slug, 1]),
        "diff": reverse("roadmap_diff", args=[slug]) + "?from=1&to=2",
        "item": reverse("item", args=[slug, item.ref]),
        "space": reverse("space", args=[slug, item.space.code]),
        "history": reverse("roadmap_history", args=[slug]),
        "contribution": reverse("contribution", args=[slug, amendment.pk]),
        "assembly": reverse("assembly", args=[slug]),
        "amend": reverse("amend_item", args=[slug, item.ref]),
        "export": reverse("roadmap_export", args=[slug, 1, "csv"]),
    }


def count_queries(client, django_assert_max_num_queries, urls):
    counts = {}
    for name, url in urls.items():
        with django_assert_max_num_queries(MAX_QUERIES) as captured:
            assert client.get(url).status_code == 200, name
        counts[name] = len(captured)
    return counts


def test_pages_use_the_same_bounded_number_of_queries_for_10_and_80_items(
    client, people, django_assert_max_num_queries
):
    small = assembly_with(10, people, "small")
    large = assembly_with(80, people, "large")
    client.force_login(people.ana)
    small_counts = count_queries(client, django_assert_max_num_queries, pages(*small))
    large_counts = count_queries(client, django_assert_max_num_queries, pages(*large))
    print(
        "queries per page (10 items / 80 items):",
        {name: (small_counts[name], large_counts[name]) for name in small_counts},
    )
    assert small_counts == large_counts


def test_anonymous_readers_pages_are_bounded_too(client, people, django_assert_max_num_queries):
    small = assembly_with(10, people, "small")
    large = assembly_with(80, people, "large")
    urls = ("roadmap", "diff", "item", "version")
    small_counts = count_queries(
        client, django_assert_max_num_queries, {k: v for k, v in pages(*small).items() if k in urls}
    )
    large_counts = count_queries(
        client, django_assert_max_num_queries, {k: v for k, v in pages(*large).items() if k in urls}
    )
    assert small_counts == large_counts
