"""The co-construction loop through the pages, as people use it: import, propose, amend, conflict,
rebase, table, adopt, and read the result in the diff and the blame."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assemblies.roadmap.models import Contribution, Item, RoadmapVersion, VersionItem
from tests.frontend.conftest import roadmap_text

pytestmark = pytest.mark.django_db

SLUG = "montblanc"


def hidden(response, name):
    return response.context["form"][name].value()


def text_of(ref, number):
    return VersionItem.objects.get(item__ref=ref, item__roadmap__assembly__slug=SLUG, version__number=number).text


@pytest.mark.smoke
def test_import_propose_amend_conflict_rebase_table_adopt_and_read_the_result(client, people, assembly):
    # The convenor imports the roadmap: version 1, with the importer's warnings shown on it.
    client.force_login(people.convenor)
    response = client.post(
        reverse("roadmap_import", args=[SLUG]), {"text": roadmap_text(), "reason": "From the forum's PDF."}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("roadmap_version", args=[SLUG, 1])
    page = client.get(response["Location"]).content.decode()
    assert "Current version: 1" in page and "#s-DIG" in page

    # Ana proposes a new item in the digital space.
    client.force_login(people.ana)
    form = client.get(reverse("propose", args=[SLUG, "DIG"]))
    assert form.status_code == 200
    response = client.post(
        reverse("propose", args=[SLUG, "DIG"]),
        {
            "title": "Open data",
            "text": "Publish the roadmap's data openly.",
            "submission_key": hidden(form, "submission_key"),
        },
    )
    proposal = Contribution.objects.get(kind="proposal")
    assert response.status_code == 302 and response["Location"] == reverse("contribution", args=[SLUG, proposal.pk])

    # Kofi amends DIG-1 against version 1.
    base = text_of("DIG-1", 1)
    prefix, last_word = base.rstrip(".").rsplit(" ", 1)
    amended = f"{prefix} commons, together with the members."
    client.force_login(people.kofi)
    form = client.get(reverse("amend_item", args=[SLUG, "DIG-1"]))
    assert hidden(form, "base_version") == 1
    assert form.context["form"]["text"].value() == base
    response = client.post(
        reverse("amend_item", args=[SLUG, "DIG-1"]),
        {
            "change": "edit",
            "text": amended,
            "title": "With the members",
            "base_version": 1,
            "submission_key": hidden(form, "submission_key"),
        },
    )
    amendment = Contribution.objects.get(kind="amendment")
    assert response.status_code == 302

    # The convenor's editorial change moves the base on: version 2; the amendment is now in conflict.
    client.force_login(people.convenor)
    response = client.post(
        reverse("item_edit", args=[SLUG, "DIG-1"]), {"text": "Editorially " + base, "reason": "House style"}
    )
    assert response.status_code == 302
    assert RoadmapVersion.objects.filter(roadmap__assembly=assembly).count() == 2
    page = client.get(reverse("contribution", args=[SLUG, amendment.pk])).content.decode()
    assert "In conflict" in page
    assert '<ins><span class="vh">{+</span>Editorially ' in page  # base -> current roadmap text

    # Kofi rebases: the form is pre-filled with both changes combined.
    client.force_login(people.kofi)
    form = client.get(reverse("contribution_rebase", args=[SLUG, amendment.pk]))
    merged = form.context["form"]["text"].value()
    assert merged == "Editorially " + amended
    response = client.post(reverse("contribution_rebase", args=[SLUG, amendment.pk]), {"text": merged})
    assert response.status_code == 302
    page = client.get(reverse("contribution", args=[SLUG, amendment.pk])).content.decode()
    assert "In conflict" not in page

    # The convenor tables it, then records the adoption: version 3.
    client.force_login(people.convenor)
    client.post(reverse("contribution_table", args=[SLUG, amendment.pk]))
    response = client.post(
        reverse("contribution_decide", args=[SLUG, amendment.pk]), {"outcome": "adopt", "note": "Plenary of 12 March"}
    )
    assert response.status_code == 302
    head = assembly.roadmap.versions.order_by("-number").first()
    assert head.number == 3 and head.contribution_id == amendment.pk
    page = client.get(reverse("contribution", args=[SLUG, amendment.pk])).content.decode()
    assert "Adopted into version 3" in page
    assert f"{reverse('roadmap_diff', args=[SLUG])}?from=2&amp;to=3" in page

    # The diff pages show the changed words.
    diff = client.get(reverse("roadmap_diff", args=[SLUG]), {"from": 2, "to": 3}).content.decode()
    assert (
        f'<del><span class="vh">[-</span>{last_word}<span class="vh">-]</span></del>'
        '<ins><span class="vh">{+</span>commons, together with the members<span class="vh">+}</span></ins>'
    ) in diff
    diff = client.get(reverse("roadmap_diff", args=[SLUG]), {"from": 1, "to": 2}).content.decode()
    assert '<ins><span class="vh">{+</span>Editorially ' in diff
    assert "1 changed, 0 added, 0 removed" in diff

    # The item's blame gives each change to the version that made it, with its provenance.
    response = client.get(reverse("item", args=[SLUG, "DIG-1"]))
    spans = {text.strip(): number for text, _tail, number in response.context["spans"] if text.strip()}
    assert spans["Editorially"] == 2
    assert spans["commons, together with the members"] == 3
    assert 1 in spans.values()
    page = response.content.decode()
    version_3 = reverse("roadmap_version", args=[SLUG, 3])
    assert f'commons, together with the members</span><sup><a href="{version_3}">v3</a></sup>' in page
    assert f'<a href="{reverse("contribution", args=[SLUG, amendment.pk])}">With the members</a>' in page
    assert "House style" in page

    # Ana's proposal, adopted, becomes a new item of the space.
    client.post(reverse("contribution_table", args=[SLUG, proposal.pk]))
    client.post(reverse("contribution_decide", args=[SLUG, proposal.pk]), {"outcome": "adopt", "note": ""})
    new_item = Item.objects.get(versions__version__number=4, versions__text="Publish the roadmap's data openly.")
    page = client.get(reverse("space", args=[SLUG, "DIG"])).content.decode()
    assert reverse("item", args=[SLUG, new_item.ref]) in page


def test_rejected_text_is_recorded_with_its_note_and_changes_nothing(client, people, assembly, roadmap):
    client.force_login(people.ana)
    form = client.get(reverse("propose", args=[SLUG, "DIG"]))
    client.post(
        reverse("propose", args=[SLUG, "DIG"]),
        {
            "title": "Drop everything",
            "text": "Stop all work.",
            "submission_key": hidden(form, "submission_key"),
        },
    )
    proposal = Contribution.objects.get()
    client.force_login(people.convenor)
    client.post(reverse("contribution_table", args=[SLUG, proposal.pk]))
    response = client.post(
        reverse("contribution_decide", args=[SLUG, proposal.pk]),
        {"outcome": "reject", "note": "No majority"},
        follow=True,
    )
    assert "Recorded: not adopted." in response.content.decode()
    assert "No majority" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == "rejected"
    assert assembly.roadmap.versions.count() == 1


def test_deciding_twice_says_it_was_already_decided(client, people, assembly, roadmap):
    client.force_login(people.ana)
    form = client.get(reverse("propose", args=[SLUG, "DIG"]))
    client.post(
        reverse("propose", args=[SLUG, "DIG"]),
        {
            "title": "Open data",
            "text": "Publish data.",
            "submission_key": hidden(form, "submission_key"),
        },
    )
    proposal = Contribution.objects.get()
    client.force_login(people.convenor)
    client.post(reverse("contribution_table", args=[SLUG, proposal.pk]))
    client.post(reverse("contribution_decide", args=[SLUG, proposal.pk]), {"outcome": "adopt"})
    response = client.post(reverse("contribution_decide", args=[SLUG, proposal.pk]), {"outcome": "adopt"})
    assert response.status_code == 409
    assert "This was already decided: an outcome is applied only once." in response.content.decode()
    assert assembly.roadmap.versions.count() == 2


def test_amending_a_proposal_and_adopting_the_amendment_changes_the_proposal(client, people, assembly, roadmap):
    client.force_login(people.ana)
    form = client.get(reverse("propose", args=[SLUG, "DIG"]))
    client.post(
        reverse("propose", args=[SLUG, "DIG"]),
        {
            "title": "Open data",
            "text": "Publish data.",
            "submission_key": hidden(form, "submission_key"),
        },
    )
    proposal = Contribution.objects.get()
    client.force_login(people.kofi)
    form = client.get(reverse("amend_proposal", args=[SLUG, proposal.pk]))
    assert hidden(form, "base_revision") == 1
    response = client.post(
        reverse("amend_proposal", args=[SLUG, proposal.pk]),
        {
            "change": "edit",
            "text": "Publish open data.",
            "base_revision": 1,
            "submission_key": hidden(form, "submission_key"),
        },
    )
    amendment = Contribution.objects.get(kind="amendment")
    assert response.status_code == 302
    page = client.get(reverse("contribution", args=[SLUG, proposal.pk])).content.decode()
    assert reverse("contribution", args=[SLUG, amendment.pk]) in page
    client.force_login(people.convenor)
    client.post(reverse("contribution_table", args=[SLUG, amendment.pk]))
    response = client.post(reverse("contribution_decide", args=[SLUG, amendment.pk]), {"outcome": "adopt"}, follow=True)
    assert "the proposal&#x27;s text now includes it" in response.content.decode()
    page = client.get(reverse("contribution", args=[SLUG, proposal.pk])).content.decode()
    assert "Publish open data." in page
    assert "amended by #" in page  # the revision history says where revision 2 came from
