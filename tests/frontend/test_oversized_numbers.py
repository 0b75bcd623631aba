"""Numbers beyond the database's integer range, in paths, query strings and forms, answer 4xx or the
page as if they were absent: never a 500."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


def test_oversized_numbers_never_fail(client, people, assembly, roadmap):
    client.force_login(people.convenor)
    expected = {
        reverse("roadmap_edition_new", args=[assembly.slug]) + f"?version={HUGE}": 200,
        reverse("roadmap_diff", args=[assembly.slug]) + f"?from=1&to={HUGE}": 404,
        reverse("roadmap_version", args=[assembly.slug, int(HUGE)]): 404,
        reverse("contribution", args=[assembly.slug, int(HUGE)]): 404,
        reverse("assembly_decisions", args=[assembly.slug]) + f"?page={HUGE}": 200,
        reverse("assembly_audit", args=[assembly.slug]) + "?page=x": 200,
    }
    assert {url: client.get(url).status_code for url in expected} == expected
    for action in ("generate", "publish"):
        response = client.post(
            reverse("roadmap_edition_new", args=[assembly.slug]),
            {"version": HUGE, "name": "X", "notes": "n", "action": action},
        )
        assert response.status_code == 400
