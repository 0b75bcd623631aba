"""Tampered boards: every alteration is refused, at the right line, and nothing crashes the verifier.

Many cases are re-signed with the board key (a dishonest server holds it) so that only the check
under test can catch them.
"""

from __future__ import annotations

import json
from functools import cache
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polls.core import board as B
from polls.core.canonical import b64u_encode, canonical_bytes
from polls.core.signing import DST_BALLOT, DST_ELIGIBILITY

from . import boardkit as K


@cache
def base(method_name: str = "approval", revote: str = "last-counts") -> K.Built:
    return K.build(method_name, revote=revote, voters=6, revotes=2, abstainers=1)


def first_error(lines, **kwargs):
    report = B.verify_board(lines, **kwargs)
    assert not report.valid
    return report.errors[0]


def kinds(built):
    return [e["type"] for e in K.entries(built.lines)]


def ballot_indexes(built):
    return [i for i, kind in enumerate(kinds(built)) if kind == "ballot"]


def sign_ballot(key, body):
    """A voter's device can sign any body it likes, malformed or not."""
    unsigned = {k: v for k, v in body.items() if k != "sig"}
    return dict(unsigned, sig=b64u_encode(key.sign(DST_BALLOT + canonical_bytes(unsigned))))


def test_base_board_is_valid():
    built = base()
    assert B.verify_board(built.lines, receipts=built.receipts).valid


# --- Bytes and lines --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("index", [0, 1, 2, 5, -3, -2, -1])
@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
def test_a_flipped_byte_fails_at_its_line(index, where):
    lines = base().lines
    index = index % len(lines)
    line = bytearray(lines[index])
    pos = int((len(line) - 1) * where)
    line[pos] ^= 0x01
    lines[index] = bytes(line)
    assert first_error(lines)[0] == index


@pytest.mark.parametrize("index", [0, 1, 4, -3, -2, -1])
def test_a_deleted_line_fails(index):
    lines = base().lines
    index = index % len(lines)
    del lines[index]
    line, why = first_error(lines)
    if index == len(lines):  # the result itself is gone: the board looks open
        assert line is None and "open" in why
    else:
        assert line == index


def test_swapped_duplicated_and_inserted_lines_fail_where_the_order_breaks():
    original = base().lines
    lines = list(original)
    lines[2], lines[5] = lines[5], lines[2]
    assert first_error(lines)[0] == 2
    lines = list(original)
    lines.insert(4, lines[3])
    assert first_error(lines)[0] == 4
    lines = list(original)
    lines.insert(3, base("schulze").lines[3])  # a line of another board
    assert first_error(lines)[0] == 3


def test_line_framing():
    lines = base().lines
    assert "newline" in first_error(lines[:-1] + [lines[-1][:-1]])[1]
    assert first_error(lines + [b"\n"])[0] == len(lines)
    assert first_error([line.replace(b"\n", b"\r\n") for line in lines])[0] == 0
    assert first_error([]) == (0, "the board is empty: line 0 must be the setup entry")
    assert first_error(lines[1:])[0] == 0


# --- Canonical form and encodings --------------------------------------------------------------------------------


def _reserialise(line: bytes, **dumps) -> bytes:
    return json.dumps(json.loads(line), **{"ensure_ascii": False, **dumps}).encode() + b"\n"


@pytest.mark.parametrize("index", [0, 1, -1])
def test_non_canonical_whitespace_or_key_order_fails(index):
    lines = base().lines
    index %= len(lines)
    spaced = list(lines)
    spaced[index] = _reserialise(lines[index], sort_keys=True)  # ", " and ": " separators
    line, why = first_error(spaced)
    assert line == index and "canonical" in why
    unordered = list(lines)
    entry = json.loads(lines[index])
    reordered = dict(reversed(entry.items()))
    unordered[index] = json.dumps(reordered, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
    line, why = first_error(unordered)
    assert line == index and "order" in why
    escaped = list(lines)
    escaped[index] = _reserialise(lines[index], sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    if escaped[index] != lines[index]:  # the setup has non-ASCII text: \u escapes are not JCS
        assert first_error(escaped)[0] == index


def test_floats_and_out_of_range_integers_fail():
    lines = base().lines
    for old, new in ((b'"v":1}', b'"v":1.0}'), (b'"v":1}', b'"v":1e0}'), (b'"seq":2,', b'"seq":-2,')):
        broken = list(lines)
        broken[2] = broken[2].replace(old, new)
        line, why = first_error(broken)
        assert line == 2, why
    broken = list(lines)
    broken[-1] = broken[-1].replace(b'"weight":', b'"weight":9007199254740992,"x":')
    assert first_error(broken)[0] == len(lines) - 1


@pytest.mark.parametrize(
    "field, value, says",
    [
        ("nonce", lambda n: n + "==", "unpadded"),
        ("nonce", lambda n: n[:-1] + "B", "trailing bits"),
        ("nonce", lambda n: n[:-2], "16 bytes"),
        ("nonce", lambda n: n[:-1] + "+", "outside"),
    ],
)
def test_non_canonical_b64u_in_a_signed_ballot_fails(field, value, says):
    built = base()
    entries = K.entries(built.lines)
    index = ballot_indexes(built)[0]
    body = entries[index]["body"]
    key = next(k for k in built.credentials if K.public_b64u(k) == body["cred"])
    entries[index]["body"] = sign_ballot(key, dict(body, **{field: value(body[field])}))
    line, why = first_error(K.rechain(entries, built.board_key, seed=built.seed))
    assert line == index and says in why


def test_non_canonical_credential_key_in_the_setup_fails_even_when_signed():
    built = base()
    entries = K.entries(built.lines)
    creds = entries[0]["body"]["eligibility"]["credentials"]
    pub = creds[0]["pub"]
    creds[0]["pub"] = pub[:-1] + {"A": "B", "E": "F"}.get(pub[-1], "B")
    issuer = entries[0]["body"]["eligibility"]["issuer"]
    issuer["sig"] = built.issuer_key.sign(DST_ELIGIBILITY, {"poll": built.poll, "credentials": creds})
    line, why = first_error(K.rechain(entries, built.board_key))
    assert line == 0 and "credentials[0].pub" in why


# --- Members ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["setup", "ballot", "checkpoint", "close", "result"])
def test_extra_and_missing_members_fail_even_when_re_signed(kind):
    built = base()
    entries = K.entries(built.lines)
    index = kinds(built).index(kind)
    extra = [dict(e) for e in entries]
    extra[index] = dict(extra[index], body=dict(extra[index]["body"], note="hello"))
    line, why = first_error(K.rechain(extra, built.board_key))
    assert line == index and "unknown member 'note'" in why
    top = [dict(e) for e in entries]
    top[index] = dict(top[index], extra=1)
    assert first_error([K.line_of(e) for e in top])[0] == index
    missing = [dict(e) for e in entries]
    body = dict(missing[index]["body"])
    body.pop(max(k for k in body if k != "sig"))  # not one rechain rewrites (count, head)
    missing[index] = dict(missing[index], body=body)
    line, why = first_error(K.rechain(missing, built.board_key))
    assert line == index and "lacks" in why


def test_seats_is_the_only_optional_member():
    built = K.build("approval", method={"kind": "approval", "min": 0, "max": 2, "seats": 2}, option_ids=["a", "b", "c"])
    assert B.verify_board(built.lines).valid
    built = K.build("irv")
    entries = K.entries(built.lines)
    entries[0]["body"]["method"]["seats"] = 1  # irv takes no parameter
    line, why = first_error(K.rechain(entries, built.board_key))
    assert line == 0 and "seats" in why


# --- Ballots ------------------------------------------------------------------------------------------------------


def test_a_ballot_after_close_fails():
    built = base()
    entries = K.entries(built.lines)
    close = kinds(built).index("close")
    entries.insert(close + 1, entries[ballot_indexes(built)[0]])
    line, why = first_error(K.rechain(entries, built.board_key))
    assert line == close + 1 and "after the close" in why


def test_a_second_ballot_fails_under_revote_none():
    built = base("plurality", revote="none")
    entries = K.entries(built.lines)
    index = ballot_indexes(built)[2]
    cred = entries[index]["body"]["cred"]
    key = next(k for k in built.credentials if K.public_b64u(k) == cred)
    second = B.make_ballot_body(built.poll, built.fp, key, "a", signer="voter")
    entries.insert(index + 2, {**entries[index], "body": second})
    line, why = first_error(K.rechain(entries, built.board_key, seed=built.seed))
    assert line == index + 2 and f"first is line {index}" in why


@pytest.mark.parametrize("revote", ["last-counts", "none"])
def test_a_replayed_ballot_fails(revote):
    built = base("approval", revote=revote)
    entries = K.entries(built.lines)
    first = ballot_indexes(built)[0]
    at = kinds(built).index("close")
    entries.insert(at, entries[first])  # the same body again, e.g. to undo a revote
    line, why = first_error(K.rechain(entries, built.board_key, seed=built.seed))
    assert line == at
    assert ("replayed" in why) if revote == "last-counts" else ("second ballot" in why)


@pytest.mark.parametrize(
    "field, value, says", [("poll", "poll-other", "another poll"), ("fp", "0" * 64, "fingerprint")]
)
def test_a_ballot_signed_for_another_poll_fails(field, value, says):
    built = base()
    entries = K.entries(built.lines)
    index = ballot_indexes(built)[1]
    body = entries[index]["body"]
    key = next(k for k in built.credentials if K.public_b64u(k) == body["cred"])
    entries[index]["body"] = sign_ballot(key, dict(body, **{field: value}))
    line, why = first_error(K.rechain(entries, built.board_key))
    assert line == index and says in why


def test_ineligible_credential_bad_signature_and_invalid_choice_fail():
    built = base()
    entries = K.entries(built.lines)
    index = ballot_indexes(built)[1]
    body = entries[index]["body"]
    key = next(k for k in built.credentials if K.public_b64u(k) == body["cred"])
    stranger = K.derive_credential(K.new_voting_code(), built.poll)
    cases = {
        "eligibility": B.make_ballot_body(built.poll, built.fp, stranger, ["opt-1"], signer="voter"),
        "does not verify": dict(body, choice=["opt-4"] if body["choice"] != ["opt-4"] else ["opt-3"]),
        "choice": sign_ballot(key, dict(body, choice=["opt-2", "opt-1"])),
        "signer": sign_ballot(key, dict(body, signer="robot")),
    }
    for says, bad in cases.items():
        changed = [dict(e) for e in entries]
        changed[index] = dict(changed[index], body=bad)
        line, why = first_error(K.rechain(changed, built.board_key))
        assert line == index and says in why, (says, why)


# --- Board-signed entries -----------------------------------------------------------------------------------------


def test_a_changed_result_is_caught_by_the_recount_only():
    built = base()
    entries = K.entries(built.lines)
    result = entries[-1]["body"]
    result["tally"] = dict(result["tally"], **{"opt-1": result["tally"]["opt-1"] + 1})
    line, why = first_error(K.rechain(entries, built.board_key))
    assert line == len(entries) - 1 and "published tally" in why
    entries = K.entries(built.lines)
    entries[-1]["body"]["outcome"] = dict(entries[-1]["body"]["outcome"], winners=["opt-9"])
    assert "published outcome" in first_error(K.rechain(entries, built.board_key))[1]
    entries = K.entries(built.lines)
    entries[-1]["body"]["counted"] += 1
    assert "published counted" in first_error(K.rechain(entries, built.board_key))[1]


def test_a_result_with_another_seed_fails():
    built = base()
    entries = K.entries(built.lines)
    entries[-1]["body"]["tiebreak_seed"] = "00" * 32
    line, why = first_error(K.rechain(entries, built.board_key))
    assert line == len(entries) - 1 and "tiebreak" in why


def test_a_board_re_signed_under_another_key_loses_its_ballots():
    """The fingerprint binds every ballot to the setup, board key included: a server that swaps
    the key (or anything else in the setup) cannot keep the voters' ballots."""
    built = base()
    other = K.generate_board_key("board-test")
    entries = K.entries(built.lines)
    entries[0]["body"]["board_key"] = other.descriptor()
    line, why = first_error(K.rechain(entries, other))
    assert line == 1 and "fingerprint" in why
    line, why = first_error(built.lines, board_key=other.public)
    assert line == 0 and "pinned board key" in why
    line, why = first_error(built.lines, issuer_key=other.public)
    assert line == 0 and "pinned issuer key" in why


def test_order_of_checkpoint_close_and_result():
    built = base()
    entries = K.entries(built.lines)
    close = kinds(built).index("close")
    checkpoint = kinds(built).index("checkpoint")
    cases = []
    moved = list(entries)
    moved.insert(close + 1, entries[checkpoint])
    cases.append((moved, close + 1, "between close and result"))
    twice = list(entries)
    twice.insert(close + 1, entries[close])
    cases.append((twice, close + 1, "second close"))
    early = list(entries)
    early.insert(close, entries[-1])
    cases.append((early, close, "before the close"))
    double = entries + [entries[-1]]
    cases.append((double, len(entries), "second result"))
    gap = list(entries)
    gap.insert(close + 1, entries[ballot_indexes(built)[0]])
    cases.append((gap, close + 1, "after the close"))
    setup_again = list(entries)
    setup_again.insert(3, entries[0])
    cases.append((setup_again, 3, "second setup"))
    for odd_type in ("note", ["close"], {"type": "close"}, None, 1):
        unknown = list(entries)
        unknown.insert(2, {**entries[close], "type": odd_type})
        cases.append((unknown, 2, "unknown entry type"))
    for changed, index, says in cases:
        line, why = first_error(K.rechain(changed, built.board_key))
        assert line == index and says in why, (says, line, why)


def test_a_checkpoint_with_a_wrong_count_or_head_fails():
    built = base()
    index = kinds(built).index("checkpoint")
    entries = K.entries(built.lines)
    entries[index]["body"]["count"] += 1
    entries[index]["body"].pop("sig")
    lines = K.rechain(entries[:index], built.board_key)
    prev = B.entry_hash(lines[-1])
    entries[index]["body"]["head"] = prev
    line = B.make_entry(built.poll, index, prev, "checkpoint", entries[index]["body"], board_key=built.board_key)
    line, why = first_error(lines + [line + b"\n"], allow_open=True)
    assert line == index and "ballot entries precede it" in why
    entries = K.entries(built.lines)
    entries[index]["body"]["head"] = "ab" * 32
    body = {k: v for k, v in entries[index]["body"].items() if k != "sig"}
    raw = B.sign_entry({**entries[index], "body": body}, built.board_key)
    lines = built.lines[:index] + [canonical_bytes(raw) + b"\n"]
    line, why = first_error(lines, allow_open=True)
    assert line == index and "head" in why


@pytest.mark.parametrize("problem", ["unsorted", "count", "weight", "issuer", "member"])
def test_a_bad_eligibility_list_fails_at_line_0(problem):
    built = K.build("approval", secrecy="roll-call", voters=4)
    entries = K.entries(built.lines)
    eligibility = entries[0]["body"]["eligibility"]
    creds = eligibility["credentials"]
    if problem == "unsorted":
        creds[0], creds[1] = creds[1], creds[0]
    elif problem == "count":
        eligibility["count"] += 1
    elif problem == "weight":
        eligibility["weight"] -= 1
    elif problem == "member":
        del creds[2]["member"]
    signer = K.generate_board_key("x") if problem == "issuer" else built.issuer_key
    eligibility["issuer"]["sig"] = signer.sign(DST_ELIGIBILITY, {"poll": built.poll, "credentials": creds})
    line, why = first_error(K.rechain(entries, built.board_key))
    assert line == 0 and {"unsorted": "sorted", "count": "count", "weight": "weight", "issuer": "issuer",
                          "member": "member"}[problem] in why  # fmt: skip


@cache
def eligibility_board() -> K.Built:
    return K.build("approval", voters=8, weights=[1, 2, 1, 3, 1, 1, 5, 1])


CREDENTIAL_FAULTS = (
    "swap", "repeat", "w0", "wbool", "wstr", "wbig", "pubchar", "pubstray", "pubshort", "pubint",
    "extra", "member", "nopub", "now", "notobject", "empty",
)  # fmt: skip


def _corrupt(creds: list, index: int, fault: str) -> list:
    creds = [dict(c) if type(c) is dict else c for c in creds]
    i = index % len(creds) if creds else 0
    if fault == "empty" or not creds:
        return []
    cred = creds[i]
    if not all(type(c) is dict and type(c.get("pub")) is str and "w" in c for c in (cred, creds[(i + 1) % len(creds)])):
        return creds  # already broken there
    if fault == "swap" and len(creds) > 1:
        j = (i + 1) % len(creds)
        creds[i], creds[j] = creds[j], creds[i]
    elif fault == "repeat" and len(creds) > 1:
        creds[(i + 1) % len(creds)]["pub"] = cred["pub"]
    elif fault in ("w0", "wbool", "wstr", "wbig"):
        cred["w"] = {"w0": 0, "wbool": True, "wstr": "1", "wbig": 2**40}[fault]
    elif fault == "pubchar":
        cred["pub"] = cred["pub"][:5] + "+" + cred["pub"][6:]
    elif fault == "pubstray":
        cred["pub"] = cred["pub"][:42] + "B"  # the last character carries bits that must be zero
    elif fault == "pubshort":
        cred["pub"] = cred["pub"][:42]
    elif fault == "pubint":
        cred["pub"] = 7
    elif fault == "extra":
        cred["x"] = 1
    elif fault == "member":
        cred["member"] = {"id": "m", "name": "M"}
    elif fault in ("nopub", "now"):
        del cred[fault[2:]]
    elif fault == "notobject":
        creds[i] = [cred["pub"], cred["w"]]
    return creds


def _members_outcome(poll: str, body: dict):
    try:
        setup = B._check_setup_members(poll, body, signed=True)
    except B.BoardError as exc:
        return ("error", str(exc))
    return ("ok", setup.cred_index, setup.weights)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 100), st.sampled_from(CREDENTIAL_FAULTS)), max_size=3))
def test_the_fast_check_of_a_credential_list_agrees_with_the_item_by_item_one(faults):
    """A secret poll's list is checked in C (_secret_credentials) and, when that finds a fault, item by
    item, which names it: both must give the same verdict, and the same index and weights."""
    built = eligibility_board()
    entry = K.entries(built.lines)[0]
    creds = entry["body"]["eligibility"]["credentials"]
    for index, fault in faults:
        creds = _corrupt(creds, index, fault)
    body = {**entry["body"], "eligibility": {**entry["body"]["eligibility"], "credentials": creds}}
    fast = _members_outcome(built.poll, body)
    with mock.patch.object(B, "_secret_credentials", lambda credentials: None):
        assert _members_outcome(built.poll, body) == fast
    unchanged = json.dumps(creds) == json.dumps(entry["body"]["eligibility"]["credentials"])  # True is not 1 here
    assert (fast[0] == "ok") == unchanged, fast


@pytest.mark.parametrize("secrecy", ["credential", "roll-call"])
@pytest.mark.parametrize("method_name", ["approval", "majority-judgment", "yes-no-abstain"])
def test_the_signed_texts_of_the_setup_are_cut_from_its_line_exactly(secrecy, method_name):
    import rfc8785

    built = K.build(method_name, secrecy=secrecy, voters=5)
    entry, text = B._decode_line(built.lines[0][:-1])
    credentials_json, unsigned_json = B._setup_signed_texts(entry, text)
    assert credentials_json.encode() == rfc8785.dumps(entry["body"]["eligibility"]["credentials"])
    assert unsigned_json.encode() == rfc8785.dumps(B._unsigned_entry(entry))


@pytest.mark.parametrize("depth", [50, 990, 5000])
def test_deeply_nested_json_is_refused_not_crashed_on(depth):
    built = base()
    lines = built.lines
    ballot = lines[3]
    lines[3] = b'{"body":{"choice":' + b"[" * depth + b"]" * depth + ballot[ballot.index(b',"cred"') :]
    assert first_error(lines)[0] == 3
    lines[3] = b'{"a":' * depth + b"1" + b"}" * depth + b"\n"
    assert first_error(lines)[0] == 3


# --- Random mutations ---------------------------------------------------------------------------------------------


@cache
def fuzz_board() -> tuple[bytes, ...]:
    built = K.build("approval", voters=5, revotes=2, abstainers=1, seed_rng=7)
    return tuple(built.lines)


@cache
def foreign_lines() -> tuple[bytes, ...]:
    return tuple(K.build("approval", voters=3, revotes=1, seed_rng=8, poll="poll-test-1").lines)


mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(0, 10**6), st.integers(1, 255)),
    st.tuples(st.just("delete"), st.integers(0, 10**6)),
    st.tuples(st.just("swap"), st.integers(0, 10**6), st.integers(0, 10**6)),
    st.tuples(st.just("duplicate"), st.integers(0, 10**6)),
    st.tuples(st.just("insert"), st.integers(0, 10**6), st.integers(0, 10**6)),
    st.tuples(st.just("garbage"), st.integers(0, 10**6), st.binary(max_size=40)),
    st.tuples(st.just("truncate"), st.integers(0, 10**6), st.integers(0, 10**6)),
    st.tuples(st.just("set"), st.integers(0, 10**6), st.integers(0, 10**6), st.sampled_from(b'{}[]",:0123456789 \\\n')),
)


def mutate(lines: list[bytes], ops) -> list[bytes]:
    lines = list(lines)
    for op in ops:
        n = len(lines)
        if n == 0:
            break
        kind, i = op[0], op[1] % n
        if kind in ("flip", "set", "truncate") and not lines[i]:
            continue  # an earlier truncation emptied this line: nothing left to change in it
        if kind == "flip":
            line = bytearray(lines[i])
            pos = op[2] % len(line)
            line[pos] ^= op[3]
            lines[i] = bytes(line)
        elif kind == "set":
            line = bytearray(lines[i])
            line[op[2] % len(line)] = op[3]
            lines[i] = bytes(line)
        elif kind == "delete":
            del lines[i]
        elif kind == "swap":
            j = op[2] % n
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "insert":
            foreign = foreign_lines()
            lines.insert(i, foreign[op[2] % len(foreign)])
        elif kind == "garbage":
            lines.insert(i, op[2] + b"\n")
        elif kind == "truncate":
            lines[i] = lines[i][: op[2] % len(lines[i])]
    return lines


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutation, min_size=1, max_size=3))
def test_random_mutations_are_refused_and_never_crash(ops):
    original = list(fuzz_board())
    mutated = mutate(original, ops)
    report = B.verify_board(mutated)
    assert report.valid == (mutated == original), report.errors
    if not report.valid:
        assert report.errors and all(isinstance(why, str) and why for _, why in report.errors)
    # The exact fast paths (ballot lines, a secret poll's credential list, the setup's signed texts cut
    # from its line) and the generic checks must always agree.
    with (
        mock.patch.object(B, "_fast_ballot", lambda *args: None),
        mock.patch.object(B, "_secret_credentials", lambda credentials: None),
        mock.patch.object(B, "_setup_signed_texts", lambda entry, text: None),
    ):
        generic = B.verify_board(mutated)
    assert generic.errors == report.errors


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutation, min_size=1, max_size=2))
def test_random_mutations_get_the_same_verdict_through_the_pool(ops):
    mutated = mutate(list(fuzz_board()), ops)
    with mock.patch.object(B, "POOL_THRESHOLD", 3), mock.patch.object(B, "CHUNK_LINES", 4):
        pooled = B.verify_board(mutated, workers=2)
    alone = B.verify_board(mutated, workers=1)
    assert pooled.errors == alone.errors and pooled.valid == alone.valid


def test_a_line_with_a_bad_prev_and_a_bad_signature_reports_the_same_first_error_on_both_paths():
    """Found by the property above: two flips in the first ballot line (its signature and its prev)."""
    original = list(fuzz_board())
    mutated = mutate(original, [("flip", 1, 207, 1), ("flip", 1, 499924, 1)])
    report = B.verify_board(mutated)
    with mock.patch.object(B, "_fast_ballot", lambda *args: None):
        generic = B.verify_board(mutated)
    assert not report.valid and generic.errors == report.errors
