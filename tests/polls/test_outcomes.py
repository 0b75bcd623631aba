"""Closing a poll applies its outcome to the roadmap in the same transaction, exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assemblies.models import Contribution, Item, RoadmapVersion
from assemblies.services import contributions, roadmap
from polls import selectors, services
from polls.models import Poll
from tests import factories
from tests.polls import pollkit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return pollkit.world(members=5)


def tabled_amendment(assembly, convenor, author, ref="DIG-1", text="A better text for this item."):
    item = Item.objects.select_related("roadmap", "space__assembly").get(roadmap__assembly=assembly, ref=ref)
    amendment = factories.amend(author, item, text)
    return contributions.table(contribution=amendment, by=convenor, now=pollkit.now())


def poll_on(assembly, convenor, subject, *, kind="yes-no-abstain"):
    return pollkit.make_poll(
        assembly, convenor, kind=kind, subject_type=subject.type, subject_refs=subject.refs,
        contributions=subject.contributions, options=subject.options, method=pollkit.METHODS[kind],
    )


def vote_all(poll, people, choices):
    for person, choice in zip(people, choices):
        services.cast_roll_call(poll=poll, user=person, choice=choice, now=pollkit.now())


@pytest.mark.smoke
def test_a_passed_poll_adopts_the_amendment_into_a_version_that_names_the_board(world):
    assembly, convenor, people, _ = world
    amendment = tabled_amendment(assembly, convenor, people[0])
    poll = poll_on(assembly, convenor, selectors.subject_for_contribution(amendment))
    poll, _ = pollkit.open_poll(poll, convenor)
    vote_all(poll, people, ["yes", "yes", "yes", "no", "abstain"])
    poll = pollkit.close(poll)

    amendment.refresh_from_db()
    assert amendment.status == Contribution.Status.ADOPTED
    version = RoadmapVersion.objects.get(contribution=amendment)
    decision = roadmap.document_of(version)["provenance"]["decision"]
    assert (decision["poll"], decision["fingerprint"], decision["result_entry"]) == (poll.public_id, poll.fingerprint, poll.result_entry)
    assert version.poll_ref == poll.public_id
    pollkit.assert_valid(poll)


def test_a_failed_poll_rejects_the_amendment_and_the_roadmap_does_not_move(world):
    assembly, convenor, people, _ = world
    amendment = tabled_amendment(assembly, convenor, people[0])
    head = assembly.roadmap.head_id
    poll = poll_on(assembly, convenor, selectors.subject_for_contribution(amendment))
    poll, _ = pollkit.open_poll(poll, convenor)
    vote_all(poll, people, ["no", "no", "yes"])
    pollkit.close(poll)
    amendment.refresh_from_db()
    assembly.roadmap.refresh_from_db()
    assert amendment.status == Contribution.Status.REJECTED
    assert assembly.roadmap.head_id == head


def test_competing_amendments_apply_the_winner_and_reject_the_others(world):
    assembly, convenor, people, _ = world
    first = tabled_amendment(assembly, convenor, people[0], text="First rewording of the item.")
    second = tabled_amendment(assembly, convenor, people[1], text="Second rewording of the item.")
    item = first.target_item
    subject = selectors.subject_for_competing_amendments(item)
    poll = poll_on(assembly, convenor, subject, kind="irv")
    poll, _ = pollkit.open_poll(poll, convenor)
    second_id, first_id = f"c-{second.pk}", f"c-{first.pk}"
    vote_all(poll, people, [[second_id, first_id], [second_id], [first_id, "keep"], [second_id, "keep"], ["keep"]])
    pollkit.close(poll)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Contribution.Status.REJECTED, Contribution.Status.ADOPTED)
    assert roadmap.current_text(item) == "Second rewording of the item."


def test_keeping_the_current_text_rejects_every_competing_amendment(world):
    assembly, convenor, people, _ = world
    first = tabled_amendment(assembly, convenor, people[0], text="First rewording of the item.")
    second = tabled_amendment(assembly, convenor, people[1], text="Second rewording of the item.")
    poll = poll_on(assembly, convenor, selectors.subject_for_competing_amendments(first.target_item), kind="irv")
    poll, _ = pollkit.open_poll(poll, convenor)
    vote_all(poll, people, [["keep"], ["keep"], ["keep"], [f"c-{first.pk}"]])
    pollkit.close(poll)
    assert set(Contribution.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {"rejected"}


def test_closing_twice_applies_once(world):
    assembly, convenor, people, _ = world
    amendment = tabled_amendment(assembly, convenor, people[0])
    poll = poll_on(assembly, convenor, selectors.subject_for_contribution(amendment))
    poll, _ = pollkit.open_poll(poll, convenor)
    vote_all(poll, people, ["yes"] * 5)
    pollkit.close(poll)
    with pytest.raises(services.PollClosed):
        pollkit.close(poll)
    assert RoadmapVersion.objects.filter(contribution=amendment).count() == 1


def test_an_amendment_whose_item_changed_during_the_vote_is_not_applied(world):
    assembly, convenor, people, _ = world
    amendment = tabled_amendment(assembly, convenor, people[0])
    poll = poll_on(assembly, convenor, selectors.subject_for_contribution(amendment))
    poll, _ = pollkit.open_poll(poll, convenor)
    vote_all(poll, people, ["yes"] * 5)
    roadmap.edit_item(item=amendment.target_item, text="An editorial change made during the vote.", by=convenor, reason="typo", now=pollkit.now())
    pollkit.close(poll)
    amendment.refresh_from_db()
    assert amendment.status == Contribution.Status.REJECTED
    assert "changed during the vote" in amendment.decision_note
    assert roadmap.current_text(amendment.target_item) == "An editorial change made during the vote."
    assert Poll.objects.get(pk=poll.pk).status == Poll.Status.CLOSED
