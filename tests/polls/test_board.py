"""Writer and verifier of deliberate-board/1 together: polls/core/board.py.

Boards are built with the writer (as the server builds them) and must verify; the writer's helpers
refuse what the verifier would refuse.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import re

import pytest

from polls.core import board as B
from polls.core import tally
from polls.core.canonical import (
    b64u_encode,
    canonical_bytes,
    parse_canonical,
    parse_json,
    sha256_hex,
)
from polls.core.signing import DST_RECEIPT, generate_board_key, public_b64u

from . import boardkit as K
from .boardkit import T0


def independent_weeding(built: K.Built, revote: str):
    """The spec's weeding, written out separately from the verifier's: last ballot per credential."""
    last = {}
    for i, choice in built.ballots:
        if revote == "none":
            assert i not in last
        last.pop(i, None)
        last[i] = choice
    setup = B.load_setup(built.lines[0])
    weights = [setup.weight_of(public_b64u(built.credentials[i])) for i in last]
    return [(choice, w) for choice, w in zip(last.values(), weights)]


@pytest.mark.parametrize("method_name", list(K.METHODS))
@pytest.mark.parametrize("secrecy", ["credential", "roll-call"])
@pytest.mark.parametrize("revote", ["last-counts", "none"])
def test_writer_board_verifies_for_every_method_and_mode(method_name, secrecy, revote):
    built = K.build(method_name, secrecy=secrecy, revote=revote, seed_rng=hash((method_name, secrecy, revote)) % 1000)
    report = B.verify_board(built.lines, receipts=built.receipts, expect_heads=[built.fp, built.writer.head])
    assert report.valid, report.errors
    assert not report.open
    assert report.fp == built.fp == B.entry_hash(built.lines[0])
    assert report.head == built.writer.head == B.entry_hash(built.lines[-1])
    assert report.receipts_checked == len(built.receipts) and report.heads_checked == 2
    assert report.secrecy == secrecy and report.revote == revote and report.method == built.method

    counted = independent_weeding(built, revote)
    assert report.counts == {
        "ballots": len(built.ballots),
        "counted": len(counted),
        "superseded": len(built.ballots) - len(counted),
        "weight": sum(w for _, w in counted),
    }
    expected_tally, expected_outcome = tally.compute(
        built.method, built.option_ids, counted, seed=built.seed, eligible_weight=report.eligible["weight"]
    )
    assert report.tally == expected_tally and report.outcome == expected_outcome
    published = parse_json(built.lines[-1])["body"]
    assert published["tally"] == expected_tally and published["tiebreak_seed"] == built.seed.hex()


def test_hand_counted_weighted_approval_with_a_revote():
    board_key, issuer = generate_board_key("b"), generate_board_key("i")
    voters = [K.derive_credential(K.new_voting_code(), "poll-w") for _ in range(3)]
    seed = bytes(32)
    body = K.setup_body(
        "poll-w", method={"kind": "approval", "min": 1, "max": 2}, option_ids=["o1", "o2", "o3"],
        secrecy="credential", revote="last-counts", board_key=board_key, issuer_key=issuer,
        credentials=voters, weights=[1, 2, 3], seed=seed,
    )  # fmt: skip
    writer = B.BoardWriter("poll-w", board_key)
    writer.setup(body)
    writer.cast(voters[0], ["o1"])
    writer.cast(voters[1], ["o1", "o2"])
    writer.cast(voters[2], ["o2"])
    writer.cast(voters[2], ["o3"], signer="server")  # supersedes the previous one
    writer.close(T0)
    result = writer.result(seed)
    assert result["tally"] == {"o1": 3, "o2": 2, "o3": 3}
    assert (result["counted"], result["superseded"], result["weight"]) == (3, 1, 6)
    report = B.verify_board(writer.lines)
    assert report.valid and report.counts == {"ballots": 4, "counted": 3, "superseded": 1, "weight": 6}


def test_entry_bytes_are_canonical_and_chained():
    built = K.build("plurality")
    prev = B.GENESIS_PREV
    for seq, line in enumerate(built.lines):
        entry = parse_canonical(line[:-1])
        assert list(entry) == ["body", "poll", "prev", "seq", "type", "v"]
        assert (entry["seq"], entry["prev"], entry["v"]) == (seq, prev, 1)
        prev = B.entry_hash(line)
        assert prev == B.entry_hash(line[:-1]) == sha256_hex(line[:-1])


def test_make_entry_refuses_what_the_format_forbids():
    key = generate_board_key("b")
    with pytest.raises(B.BoardError, match="line 0"):
        B.make_entry("p", 3, "a" * 64, "setup", {}, board_key=key)
    with pytest.raises(B.BoardError, match="line 0"):
        B.make_entry("p", 0, B.GENESIS_PREV, "close", {"time": "2026-06-01T08:00:00Z"}, board_key=key)
    with pytest.raises(B.BoardError, match="signed by the board key"):
        B.make_entry("p", 1, "a" * 64, "close", {"time": "2026-06-01T08:00:00Z"})
    with pytest.raises(B.BoardError, match="unsigned"):
        B.make_entry("p", 1, "a" * 64, "close", {"time": "x", "sig": "y"}, board_key=key)
    with pytest.raises(B.BoardError, match="unknown entry type"):
        B.make_entry("p", 1, "a" * 64, "note", {}, board_key=key)
    with pytest.raises(B.BoardError, match="prev"):
        B.make_entry("p", 1, "A" * 64, "close", {"time": "2026-06-01T08:00:00Z"}, board_key=key)


def test_board_signed_entries_sign_the_entry_without_body_sig():
    key = generate_board_key("b")
    line = B.make_entry("p", 5, "b" * 64, "close", B.make_close_body(T0), board_key=key)
    entry = parse_canonical(line)
    sig = entry["body"].pop("sig")
    from polls.core.signing import DST_BOARD, verify

    assert verify(key.public, DST_BOARD, entry, sig)


# --- Ballots: the server's gate -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def poll():
    built = K.build("approval", close=False, checkpoints=False, voters=3, revotes=0, abstainers=1)
    return built, B.load_setup(built.lines[0])


def test_check_ballot_accepts_a_good_ballot_in_every_setup_form(poll):
    built, setup = poll
    body = B.make_ballot_body(built.poll, built.fp, built.credentials[0], ["opt-1"], signer="voter")
    B.check_ballot(setup, built.fp, body)
    B.check_ballot(built.lines[0], built.fp, body)
    B.check_ballot(built.lines[0][:-1], built.fp, body)
    B.check_ballot(parse_json(built.lines[0]), built.fp, body)
    B.check_ballot(parse_json(built.lines[0])["body"], built.fp, body, poll_id=built.poll)
    with pytest.raises(B.InvalidSetup, match="poll_id"):
        B.check_ballot(parse_json(built.lines[0])["body"], built.fp, body)


def _resign(key, body):
    """Sign a ballot body as given (even a malformed one) with ``key`` as its credential: what a
    voter's device could send."""
    from polls.core.signing import DST_BALLOT

    unsigned = {k: v for k, v in body.items() if k != "sig"}
    unsigned["cred"] = public_b64u(key)
    return dict(unsigned, sig=b64u_encode(key.sign(DST_BALLOT + canonical_bytes(unsigned))))


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda b, k: _resign(k, dict(b, poll="poll-other")), "for poll"),
        (lambda b, k: _resign(k, dict(b, fp="0" * 64)), "fingerprint"),
        (lambda b, k: _resign(K.derive_credential(K.new_voting_code(), "x"), b), "not in the eligibility list"),
        (lambda b, k: _resign(k, dict(b, choice=["opt-2", "opt-1"])), "invalid choice"),
        (lambda b, k: _resign(k, dict(b, choice=["opt-9"])), "invalid choice"),
        (lambda b, k: _resign(k, dict(b, choice=["opt-1", "opt-2", "opt-3", "opt-4"])), "at most 3"),
        (lambda b, k: dict(b, choice=["opt-2"]), "signature does not verify"),
        (lambda b, k: _resign(k, dict(b, nonce=b["nonce"] + "A")), "nonce"),
        (lambda b, k: _resign(k, dict(b, nonce=b["nonce"][:-1] + "B")), "nonce"),
        (lambda b, k: _resign(k, dict(b, signer="proxy")), "signer"),
        (lambda b, k: _resign(k, dict(b, time="2026-06-01T08:00:00Z")), "unknown member 'time'"),
        (lambda b, k: _resign(k, {x: y for x, y in b.items() if x != "nonce"}), "lacks 'nonce'"),
        (lambda b, k: dict(b, sig=b["sig"] + "=="), "signature (sig)"),
        (lambda b, k: "ballot", "JSON object"),
    ],
)
def test_check_ballot_refuses_with_a_plain_reason(poll, change, reason):
    built, setup = poll
    key = built.credentials[0]
    good = B.make_ballot_body(built.poll, built.fp, key, ["opt-1"], signer="voter")
    bad = change(good, key)
    with pytest.raises(B.InvalidBallot, match=re.escape(reason)):
        B.check_ballot(setup, built.fp, bad)


def test_make_ballot_body_refuses_a_bad_signer_or_nonce(poll):
    built, _ = poll
    with pytest.raises(B.InvalidBallot):
        B.make_ballot_body(built.poll, built.fp, built.credentials[0], ["opt-1"], signer="robot")
    with pytest.raises(B.InvalidBallot):
        B.make_ballot_body(built.poll, built.fp, built.credentials[0], ["opt-1"], signer="voter", nonce=b"short")
    body = B.make_ballot_body(built.poll, built.fp, built.credentials[0], [], signer="server", nonce=bytes(16))
    assert body["nonce"] == "AAAAAAAAAAAAAAAAAAAAAA"


def test_tracker_is_five_groups_of_base32_from_the_signed_body(poll):
    built, _ = poll
    body = B.make_ballot_body(built.poll, built.fp, built.credentials[0], ["opt-1"], signer="voter")
    code = B.tracker(body)
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){4}", code)
    import base64
    import hashlib

    assert code.replace("-", "") == base64.b32encode(hashlib.sha256(canonical_bytes(body)).digest()).decode()[:20]
    assert B.tracker(dict(body, nonce=b64u_encode(bytes(16)))) != code


# --- Setup ---------------------------------------------------------------------------------------------------------


def _setup_args(**changes):
    board_key, issuer = generate_board_key("b"), generate_board_key("i")
    keys = [K.derive_credential(K.new_voting_code(), "p") for _ in range(3)]
    args = dict(
        title="T", question="Q", assembly={"slug": "s", "name": "n"}, subject={"type": "motion", "refs": []},
        options=[{"id": o, "label": o} for o in ("yes", "no", "abstain")],
        method={"kind": "yes-no-abstain", "threshold": {"num": 1, "den": 2}, "base": "cast", "quorum": 0},
        secrecy="credential", revote="none", opens=T0, closes="2026-06-03T08:00:00Z",
        tiebreak_commit=B.tiebreak_commit(bytes(32)), board_key=board_key,
        credentials=[(public_b64u(k), 1) for k in keys], issuer=issuer,
    )  # fmt: skip
    args.update(changes)
    return args


def test_make_setup_body_sorts_counts_and_signs():
    args = _setup_args(credentials=[("zz" + "A" * 41, 2), ("-" + "A" * 42, 1), ("A" * 43, 4)])
    body = B.make_setup_body("p", **args)
    pubs = [c["pub"] for c in body["eligibility"]["credentials"]]
    assert pubs == sorted(pubs) and pubs[0].startswith("-")
    assert (body["eligibility"]["count"], body["eligibility"]["weight"]) == (3, 7)
    setup = B.load_setup(body, poll_id="p")
    assert setup.weight_of("A" * 43) == 4 and setup.weight_of("B" * 43) is None


def test_setup_from_a_separate_credential_authority():
    issuer = generate_board_key("authority")
    args = _setup_args()
    creds = sorted(({"pub": p, "w": w} for p, w in args["credentials"]), key=lambda c: c["pub"])
    signed = B.sign_eligibility(issuer, "p", creds)
    B.make_setup_body("p", **dict(args, issuer=signed))
    with pytest.raises(B.InvalidSetup, match="issuer.sig does not verify"):
        B.make_setup_body("q", **dict(args, issuer=signed))  # signed for another poll


@pytest.mark.parametrize(
    "changes, reason",
    [
        (dict(credentials=[("A" * 43, 1, {"id": "m", "name": "M"})]), "must not name members"),
        (dict(secrecy="roll-call"), "names the member"),
        (dict(credentials=[("A" * 43, 1), ("A" * 43, 2)]), "repeats"),
        (dict(credentials=[("A" * 42 + "B", 1)]), "trailing bits"),
        (dict(credentials=[("A" * 43, 0)]), "at least 1"),
        (dict(credentials=[("A" * 43, True)]), "integer"),
        (dict(method={"kind": "approval", "min": 0, "max": 9}), "body.method"),
        (dict(method={"kind": "irv", "seats": 1}), "seats"),
        (dict(options=[{"id": "yes", "label": "y"}, {"id": "no", "label": "n"}]), "yes-no-abstain"),
        (dict(subject={"type": "vote", "refs": []}), "subject.type"),
        (dict(closes="2026-02-30T08:00:00Z"), "closes"),
        (dict(secrecy="secret"), "secrecy"),
        (dict(revote="first-counts"), "revote"),
        (dict(tiebreak_commit="ABC"), "tiebreak_commit"),
    ],
)
def test_make_setup_body_refuses_what_the_verifier_refuses(changes, reason):
    with pytest.raises((B.InvalidSetup, B.BoardError), match=re.escape(reason)):
        B.make_setup_body("p", **_setup_args(**changes))


def test_result_needs_the_committed_seed_and_respects_revote_none():
    built = K.build("yes-no-abstain", revote="none", close=False)
    setup = B.load_setup(built.lines[0])
    with pytest.raises(B.BoardError, match="tiebreak_commit"):
        B.make_result_body(setup, built.writer.ballots, bytes(32))
    with pytest.raises(B.BoardError, match="no revote"):
        B.make_result_body(setup, built.writer.ballots + built.writer.ballots[:1], built.seed)


# --- Open boards, receipts, heads -------------------------------------------------------------------------------------


def test_open_board_needs_allow_open_and_checks_receipts_in_the_middle():
    built = K.build("schulze", close=False)
    report = B.verify_board(built.lines, receipts=built.receipts)
    assert not report.valid and report.open
    assert report.errors[0][0] is None and "open" in report.errors[0][1]
    report = B.verify_board(built.lines, receipts=built.receipts, allow_open=True)
    assert report.valid and report.open and report.tally is None and report.outcome is None
    assert report.receipts_checked == len(built.receipts)
    assert report.counts["ballots"] == len(built.ballots)


def test_closed_board_without_result_is_open_result_pending():
    built = K.build("dot", result=False)
    assert not B.verify_board(built.lines).valid
    report = B.verify_board(built.lines, allow_open=True)
    assert report.valid and report.open


def test_checkpoints_after_the_result_are_allowed():
    built = K.build("score", trailing_checkpoint=True)
    report = B.verify_board(built.lines)
    assert report.valid and report.checkpoints == 3


def test_expect_heads():
    built = K.build("irv")
    heads = [B.entry_hash(line) for line in built.lines]
    report = B.verify_board(built.lines, expect_heads=heads)
    assert report.valid and report.heads_checked == len(heads)
    report = B.verify_board(built.lines, expect_heads=["ab" * 32])
    assert not report.valid and report.errors == [
        (None, f"expected head {'ab' * 32} is not the entry hash of any line of the board")
    ]
    with pytest.raises(ValueError):
        B.verify_board(built.lines, expect_heads=["AB" * 32])


def _signed_receipt(key, **fields):
    receipt = dict(fields)
    receipt.pop("sig", None)
    receipt["sig"] = key.sign(DST_RECEIPT, receipt)
    return receipt


def test_receipt_checks(tmp_path):
    built = K.build("approval")
    good = built.receipts[0]
    key = built.board_key
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(good, indent=2))  # a receipt file need not be canonical
    report = B.verify_board(built.lines, receipts=[path, ("mine", json.dumps(good).encode()), good])
    assert report.valid and report.receipts_checked == 3

    checkpoint_seq = next(i for i, e in enumerate(K.entries(built.lines)) if e["type"] == "checkpoint")
    cases = {
        "kid": _signed_receipt(key, **dict(good, kid="other-kid")),
        "not a ballot": _signed_receipt(
            key, **dict(good, seq=checkpoint_seq, entry=B.entry_hash(built.lines[checkpoint_seq]))
        ),
        "tracker": _signed_receipt(key, **dict(good, tracker="AAAA-AAAA-AAAA-AAAA-AAAA")),
        "missing from the board": _signed_receipt(key, **dict(good, entry="ab" * 32)),
        "signature": _signed_receipt(generate_board_key("board-test"), **good),
        "for poll": _signed_receipt(key, **dict(good, poll="other")),
        "fingerprint": _signed_receipt(key, **dict(good, fp="cd" * 32)),
        "lacks": {k: v for k, v in good.items() if k != "tracker"},
        "not a receipt": b"{not json",
        "beyond": _signed_receipt(key, **dict(good, seq=10_000)),
    }
    for reason, receipt in cases.items():
        report = B.verify_board(built.lines, receipts=[("r", receipt)])
        assert not report.valid, reason
        assert report.receipts_checked == 0
        why = report.errors[0][1]
        assert why.startswith("receipt r: ")
        if reason == "beyond":
            assert "missing" in why and report.errors[0][0] == 10_000
        else:
            assert reason in why, (reason, why)


def test_progress_is_reported():
    built = K.build("plurality")
    seen = []
    B.verify_board(built.lines, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (len(built.lines), len(built.lines))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    seen.clear()
    B.verify_board(iter(built.lines), progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (len(built.lines), None)


def test_a_binary_file_object_is_a_board(tmp_path):
    built = K.build("majority-judgment")
    path = built.write(tmp_path / "board.jsonl")
    with open(path, "rb") as handle:
        assert B.verify_board(handle).valid


def test_report_to_json_is_plain_json():
    built = K.build("approval")
    out = B.verify_board(built.lines, receipts=built.receipts).to_json()
    assert json.loads(json.dumps(out)) == out
    assert out["valid"] and out["errors"] == [] and out["counts"]["ballots"] == len(built.ballots)
    assert set(out) >= {"poll", "title", "method", "fp", "head", "tally", "outcome", "receipts_checked", "open"}


# --- The pool --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method_name", ["approval", "schulze"])
def test_pool_gives_the_same_report_as_one_process(monkeypatch, method_name):
    monkeypatch.setattr(B, "POOL_THRESHOLD", 5)
    monkeypatch.setattr(B, "CHUNK_LINES", 4)
    built = K.build(method_name, voters=20, revotes=5, abstainers=2)
    one = B.verify_board(built.lines, receipts=built.receipts, workers=1)
    two = B.verify_board(built.lines, receipts=built.receipts, workers=2)
    assert one.valid and one == two

    lines = built.lines
    for index in (3, 9, 14, len(lines) - 1):
        broken = list(lines)
        broken[index] = broken[index].replace(b'"v":1}', b'"v":2}')
        one = B.verify_board(broken, workers=1)
        two = B.verify_board(broken, workers=2)
        assert one.errors == two.errors and one.errors[0][0] == index
    # A break that only the calling process sees (order), after one only a worker sees.
    entries = K.entries(lines)
    entries.insert(12, entries[1])  # a replay of the ballot at line 1
    replayed = K.rechain(entries, built.board_key)
    one, two = B.verify_board(replayed, workers=1), B.verify_board(replayed, workers=2)
    assert one.errors == two.errors and one.errors[0][0] == 12


@pytest.mark.parametrize(
    "problem", ["valid", "unsorted", "issuer", "board-sig", "not-canonical", "method", "pinned", "ballot", "revote"]
)
def test_workers_started_before_line_0_is_checked_change_no_verdict(monkeypatch, problem):
    """On a large board the workers scan the lines after line 0 while the calling process checks it
    (with a context guessed from its parse): whatever line 0 holds, the report is the one-process report."""
    monkeypatch.setattr(B, "POOL_THRESHOLD", 3)
    monkeypatch.setattr(B, "CHUNK_LINES", 2)
    built = K.build("approval", voters=12, revotes=3)
    entries = K.entries(built.lines)
    body = entries[0]["body"]
    pinned = {}
    if problem == "unsorted":
        creds = body["eligibility"]["credentials"]
        creds[0], creds[1] = creds[1], creds[0]
    elif problem == "issuer":
        body["eligibility"]["issuer"]["sig"] = body["board_key"]["ed25519"] + body["board_key"]["ed25519"][:43]
    elif problem == "method":
        body["method"] = ["approval"]  # no context can be guessed: the workers start after the check
    elif problem == "pinned":
        pinned = {"board_key": body["eligibility"]["issuer"]["ed25519"]}
    elif problem == "ballot":
        entries[5]["body"]["choice"] = ["no-such-option"]
    elif problem == "revote":
        entries.insert(9, entries[2])  # a replay
    lines = K.rechain(entries, built.board_key) if problem not in ("valid", "pinned") else list(built.lines)
    if problem == "board-sig":
        lines[0] = lines[0].replace(b'"title":"', b'"title":"!')
    elif problem == "not-canonical":
        lines[0] = lines[0].replace(b'{"body":{', b'{"body": {', 1)
    one = B.verify_board(lines, receipts=built.receipts, workers=1, **pinned)
    two = B.verify_board(lines, receipts=built.receipts, workers=2, **pinned)
    assert one == two and one.valid == (problem == "valid")
    if problem in ("unsorted", "issuer", "board-sig", "not-canonical", "method", "pinned"):
        assert one.errors[0][0] == 0


def test_a_wrong_guess_of_the_scan_context_is_dropped(monkeypatch):
    monkeypatch.setattr(B, "POOL_THRESHOLD", 3)
    monkeypatch.setattr(B, "CHUNK_LINES", 2)
    built = K.build("approval", voters=12, revotes=3)
    setup = B.load_setup(built.lines[0])
    entry, text = B._decode_line(built.lines[0][:-1])
    guess = B._guess_context(entry, built.fp, frozenset(), frozenset())
    assert guess.same_as(B._ScanContext.from_setup(setup, frozenset(), frozenset()))

    guessed = []

    def wrong(entry, fp, wanted, heads):
        # Another poll's fingerprint: every ballot would fail its fp check, were the scan kept.
        guessed.append(B._ScanContext(entry["poll"], "0" * 64, entry["body"]["method"],
                                      [o["id"] for o in entry["body"]["options"]],
                                      entry["body"]["board_key"]["ed25519"], wanted, heads))  # fmt: skip
        return guessed[-1]

    monkeypatch.setattr(B, "_guess_context", wrong)
    broken = list(built.lines)
    broken[7] = broken[7].replace(b'"v":1}', b'"v":2}')
    for lines in (built.lines, broken):
        two = B.verify_board(lines, receipts=built.receipts, workers=2)
        assert guessed and two == B.verify_board(lines, receipts=built.receipts, workers=1)
    assert two.errors[0][0] == 7


def _worker_dies(start, lines):
    os._exit(3)


def test_a_dead_worker_does_not_hang_the_verifier(monkeypatch):
    """A worker killed mid-scan (out of memory, say): the lines it had are scanned in the calling
    process and the report is the one-process report. multiprocessing.Pool waited forever here."""
    monkeypatch.setattr(B, "POOL_THRESHOLD", 3)
    monkeypatch.setattr(B, "CHUNK_LINES", 2)
    monkeypatch.setattr(B, "_pool_context", lambda: multiprocessing.get_context("fork"))
    built = K.build("approval", voters=12, revotes=3)
    broken = list(built.lines)
    broken[9] = broken[9].replace(b'"v":1}', b'"v":2}')
    one = [B.verify_board(lines, receipts=built.receipts, workers=1) for lines in (built.lines, broken)]
    monkeypatch.setattr(B, "_scan_in_worker", _worker_dies)
    two = [B.verify_board(lines, receipts=built.receipts, workers=2) for lines in (built.lines, broken)]
    assert two == one and one[0].valid and one[1].errors[0][0] == 9
    seen = []
    B.verify_board(built.lines, workers=2, progress=lambda done, total: seen.append(done))
    assert seen == sorted(seen) and seen[-1] == len(built.lines)  # the progress still counts every line once


@pytest.mark.parametrize("early_scan", [True, False])
@pytest.mark.parametrize("fails_at", ["start", "first submit", "third submit"])
def test_workers_that_cannot_be_started_leave_the_work_to_the_calling_process(monkeypatch, fails_at, early_scan):
    """No process-shared semaphores (some containers), or no process left to fork: the calling
    process scans every line, and the report is the one-process report. With the early scan the
    failures happen while line 0 is checked; without it, while the chunks are handed out."""
    monkeypatch.setattr(B, "POOL_THRESHOLD", 3)
    monkeypatch.setattr(B, "CHUNK_LINES", 2)
    if not early_scan:
        monkeypatch.setattr(B, "_guess_context", lambda *args: None)
    real = B.ProcessPoolExecutor

    class Failing(real):
        submits = 0

        def __init__(self, *args, **kwargs):
            if fails_at == "start":
                raise OSError(38, "Function not implemented")
            super().__init__(*args, **kwargs)

        def submit(self, *args, **kwargs):
            Failing.submits += 1
            if Failing.submits == (1 if fails_at == "first submit" else 3):
                raise OSError(11, "Resource temporarily unavailable")
            return super().submit(*args, **kwargs)

    built = K.build("approval", voters=12, revotes=3)
    broken = list(built.lines)
    broken[9] = broken[9].replace(b'"v":1}', b'"v":2}')
    one = [B.verify_board(lines, receipts=built.receipts, workers=1) for lines in (built.lines, broken)]
    monkeypatch.setattr(B, "ProcessPoolExecutor", Failing)
    for lines, expected in zip((built.lines, broken), one):
        Failing.submits = 0
        assert B.verify_board(lines, receipts=built.receipts, workers=2) == expected
    assert one[0].valid and one[0].lines == len(built.lines) and one[1].errors[0][0] == 9


def test_stopping_early_with_chunks_in_flight_never_hangs(monkeypatch):
    """A bad line 0 stops the verification while the workers scan the lines after it (the early
    scan). multiprocessing.Pool.terminate() deadlocked here about once in a few hundred runs: this
    loop hung CI for 90 minutes before the pool was replaced."""
    monkeypatch.setattr(B, "POOL_THRESHOLD", 3)
    monkeypatch.setattr(B, "CHUNK_LINES", 2)
    monkeypatch.setattr(B, "_pool_context", lambda: multiprocessing.get_context("fork"))
    built = K.build("approval", voters=12, revotes=3)
    bad_setup = [built.lines[0].replace(b'"title":"', b'"title":"!')] + list(built.lines[1:])
    for _ in range(300):
        report = B.verify_board(bad_setup, workers=2)
        assert report.errors[0][0] == 0


def test_deadline_independent_times_are_checked_only_for_form():
    built = K.build("approval", checkpoints=False)
    entries = K.entries(built.lines)
    entries[-2]["body"]["time"] = "2020-01-01T00:00:00Z"  # close long before opens: informational
    assert B.verify_board(K.rechain(entries, built.board_key)).valid
    entries[-2]["body"]["time"] = "2020-01-01T00:00:00+01:00"
    report = B.verify_board(K.rechain(entries, built.board_key))
    assert report.errors[0][0] == len(entries) - 2 and "time" in report.errors[0][1]


def test_time_helpers_accept_datetimes():
    assert B.make_close_body(dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))) == {
        "time": "2026-06-01T08:00:00Z"
    }
    with pytest.raises(B.BoardError):
        B.make_close_body("yesterday")
