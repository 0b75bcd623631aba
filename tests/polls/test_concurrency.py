"""Concurrent casts on PostgreSQL keep one linear chain, with every receipt on it."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from assemblies.membership.models import Role
from polls import services
from tests import factories

from . import pollkit as K

CASTERS = 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_casts_make_one_valid_chain_with_every_receipt_on_it():
    convenor = factories.user("Convenor")
    members = [factories.user(f"Voter {i}") for i in range(CASTERS - 1)]
    assembly = factories.assembly(convenor, members=[(m, Role.MEMBER) for m in members])
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor, kind="approval"), convenor)
    voters = [convenor, *members]
    start = threading.Barrier(CASTERS)
    receipts, errors = [None] * CASTERS, []

    def cast(index):
        try:
            start.wait()
            receipts[index] = services.cast_roll_call(
                poll=poll, user=voters[index], choice=[["solar-co-op"], ["seed-library"], []][index % 3], now=K.now()
            )
        except Exception as error:  # reported below: a thread must not die silently
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=cast, args=(i,)) for i in range(CASTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sorted(r["seq"] for r in receipts) == list(range(1, CASTERS + 1))
    poll.refresh_from_db()
    assert poll.ballot_count == CASTERS and poll.last_seq == CASTERS
    report = K.assert_valid(poll, receipts=receipts)
    assert report.receipts_checked == CASTERS and report.counts["ballots"] == CASTERS
    closed = K.close(poll)
    assert closed.result["counted"] == CASTERS
    K.assert_valid(closed, receipts=receipts)
