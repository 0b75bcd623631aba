"""No lost or duplicated ballot: hundreds of ballots posted concurrently over HTTP to real Daphne processes on
PostgreSQL and Redis, revotes and duplicate submissions included, and a server process killed with SIGKILL
in the middle of the load and restarted.

Every receipt issued is on the board, each signed ballot is on it exactly once, the chain verifies with the
standalone verifier, the counts are exact, a duplicate is refused with a 409 that says why, and a client that
got no answer can post the same signed ballot again safely.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
from collections import Counter

import pytest

from polls.core import board as B
from polls.core.credentials import derive_credential
from tests.livekit import (
    ROOT,
    _wait_until_healthy,
    http_get,
    live_site,
    post_form,
    start_daphne,
)

from .loadkit import post_all, post_ballot

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

VOTERS = 300
CLIENTS = 30  # HTTP clients at once: each request in flight holds one of PostgreSQL's 100 connections
CHOICES = [["solar-co-op"], ["seed-library"], ["repair-cafe"], ["repair-cafe", "solar-co-op"], []]
DUPLICATE = "This ballot is already on the board"


@pytest.fixture(scope="module")
def site():
    # Every client posts from 127.0.0.1, as a hall on one address: the per-address limit (tested in
    # tests/deliberate/test_hardening.py) would answer most of them 429.
    with live_site(
        servers=2,
        setup=("-m", "tests.reliability.loadkit", "setup", str(VOTERS), "2"),
        extra_env={"DELIBERATE_CASTS_PER_ADDRESS_PER_MINUTE": "100000"},
    ) as running:
        yield running


def ballots(poll: dict, *, firsts: int, revotes: int, duplicates: int, seed: int) -> tuple[list[dict], list[dict]]:
    """(distinct signed bodies, every submission in a shuffled order): `firsts` voters vote, `revotes` of
    them vote again, and `duplicates` bodies are posted a second time, byte for byte."""
    rng = random.Random(seed)
    keys = [derive_credential(code, poll["id"]) for code in poll["codes"][:firsts]]
    distinct = [B.make_ballot_body(poll["id"], poll["fp"], key, rng.choice(CHOICES), signer="voter") for key in keys]
    distinct += [
        B.make_ballot_body(poll["id"], poll["fp"], key, rng.choice(CHOICES), signer="voter") for key in keys[:revotes]
    ]
    submissions = distinct + rng.sample(distinct, duplicates)
    rng.shuffle(submissions)
    return distinct, submissions


def board_lines(site, public_id: str) -> list[bytes]:
    status, text, _cookies = http_get(site.bases[0], f"/polls/{public_id}/board.jsonl", session="")
    assert status == 200
    return [line + b"\n" for line in text.encode().split(b"\n") if line]


def expected_tally(lines: list[bytes]) -> dict:
    """Approval counts from the last ballot of each credential, computed here, not by the verifier."""
    last = {}
    for line in lines:
        entry = json.loads(line)
        if entry["type"] == "ballot":
            last[entry["body"]["cred"]] = entry["body"]["choice"]
    return dict(Counter(option for choice in last.values() for option in choice))


def assert_each_ballot_once(lines: list[bytes], distinct: list[dict]) -> None:
    on_board = Counter(json.loads(line)["body"].get("nonce") for line in lines if b'"type":"ballot"' in line)
    assert set(on_board) == {body["nonce"] for body in distinct}, "a signed ballot is missing from the board"
    assert max(on_board.values()) == 1, "a signed ballot is on the board twice"


def close_and_verify(site, poll: dict, receipts: list[dict], tmp_path, *, voters: int, ballots_total: int) -> None:
    """Close the poll as its convenor over HTTP, then run the standalone verifier on the downloaded board."""
    page = f"/polls/{poll['id']}/"
    response = post_form(site.bases[1], page + "close/", page, session=site.data["convenor"], fields={})
    assert response.status in (302, 303), response.status
    lines = board_lines(site, poll["id"])
    board = tmp_path / f"{poll['id']}.jsonl"
    board.write_bytes(b"".join(lines))
    receipt_files = []
    for receipt in receipts[:20]:  # a sample through the command line; all of them in-process below
        path = tmp_path / f"receipt-{receipt['seq']}.json"
        path.write_text(json.dumps(receipt))
        receipt_files += ["--receipt", str(path)]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "polls.verify",
            str(board),
            "--board-key=" + site.data["board_key"],  # a key may start with "-"
            "--json",
            "--workers",
            "1",
            *receipt_files,
        ],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    report = json.loads(result.stdout)
    assert report["valid"] and not report["open"]
    assert report["counts"]["ballots"] == ballots_total and report["counts"]["counted"] == voters
    tally = {option: count for option, count in report["tally"].items() if count}
    assert tally == expected_tally(lines)
    full = B.verify_board(lines, receipts=receipts, board_key=site.data["board_key"], workers=1)
    assert full.valid and full.receipts_checked == len(receipts)


def test_500_concurrent_casts_lose_nothing_and_count_each_ballot_once(site, tmp_path):
    poll = site.data["polls"][0]
    distinct, submissions = ballots(poll, firsts=VOTERS, revotes=100, duplicates=100, seed=9)
    assert len(submissions) == 500

    answers = post_all(site.bases, poll["id"], submissions, clients=CLIENTS)

    statuses = Counter(answer.status for answer in answers)
    assert statuses == {201: 400, 409: 100}, (
        f"{statuses}; failures: {[(a.status, a.data, a.failure) for a in answers if a.status not in (201, 409)][:3]}"
    )
    assert all(DUPLICATE in answer.data["error"] for answer in answers if answer.status == 409)
    accepted = Counter(submissions[a.index]["nonce"] for a in answers if a.status == 201)
    assert len(accepted) == len(distinct) and set(accepted.values()) == {1}, "each signed ballot is accepted once"
    receipts = [answer.data for answer in answers if answer.status == 201]
    assert len({receipt["seq"] for receipt in receipts}) == 400, "two receipts name the same line"

    lines = board_lines(site, poll["id"])
    assert_each_ballot_once(lines, distinct)
    report = B.verify_board(lines, receipts=receipts, allow_open=True, board_key=site.data["board_key"], workers=1)
    assert report.valid, report.errors
    assert report.receipts_checked == 400
    assert report.counts["ballots"] == 400 and report.counts["counted"] == VOTERS
    assert report.counts["superseded"] == 100
    # Linear: line n is sequence n, each pointing at the line before (the verifier checked the hashes).
    assert [json.loads(line)["seq"] for line in lines] == list(range(len(lines)))

    close_and_verify(site, poll, receipts, tmp_path, voters=VOTERS, ballots_total=400)


def test_a_server_killed_mid_load_loses_no_receipted_ballot_and_retries_are_safe(site, tmp_path):
    poll = site.data["polls"][1]
    distinct, submissions = ballots(poll, firsts=200, revotes=50, duplicates=50, seed=11)
    victim = site.processes[0]
    killed = threading.Event()
    answered = Counter()
    lock = threading.Lock()

    def on_answer(answer):
        with lock:
            answered["n"] += 1
            due = answered["n"] == 60 and not killed.is_set()
            if due:
                killed.set()
        if due:
            os.kill(victim.pid, signal.SIGKILL)  # no clean shutdown: requests in flight are cut

    answers = post_all(site.bases, poll["id"], submissions, clients=CLIENTS, on_answer=on_answer)
    assert killed.is_set()
    victim.wait(timeout=10)
    assert victim.returncode == -signal.SIGKILL
    unanswered = [a for a in answers if a.status is None]
    assert unanswered, "the kill cut no request: nothing was tested"
    assert {a.status for a in answers} <= {201, 409, None}, Counter(a.status for a in answers)
    assert all(DUPLICATE in a.data["error"] for a in answers if a.status == 409)

    # Restart the killed process on its port, then every client without an answer posts the same ballot again.
    port = int(site.bases[0].rsplit(":", 1)[1])
    restarted = start_daphne(site, port)
    _wait_until_healthy(site.bases[0], restarted)
    retries = [post_ballot(site.bases[0], poll["id"], submissions[a.index]) for a in unanswered]
    assert {status for status, _data, _failure in retries} <= {201, 409}, retries[:3]
    assert all(DUPLICATE in data["error"] for status, data, _failure in retries if status == 409)

    receipts = [a.data for a in answers if a.status == 201] + [data for status, data, _f in retries if status == 201]
    accepted = Counter(receipt["tracker"] for receipt in receipts)
    assert set(accepted.values()) == {1}, "a signed ballot was accepted twice"
    lines = board_lines(site, poll["id"])
    assert_each_ballot_once(lines, distinct)  # including those whose answer was lost in the kill
    report = B.verify_board(lines, receipts=receipts, allow_open=True, board_key=site.data["board_key"], workers=1)
    assert report.valid, report.errors
    assert report.receipts_checked == len(receipts)
    assert report.counts["ballots"] == len(distinct) == 250 and report.counts["counted"] == 200
    verdict = site.run("manage.py", "verify_poll", poll["id"])
    assert "VALID (open; " in verdict and "250 ballots" in verdict
    # The server that survived and the one restarted serve the same board.
    status, text, _cookies = http_get(site.bases[1], f"/polls/{poll['id']}/board.jsonl", session="")
    assert status == 200 and text.encode() == b"".join(lines)
