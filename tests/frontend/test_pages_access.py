"""Who sees which page: every page answers 200 to the right people; a private assembly is 404 (never 403)
to anyone outside it, sub-pages included; refusals by role and phase are shown in plain words."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from assemblies.membership.models import Phase
from assemblies.membership.rules import PHASE_REFUSALS
from assemblies.membership.services import spaces
from assemblies.roadmap.models import Contribution
from assemblies.roadmap.services import contributions
from tests.frontend.conftest import amend, first_item, key

pytestmark = pytest.mark.django_db


def pages_of(slug, item, contribution, code):
    """Every page of an assembly that a reader (GET) can open, by name."""
    return {
        "assembly": reverse("assembly", args=[slug]),
        "space": reverse("space", args=[slug, code]),
        "roadmap": reverse("roadmap", args=[slug]),
        "history": reverse("roadmap_history", args=[slug]),
        "diff": reverse("roadmap_diff", args=[slug]),
        "version": reverse("roadmap_version", args=[slug, 1]),
        "export_md": reverse("roadmap_export", args=[slug, 1, "md"]),
        "export_json": reverse("roadmap_export", args=[slug, 1, "json"]),
        "export_csv": reverse("roadmap_export", args=[slug, 1, "csv"]),
        "item": reverse("item", args=[slug, item.ref]),
        "contribution": reverse("contribution", args=[slug, contribution.pk]),
        "editions": reverse("roadmap_editions", args=[slug]),
    }


def member_pages_of(slug, item, contribution, code):
    """Pages for people who take part (members; the convenor's pages are checked separately)."""
    return {
        "members": reverse("assembly_members", args=[slug]),
        "propose": reverse("propose", args=[slug, code]),
        "amend_item": reverse("amend_item", args=[slug, item.ref]),
        "leave": reverse("assembly_leave", args=[slug]),
    }


@pytest.fixture
def private_pages(private_assembly, people):
    item = first_item(private_assembly)
    amendment = amend(item, people.ana, "A different text for the council.")
    return item, amendment


def all_private_urls(assembly, item, amendment):
    slug, code = assembly.slug, item.space.code
    urls = {**pages_of(slug, item, amendment, code), **member_pages_of(slug, item, amendment, code)}
    urls.update(
        {
            "join": reverse("assembly_join", args=[slug]),
            "import": reverse("roadmap_import", args=[slug]),
            "edition_new": reverse("roadmap_edition_new", args=[slug]),
            "edit_item": reverse("item_edit", args=[slug, item.ref]),
            "edit": reverse("contribution_edit", args=[slug, amendment.pk]),
            "rebase": reverse("contribution_rebase", args=[slug, amendment.pk]),
            "amend_proposal": reverse("amend_proposal", args=[slug, amendment.pk]),
        }
    )
    return urls


def test_every_page_of_a_public_assembly_opens_for_anonymous_readers(client, people, assembly, roadmap):
    item = first_item(assembly)
    amendment = amend(item, people.ana, "A new text for everyone.")
    for name, url in pages_of(assembly.slug, item, amendment, item.space.code).items():
        assert client.get(url).status_code == 200, name


def test_every_page_opens_for_members_and_the_convenor(client, people, assembly, roadmap):
    item = first_item(assembly)
    amendment = amend(item, people.ana, "A new text for everyone.")
    slug, code = assembly.slug, item.space.code
    client.force_login(people.kofi)
    for name, url in {**pages_of(slug, item, amendment, code), **member_pages_of(slug, item, amendment, code)}.items():
        assert client.get(url).status_code == 200, name
    client.force_login(people.ana)
    for url in (reverse("contribution_edit", args=[slug, amendment.pk]), reverse("notifications")):
        assert client.get(url).status_code == 200
    client.force_login(people.convenor)
    for url in (
        reverse("item_edit", args=[slug, item.ref]),
        reverse("roadmap_import", args=[slug]),
        reverse("assembly_members", args=[slug]),
        reverse("assembly_create"),
        reverse("home"),
    ):
        assert client.get(url).status_code == 200


def test_private_assembly_is_404_on_every_page_for_anonymous_visitors(client, private_assembly, private_pages):
    item, amendment = private_pages
    for name, url in all_private_urls(private_assembly, item, amendment).items():
        assert client.get(url).status_code == 404, name


def test_private_assembly_is_404_on_every_page_for_non_members(client, people, private_assembly, private_pages):
    item, amendment = private_pages
    client.force_login(people.outsider)
    for name, url in all_private_urls(private_assembly, item, amendment).items():
        assert client.get(url).status_code == 404, name


def test_private_assembly_pages_open_for_its_members(client, people, private_assembly, private_pages):
    item, amendment = private_pages
    client.force_login(people.ana)
    slug, code = private_assembly.slug, item.space.code
    for name, url in {**pages_of(slug, item, amendment, code), **member_pages_of(slug, item, amendment, code)}.items():
        assert client.get(url).status_code == 200, name


def test_home_lists_public_assemblies_and_private_ones_only_to_their_members(
    client, people, assembly, private_assembly
):
    assert "Mont Blanc Meetings" in client.get(reverse("home")).content.decode()
    assert "Council" not in client.get(reverse("home")).content.decode()
    client.force_login(people.outsider)
    assert "Council" not in client.get(reverse("home")).content.decode()
    client.force_login(people.ana)
    page = client.get(reverse("home")).content.decode()
    assert "Council" in page and reverse("assembly_create") in page


def test_unknown_slug_ref_version_and_id_are_404(client, people, assembly, roadmap):
    client.force_login(people.convenor)
    for url in (
        reverse("assembly", args=["nowhere"]),
        reverse("space", args=[assembly.slug, "NOPE"]),
        reverse("item", args=[assembly.slug, "NOPE-1"]),
        reverse("roadmap_version", args=[assembly.slug, 99]),
        reverse("roadmap_export", args=[assembly.slug, 99, "json"]),
        reverse("contribution", args=[assembly.slug, 999]),
        reverse("invitation_accept", args=["not-a-token"]),
        reverse("join_link", args=["not-a-token"]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("roadmap_diff", args=[assembly.slug]), {"from": 1, "to": 42}).status_code == 404
    assert client.get(reverse("roadmap_diff", args=[assembly.slug]), {"from": "one"}).status_code == 400


def test_assembly_page_shows_the_callers_role_spaces_and_join_or_leave(client, people, assembly, roadmap):
    client.force_login(people.observer)
    page = client.get(reverse("assembly", args=[assembly.slug])).content.decode()
    assert "Your role: Observer." in page
    assert reverse("assembly_leave", args=[assembly.slug]) in page
    assert reverse("space", args=[assembly.slug, "DIG"]) in page
    assert reverse("roadmap", args=[assembly.slug]) in page
    assert "<strong>forum</strong>" in page  # the description is Markdown
    client.force_login(people.outsider)
    page = client.get(reverse("assembly", args=[assembly.slug])).content.decode()
    assert "Your role" not in page
    assert reverse("assembly_join", args=[assembly.slug]) in page


# Role × phase ------------------------------------------------------------------------------------------


def test_space_page_offers_proposing_in_drafting_to_members(client, people, assembly, roadmap):
    client.force_login(people.ana)
    page = client.get(reverse("space", args=[assembly.slug, "DIG"])).content.decode()
    assert reverse("propose", args=[assembly.slug, "DIG"]) in page


@pytest.mark.parametrize("phase", [Phase.DELIBERATION, Phase.VOTING, Phase.CLOSED])
def test_proposing_and_amending_outside_drafting_are_refused_with_the_phase_reason(
    client, people, assembly, roadmap, phase
):
    item = first_item(assembly)
    spaces.set_phase(space=item.space, by=people.convenor, phase=phase, now=timezone.now())
    reason = str(PHASE_REFUSALS[phase])
    client.force_login(people.ana)
    page = client.get(reverse("space", args=[assembly.slug, item.space.code])).content.decode()
    assert reverse("propose", args=[assembly.slug, item.space.code]) not in page
    assert reason in page
    response = client.get(reverse("propose", args=[assembly.slug, item.space.code]))
    assert response.status_code == 403 and reason in response.content.decode()
    response = client.get(reverse("amend_item", args=[assembly.slug, item.ref]))
    assert response.status_code == 403 and reason in response.content.decode()
    assert reason in client.get(reverse("item", args=[assembly.slug, item.ref])).content.decode()


def test_observers_are_refused_proposing_and_amending_with_the_reason(client, people, assembly, roadmap):
    item = first_item(assembly)
    reason = "Observers can read and follow, but not take part."
    client.force_login(people.observer)
    assert reason in client.get(reverse("space", args=[assembly.slug, item.space.code])).content.decode()
    response = client.get(reverse("propose", args=[assembly.slug, item.space.code]))
    assert response.status_code == 403 and reason in response.content.decode()
    response = client.get(reverse("amend_item", args=[assembly.slug, item.ref]))
    assert response.status_code == 403 and reason in response.content.decode()


def test_non_members_of_a_public_assembly_are_told_they_can_ask_to_join(client, people, assembly, roadmap):
    client.force_login(people.outsider)
    response = client.get(reverse("propose", args=[assembly.slug, "DIG"]))
    assert response.status_code == 403
    assert "Only members of this assembly can take part. You can ask to join." in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in_before_writing(client, assembly, roadmap):
    response = client.get(reverse("propose", args=[assembly.slug, "DIG"]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_only_convenors_see_the_editorial_and_import_pages(client, people, assembly, roadmap):
    item = first_item(assembly)
    client.force_login(people.ana)
    response = client.get(reverse("item_edit", args=[assembly.slug, item.ref]))
    assert response.status_code == 403
    assert "Only a convenor can import the roadmap or make an editorial change." in response.content.decode()
    assert client.get(reverse("roadmap_import", args=[assembly.slug])).status_code == 403
    page = client.get(reverse("item", args=[assembly.slug, item.ref])).content.decode()
    assert reverse("item_edit", args=[assembly.slug, item.ref]) not in page


def test_convenor_changes_the_phase_from_the_space_page(client, people, assembly, roadmap):
    client.force_login(people.convenor)
    page = client.get(reverse("space", args=[assembly.slug, "DIG"])).content.decode()
    assert reverse("space_phase", args=[assembly.slug, "DIG"]) in page
    response = client.post(reverse("space_phase", args=[assembly.slug, "DIG"]), {"phase": "deliberation"}, follow=True)
    assert "The phase was changed." in response.content.decode()
    assert assembly.spaces.get(code="DIG").phase == "deliberation"


def test_members_cannot_change_the_phase(client, people, assembly, roadmap):
    client.force_login(people.ana)
    assert (
        reverse("space_phase", args=[assembly.slug, "DIG"])
        not in client.get(reverse("space", args=[assembly.slug, "DIG"])).content.decode()
    )
    response = client.post(reverse("space_phase", args=[assembly.slug, "DIG"]), {"phase": "closed"}, follow=True)
    assert "Only a convenor can change the phase of a space." in response.content.decode()
    assert assembly.spaces.get(code="DIG").phase == "drafting"


def test_space_page_lists_its_items_and_live_contributions_with_support_counts(client, people, assembly, roadmap):
    item = first_item(assembly)
    amendment = amend(item, people.ana, "Another text.")
    contributions.support(contribution=amendment, user=people.kofi, now=timezone.now())
    proposal = contributions.propose(
        space=item.space, author=people.kofi, title="Withdrawn idea", text="x", submission_key=key(), now=timezone.now()
    )
    contributions.withdraw(contribution=proposal, by=people.kofi, now=timezone.now())
    response = client.get(reverse("space", args=[assembly.slug, item.space.code]))
    page = response.content.decode()
    assert reverse("item", args=[assembly.slug, item.ref]) in page
    assert reverse("contribution", args=[assembly.slug, amendment.pk]) in page
    assert "Withdrawn idea" not in page
    listed = list(response.context["contributions"])
    assert [c.pk for c in listed] == [amendment.pk] and listed[0].support_count == 1
    assert Contribution.objects.count() == 2
