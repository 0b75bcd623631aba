"""The audit log page: convenors read it, newest first and paginated; members are refused in plain
words; a private assembly's log is 404 to everyone outside it; it stays within the page budget."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from assemblies.audit.models import AuditEntry
from assemblies.membership.models import Role
from assemblies.membership.services import membership, spaces
from tests.frontend.test_page_weight import BUDGET, compressed_weight, stylesheet_weight

pytestmark = pytest.mark.django_db


def audit_url(assembly) -> str:
    return reverse("assembly_audit", args=[assembly.slug])


def test_a_convenor_reads_the_log_newest_first_with_who_what_and_on_what(client, people, assembly, roadmap):
    space = assembly.spaces.order_by("position").first()
    spaces.set_phase(space=space, by=people.convenor, phase="deliberation", now=timezone.now())
    client.force_login(people.convenor)
    response = client.get(audit_url(assembly))
    assert response.status_code == 200
    html = response.content.decode()
    phase = html.index("Changed the phase of a space")
    role = html.index("Changed a member&#x27;s role")
    created = html.index("Created the assembly")
    assert phase < role < created  # newest first
    assert f'href="{reverse("space", args=[assembly.slug, space.code])}"' in html
    assert "from: Drafting · to: Deliberation" in html
    assert "Amara" in html and "Oscar" in html  # who acted, and on whom


def test_the_assembly_page_links_the_log_for_convenors_only(client, people, assembly):
    client.force_login(people.convenor)
    assert audit_url(assembly) in client.get(reverse("assembly", args=[assembly.slug])).content.decode()
    client.force_login(people.ana)
    assert audit_url(assembly) not in client.get(reverse("assembly", args=[assembly.slug])).content.decode()


def test_the_log_is_paginated(client, people, assembly):
    for number in range(35):
        membership.set_role(
            assembly=assembly,
            by=people.convenor,
            member=people.kofi,
            role=Role.MODERATOR if number % 2 == 0 else Role.MEMBER,
            now=timezone.now(),
        )
    total = AuditEntry.objects.filter(assembly=assembly).count()
    client.force_login(people.convenor)
    first = client.get(audit_url(assembly)).content.decode()
    assert f"<td>{total}</td>" in first and "<td>1</td>" not in first
    assert 'rel="next"' in first
    second = client.get(audit_url(assembly) + "?page=2").content.decode()
    assert "<td>1</td>" in second and f"<td>{total}</td>" not in second


@pytest.mark.parametrize("who", ["ana", "observer"])
def test_members_who_are_not_convenors_are_refused_in_plain_words(client, people, assembly, who):
    membership.set_role(
        assembly=assembly, by=people.convenor, member=people.kofi, role=Role.MODERATOR, now=timezone.now()
    )
    for person in (getattr(people, who), people.kofi):
        client.force_login(person)
        response = client.get(audit_url(assembly))
        assert response.status_code == 403
        assert "Only the convenors of this assembly can read its audit log." in response.content.decode()


def test_anonymous_visitors_of_a_public_assembly_are_sent_to_log_in(client, assembly):
    response = client.get(audit_url(assembly))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_a_private_assemblys_log_is_404_to_outsiders_and_anonymous_visitors(client, people, private_assembly):
    assert client.get(audit_url(private_assembly)).status_code == 404
    client.force_login(people.outsider)
    assert client.get(audit_url(private_assembly)).status_code == 404
    client.force_login(people.ana)
    assert client.get(audit_url(private_assembly)).status_code == 403
    client.force_login(people.convenor)
    assert client.get(audit_url(private_assembly)).status_code == 200


def test_the_log_only_answers_reads(client, people, assembly):
    client.force_login(people.convenor)
    assert client.post(audit_url(assembly)).status_code == 405


def test_a_full_page_of_the_log_stays_under_the_budget(client, people, assembly, roadmap):
    for number in range(40):
        membership.set_role(
            assembly=assembly,
            by=people.convenor,
            member=people.kofi,
            role=Role.MODERATOR if number % 2 == 0 else Role.MEMBER,
            now=timezone.now(),
        )
    client.force_login(people.convenor)
    weight = compressed_weight(client, audit_url(assembly)) + stylesheet_weight()
    print("audit page, compressed with the stylesheet:", weight, "bytes")
    assert weight < BUDGET
