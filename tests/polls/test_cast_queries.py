"""The cast path's cost and its guarantees after making it lean: three statements while the poll's row is
locked (the lock, the line, the head), a replay refused by the database's constraint, and stale poll
objects handled.

These run in real transactions (`transaction=True`), as a request does: a ballot's transaction commits or
rolls back as a whole, and savepoints would otherwise be counted as queries.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from polls import services
from polls.core import board as B
from polls.core.canonical import canonical_bytes
from polls.core.credentials import derive_credential
from polls.models import Poll

from . import pollkit as K

pytestmark = pytest.mark.django_db(transaction=True)


def _ballot(poll, key, choice="yes", signer="server"):
    return B.make_ballot_body(poll.public_id, poll.fingerprint, key, choice, signer=signer)


@pytest.mark.postgres  # the statements counted are PostgreSQL's (SQLite has no FOR UPDATE, logs no BEGIN)
def test_a_cast_locks_the_poll_inserts_its_line_and_moves_the_head_in_three_statements(django_assert_num_queries):
    assembly, convenor, members, _observer = K.world(3)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor), convenor)
    services.cast(poll=poll, body=_ballot(poll, services.custodial_key(poll, members[0].pk)), now=K.now())
    body = _ballot(poll, services.custodial_key(poll, members[1].pk), "no")
    with django_assert_num_queries(5) as captured:
        receipt = services.cast(poll=poll, body=body, now=K.now())
    statements = [query["sql"].split()[0] for query in captured.captured_queries]
    assert statements == ["BEGIN", "SELECT", "INSERT", "UPDATE", "COMMIT"]
    assert captured.captured_queries[1]["sql"].endswith("FOR UPDATE")
    assert receipt["seq"] == 2
    K.assert_valid(poll, receipts=[receipt])


@pytest.mark.postgres
def test_under_revote_none_one_more_query_refuses_a_second_ballot(django_assert_num_queries):
    assembly, convenor, members, _observer = K.world(3)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor, revote="none"), convenor)
    key = services.custodial_key(poll, members[0].pk)
    services.cast(poll=poll, body=_ballot(poll, key), now=K.now())
    with django_assert_num_queries(4):  # BEGIN, the locking read, the credential's earlier ballot, ROLLBACK
        with pytest.raises(services.AlreadyVoted):
            services.cast(poll=poll, body=_ballot(poll, key, "no"), now=K.now())
    assert poll.lines.filter(type="ballot").count() == 1
    K.assert_valid(poll)


@pytest.mark.postgres
def test_the_json_endpoint_casts_with_one_query_besides_the_cast(client, django_assert_num_queries):
    assembly, convenor, _members, _observer = K.world(5)
    poll, codes = K.open_poll(K.make_poll(assembly, convenor, secrecy="credential"), convenor)
    url = reverse("poll_ballots", args=[poll.public_id])

    def post(code, choice):
        body = _ballot(poll, derive_credential(code, poll.public_id), choice, signer="voter")
        return client.post(url, data=canonical_bytes(body), content_type="application/json")

    assert post(codes[0], "yes").status_code == 201
    with django_assert_num_queries(6):  # the poll by its public id, then the cast's transaction
        response = post(codes[1], "abstain")
    assert response.status_code == 201
    K.assert_valid(poll, receipts=[response.json()])


def test_a_replayed_ballot_rolls_its_whole_transaction_back_and_the_next_cast_goes_on():
    assembly, convenor, members, _observer = K.world(3)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor), convenor)
    body = _ballot(poll, services.custodial_key(poll, members[0].pk))
    services.cast(poll=poll, body=body, now=K.now())
    with pytest.raises(services.ReplayedBallot, match="already on the board"):
        services.cast(poll=poll, body=body, now=K.now())
    poll.refresh_from_db()
    assert (poll.last_seq, poll.ballot_count) == (1, 1)
    receipt = services.cast(poll=poll, body=_ballot(poll, services.custodial_key(poll, members[1].pk)), now=K.now())
    assert receipt["seq"] == 2
    K.assert_valid(poll, receipts=[receipt])


def test_a_stale_draft_object_still_casts_once_the_poll_is_open():
    assembly, convenor, members, _observer = K.world(3)
    draft = K.make_poll(assembly, convenor)
    K.open_poll(draft, convenor)
    assert draft.status == "draft"  # the object held before opening was not refreshed
    receipt = services.cast_roll_call(poll=draft, user=members[0], choice="yes", now=K.now())
    assert receipt["seq"] == 1
    body = _ballot(Poll.objects.get(pk=draft.pk), services.custodial_key(draft, members[1].pk))
    assert services.cast(poll=draft, body=body, now=K.now())["seq"] == 2


def test_a_stale_open_object_cannot_cast_after_the_poll_closed():
    assembly, convenor, members, _observer = K.world(3)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor), convenor)
    services.cast_roll_call(poll=poll, user=members[0], choice="yes", now=K.now())
    K.close(Poll.objects.get(pk=poll.pk))
    assert poll.status == "open"  # this object still says open
    with pytest.raises(services.PollClosed):
        services.cast_roll_call(poll=poll, user=members[1], choice="no", now=K.now())
    with pytest.raises(services.PollClosed):
        services.cast(poll=poll, body=_ballot(poll, services.custodial_key(poll, members[1].pk)), now=K.now())
    K.assert_valid(Poll.objects.get(pk=poll.pk))
