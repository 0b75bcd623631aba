"""Every page of the co-construction loop, HTML and stylesheet compressed, weighs under 14 KB on the
example roadmap (the budget of a first visit on a slow connection)."""

from __future__ import annotations

import gzip

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from assemblies.roadmap import selectors as roadmap_selectors
from assemblies.roadmap.models import Item
from assemblies.roadmap.services import contributions, editions
from assemblies.roadmap.services import roadmap as roadmap_services
from tests.frontend.conftest import first_item, key

pytestmark = pytest.mark.django_db

BUDGET = 14 * 1024


def stylesheet_weight() -> int:
    with open(finders.find("frontend/site.css"), "rb") as css:
        return len(gzip.compress(css.read(), compresslevel=9))


def compressed_weight(client, url) -> int:
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200, url
    body = response.content if response.get("Content-Encoding") == "gzip" else gzip.compress(response.content)
    return len(body)


def test_every_page_with_its_stylesheet_stays_under_14_kb_compressed(client, people, assembly, roadmap):
    item = first_item(assembly)
    # An amendment that the editorial changes below put in conflict: its page shows the three-way view.
    amendment = contributions.propose_amendment(
        author=people.ana,
        item=item,
        base_version=roadmap,
        change="edit",
        text="A shorter text.",
        title="Shorter",
        submission_key=key(),
        now=timezone.now(),
    )
    # Ten editorial changes, so that the diff from version 1 to the head has something to show.
    for position, other in enumerate(Item.objects.filter(roadmap__assembly=assembly).order_by("pk")[:10]):
        text = roadmap_selectors.current_text(other)
        roadmap_services.edit_item(
            item=other, text=f"Edited {position}: {text}", by=people.convenor, reason="style", now=timezone.now()
        )
    head = assembly.roadmap.versions.order_by("-number").first().number
    slug = assembly.slug
    edition = editions.publish_edition(
        roadmap=assembly.roadmap,
        version_number=head,
        name="Roadmap 2026",
        notes=editions.release_notes(
            roadmap=assembly.roadmap, version=assembly.roadmap.head, base_url="http://testserver"
        ),
        by=people.convenor,
        now=timezone.now(),
    )
    urls = [
        reverse("home"),
        reverse("assembly", args=[slug]),
        reverse("roadmap", args=[slug]),
        reverse("roadmap", args=[slug]) + "?page=2",
        reverse("roadmap_version", args=[slug, 1]),
        reverse("roadmap_history", args=[slug]),
        reverse("roadmap_diff", args=[slug]) + f"?from=1&to={head}",
        reverse("item", args=[slug, item.ref]),
        reverse("space", args=[slug, item.space.code]),
        reverse("contribution", args=[slug, amendment.pk]),
        reverse("amend_item", args=[slug, item.ref]),
        reverse("assembly_members", args=[slug]),
        reverse("notifications"),
        reverse("roadmap_editions", args=[slug]),
        reverse("roadmap_edition", args=[slug, edition.slug]),
        reverse("roadmap_edition", args=[slug, edition.slug]) + "?page=2",
        reverse("roadmap_edition_new", args=[slug]),
        reverse("my_contributions"),
    ]
    client.force_login(people.convenor)
    css = stylesheet_weight()
    weights = {url: compressed_weight(client, url) + css for url in urls}
    print("compressed weight with the stylesheet, bytes:", weights)
    assert all(weight < BUDGET for weight in weights.values()), weights
