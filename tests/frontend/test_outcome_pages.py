"""What people see of outcomes: the life of a proposal or amendment, their own contributions, the
published editions and their form, with private assemblies kept private and queries bounded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assemblies.debates import selectors as debate_selectors
from assemblies.debates.services import debates
from assemblies.membership.models import Role
from assemblies.membership.services import membership
from assemblies.roadmap import selectors
from assemblies.roadmap.models import Edition
from assemblies.roadmap.services import contributions
from assemblies.roadmap.services import roadmap as roadmap_services
from tests import factories
from tests.outcomekit import (
    decided_by_poll,
    item,
    open_poll_on,
    publish,
    tabled_amendment,
)
from tests.polls import pollkit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """(assembly, convenor, [4 members], observer) with the small roadmap, all public."""
    return pollkit.world(members=4)


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def life_url(contribution):
    return reverse("contribution", args=[contribution.space.assembly.slug, contribution.pk])


def in_order(html: str, *parts: str) -> bool:
    positions = [html.find(part) for part in parts]
    return all(position >= 0 for position in positions) and positions == sorted(positions)


# The life of a contribution --------------------------------------------------------------------------------------


def test_an_adopted_amendment_shows_its_life_from_proposal_to_the_version_with_poll_results_and_board(client, world):
    assembly, convenor, people, _ = world
    amendment, poll = decided_by_poll(assembly, convenor, people, ref="DIG-1", text="A clearer text.", title="Clearer")

    html = page(client, life_url(amendment))

    timeline = html[html.index('id="life"') : html.index('id="revisions"')]
    assert in_order(
        timeline,
        "Amendment proposed by Member 0",
        "Tabled for decision",
        "Put to the poll",
        "Adopted into version 2 of the roadmap",
    )
    assert f'href="/polls/{poll.public_id}/results/"' in timeline
    assert f'href="/polls/{poll.public_id}/board.jsonl"' in timeline
    assert f'href="/a/{assembly.slug}/roadmap/diff/?from=1&amp;to=2"' in timeline


def test_a_rejected_amendment_shows_that_it_was_not_adopted_with_the_decision_note(client, world):
    assembly, convenor, people, _ = world
    amendment, poll = decided_by_poll(
        assembly, convenor, people, ref="DIG-2", text="Worse.", title="Worse", passed=False
    )
    timeline = page(client, life_url(amendment)).split('id="life"')[1]
    assert in_order(timeline, "Put to the poll", "Not adopted", amendment.decision_note)
    assert poll.title in amendment.decision_note and "Adopted into" not in timeline.split('id="revisions"')[0]


def test_a_withdrawn_proposal_shows_its_withdrawal_after_its_revision_co_signature_and_debate(client, world):
    assembly, convenor, people, _ = world
    space = assembly.spaces.get(code="DIG")
    at = timezone.now()
    proposal = contributions.propose(
        space=space,
        author=people[0],
        title="Seed library",
        text="Open a seed library.",
        submission_key=factories.submission_key(),
        now=at,
    )
    contributions.edit(
        contribution=proposal,
        editor=people[0],
        title="Seed library",
        text="Open two seed libraries.",
        now=at + timedelta(minutes=1),
    )
    contributions.support(contribution=proposal, user=people[1], now=at + timedelta(minutes=2))
    contributions.support(contribution=proposal, user=people[2], now=at + timedelta(minutes=3))
    debate = debates.debate_for(contribution=proposal, now=at)
    for minute, person in enumerate(people[1:3], start=4):
        debates.post_message(debate=debate, author=person, text="Good idea.", now=at + timedelta(minutes=minute))
    contributions.withdraw(contribution=proposal, by=people[0], now=at + timedelta(minutes=9))

    timeline = page(client, life_url(proposal)).split('id="life"')[1].split('id="revisions"')[0]

    assert in_order(
        timeline,
        "Proposed by Member 0",
        "Revision 2",
        "edited by its author",
        "Co-signed by 2 people",
        "Debated: 2 messages",
        "Withdrawn by its author",
    )
    assert f'href="/a/{assembly.slug}/c/{proposal.pk}/debate/"' in timeline


def test_an_amendment_in_an_open_poll_says_so_with_a_link_to_the_poll(client, world):
    assembly, convenor, people, _ = world
    amendment = tabled_amendment(assembly, convenor, people[0], ref="DIG-3", text="Bridge the divide.", title="Bridge")
    poll, _codes = open_poll_on(amendment, convenor)
    html = page(client, life_url(amendment))
    assert "In a poll now:" in html and f'href="/polls/{poll.public_id}/"' in html
    assert "open now" in html.split('id="life"')[1]
    assert "Not decided yet" not in html


def test_a_long_life_is_summarised_and_the_timeline_takes_a_fixed_number_of_queries(
    world, django_assert_max_num_queries
):
    assembly, convenor, people, _ = world
    space = assembly.spaces.get(code="DIG")
    at = timezone.now()

    def proposal_with(revisions, amendments, messages):
        proposal = contributions.propose(
            space=space, author=people[0], title="P", text="Text 0.", submission_key=factories.submission_key(), now=at
        )
        for number in range(revisions):
            contributions.edit(contribution=proposal, editor=people[0], title="P", text=f"Text {number + 1}.", now=at)
        for number in range(amendments):
            contributions.propose_amendment(
                author=people[1],
                proposal=proposal,
                base_revision=proposal.revision,
                change="edit",
                text=f"Amended {number}.",
                title=f"A{number}",
                submission_key=factories.submission_key(),
                now=at,
            )
        for person in people[1:]:
            contributions.support(contribution=proposal, user=person, now=at)
        debate = debates.debate_for(contribution=proposal, now=at)
        for number in range(messages):
            debates.post_message(
                debate=debate, author=people[number % 4], text=f"Message {number}.", now=at + timedelta(minutes=number)
            )
        proposal.refresh_from_db()
        return proposal

    small, large = proposal_with(1, 1, 1), proposal_with(12, 11, 15)
    counts = []
    for proposal in (small, large):
        proposal = selectors.contribution_in(assembly, proposal.pk)  # as the page reads it
        with django_assert_max_num_queries(4) as captured:
            life = debate_selectors.life_of(proposal)
        counts.append(len(captured))
    assert counts[0] == counts[1]
    kinds = [step.kind for step in life.steps]
    # Thirteen revisions: the original (the "proposed" step), the newest few listed, the others counted.
    assert kinds.count("revised") == debate_selectors.TIMELINE_REVISIONS
    assert ("earlier_revisions", 12 - debate_selectors.TIMELINE_REVISIONS) in [(s.kind, s.number) for s in life.steps]
    assert kinds.count("amendment") == debate_selectors.TIMELINE_AMENDMENTS
    assert ("earlier_amendments", 3) in [(s.kind, s.number) for s in life.steps]
    assert (life.support_count, life.message_count) == (3, 15)


def test_the_contribution_page_runs_as_many_queries_for_a_long_life_as_for_a_short_one(
    client, world, django_assert_max_num_queries
):
    assembly, convenor, people, _ = world
    short = tabled_amendment(assembly, convenor, people[0], ref="DIG-1", text="Short life.", title="Short")
    long_ = contributions.propose_amendment(
        author=people[0],
        item=item(assembly, "DIG-2"),
        base_version=assembly.roadmap.head,
        change="edit",
        text="v0",
        title="Long",
        submission_key=factories.submission_key(),
        now=timezone.now(),
    )
    for number in range(11):
        contributions.edit(
            contribution=long_, editor=people[0], title="Long", text=f"v{number + 1}", now=timezone.now()
        )
    for person in people[1:]:
        contributions.support(contribution=long_, user=person, now=timezone.now())
    long_ = contributions.table(contribution=long_, by=convenor, now=timezone.now())
    open_poll_on(long_, convenor)
    client.force_login(people[1])
    counts = []
    for contribution in (short, long_):
        with django_assert_max_num_queries(16) as captured:
            page(client, life_url(contribution))
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


# My contributions ------------------------------------------------------------------------------------------------


def test_my_contributions_lists_what_i_wrote_and_co_signed_with_what_became_of_each(client, world):
    assembly, convenor, people, _ = world
    author, other = people[0], people[1]
    adopted, _poll = decided_by_poll(assembly, convenor, people, ref="DIG-1", text="Adopted text.", title="Adopted one")
    rejected, _poll = decided_by_poll(
        assembly, convenor, people, ref="DIG-2", text="Rejected text.", title="Rejected one", passed=False
    )
    voting = tabled_amendment(assembly, convenor, author, ref="DIG-3", text="In a poll.", title="Voting one")
    poll, _codes = open_poll_on(voting, convenor)
    mine_open = contributions.propose(
        space=assembly.spaces.get(code="POL"),
        author=author,
        title="Open one",
        text="Still open.",
        submission_key=factories.submission_key(),
        now=timezone.now(),
    )
    theirs = contributions.propose(
        space=assembly.spaces.get(code="POL"),
        author=other,
        title="Theirs",
        text="Someone else's.",
        submission_key=factories.submission_key(),
        now=timezone.now(),
    )
    contributions.support(contribution=theirs, user=author, now=timezone.now())
    client.force_login(author)

    html = page(client, reverse("my_contributions"))

    written, cosigned = html.split('id="authored"')[1].split('id="cosigned"')
    assert "Adopted one" in written and "into version 2 of the roadmap" in written
    assert f"/a/{assembly.slug}/roadmap/diff/?from=1&amp;to=2" in written
    assert "Rejected one" in written and rejected.decision_note in written
    assert "Voting one" in written and f'href="/polls/{poll.public_id}/"' in written
    assert "Open one" in written and f"/c/{mine_open.pk}/" in written
    assert "Theirs" not in written and "Theirs" in cosigned and adopted.title not in cosigned
    assert 'href="/accounts/contributions/"' in page(client, reverse("account_profile"))


def test_my_contributions_needs_a_login_and_hides_assemblies_i_can_no_longer_read(client, people, private_assembly):
    assert client.get(reverse("my_contributions")).status_code == 302
    space = private_assembly.spaces.get(code="DIG")
    contributions.propose(
        space=space,
        author=people.ana,
        title="Council idea",
        text="Private.",
        submission_key=factories.submission_key(),
        now=timezone.now(),
    )
    client.force_login(people.ana)
    assert "Council idea" in page(client, reverse("my_contributions"))
    membership.leave(assembly=private_assembly, user=people.ana, now=timezone.now())
    assert "Council idea" not in page(client, reverse("my_contributions"))


def test_my_contributions_are_paginated_with_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    assembly, convenor, people, _ = world
    space = assembly.spaces.get(code="POL")
    for number in range(23):
        contributions.propose(
            space=space,
            author=people[0],
            title=f"Idea {number}",
            text="An idea.",
            submission_key=factories.submission_key(),
            now=timezone.now(),
        )
    client.force_login(people[0])
    with django_assert_max_num_queries(10):
        first = page(client, reverse("my_contributions"))
    assert "Idea 22" in first and "Idea 2<" not in first and "Page 1 of 2" in first
    assert "Idea 0<" in page(client, reverse("my_contributions") + "?page=2")


# Items lead to the poll that put their text there -------------------------------------------------------------------


def test_from_the_roadmap_an_item_and_then_its_poll_are_two_clicks_away(client, world):
    assembly, convenor, people, _ = world
    _amendment, poll = decided_by_poll(assembly, convenor, people, ref="DIG-1", text="A clearer text.", title="Clearer")
    roadmap_page = page(client, reverse("roadmap", args=[assembly.slug]))
    item_url = reverse("item", args=[assembly.slug, "DIG-1"])
    assert f'href="{item_url}"' in roadmap_page
    item_page = page(client, item_url)
    origin = item_page.split('class="origin"')[1].split("</p>")[0]
    assert "Text from version 2" in origin and f'href="/polls/{poll.public_id}/"' in origin and poll.title in origin
    assert f'href="/polls/{poll.public_id}/board.jsonl"' in page(client, reverse("poll", args=[poll.public_id]))


# Editions -----------------------------------------------------------------------------------------------------------


def test_the_edition_form_is_prefilled_with_generated_notes_and_publishes(client, world):
    assembly, convenor, people, _ = world
    amendment, _poll = decided_by_poll(assembly, convenor, people, ref="DIG-1", text="A clearer text.", title="Clearer")
    client.force_login(convenor)
    url = reverse("roadmap_edition_new", args=[assembly.slug])
    form = page(client, url)
    assert f"http://testserver/a/{assembly.slug}/c/{amendment.pk}/" in form and 'name="version" value="2"' in form

    preview = client.post(url, {"version": "2", "name": "", "notes": "**Bold** news", "action": "preview"})
    html = preview.content.decode()
    assert preview.status_code == 200 and "<strong>Bold</strong> news" in html
    assert "**Bold** news</textarea>" in html and "required." not in html  # previewing checks nothing yet
    assert not Edition.objects.exists()

    response = client.post(url, {"version": "2", "name": "Roadmap 2026", "notes": "Our first edition."})
    assert response.status_code == 302 and response["Location"] == f"/a/{assembly.slug}/roadmap/editions/roadmap-2026/"
    html = page(client, response["Location"])
    assert "Our first edition." in html and "Roadmap 2026" in html
    assert "Roadmap 2026" in page(client, reverse("roadmap_history", args=[assembly.slug]))
    assert "Roadmap 2026" in page(client, reverse("roadmap", args=[assembly.slug]))


def test_the_edition_form_keeps_what_was_typed_when_the_name_is_taken(client, world):
    assembly, convenor, people, _ = world
    publish(assembly, convenor, "Roadmap 2026")
    decided_by_poll(assembly, convenor, people, ref="DIG-1", text="A clearer text.", title="Clearer")
    client.force_login(convenor)
    response = client.post(
        reverse("roadmap_edition_new", args=[assembly.slug]),
        {"version": "2", "name": "ROADMAP 2026", "notes": "My carefully written notes."},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_name_error"' in html and "already named “Roadmap 2026”" in html
    assert 'value="ROADMAP 2026"' in html and "My carefully written notes." in html
    assert Edition.objects.count() == 1


def test_generating_the_notes_again_rewrites_them_for_the_chosen_version(client, world):
    assembly, convenor, people, _ = world
    amendment, _poll = decided_by_poll(assembly, convenor, people, ref="DIG-1", text="A clearer text.", title="Clearer")
    client.force_login(convenor)
    url = reverse("roadmap_edition_new", args=[assembly.slug])
    html = client.post(url, {"version": "1", "name": "Kept", "notes": "old", "action": "generate"}).content.decode()
    assert "Changes up to version 1" in html and f"/c/{amendment.pk}/" not in html and 'value="Kept"' in html
    missing = client.post(url, {"version": "7", "name": "Kept", "notes": "old", "action": "generate"})
    assert missing.status_code == 400 and "no version 7" in missing.content.decode()


def test_only_convenors_reach_the_edition_form(client, world):
    assembly, convenor, people, observer = world
    url = reverse("roadmap_edition_new", args=[assembly.slug])
    assert client.get(url).status_code == 302
    for person in (people[0], observer):
        client.force_login(person)
        assert "Only a convenor can publish" in page(client, url, status=403)
        assert client.post(url, {"version": "1", "name": "Sneaky"}).status_code == 403
    assert not Edition.objects.exists()


def test_a_members_only_assemblys_editions_are_404_to_outsiders(client, people, private_assembly):
    edition = publish(private_assembly, people.convenor, "Council 2026")
    slug = private_assembly.slug
    urls = [
        reverse("roadmap_editions", args=[slug]),
        reverse("roadmap_edition", args=[slug, edition.slug]),
        reverse("roadmap_edition_export", args=[slug, edition.slug, "json"]),
        reverse("roadmap_edition_export", args=[slug, edition.slug, "md"]),
        reverse("roadmap_edition_new", args=[slug]),
    ]
    for user in (None, people.outsider):
        if user is not None:
            client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, url
    client.force_login(people.ana)
    assert "Council 2026" in page(client, urls[1])


def test_edition_pages_take_the_same_number_of_queries_for_small_and_large_histories(
    client, world, django_assert_max_num_queries
):
    assembly, convenor, people, _ = world
    decided_by_poll(assembly, convenor, people, ref="DIG-3", text="Bridge the divide.", title="Bridge")
    first = publish(assembly, convenor, "Small")
    for number in range(6):
        roadmap_services.edit_item(
            item=item(assembly, "DIG-2"), text=f"Edited {number}.", by=convenor, reason="style", now=timezone.now()
        )
    decided_by_poll(assembly, convenor, people, ref="DIG-1", text="A clearer text.", title="Clearer")
    second = publish(assembly, convenor, "Large")
    counts = {}
    for edition in (first, second):
        for name, url in {
            "page": reverse("roadmap_edition", args=[assembly.slug, edition.slug]),
            "json": reverse("roadmap_edition_export", args=[assembly.slug, edition.slug, "json"]),
            "list": reverse("roadmap_editions", args=[assembly.slug]),
        }.items():
            with django_assert_max_num_queries(10) as captured:
                page(client, url)
            counts.setdefault(name, []).append(len(captured))
    assert all(small == large for small, large in counts.values()), counts


def test_a_member_role_cannot_publish_even_through_the_service(world):
    from assemblies.common.errors import NotAllowed

    assembly, convenor, people, _ = world
    membership.set_role(assembly=assembly, by=convenor, member=people[0], role=Role.MODERATOR, now=timezone.now())
    with pytest.raises(NotAllowed):
        publish(assembly, people[0], "By a moderator")


def test_revisions_are_paged_newest_first_each_with_its_diff(client, world):
    assembly, convenor, people, _ = world
    proposal = contributions.propose(
        space=assembly.spaces.get(code="DIG"),
        author=people[0],
        title="P",
        text="Text 1.",
        submission_key=factories.submission_key(),
        now=timezone.now(),
    )
    for number in range(2, 13):
        contributions.edit(
            contribution=proposal, editor=people[0], title="P", text=f"Text {number}.", now=timezone.now()
        )
    first = page(client, life_url(proposal)).split('id="revisions"')[1]
    assert in_order(first, "Revision 12", "Revision 11", "Revision 3")
    assert "Revision 2<" not in first and "The original text." not in first
    assert first.count("<del>") == 10  # revision 3 is compared with revision 2, beyond the page
    second = page(client, life_url(proposal) + "?rpage=2").split('id="revisions"')[1]
    assert in_order(second, "Revision 2", "Revision 1", "The original text.") and "Revision 3" not in second


def test_an_amendment_adopted_into_a_proposal_shows_on_both_lives(client, world):
    assembly, convenor, people, _ = world
    proposal = contributions.propose(
        space=assembly.spaces.get(code="DIG"),
        author=people[0],
        title="Seed library",
        text="Open a seed library.",
        submission_key=factories.submission_key(),
        now=timezone.now(),
    )
    amendment = contributions.propose_amendment(
        author=people[1],
        proposal=proposal,
        base_revision=1,
        change="edit",
        text="Open two seed libraries.",
        title="Two of them",
        submission_key=factories.submission_key(),
        now=timezone.now(),
    )
    amendment = contributions.table(contribution=amendment, by=convenor, now=timezone.now())
    roadmap_services.adopt(
        contribution=amendment, decision={"note": "Agreed in session."}, by=convenor, now=timezone.now()
    )

    amended = page(client, life_url(amendment)).split('id="life"')[1].split('id="revisions"')[0]
    assert "Adopted into the proposal it amends" in amended and f'href="/a/{assembly.slug}/c/{proposal.pk}/"' in amended
    assert "Agreed in session." in amended
    life = page(client, life_url(proposal)).split('id="life"')[1].split('id="revisions"')[0]
    assert in_order(life, "Proposed by Member 0", f"#{amendment.pk} Two of them", "Revision 2")
    assert f"amended by #{amendment.pk}" in life
