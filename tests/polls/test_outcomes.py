"""Closing a poll applies its outcome to the roadmap in the same transaction, exactly once."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from assemblies.roadmap import selectors as roadmap_selectors
from assemblies.roadmap.models import Contribution, Item, RoadmapVersion
from assemblies.roadmap.services import contributions, roadmap
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
        assembly,
        convenor,
        kind=kind,
        subject_type=subject.type,
        subject_refs=subject.refs,
        contributions=subject.contributions,
        options=subject.options,
        method=pollkit.METHODS[kind],
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
    assert (decision["poll"], decision["fingerprint"], decision["result_entry"]) == (
        poll.public_id,
        poll.fingerprint,
        poll.result_entry,
    )
    assert version.poll_ref == poll.public_id
    pollkit.assert_valid(poll)


def test_the_result_page_says_what_the_poll_changed_with_links_to_the_text_and_the_version(world, client):
    assembly, convenor, people, _ = world
    amendment = tabled_amendment(assembly, convenor, people[0])
    poll = poll_on(assembly, convenor, selectors.subject_for_contribution(amendment))
    poll, _ = pollkit.open_poll(poll, convenor)
    vote_all(poll, people, ["yes", "yes", "yes", "no", "abstain"])
    poll = pollkit.close(poll)
    version = RoadmapVersion.objects.get(contribution=amendment)

    page = client.get(reverse("poll_results", args=[poll.public_id])).content.decode()
    assert "What it changed" in page
    assert reverse("contribution", args=[assembly.slug, amendment.pk]) in page
    assert reverse("roadmap_version", args=[assembly.slug, version.number]) in page
    assert f"?from={version.number - 1}&amp;to={version.number}" in page


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
    assert roadmap_selectors.current_text(item) == "Second rewording of the item."


def test_keeping_the_current_text_rejects_every_competing_amendment(world):
    assembly, convenor, people, _ = world
    first = tabled_amendment(assembly, convenor, people[0], text="First rewording of the item.")
    second = tabled_amendment(assembly, convenor, people[1], text="Second rewording of the item.")
    poll = poll_on(assembly, convenor, selectors.subject_for_competing_amendments(first.target_item), kind="irv")
    poll, _ = pollkit.open_poll(poll, convenor)
    vote_all(poll, people, [["keep"], ["keep"], ["keep"], [f"c-{first.pk}"]])
    pollkit.close(poll)
    assert set(Contribution.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {
        "rejected"
    }


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
    roadmap.edit_item(
        item=amendment.target_item,
        text="An editorial change made during the vote.",
        by=convenor,
        reason="typo",
        now=pollkit.now(),
    )
    pollkit.close(poll)
    amendment.refresh_from_db()
    assert amendment.status == Contribution.Status.REJECTED
    assert "changed during the vote" in amendment.decision_note
    assert roadmap_selectors.current_text(amendment.target_item) == "An editorial change made during the vote."
    assert Poll.objects.get(pk=poll.pk).status == Poll.Status.CLOSED


# Priorities ---------------------------------------------------------------------------------------------------

PRIORITY_BALLOTS = {
    # Five ballots per method over DIG-1, DIG-2, DIG-3 whose clear order is DIG-3, DIG-1, DIG-2.
    "approval": [["DIG-3"], ["DIG-1", "DIG-3"], ["DIG-3"], ["DIG-1"], ["DIG-2", "DIG-3"]],
    "dot": [{"DIG-3": 5}, {"DIG-1": 3, "DIG-3": 2}, {"DIG-3": 4}, {"DIG-1": 2}, {"DIG-2": 1, "DIG-3": 1}],
    "score": [{"DIG-1": 2, "DIG-2": 0, "DIG-3": 4}] * 4 + [{"DIG-1": 1, "DIG-2": 3, "DIG-3": 3}],
    "majority-judgment": [{"DIG-1": 2, "DIG-2": 0, "DIG-3": 3}] * 4 + [{"DIG-1": 0, "DIG-2": 3, "DIG-3": 1}],
    "schulze": [["DIG-3", "DIG-1", "DIG-2"]] * 3 + [["DIG-1", "DIG-3"], ["DIG-2"]],
}


def priorities_poll(assembly, convenor, *, kind="approval", space_code="DIG", **overrides):
    space = assembly.spaces.get(code=space_code)
    subject = selectors.subject_for_priorities(space)
    return pollkit.make_poll(
        assembly,
        convenor,
        kind=kind,
        subject_type=subject.type,
        subject_refs=subject.refs,
        contributions=[],
        options=subject.options,
        method=pollkit.METHODS[kind],
        space=space,
        **overrides,
    )


def priorities_in_head(assembly) -> dict[str, int | None]:
    from assemblies.roadmap.models import VersionItem

    assembly.roadmap.refresh_from_db()
    return dict(VersionItem.objects.filter(version_id=assembly.roadmap.head_id).values_list("item__ref", "priority"))


@pytest.mark.parametrize("kind", sorted(PRIORITY_BALLOTS))
def test_a_priorities_poll_records_each_items_rank_in_a_new_version_that_names_the_board(world, kind):
    assembly, convenor, people, _ = world
    poll, _ = pollkit.open_poll(priorities_poll(assembly, convenor, kind=kind), convenor)
    vote_all(poll, people, PRIORITY_BALLOTS[kind])
    poll = pollkit.close(poll)

    assert poll.result["outcome"]["ranking"] == ["DIG-3", "DIG-1", "DIG-2"]
    version = RoadmapVersion.objects.get(roadmap__assembly=assembly, kind=RoadmapVersion.Kind.PRIORITIES)
    assert assembly.roadmap.__class__.objects.get(pk=assembly.roadmap.pk).head_id == version.pk
    assert priorities_in_head(assembly) == {"DIG-1": 2, "DIG-2": 3, "DIG-3": 1, "POL-1": None, "POL-2": None}
    provenance = roadmap.document_of(version)["provenance"]
    assert provenance["kind"] == "priorities" and provenance["space"] == "DIG"
    assert provenance["priorities"] == {"DIG-1": 2, "DIG-2": 3, "DIG-3": 1}
    decision = provenance["decision"]
    assert (decision["poll"], decision["fingerprint"], decision["result_entry"]) == (
        poll.public_id,
        poll.fingerprint,
        poll.result_entry,
    )
    assert version.poll_ref == poll.public_id

    # Only the priorities changed: every text is where it was.
    def texts(v):
        return [
            (entry["ref"], entry["text"])
            for section in roadmap.document_of(v)["sections"]
            for entry in section["items"]
        ]

    assert texts(version) == texts(version.parent)
    # The chain, the stored bytes and the query rows (priorities included) all verify.
    call_command("verify_roadmap", assembly=assembly.slug, stdout=StringIO())
    pollkit.assert_valid(poll)


def test_tied_items_are_ranked_by_the_boards_published_tie_order(world):
    from polls.core.tally import tie_order

    assembly, convenor, people, _ = world
    poll, _ = pollkit.open_poll(priorities_poll(assembly, convenor, kind="approval"), convenor)
    # DIG-2 first; DIG-1 and DIG-3 tie.
    vote_all(poll, people, [["DIG-2"], ["DIG-1", "DIG-2"], ["DIG-3"]])
    poll = pollkit.close(poll)
    tied = [
        ref
        for ref in tie_order(bytes.fromhex(poll.result["tiebreak_seed"]), ["DIG-1", "DIG-2", "DIG-3"])
        if ref != "DIG-2"
    ]
    ranks = priorities_in_head(assembly)
    assert ranks["DIG-2"] == 1
    assert (ranks[tied[0]], ranks[tied[1]]) == (2, 3)


def test_items_added_during_the_vote_get_no_priority_and_removed_items_keep_nothing(world):
    assembly, convenor, people, _ = world
    poll, _ = pollkit.open_poll(priorities_poll(assembly, convenor), convenor)
    vote_all(poll, people, PRIORITY_BALLOTS["approval"])
    space = assembly.spaces.get(code="DIG")
    proposal = contributions.propose(
        space=space,
        author=people[0],
        title="Open data",
        text="Publish open data.",
        submission_key=factories.submission_key(),
        now=pollkit.now(),
    )
    contributions.table(contribution=proposal, by=convenor, now=pollkit.now())
    roadmap.adopt(contribution=proposal, decision={"note": "agreed"}, by=convenor, now=pollkit.now())
    item = Item.objects.select_related("roadmap", "space__assembly").get(roadmap__assembly=assembly, ref="DIG-1")
    deletion = contributions.table(
        contribution=factories.amend(people[1], item, "", change="delete"), by=convenor, now=pollkit.now()
    )
    roadmap.adopt(contribution=deletion, decision={"note": "agreed"}, by=convenor, now=pollkit.now())
    pollkit.close(poll)

    ranks = priorities_in_head(assembly)
    assert "DIG-1" not in ranks
    assert (ranks["DIG-3"], ranks["DIG-2"], ranks["DIG-4"]) == (1, 3, None)


def test_closing_a_priorities_poll_twice_creates_one_version(world):
    assembly, convenor, people, _ = world
    poll, _ = pollkit.open_poll(priorities_poll(assembly, convenor), convenor)
    vote_all(poll, people, PRIORITY_BALLOTS["approval"])
    pollkit.close(poll)
    with pytest.raises(services.PollClosed):
        pollkit.close(poll)
    assert RoadmapVersion.objects.filter(roadmap__assembly=assembly, kind=RoadmapVersion.Kind.PRIORITIES).count() == 1
    # The service refuses a second recording of the same decision on its own, too.
    poll.refresh_from_db()
    from assemblies.roadmap.services.roadmap import AlreadyDecided
    from polls.outcomes import decision_of, priority_ranks

    with pytest.raises(AlreadyDecided):
        roadmap.set_priorities(
            space=poll.space, ranks=priority_ranks(poll), decision=decision_of(poll), now=pollkit.now()
        )


def test_a_priorities_poll_without_ballots_sets_no_priority(world):
    assembly, convenor, _people, _ = world
    poll, _ = pollkit.open_poll(priorities_poll(assembly, convenor), convenor)
    head = assembly.roadmap.head_id
    pollkit.close(poll)
    assembly.roadmap.refresh_from_db()
    assert assembly.roadmap.head_id == head


@pytest.mark.parametrize("kind", ["irv", "yes-no-abstain"])
def test_a_priorities_poll_needs_a_method_that_ranks_every_item(world, kind):
    assembly, convenor, _people, _ = world
    space = assembly.spaces.get(code="DIG")
    subject = selectors.subject_for_priorities(space)
    options = subject.options if kind != "yes-no-abstain" else selectors.yes_no_abstain_options()
    with pytest.raises(services.InvalidPoll, match="ranks every item"):
        pollkit.make_poll(
            assembly,
            convenor,
            kind=kind,
            subject_type="priorities",
            subject_refs=subject.refs,
            options=options,
            space=space,
        )


def test_the_space_page_lists_items_by_priority_with_their_rank(world, client):
    assembly, convenor, people, _ = world
    poll, _ = pollkit.open_poll(priorities_poll(assembly, convenor, kind="schulze"), convenor)
    vote_all(poll, people, PRIORITY_BALLOTS["schulze"])
    pollkit.close(poll)
    page = client.get(reverse("space", args=[assembly.slug, "DIG"])).content.decode()
    positions = [page.index(f">{ref}</a>") for ref in ("DIG-3", "DIG-1", "DIG-2")]
    assert positions == sorted(positions)
    assert "priority 1" in page and "priority 3" in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_closing_a_priorities_poll_at_once_create_one_version():
    import threading

    from django.db import connection

    assembly, convenor, people, _ = pollkit.world(members=5)
    poll, _ = pollkit.open_poll(priorities_poll(assembly, convenor), convenor)
    vote_all(poll, people, PRIORITY_BALLOTS["approval"])
    poll.refresh_from_db()
    start = threading.Barrier(2)
    outcomes, errors = [], []

    def close():
        try:
            start.wait()
            outcomes.append(
                services.close_if_due(poll=Poll.objects.get(pk=poll.pk), now=poll.closes_at + timedelta(seconds=1))
            )
        except Exception as error:  # reported below: a thread must not die silently
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=close) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(outcomes) == [False, True]
    versions = RoadmapVersion.objects.filter(roadmap__assembly=assembly, kind=RoadmapVersion.Kind.PRIORITIES)
    assert [v.poll_ref for v in versions] == [poll.public_id]
    assert priorities_in_head(assembly)["DIG-3"] == 1
    from assemblies.membership.models import Notification

    assert Notification.objects.filter(kind="poll_closed", user=convenor).count() == 1


# Conflicts -------------------------------------------------------------------------------------------------------


def test_an_amendment_overtaken_by_an_adopted_one_is_rejected_at_the_close_and_never_applied(world):
    assembly, convenor, people, _ = world
    first = tabled_amendment(assembly, convenor, people[0], text="First rewording of the item.")
    second = tabled_amendment(assembly, convenor, people[1], text="Second rewording of the item.")
    first_poll, _ = pollkit.open_poll(poll_on(assembly, convenor, selectors.subject_for_contribution(first)), convenor)
    second_poll, _ = pollkit.open_poll(
        poll_on(assembly, convenor, selectors.subject_for_contribution(second)), convenor
    )
    vote_all(first_poll, people, ["yes"] * 5)
    vote_all(second_poll, people, ["yes"] * 5)
    pollkit.close(first_poll)
    pollkit.close(second_poll)
    second.refresh_from_db()
    assert second.status == Contribution.Status.REJECTED
    assert "changed during the vote" in second.decision_note
    assert roadmap_selectors.current_text(first.target_item) == "First rewording of the item."
    assert not RoadmapVersion.objects.filter(contribution=second).exists()


def test_a_poll_on_an_amendment_already_overtaken_cannot_open(world):
    assembly, convenor, people, _ = world
    first = tabled_amendment(assembly, convenor, people[0], text="First rewording of the item.")
    second = tabled_amendment(assembly, convenor, people[1], text="Second rewording of the item.")
    poll = poll_on(assembly, convenor, selectors.subject_for_contribution(second))
    roadmap.adopt(contribution=first, decision={"note": "agreed"}, by=convenor, now=pollkit.now())
    with pytest.raises(services.AmendmentInConflict, match=f"#{second.pk}"):
        pollkit.open_poll(poll, convenor)
    assert Poll.objects.get(pk=poll.pk).status == Poll.Status.DRAFT


# Notifications ------------------------------------------------------------------------------------------------------


def notices(user):
    from assemblies.membership.models import Notification

    return list(Notification.objects.filter(user=user).exclude(kind="tabled").values_list("kind", "url", "text"))


def test_every_eligible_voter_and_each_author_and_cosigner_get_one_notice_with_the_result_link(world):
    assembly, convenor, people, observer = world
    item = Item.objects.select_related("roadmap", "space__assembly").get(roadmap__assembly=assembly, ref="DIG-1")
    winner = factories.amend(people[0], item, "A better text for this item.")
    loser = factories.amend(people[2], item, "Another wording.")
    contributions.support(contribution=loser, user=people[3], now=pollkit.now())
    for text in (winner, loser):
        contributions.table(contribution=text, by=convenor, now=pollkit.now())
    poll = poll_on(assembly, convenor, selectors.subject_for_competing_amendments(item), kind="irv")
    poll, _ = pollkit.open_poll(poll, convenor)
    vote_all(poll, people, [[f"c-{winner.pk}"]] * 3 + [[f"c-{loser.pk}"]] * 2)
    poll = pollkit.close(poll)
    results = reverse("poll_results", args=[poll.public_id])

    # Authors and the co-signer are voters too: each gets one notice, about their text, with the result link.
    assert [n[:2] for n in notices(people[0])] == [("adopted", results)]
    assert [n[:2] for n in notices(people[2])] == [("rejected", results)]
    assert [n[:2] for n in notices(people[3])] == [("rejected", results)]
    for voter in (convenor, people[1], people[4]):
        [(kind, url, text)] = notices(voter)
        assert (kind, url) == ("poll_closed", results) and "winner" in text
    assert notices(observer) == []


def test_an_author_of_several_decided_texts_gets_one_notice_naming_each(world):
    assembly, convenor, people, _ = world
    item = Item.objects.select_related("roadmap", "space__assembly").get(roadmap__assembly=assembly, ref="DIG-1")
    first = factories.amend(people[0], item, "A first wording.")
    second = factories.amend(people[0], item, "A second wording.")
    for text in (first, second):
        contributions.table(contribution=text, by=convenor, now=pollkit.now())
    poll, _ = pollkit.open_poll(
        poll_on(assembly, convenor, selectors.subject_for_competing_amendments(item), kind="irv"), convenor
    )
    vote_all(poll, people, [[f"c-{second.pk}"]] * 5)
    pollkit.close(poll)
    [(kind, _url, text)] = notices(people[0])
    assert kind == "decided" and "adopted" in text and "not adopted" in text


def test_a_secret_poll_notifies_every_eligible_member_alike_and_emails_as_each_chose(
    world, django_capture_on_commit_callbacks, mailoutbox
):
    from assemblies.accounts import services as accounts

    assembly, convenor, people, _ = world
    accounts.update_account(user=people[0], display_name="Member 0", language="", notify_by_email="never")
    accounts.update_account(user=people[1], display_name="Member 1", language="", notify_by_email="daily")
    poll, codes = pollkit.open_poll(
        pollkit.make_poll(assembly, convenor, kind="plurality", secrecy="credential"), convenor
    )
    for code in codes[:3]:
        services.cast_with_code(poll=poll, code=code, choice="seed-library", now=pollkit.now())
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        poll = pollkit.close(poll)
    voters = [convenor, *people]
    for voter in voters:
        [(kind, url, text)] = notices(voter)
        assert kind == "poll_closed" and url == reverse("poll_results", args=[poll.public_id])
        assert "Seed library" in text
    emailed = sorted(address for message in mailoutbox for address in message.to)
    assert emailed == sorted(v.email for v in voters if v not in (people[0], people[1]))
