"""Parliamentary order: the amendments tabled against a proposal are decided first, and the proposal's poll
then votes on the text as amended, fixed on the board when it opens."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from assemblies.roadmap.models import Contribution, RoadmapVersion
from assemblies.roadmap.services import contributions, roadmap
from polls import selectors, services
from polls.core.canonical import parse_json
from polls.models import BoardLine, Poll
from tests import factories
from tests.polls import pollkit

pytestmark = pytest.mark.django_db

ORIGINAL = "Publish the assembly's data as open data."
AMENDED = "Publish the assembly's data as open data, in formats anyone can read."


@pytest.fixture
def world():
    return pollkit.world(members=5)


def propose(assembly, author, text=ORIGINAL):
    space = assembly.spaces.get(code="DIG")
    return contributions.propose(
        space=space,
        author=author,
        title="Open data",
        text=text,
        submission_key=factories.submission_key(),
        now=pollkit.now(),
    )


def amend(proposal, author, text=AMENDED, title="Readable formats"):
    proposal.refresh_from_db()
    return contributions.propose_amendment(
        author=author,
        proposal=proposal,
        base_revision=proposal.revision,
        change="edit",
        text=text,
        title=title,
        submission_key=factories.submission_key(),
        now=pollkit.now(),
    )


def table(convenor, *texts):
    return [contributions.table(contribution=text, by=convenor, now=pollkit.now()) for text in texts]


def yes_no_poll(assembly, convenor, contribution):
    subject = selectors.subject_for_contribution(contribution)
    return pollkit.make_poll(
        assembly,
        convenor,
        subject_type=subject.type,
        subject_refs=subject.refs,
        contributions=subject.contributions,
        options=subject.options,
        space=subject.space,
    )


def decide_by_poll(assembly, convenor, people, contribution, choice):
    poll, _ = pollkit.open_poll(yes_no_poll(assembly, convenor, contribution), convenor)
    for person in people:
        services.cast_roll_call(poll=poll, user=person, choice=choice, now=pollkit.now())
    return pollkit.close(poll)


def setup_question(poll) -> str:
    line = BoardLine.objects.get(poll=poll, seq=0)
    return parse_json(bytes(line.data))["body"]["question"]


def test_a_proposal_poll_cannot_open_while_an_amendment_tabled_against_it_is_undecided(world):
    assembly, convenor, people, _ = world
    proposal = propose(assembly, people[0])
    amendment = amend(proposal, people[1])
    proposal, amendment = table(convenor, proposal, amendment)
    poll = yes_no_poll(assembly, convenor, proposal)
    with pytest.raises(services.AmendmentsFirst) as refusal:
        pollkit.open_poll(poll, convenor)
    assert f"#{amendment.pk} “Readable formats” (tabled for decision)" in refusal.value.message
    poll.refresh_from_db()
    assert poll.status == Poll.Status.DRAFT and not BoardLine.objects.filter(poll=poll).exists()


def test_an_amendment_still_open_blocks_too_since_it_could_still_be_tabled_and_adopted(world):
    assembly, convenor, people, _ = world
    proposal = propose(assembly, people[0])
    amendment = amend(proposal, people[1])
    [proposal] = table(convenor, proposal)
    with pytest.raises(services.AmendmentsFirst, match=f"#{amendment.pk}"):
        pollkit.open_poll(yes_no_poll(assembly, convenor, proposal), convenor)
    contributions.withdraw(contribution=amendment, by=people[1], now=pollkit.now())
    poll, _ = pollkit.open_poll(yes_no_poll(assembly, convenor, proposal), convenor)
    assert poll.status == Poll.Status.OPEN and poll.subject_text == ORIGINAL


def test_after_the_amendment_is_adopted_the_proposal_is_voted_and_adopted_as_amended(world):
    assembly, convenor, people, _ = world
    proposal = propose(assembly, people[0])
    amendment = amend(proposal, people[1])
    proposal, amendment = table(convenor, proposal, amendment)
    decide_by_poll(assembly, convenor, people, amendment, "yes")
    amendment.refresh_from_db()
    proposal.refresh_from_db()
    assert amendment.status == Contribution.Status.ADOPTED and proposal.text == AMENDED

    poll, _ = pollkit.open_poll(yes_no_poll(assembly, convenor, proposal), convenor)
    assert poll.subject_text == AMENDED
    question = setup_question(poll)
    assert question.startswith("What do we decide?") and question.endswith(AMENDED)
    assert f"as amended by #{amendment.pk}" in question
    for person in people:
        services.cast_roll_call(poll=poll, user=person, choice="yes", now=pollkit.now())
    poll = pollkit.close(poll)
    proposal.refresh_from_db()
    assert proposal.status == Contribution.Status.ADOPTED
    version = RoadmapVersion.objects.get(contribution=proposal)
    item_ref = roadmap.document_of(version)["provenance"]["item"]
    assert any(
        entry["ref"] == item_ref and entry["text"] == AMENDED
        for section in roadmap.document_of(version)["sections"]
        for entry in section["items"]
    )
    pollkit.assert_valid(poll)


def test_a_rejected_amendment_leaves_the_proposal_as_it_was_and_unblocks_it(world):
    assembly, convenor, people, _ = world
    proposal = propose(assembly, people[0])
    amendment = amend(proposal, people[1])
    proposal, amendment = table(convenor, proposal, amendment)
    decide_by_poll(assembly, convenor, people, amendment, "no")
    poll, _ = pollkit.open_poll(yes_no_poll(assembly, convenor, proposal), convenor)
    assert poll.subject_text == ORIGINAL
    assert setup_question(poll).endswith("The text put to the vote:\n\n" + ORIGINAL)


def test_an_amendment_overtaken_by_an_adopted_one_is_in_conflict_and_never_applied(world, client):
    assembly, convenor, people, _ = world
    proposal = propose(assembly, people[0])
    first = amend(proposal, people[1])
    second = amend(proposal, people[2], text="Publish only what members agree to publish.", title="Consent first")
    proposal, first, second = table(convenor, proposal, first, second)
    decide_by_poll(assembly, convenor, people, first, "yes")
    second.refresh_from_db()
    assert contributions.conflict_of(second) is not None

    # Its own poll cannot open: it could never be applied.
    with pytest.raises(services.AmendmentInConflict, match=f"#{second.pk}"):
        pollkit.open_poll(yes_no_poll(assembly, convenor, second), convenor)
    # The proposal's poll page lists it as in conflict, to be decided first.
    main = yes_no_poll(assembly, convenor, proposal)
    page = client.get(reverse("poll", args=[main.public_id])).content.decode()
    assert f"#{second.pk} Consent first" in page and "in conflict with an adopted amendment" in page
    # A convenor records it as not adopted: the proposal's poll opens, on the first amendment's text.
    roadmap.reject(contribution=second, decision={"note": "Overtaken."}, by=convenor, now=pollkit.now())
    poll, _ = pollkit.open_poll(main, convenor)
    proposal.refresh_from_db()
    assert poll.subject_text == AMENDED == proposal.text


def test_an_overtaken_amendment_already_under_vote_is_rejected_at_the_close_and_not_applied(world):
    assembly, convenor, people, _ = world
    proposal = propose(assembly, people[0])
    first = amend(proposal, people[1])
    second = amend(proposal, people[2], text="Publish only what members agree to publish.", title="Consent first")
    proposal, first, second = table(convenor, proposal, first, second)
    second_poll, _ = pollkit.open_poll(yes_no_poll(assembly, convenor, second), convenor)
    decide_by_poll(assembly, convenor, people, first, "yes")
    for person in people:
        services.cast_roll_call(poll=second_poll, user=person, choice="yes", now=pollkit.now())
    pollkit.close(second_poll)
    second.refresh_from_db()
    proposal.refresh_from_db()
    assert second.status == Contribution.Status.REJECTED and "changed during the vote" in second.decision_note
    assert proposal.text == AMENDED


def test_a_proposal_whose_text_changed_after_the_poll_opened_is_not_adopted(world):
    assembly, convenor, people, _ = world
    [proposal] = table(convenor, propose(assembly, people[0]))
    poll, _ = pollkit.open_poll(yes_no_poll(assembly, convenor, proposal), convenor)
    for person in people:
        services.cast_roll_call(poll=poll, user=person, choice="yes", now=pollkit.now())
    # No service changes a tabled proposal; were anything to, the vote would not cover the new text.
    Contribution.objects.filter(pk=proposal.pk).update(text="A text nobody voted on.")
    pollkit.close(poll)
    proposal.refresh_from_db()
    assert proposal.status == Contribution.Status.REJECTED and "not put to the vote" in proposal.decision_note
    assert not RoadmapVersion.objects.filter(contribution=proposal).exists()


def test_the_poll_page_shows_the_current_text_and_the_amendments_to_decide_first_with_their_polls(world):
    assembly, convenor, people, _ = world
    proposal = propose(assembly, people[0])
    amendment = amend(proposal, people[1])
    proposal, amendment = table(convenor, proposal, amendment)
    amendment_poll = yes_no_poll(assembly, convenor, amendment)
    main = yes_no_poll(assembly, convenor, proposal)
    client = Client()
    client.force_login(convenor)
    page = client.get(reverse("poll", args=[main.public_id])).content.decode()
    assert ORIGINAL.replace("'", "&#x27;") in page or ORIGINAL in page
    assert "Parliamentary order" in page and f"#{amendment.pk} Readable formats" in page
    assert reverse("poll", args=[amendment_poll.public_id]) in page
    assert reverse("poll_open", args=[main.public_id]) not in page  # no button that can only be refused

    response = client.post(reverse("poll_open", args=[main.public_id]))
    assert response.status_code == 409 and f"#{amendment.pk}" in response.content.decode()

    decide_by_poll(assembly, convenor, people, amendment, "yes")
    page = client.get(reverse("poll", args=[main.public_id])).content.decode()
    assert "Parliamentary order" not in page and "in formats anyone can read" in page
    assert reverse("poll_open", args=[main.public_id]) in page
    client.post(reverse("poll_open", args=[main.public_id]))
    page = client.get(reverse("poll", args=[main.public_id])).content.decode()
    assert "The text put to the vote" in page and "in formats anyone can read" in page
