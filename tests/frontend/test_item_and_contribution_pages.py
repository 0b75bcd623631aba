"""The item page (text, history, blame, amendments) and the contribution page (revisions, co-signing,
author and convenor actions)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from assemblies.roadmap import selectors as roadmap_selectors
from assemblies.roadmap.models import Contribution
from assemblies.roadmap.services import contributions
from assemblies.roadmap.services import roadmap as roadmap_services
from tests.frontend.conftest import amend, first_item, key

pytestmark = pytest.mark.django_db


def adopt(contribution, convenor):
    contributions.table(contribution=contribution, by=convenor, now=timezone.now())
    return roadmap_services.adopt(
        contribution=contribution, decision={"note": "agreed"}, by=convenor, now=timezone.now()
    )


def test_item_page_lists_its_changes_newest_first_with_word_diffs(client, people, assembly, roadmap):
    item = first_item(assembly)
    text = roadmap_selectors.current_text(item)
    roadmap_services.edit_item(item=item, text=text + " First.", by=people.convenor, reason="one", now=timezone.now())
    roadmap_services.edit_item(item=item, text=text + " Second.", by=people.convenor, reason="two", now=timezone.now())
    response = client.get(reverse("item", args=[assembly.slug, item.ref]))
    changes = list(response.context["changes"])
    assert [change.state.number for change in changes] == [3, 2, 1]
    assert [change.kind for change in changes] == ["changed", "changed", "added"]
    page = response.content.decode()
    assert '<del><span class="vh">[-</span>First<span class="vh">-]</span></del>' in page
    assert '<ins><span class="vh">{+</span>Second<span class="vh">+}</span></ins>' in page


def test_item_deleted_by_an_amendment_shows_its_history_and_cannot_be_amended(client, people, assembly, roadmap):
    item = first_item(assembly)
    deletion = contributions.propose_amendment(
        author=people.ana,
        item=item,
        base_version=roadmap,
        change="delete",
        text="",
        title="Drop it",
        submission_key=key(),
        now=timezone.now(),
    )
    page = client.get(reverse("contribution", args=[assembly.slug, deletion.pk])).content.decode()
    assert "Deletes the item, which read:" in page
    adopt(deletion, people.convenor)
    client.force_login(people.kofi)
    response = client.get(reverse("item", args=[assembly.slug, item.ref]))
    page = response.content.decode()
    assert "This item is not in the current roadmap (version 2)." in page
    assert reverse("amend_item", args=[assembly.slug, item.ref]) not in page
    assert [change.kind for change in response.context["changes"]] == ["removed", "added"]
    assert response.context["spans"] == []
    assert client.get(reverse("amend_item", args=[assembly.slug, item.ref])).status_code == 409
    diff = client.get(reverse("roadmap_diff", args=[assembly.slug])).content.decode()
    assert "0 changed, 0 added, 1 removed" in diff


def test_item_page_marks_amendments_left_behind_by_a_change_as_in_conflict(client, people, assembly, roadmap):
    item = first_item(assembly)
    amendment = amend(item, people.ana, "Different words altogether.")
    page = client.get(reverse("item", args=[assembly.slug, item.ref])).content.decode()
    assert reverse("contribution", args=[assembly.slug, amendment.pk]) in page and "in conflict" not in page
    roadmap_services.edit_item(item=item, text="Changed meanwhile.", by=people.convenor, reason="r", now=timezone.now())
    assert "in conflict" in client.get(reverse("item", args=[assembly.slug, item.ref])).content.decode()


def test_amendment_whose_changes_overlap_offers_its_own_text_to_rebase(client, people, assembly, roadmap):
    item = first_item(assembly)
    amendment = amend(item, people.ana, "Ana's words.")
    roadmap_services.edit_item(item=item, text="Amara's words.", by=people.convenor, reason="r", now=timezone.now())
    client.force_login(people.ana)
    page = client.get(reverse("contribution", args=[assembly.slug, amendment.pk])).content.decode()
    assert "The two sets of changes overlap" in page
    response = client.get(reverse("contribution_rebase", args=[assembly.slug, amendment.pk]))
    assert response.context["form"]["text"].value() == "Ana's words."


def test_editing_a_proposal_adds_a_revision_with_its_diff(client, people, assembly, roadmap):
    proposal = contributions.propose(
        space=first_item(assembly).space,
        author=people.ana,
        title="Idea",
        text="Share tools.",
        submission_key=key(),
        now=timezone.now(),
    )
    client.force_login(people.ana)
    form = client.get(reverse("contribution_edit", args=[assembly.slug, proposal.pk])).context["form"]
    assert form["text"].value() == "Share tools."
    response = client.post(
        reverse("contribution_edit", args=[assembly.slug, proposal.pk]), {"title": "Idea", "text": "Share open tools."}
    )
    assert response.status_code == 302
    response = client.get(reverse("contribution", args=[assembly.slug, proposal.pk]))
    page = response.content.decode()
    assert "Revision 2" in page and '<ins><span class="vh">{+</span>open <span class="vh">+}</span></ins>' in page
    response = client.post(
        reverse("contribution_edit", args=[assembly.slug, proposal.pk]), {"title": "Idea", "text": "Share open tools."}
    )
    assert response.status_code == 400 and "Nothing was changed." in response.content.decode()


def test_only_the_author_edits_and_withdraws(client, people, assembly, roadmap):
    proposal = contributions.propose(
        space=first_item(assembly).space,
        author=people.ana,
        title="Idea",
        text="Share tools.",
        submission_key=key(),
        now=timezone.now(),
    )
    client.force_login(people.kofi)
    assert client.get(reverse("contribution_edit", args=[assembly.slug, proposal.pk])).status_code == 403
    response = client.post(reverse("contribution_withdraw", args=[assembly.slug, proposal.pk]), follow=True)
    assert "Only the author can withdraw this." in response.content.decode()
    client.force_login(people.ana)
    response = client.post(reverse("contribution_withdraw", args=[assembly.slug, proposal.pk]), follow=True)
    assert "It was withdrawn." in response.content.decode()
    assert Contribution.objects.get().status == "withdrawn"


def test_members_co_sign_and_withdraw_their_co_signature(client, people, assembly, roadmap):
    proposal = contributions.propose(
        space=first_item(assembly).space,
        author=people.ana,
        title="Idea",
        text="Share tools.",
        submission_key=key(),
        now=timezone.now(),
    )
    client.force_login(people.kofi)
    client.post(reverse("contribution_support", args=[assembly.slug, proposal.pk]), {"action": "support"})
    page = client.get(reverse("contribution", args=[assembly.slug, proposal.pk])).content.decode()
    assert "Withdraw my co-signature" in page and "Kofi" in page
    client.post(reverse("contribution_support", args=[assembly.slug, proposal.pk]), {"action": "withdraw"})
    assert not proposal.supports.exists()
    client.force_login(people.ana)
    response = client.post(reverse("contribution_support", args=[assembly.slug, proposal.pk]), follow=True)
    assert "Authors cannot co-sign their own text." in response.content.decode()


def test_members_cannot_table_or_decide(client, people, assembly, roadmap):
    proposal = contributions.propose(
        space=first_item(assembly).space,
        author=people.ana,
        title="Idea",
        text="Share tools.",
        submission_key=key(),
        now=timezone.now(),
    )
    client.force_login(people.kofi)
    response = client.post(reverse("contribution_table", args=[assembly.slug, proposal.pk]), follow=True)
    assert "Only a convenor can table a text for decision." in response.content.decode()
    response = client.post(reverse("contribution_decide", args=[assembly.slug, proposal.pk]), {"outcome": "adopt"})
    assert response.status_code == 403
    assert Contribution.objects.get().status == "open"


def test_a_decision_without_an_outcome_keeps_the_note(client, people, assembly, roadmap):
    proposal = contributions.propose(
        space=first_item(assembly).space,
        author=people.ana,
        title="Idea",
        text="Share tools.",
        submission_key=key(),
        now=timezone.now(),
    )
    contributions.table(contribution=proposal, by=people.convenor, now=timezone.now())
    client.force_login(people.convenor)
    response = client.post(reverse("contribution_decide", args=[assembly.slug, proposal.pk]), {"note": "typed note"})
    assert response.status_code == 400
    assert "typed note" in response.content.decode()
    assert response.context["decision_form"].errors["outcome"]


def test_history_lists_versions_with_kind_author_reason_and_hashes(client, people, assembly, roadmap):
    item = first_item(assembly)
    version = roadmap_services.edit_item(
        item=item, text="New.", by=people.convenor, reason="Typo fixed", now=timezone.now()
    )
    page = client.get(reverse("roadmap_history", args=[assembly.slug])).content.decode()
    assert page.index("v2") < page.index("v1")
    assert "Editorial change" in page and "Typo fixed" in page and "Amara" in page
    assert version.content_hash[:16] in page and version.parent_hash[:16] in page
    assert f"{reverse('roadmap_diff', args=[assembly.slug])}?from=1&amp;to=2" in page


def test_a_deleting_amendment_in_conflict_is_rebased_by_confirming(client, people, assembly, roadmap):
    item = first_item(assembly)
    deletion = contributions.propose_amendment(
        author=people.ana,
        item=item,
        base_version=roadmap,
        change="delete",
        text="",
        submission_key=key(),
        now=timezone.now(),
    )
    roadmap_services.edit_item(item=item, text="Changed meanwhile.", by=people.convenor, reason="r", now=timezone.now())
    client.force_login(people.ana)
    page = client.get(reverse("contribution", args=[assembly.slug, deletion.pk])).content.decode()
    assert "It deletes the item." in page and "can be combined" not in page
    page = client.get(reverse("contribution_rebase", args=[assembly.slug, deletion.pk])).content.decode()
    assert "should still be deleted" in page
    response = client.post(reverse("contribution_rebase", args=[assembly.slug, deletion.pk]), {"text": ""})
    assert response.status_code == 302
    deletion.refresh_from_db()
    assert deletion.base_text == "Changed meanwhile." and contributions.conflict_of(deletion) is None


def test_an_amendment_rebased_with_an_empty_text_keeps_the_form_with_the_error(client, people, assembly, roadmap):
    item = first_item(assembly)
    amendment = amend(item, people.ana, "Ana's words.")
    roadmap_services.edit_item(item=item, text="Amara's words.", by=people.convenor, reason="r", now=timezone.now())
    client.force_login(people.ana)
    response = client.post(reverse("contribution_rebase", args=[assembly.slug, amendment.pk]), {"text": "  "})
    assert response.status_code == 400
    assert response.context["form"].errors["text"] == ["This cannot be empty."]
