"""The public bulletin board of a poll, deliberate-board/1 (../../shared/specs/board-format.md).

Both sides of the format live here, so that they can never disagree:

* the **writer**, used by the server: canonical entries as exact bytes (`make_entry`), the bodies
  of every entry type (`make_setup_body`, `make_ballot_body`, `make_checkpoint_body`,
  `make_close_body`, `make_result_body`), trackers and receipts, `check_ballot` to validate an
  incoming ballot before it is appended, and `BoardWriter`, an in-memory board for tests, benchmarks
  and exports;
* the **verifier**: `verify_board`, which performs every check of section 6 and recomputes the
  result through `polls.core.tally`.

Pure core: imports nothing from Django (the standalone verifier runs it alone).

How the verifier scales. Per line, the work that needs no context from earlier lines (UTF-8, JSON,
canonical form, members, hash chain within a run of lines, choice validity, signatures) is done by
`_scan` on chunks of lines; on a large board the chunks go to a pool of processes, one per core.
What needs the order of the whole board (eligibility, revotes and replays, close and result order,
checkpoint counts, the links between chunks, the recount) is done by the calling process, chunk by
chunk in board order, so the first error reported is the first error of the board.

On a machine with as many cores as workers, every microsecond the calling process spends is taken
from a worker, so its share is kept small: the workers start on the lines after line 0 while it
checks line 0 (`_guess_context`: their results are used only once line 0 holds and gives the same
context); a run of ballots from new voters is recorded in bulk (`_BoardState._absorb_new_voters`),
anything else one ballot at a time; a secret poll's credential list is checked in C
(`_secret_credentials`) and the setup's signed texts are cut from its line (`_setup_signed_texts`)
rather than serialised again. Each of these has an item-by-item twin that runs whenever the fast
one does not apply, and names the fault exactly as before (tests/polls/test_tamper.py compares them).
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import os
import re
import secrets
import string
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import chain, islice
from operator import itemgetter, lt
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from . import tally as tally_module
from .canonical import (
    EncodingError,
    JSONFormatError,
    _fast_dumps,
    b64u_decode,
    b64u_decode_valid,
    b64u_encode,
    b64u_regex,
    canonical_bytes,
    canonical_text,
    explain_not_canonical,
    fast_decode,
    format_time,
    is_b64u,
    is_canonical_parse,
    is_hex64,
    is_time,
    parse_json,
    sha256_hex,
)
from .signing import (
    DST_BALLOT,
    DST_BOARD,
    DST_ELIGIBILITY,
    DST_RECEIPT,
    BoardKey,
    public_b64u,
    verify_raw,
)

__all__ = [
    "FORMAT",
    "GENESIS_PREV",
    "ENTRY_TYPES",
    "BoardError",
    "InvalidSetup",
    "InvalidBallot",
    "InvalidReceipt",
    "Setup",
    "Report",
    "BoardWriter",
    "entry_hash",
    "make_entry",
    "sign_entry",
    "load_setup",
    "sign_eligibility",
    "make_setup_body",
    "make_ballot_body",
    "check_ballot",
    "tracker",
    "make_checkpoint_body",
    "make_close_body",
    "weed_ballots",
    "make_result_body",
    "new_tiebreak_seed",
    "tiebreak_commit",
    "make_receipt",
    "verify_receipt",
    "verify_board",
]

FORMAT = "deliberate-board/1"
GENESIS_PREV = "0" * 64
ENTRY_TYPES = ("setup", "ballot", "checkpoint", "close", "result")
SUBJECT_TYPES = ("amendment", "proposal", "priorities", "election", "motion")
SECRECY_MODES = ("roll-call", "credential")
REVOTE_POLICIES = ("last-counts", "none")
SIGNERS = ("voter", "server")

_ENTRY_KEYS = frozenset({"v", "poll", "seq", "prev", "type", "body"})
_SETUP_KEYS = frozenset(
    {
        "format", "title", "question", "assembly", "subject", "options", "method", "secrecy",
        "revote", "opens", "closes", "tiebreak_commit", "board_key", "eligibility", "sig",
    }
)  # fmt: skip
_BALLOT_KEYS = frozenset({"poll", "fp", "cred", "choice", "nonce", "signer", "sig"})
_CHECKPOINT_KEYS = frozenset({"count", "head", "time", "sig"})
_CLOSE_KEYS = frozenset({"time", "sig"})
_RESULT_KEYS = frozenset({"counted", "superseded", "weight", "tally", "outcome", "tiebreak_seed", "sig"})
_RECEIPT_KEYS = frozenset({"v", "poll", "fp", "seq", "entry", "tracker", "kid", "sig"})
_BOARD_SIGNED_KEYS = {
    "setup": _SETUP_KEYS,
    "checkpoint": _CHECKPOINT_KEYS,
    "close": _CLOSE_KEYS,
    "result": _RESULT_KEYS,
}

_B32_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

#: Below this many lines a board is verified in the calling process: a pool costs more to start.
POOL_THRESHOLD = 2_000
#: Lines per unit of work sent to a worker process.
CHUNK_LINES = 1_000
#: While the calling process checks line 0 (seconds for a setup listing a million credentials), the
#: workers already scan the lines after it: up to this many lines, or this many bytes of lines.
EARLY_SCAN_LINES = 100_000
EARLY_SCAN_BYTES = 64 << 20


# --- Errors ------------------------------------------------------------------------------------------


class BoardError(ValueError):
    """Something breaks deliberate-board/1. The message says what, in plain words."""


class InvalidSetup(BoardError):
    """A setup body (or the arguments to build one) breaks section 2.1 or 3 of the spec."""


class InvalidBallot(BoardError):
    """A ballot body that must not be appended: the message says why, for the voter."""


class InvalidReceipt(BoardError):
    """A receipt that is malformed or whose signature does not verify."""


def _show(value: Any, limit: int = 80) -> str:
    """A short JSON rendering of a value for error messages."""
    try:
        text = canonical_text(value)
    except (JSONFormatError, RecursionError):
        try:
            text = repr(value)
        except RecursionError:
            text = f"<{_what(value)} nested too deeply>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _what(value: Any) -> str:
    if value is None:
        return "null"
    if type(value) is bool:
        return "a boolean"
    if type(value) is int:
        return "an integer"
    if type(value) is str:
        return "a string"
    if type(value) is list:
        return "a list"
    if type(value) is dict:
        return "an object"
    return type(value).__name__


def _members(obj: Any, path: str, required: frozenset, optional: frozenset = frozenset()) -> dict:
    """Require ``obj`` to be an object with every member of ``required``, any of ``optional`` and
    nothing else (spec section 1); raise BoardError naming the member otherwise."""
    if type(obj) is not dict:
        raise BoardError(f"{path} must be an object, found {_what(obj)}")
    keys = obj.keys()
    if keys == required:
        return obj
    missing = sorted(required - keys)
    if missing:
        raise BoardError(f"{path} lacks member {', '.join(repr(m) for m in missing)}")
    extra = sorted(keys - required - optional)
    if extra:
        raise BoardError(f"{path} has unknown member {', '.join(repr(m) for m in extra)}")
    return obj


def _need_str(value: Any, path: str) -> str:
    if type(value) is not str:
        raise BoardError(f"{path} must be a string, found {_what(value)}")
    return value


def _need_int(value: Any, path: str, minimum: int = 0) -> int:
    if type(value) is not int:
        raise BoardError(f"{path} must be an integer, found {_what(value)}")
    if value < minimum:
        raise BoardError(f"{path} must be at least {minimum}, found {value}")
    return value


def _need_hex(value: Any, path: str) -> str:
    if not is_hex64(value):
        raise BoardError(f"{path} must be 64 lowercase hex characters, found {_show(value)}")
    return value


def _need_b64u(value: Any, path: str, n_bytes: int) -> str:
    if is_b64u(value, n_bytes):
        return value
    if type(value) is not str:
        raise BoardError(f"{path} must be b64u of {n_bytes} bytes, found {_what(value)}")
    try:
        b64u_decode(value, n_bytes)
    except EncodingError as exc:
        raise BoardError(f"{path}: {exc}") from None
    raise BoardError(f"{path} is not canonical b64u of {n_bytes} bytes")  # pragma: no cover


def _need_time(value: Any, path: str) -> str:
    if not is_time(value):
        raise BoardError(f"{path} must be a time YYYY-MM-DDTHH:MM:SSZ (a real date), found {_show(value)}")
    return value


# --- Entries --------------------------------------------------------------------------------------------


def entry_hash(line: bytes) -> str:
    """The entry hash of a board line: H(its bytes without the trailing newline), lowercase hex.

    Accepts the line with or without its one trailing ``\\n``.
    """
    if line[-1:] == b"\n":
        line = line[:-1]
    return hashlib.sha256(line).hexdigest()


def _unsigned_entry(entry: dict) -> dict:
    """The entry with ``body.sig`` removed: what the board key signs."""
    body = {k: v for k, v in entry["body"].items() if k != "sig"}
    return {**entry, "body": body}


def sign_entry(entry: dict, board_key: BoardKey) -> dict:
    """Return ``entry`` with ``body.sig`` = the board key's signature over the rest (section 2)."""
    unsigned = _unsigned_entry(entry)
    signed_body = dict(unsigned["body"])
    signed_body["sig"] = board_key.sign(DST_BOARD, unsigned)
    return {**unsigned, "body": signed_body}


def make_entry(
    poll_id: str,
    seq: int,
    prev: str,
    entry_type: str,
    body: dict,
    *,
    board_key: BoardKey | None = None,
) -> bytes:
    """The exact bytes of one board line, WITHOUT the trailing newline.

    Requires: ``prev`` the entry hash of line ``seq - 1`` (GENESIS_PREV for seq 0); for a board-
    signed type (everything but ``ballot``) ``body`` without ``sig`` and a ``board_key``; for a
    ballot, the signed body from make_ballot_body. Guarantees: canonical JCS bytes; entry_hash of
    them is the new head. Store and serve these bytes, never a re-serialisation.
    """
    if entry_type not in ENTRY_TYPES:
        raise BoardError(f"unknown entry type {entry_type!r}")
    if type(seq) is not int or seq < 0:
        raise BoardError("seq must be a non-negative integer")
    if not is_hex64(prev):
        raise BoardError("prev must be an entry hash (64 lowercase hex characters)")
    if (seq == 0) != (entry_type == "setup") or (seq == 0 and prev != GENESIS_PREV):
        raise BoardError("line 0, and only line 0, is the setup entry, with prev = 64 zeros")
    entry = {"v": 1, "poll": poll_id, "seq": seq, "prev": prev, "type": entry_type, "body": dict(body)}
    if entry_type != "ballot":
        if board_key is None:
            raise BoardError(f"a {entry_type} entry is signed by the board key; none was given")
        if "sig" in body:
            raise BoardError(f"the {entry_type} body already has a sig; pass it unsigned")
        entry = sign_entry(entry, board_key)
    return canonical_bytes(entry)


def new_tiebreak_seed() -> bytes:
    """32 random bytes: the tie-break seed, kept secret until the result reveals it."""
    return secrets.token_bytes(32)


def tiebreak_commit(seed: bytes) -> str:
    """H(seed) in hex, the setup's ``tiebreak_commit``."""
    if len(seed) != 32:
        raise ValueError("the tie-break seed is 32 bytes")
    return sha256_hex(seed)


def _time_text(value: Any, name: str) -> str:
    if isinstance(value, _dt.datetime):
        return format_time(value)
    if not is_time(value):
        raise BoardError(f"{name} must be an aware datetime or a time YYYY-MM-DDTHH:MM:SSZ")
    return value


# --- Setup ---------------------------------------------------------------------------------------------------


@dataclass
class Setup:
    """A validated setup entry, ready to check ballots against.

    Built by load_setup (from the setup line, its entry or its body) or by the verifier.
    ``cred_index`` maps each eligible credential (b64u) to its position in the sorted list and
    ``weights`` gives the weight at each position.
    """

    poll: str
    fp: str | None
    body: dict
    option_ids: list[str]
    method: dict
    secrecy: str
    revote: str
    board_kid: str
    board_pub: str
    issuer_kid: str
    issuer_pub: str
    tiebreak_commit: str
    cred_index: dict[str, int]
    weights: list[int]
    eligible_weight: int

    @property
    def title(self) -> str:
        return self.body["title"]

    def weight_of(self, cred: str) -> int | None:
        position = self.cred_index.get(cred)
        return None if position is None else self.weights[position]


# The characters that can end the b64u of 32 bytes (the last one carries two unused bits, zero).
_B64U_32_LAST = frozenset(c for c in string.ascii_letters + string.digits + "-_" if is_b64u("A" * 42 + c, 32))
_B64U_TEXT = re.compile("[A-Za-z0-9_-]*")


def _secret_credentials(credentials: list) -> tuple[dict[str, int], list[int]] | None:
    """The common case of a credential (secret) poll's list, checked in C rather than item by item.

    Returns ``(cred_index, weights)`` when every item is an object with exactly ``pub`` and ``w``,
    every pub the canonical b64u of 32 bytes (43 characters of the alphabet, the last one carrying
    no stray bits: what is_b64u checks), every w an integer of at least 1, and the pubs strictly
    increasing. Otherwise None, having raised nothing: the item-by-item loop then names the first
    item at fault, as it does for every list.
    """
    if not credentials:
        return {}, []
    if set(map(type, credentials)) != {dict} or set(map(len, credentials)) != {2}:
        return None
    try:
        pubs = list(map(itemgetter("pub"), credentials))
        weights = list(map(itemgetter("w"), credentials))
    except KeyError:
        return None
    if (
        set(map(type, pubs)) != {str}
        or set(map(len, pubs)) != {43}
        or _B64U_TEXT.fullmatch("".join(pubs)) is None
        or not _B64U_32_LAST.issuperset(map(itemgetter(42), pubs))
        or set(map(type, weights)) != {int}
        or min(weights) < 1
        or not all(map(lt, pubs, islice(pubs, 1, None)))
    ):
        return None
    return dict(zip(pubs, range(len(pubs)))), weights


def _validate_setup_body(poll_id: str, body: Any, *, signed: bool) -> Setup:
    """Check a setup body against sections 2.1 and 3 (signatures included, except the board's own
    ``sig``, which needs the whole entry). Raises BoardError naming the failing member."""
    setup = _check_setup_members(poll_id, body, signed=signed)
    # Every key of the list was checked, so the fast serialiser is exact here.
    _check_eligibility_signature(setup, _fast_dumps(setup.body["eligibility"]["credentials"]))
    return setup


def _check_eligibility_signature(setup: Setup, credentials_json: str) -> None:
    """Check the issuer's signature over the eligibility list, ``credentials_json`` being its JCS text."""
    issuer = setup.body["eligibility"]["issuer"]
    # JCS({"poll", "credentials"}), its members in key order.
    signed_list = ('{"credentials":' + credentials_json + ',"poll":' + _fast_dumps(setup.poll) + "}").encode("utf-8")
    if not verify_raw(b64u_decode(issuer["ed25519"]), DST_ELIGIBILITY + signed_list, b64u_decode(issuer["sig"])):
        raise BoardError("body.eligibility.issuer.sig does not verify with the issuer key")


def _check_setup_members(poll_id: str, body: Any, *, signed: bool) -> Setup:
    """Every check of _validate_setup_body but the issuer's signature."""
    keys = _SETUP_KEYS if signed else _SETUP_KEYS - {"sig"}
    _members(body, "setup body", keys)
    if body["format"] != FORMAT:
        raise BoardError(f"body.format is {_show(body['format'])}, expected {_show(FORMAT)}")
    _need_str(body["title"], "body.title")
    _need_str(body["question"], "body.question")
    assembly = _members(body["assembly"], "body.assembly", frozenset({"slug", "name"}))
    _need_str(assembly["slug"], "body.assembly.slug")
    _need_str(assembly["name"], "body.assembly.name")
    subject = _members(body["subject"], "body.subject", frozenset({"type", "refs"}))
    if subject["type"] not in SUBJECT_TYPES:
        raise BoardError(f"body.subject.type is {_show(subject['type'])}, expected one of {', '.join(SUBJECT_TYPES)}")
    if type(subject["refs"]) is not list:
        raise BoardError(f"body.subject.refs must be a list, found {_what(subject['refs'])}")
    for i, ref in enumerate(subject["refs"]):
        _need_str(ref, f"body.subject.refs[{i}]")

    options = body["options"]
    if type(options) is not list:
        raise BoardError(f"body.options must be a list, found {_what(options)}")
    option_ids = []
    for i, option in enumerate(options):
        _members(option, f"body.options[{i}]", frozenset({"id", "label"}))
        option_ids.append(_need_str(option["id"], f"body.options[{i}].id"))
        _need_str(option["label"], f"body.options[{i}].label")
    method = body["method"]
    try:
        tally_module.validate_method(method, option_ids)
    except tally_module.InvalidMethod as exc:
        raise BoardError(f"body.method / body.options: {exc}") from None

    if body["secrecy"] not in SECRECY_MODES:
        raise BoardError(f"body.secrecy is {_show(body['secrecy'])}, expected roll-call or credential")
    if body["revote"] not in REVOTE_POLICIES:
        raise BoardError(f"body.revote is {_show(body['revote'])}, expected last-counts or none")
    _need_time(body["opens"], "body.opens")
    _need_time(body["closes"], "body.closes")
    _need_hex(body["tiebreak_commit"], "body.tiebreak_commit")
    board_key = _members(body["board_key"], "body.board_key", frozenset({"kid", "ed25519"}))
    _need_str(board_key["kid"], "body.board_key.kid")
    _need_b64u(board_key["ed25519"], "body.board_key.ed25519", 32)
    if signed:
        _need_b64u(body["sig"], "body.sig", 64)

    eligibility = _members(
        body["eligibility"], "body.eligibility", frozenset({"count", "weight", "credentials", "issuer"})
    )
    credentials = eligibility["credentials"]
    if type(credentials) is not list:
        raise BoardError(f"body.eligibility.credentials must be a list, found {_what(credentials)}")
    roll_call = body["secrecy"] == "roll-call"
    cred_keys = frozenset({"pub", "w", "member"}) if roll_call else frozenset({"pub", "w"})
    member_keys = frozenset({"id", "name"})
    fast = None if roll_call else _secret_credentials(credentials)
    cred_index: dict[str, int] = {} if fast is None else fast[0]
    weights: list[int] = [] if fast is None else fast[1]
    previous = None
    for i, cred in enumerate(credentials if fast is None else ()):
        if type(cred) is not dict or cred.keys() != cred_keys:
            path = f"body.eligibility.credentials[{i}]"
            if type(cred) is dict and not roll_call and "member" in cred:
                raise BoardError(f"{path} names a member, which a credential (secret) poll must not")
            if type(cred) is dict and roll_call and "member" not in cred:
                raise BoardError(f"{path} lacks member 'member', which a roll-call poll requires")
            _members(cred, path, cred_keys)
        pub = cred["pub"]
        if not is_b64u(pub, 32):
            _need_b64u(pub, f"body.eligibility.credentials[{i}].pub", 32)
        w = cred["w"]
        if type(w) is not int or w < 1:
            _need_int(w, f"body.eligibility.credentials[{i}].w", 1)
        if roll_call:
            member = cred["member"]
            if type(member) is not dict or member.keys() != member_keys:
                _members(member, f"body.eligibility.credentials[{i}].member", member_keys)
            _need_str(member["id"], f"body.eligibility.credentials[{i}].member.id")
            _need_str(member["name"], f"body.eligibility.credentials[{i}].member.name")
        if previous is not None and pub <= previous:
            raise BoardError(
                f"body.eligibility.credentials[{i}].pub "
                + ("repeats" if pub == previous else "is not sorted after")
                + f" credentials[{i - 1}].pub (the list is sorted by pub, without duplicates)"
            )
        previous = pub
        cred_index[pub] = i
        weights.append(w)
    count = _need_int(eligibility["count"], "body.eligibility.count")
    if count != len(credentials):
        raise BoardError(f"body.eligibility.count is {count} but the list has {len(credentials)} credentials")
    weight = _need_int(eligibility["weight"], "body.eligibility.weight")
    if weight != sum(weights):
        raise BoardError(f"body.eligibility.weight is {weight} but the weights sum to {sum(weights)}")
    issuer = _members(eligibility["issuer"], "body.eligibility.issuer", frozenset({"kid", "ed25519", "sig"}))
    _need_str(issuer["kid"], "body.eligibility.issuer.kid")
    _need_b64u(issuer["ed25519"], "body.eligibility.issuer.ed25519", 32)
    _need_b64u(issuer["sig"], "body.eligibility.issuer.sig", 64)

    return Setup(
        poll=poll_id,
        fp=None,
        body=body,
        option_ids=option_ids,
        method=method,
        secrecy=body["secrecy"],
        revote=body["revote"],
        board_kid=board_key["kid"],
        board_pub=board_key["ed25519"],
        issuer_kid=issuer["kid"],
        issuer_pub=issuer["ed25519"],
        tiebreak_commit=body["tiebreak_commit"],
        cred_index=cred_index,
        weights=weights,
        eligible_weight=weight,
    )


def _board_signature_ok(
    entry: dict, board_pub: bytes, *, keys_checked: bool = False, unsigned_json: str | None = None
) -> bool:
    """Whether ``body.sig`` is the board key's signature over the entry without it.

    ``keys_checked``: every object key of the entry has been checked to be a member the format
    names (so ASCII), and the fast serialiser is exact; skips a walk of a possibly huge setup.
    ``unsigned_json``: the JCS text of the entry without ``body.sig``, when the caller has it.
    """
    body = entry["body"]
    try:
        if unsigned_json is not None:
            payload = unsigned_json.encode("utf-8")
        else:
            unsigned = _unsigned_entry(entry)
            payload = _fast_dumps(unsigned).encode("utf-8") if keys_checked else canonical_bytes(unsigned)
        message = DST_BOARD + payload
        signature = b64u_decode(body["sig"], 64)
    except (JSONFormatError, EncodingError):
        return False
    return verify_raw(board_pub, message, signature)


def _check_setup_line(line: bytes) -> Setup:
    """Check line 0 completely (entry, body, both signatures); raise BoardError otherwise."""
    raw = _line_payload(line)
    entry, text = _decode_line(raw)
    return _check_setup_entry(raw, entry, text)


def _check_setup_entry(raw: bytes, entry: dict, text: str, fp: str | None = None) -> Setup:
    """The rest of _check_setup_line, once line 0 is decoded: canonical form, entry, body and both
    signatures (the verifier starts its workers in between: see _guess_context). ``fp``: the
    entry hash of ``raw``, when the caller has it."""
    _check_canonical(entry, text)
    _members(entry, "the entry", _ENTRY_KEYS)
    if entry["type"] != "setup":
        raise BoardError(f"line 0 must be the setup entry, found type {_show(entry['type'])}")
    _check_entry_header(entry, None, 0)
    if entry["prev"] != GENESIS_PREV:
        raise BoardError(f"prev of line 0 must be 64 zeros, found {_show(entry['prev'])}")
    poll_id = _need_str(entry["poll"], "poll")
    setup = _check_setup_members(poll_id, entry["body"], signed=True)
    # Every key is now checked, so the fast serialiser writes JCS and the text is JCS(entry).
    cut = _setup_signed_texts(entry, text)
    if cut is None:  # pragma: no cover - see _setup_signed_texts
        cut = (_fast_dumps(entry["body"]["eligibility"]["credentials"]), None)
    credentials_json, unsigned_json = cut
    _check_eligibility_signature(setup, credentials_json)
    if not _board_signature_ok(entry, b64u_decode(setup.board_pub), keys_checked=True, unsigned_json=unsigned_json):
        raise BoardError("body.sig does not verify with body.board_key")
    setup.fp = fp or hashlib.sha256(raw).hexdigest()
    return setup


def _setup_signed_texts(entry: dict, text: str) -> tuple[str, str] | None:
    """The JCS texts of the eligibility list and of the entry without ``body.sig``, cut from
    ``text`` rather than serialised again (tens of megabytes for a million credentials).

    Requires ``text`` = JCS(entry) and every member of the entry checked (so all keys ASCII: the
    fast serialiser writes JCS). JCS writes a member's value as that value's own JCS text, so the
    entry with an empty list for ``credentials`` serialises to the same text as the line around
    that list: what comes before and after is checked to be so, and the list's text is between.
    Returns None if anything is not where it must be (it cannot be: the caller then serialises).
    """
    body = entry["body"]
    eligibility = body["eligibility"]
    head = (
        '{"body":{"assembly":' + _fast_dumps(body["assembly"]) + ',"board_key":' + _fast_dumps(body["board_key"])
        + ',"closes":' + _fast_dumps(body["closes"]) + ',"eligibility":{"count":' + _fast_dumps(eligibility["count"])
        + ',"credentials":'
    )  # fmt: skip
    elided_body = {**body, "eligibility": {**eligibility, "credentials": []}}
    elided = _fast_dumps({**entry, "body": elided_body})
    unsigned_elided = _fast_dumps(_unsigned_entry({**entry, "body": elided_body}))
    start = len(head)
    tail = elided[start + 2 :]
    end = len(text) - len(tail)
    if (
        not elided.startswith(head + "[]")
        or not unsigned_elided.startswith(head + "[]")
        or end < start
        or not text.startswith(head)
        or not text.endswith(tail)
    ):
        return None  # pragma: no cover - excluded by the requirements
    credentials_json = text[start:end]
    return credentials_json, head + credentials_json + unsigned_elided[start + 2 :]


def load_setup(setup: Any, *, poll_id: str | None = None) -> Setup:
    """Validate a setup and return its Setup (for check_ballot, make_result_body...).

    Accepts the setup line (bytes, with or without newline: fully checked, fp computed), the parsed
    setup entry (dict with ``body``; fp computed from its canonical bytes) or a setup body dict
    (then ``poll_id`` is required, the board's ``sig`` is not checked, and ``fp`` is None). A Setup
    is returned as is. Raises InvalidSetup with the reason.
    """
    if isinstance(setup, Setup):
        return setup
    try:
        if isinstance(setup, (bytes, bytearray, memoryview)):
            line = bytes(setup)
            return _check_setup_line(line if line.endswith(b"\n") else line + b"\n")
        if isinstance(setup, dict) and "body" in setup and "format" not in setup:
            return _check_setup_line(canonical_bytes(setup) + b"\n")
        if isinstance(setup, dict):
            if poll_id is None:
                raise BoardError("a setup body does not name its poll: pass poll_id")
            return _validate_setup_body(poll_id, setup, signed="sig" in setup)
    except BoardError as exc:
        raise InvalidSetup(str(exc)) from None
    raise TypeError("load_setup takes a setup line (bytes), a setup entry or a setup body")


def sign_eligibility(issuer_key: BoardKey, poll_id: str, credentials: list[dict]) -> dict:
    """The ``eligibility.issuer`` object: the issuer's signature over ``{"poll", "credentials"}``.

    Requires ``credentials`` already in board form and order (see make_setup_body).
    """
    payload = {"poll": poll_id, "credentials": credentials}
    return {"kid": issuer_key.kid, "ed25519": issuer_key.public, "sig": issuer_key.sign(DST_ELIGIBILITY, payload)}


def _credential_entry(item: Any, roll_call: bool) -> dict:
    if isinstance(item, dict):
        entry = {"pub": item["pub"], "w": item.get("w", 1)}
        member = item.get("member")
    else:
        pub, w, *rest = item
        entry = {"pub": pub, "w": w}
        member = rest[0] if rest else None
    if isinstance(entry["pub"], Ed25519PrivateKey):
        raise InvalidSetup("pass credential public keys (b64u), never private keys")
    if roll_call:
        if member is None:
            raise InvalidSetup("a roll-call poll names the member of every credential")
        entry["member"] = {"id": member["id"], "name": member["name"]}
    elif member is not None:
        raise InvalidSetup("a credential (secret) poll must not name members")
    return entry


def make_setup_body(
    poll_id: str,
    *,
    title: str,
    question: str,
    assembly: Mapping[str, str],
    subject: Mapping[str, Any],
    options: Iterable[Mapping[str, str]],
    method: Mapping[str, Any],
    secrecy: str,
    revote: str,
    opens: Any,
    closes: Any,
    tiebreak_commit: str,
    board_key: BoardKey,
    credentials: Iterable[Any],
    issuer: BoardKey | Mapping[str, str],
) -> dict:
    """Build the setup body (without the board's ``sig``: make_entry adds it).

    ``credentials``: dicts ``{"pub": b64u, "w": int, "member": {"id", "name"}}`` (``member`` only
    in a roll-call poll; ``w`` defaults to 1) or tuples ``(pub, w)`` / ``(pub, w, member)``, in any
    order. ``issuer``: the issuer's key (the list is signed here) or a ready ``{"kid", "ed25519",
    "sig"}`` from a separate credential authority (checked here). ``opens``/``closes``: aware
    datetimes or formatted times. Guarantees: credentials sorted by pub, count and weight computed,
    and the body passes every check the verifier makes; raises InvalidSetup otherwise.
    """
    roll_call = secrecy == "roll-call"
    creds = sorted((_credential_entry(item, roll_call) for item in credentials), key=lambda c: c["pub"])
    body = {
        "format": FORMAT,
        "title": title,
        "question": question,
        "assembly": {"slug": assembly["slug"], "name": assembly["name"]},
        "subject": {"type": subject["type"], "refs": list(subject["refs"])},
        "options": [{"id": o["id"], "label": o["label"]} for o in options],
        "method": dict(method),
        "secrecy": secrecy,
        "revote": revote,
        "opens": _time_text(opens, "opens"),
        "closes": _time_text(closes, "closes"),
        "tiebreak_commit": tiebreak_commit,
        "board_key": board_key.descriptor(),
        "eligibility": {
            "count": len(creds),
            "weight": sum(c["w"] for c in creds if type(c["w"]) is int),
            "credentials": creds,
            "issuer": None,
        },
    }
    if isinstance(issuer, BoardKey):
        body["eligibility"]["issuer"] = sign_eligibility(issuer, poll_id, creds)
    else:
        body["eligibility"]["issuer"] = {"kid": issuer["kid"], "ed25519": issuer["ed25519"], "sig": issuer["sig"]}
    try:
        _validate_setup_body(poll_id, body, signed=False)
    except BoardError as exc:
        raise InvalidSetup(str(exc)) from None
    return body


# --- Ballots ---------------------------------------------------------------------------------------------------


def make_ballot_body(
    poll_id: str,
    fp: str,
    credential_private_key: Ed25519PrivateKey,
    choice: Any,
    *,
    signer: str,
    nonce: bytes | str | None = None,
) -> dict:
    """A signed ballot body (section 2.2).

    ``signer`` is ``"voter"`` (signed on the voter's device) or ``"server"`` (signed by the server on
    the voter's behalf). ``nonce``: 16 bytes, their b64u, or None for fresh random ones. The choice
    is not validated here: check_ballot does that against the setup.
    """
    if signer not in SIGNERS:
        raise InvalidBallot(f'signer must be "voter" or "server", not {signer!r}')
    if nonce is None:
        nonce = secrets.token_bytes(16)
    nonce_text = nonce if isinstance(nonce, str) else b64u_encode(nonce)
    if not is_b64u(nonce_text, 16):
        raise InvalidBallot("the nonce must be 16 bytes")
    body = {
        "poll": poll_id,
        "fp": fp,
        "cred": public_b64u(credential_private_key),
        "choice": choice,
        "nonce": nonce_text,
        "signer": signer,
    }
    body["sig"] = b64u_encode(credential_private_key.sign(DST_BALLOT + canonical_bytes(body)))
    return body


def _ballot_problem(setup: Setup, fp: str, body: Any) -> str | None:
    """Why ``body`` is not a valid ballot for this setup, or None. Mirrors the verifier's checks."""
    if type(body) is not dict:
        return f"a ballot is a JSON object, not {_what(body)}"
    missing = sorted(_BALLOT_KEYS - body.keys())
    if missing:
        return f"the ballot lacks {', '.join(repr(m) for m in missing)}"
    extra = sorted(body.keys() - _BALLOT_KEYS)
    if extra:
        return f"the ballot has unknown member {', '.join(repr(m) for m in extra)}"
    if body["poll"] != setup.poll:
        return f"the ballot is for poll {_show(body['poll'])}, not this poll ({setup.poll})"
    if body["fp"] != fp:
        return "the ballot's fingerprint (fp) is not this poll's: it was made for another version of the poll"
    if not is_b64u(body["cred"], 32):
        return "the ballot's credential (cred) is not a 32-byte key in canonical b64u"
    if body["cred"] not in setup.cred_index:
        return "the ballot's credential is not in the eligibility list"
    if not is_b64u(body["nonce"], 16):
        return "the ballot's nonce is not 16 bytes in canonical b64u"
    if body["signer"] not in SIGNERS:
        return f'the ballot\'s signer is {_show(body["signer"])}, expected "voter" or "server"'
    try:
        tally_module.validate_choice(setup.method, setup.option_ids, body["choice"])
    except (tally_module.InvalidChoice, tally_module.InvalidMethod) as exc:
        return f"invalid choice: {exc}"
    if not is_b64u(body["sig"], 64):
        return "the ballot's signature (sig) is not 64 bytes in canonical b64u"
    unsigned = {k: v for k, v in body.items() if k != "sig"}
    try:
        message = DST_BALLOT + canonical_bytes(unsigned)
    except JSONFormatError as exc:
        return f"the ballot cannot be serialised: {exc}"
    if not verify_raw(b64u_decode(body["cred"]), message, b64u_decode(body["sig"])):
        return "the ballot's signature does not verify with its credential"
    return None


def check_ballot(setup: Any, fp: str, body: Any, *, poll_id: str | None = None) -> None:
    """Validate an incoming ballot body before the server appends it.

    ``setup``: a Setup (preferred: load it once with load_setup and reuse it), the setup line, entry
    or body (a body needs ``poll_id``). Checks members, poll, fingerprint, eligibility of the
    credential, the choice (through tally.validate_choice), nonce, signer and signature. Raises
    InvalidBallot with a plain-English reason. Revotes and duplicates are the caller's business
    (the database's constraints), and the verifier checks them again.
    """
    problem = _ballot_problem(load_setup(setup, poll_id=poll_id), fp, body)
    if problem is not None:
        raise InvalidBallot(problem)


def _format_tracker(ballot_text: bytes) -> str:
    code = base64.b32encode(hashlib.sha256(ballot_text).digest()).decode("ascii")[:20]
    return "-".join(code[i : i + 4] for i in range(0, 20, 4))


def tracker(ballot_body: dict) -> str:
    """The ballot's tracker: first 20 base32 characters of H(JCS(body, sig included)), as 5
    groups of 4 joined by ``-``."""
    return _format_tracker(canonical_bytes(ballot_body))


def _is_tracker(value: Any) -> bool:
    return (
        type(value) is str
        and len(value) == 24
        and all(value[i] == "-" for i in (4, 9, 14, 19))
        and all(c in _B32_ALPHABET for c in value.replace("-", ""))
    )


# --- Checkpoint, close, result -------------------------------------------------------------------------------


def make_checkpoint_body(count: int, head: str, time: Any) -> dict:
    """A checkpoint body (unsigned): ``count`` ballot entries before it; ``head`` the entry hash
    of the line before it (its own prev)."""
    return {"count": count, "head": head, "time": _time_text(time, "time")}


def make_close_body(time: Any) -> dict:
    """A close body (unsigned)."""
    return {"time": _time_text(time, "time")}


def weed_ballots(setup: Setup, ballot_bodies: Iterable[dict]) -> tuple[list[tuple[Any, int]], dict]:
    """Apply the revote policy to the board's ballots, in board order.

    Returns ``(ballots, counts)``: ``(choice, weight)`` of each counted credential, and
    ``{"ballots", "counted", "superseded", "weight"}``. Raises BoardError for a second ballot of a
    credential under revote ``none``, or a replayed (credential, nonce). Assumes each ballot passed
    check_ballot.
    """
    last: dict[str, Any] = {}
    nonces: set[tuple[str, str]] = set()
    n_ballots = 0
    for body in ballot_bodies:
        n_ballots += 1
        cred = body["cred"]
        if cred in last and setup.revote == "none":
            raise BoardError("a credential has two ballots, and this poll allows no revote")
        if (cred, body["nonce"]) in nonces:
            raise BoardError("a ballot is replayed (same credential and nonce as an earlier one)")
        nonces.add((cred, body["nonce"]))
        last.pop(cred, None)  # the last ballot of each credential counts, at its position
        last[cred] = body["choice"]
    counted = [(choice, setup.weight_of(cred)) for cred, choice in last.items()]
    counts = {
        "ballots": n_ballots,
        "counted": len(counted),
        "superseded": n_ballots - len(counted),
        "weight": sum(w for _, w in counted),
    }
    return counted, counts


def make_result_body(setup: Any, ballot_bodies: Iterable[dict], seed: bytes, *, poll_id: str | None = None) -> dict:
    """The result body (unsigned), recomputed through tally.compute from the weeded ballots.

    Requires the board's ballot bodies in board order and the tie-break seed whose hash is the
    setup's commitment (raises BoardError otherwise).
    """
    setup = load_setup(setup, poll_id=poll_id)
    if tiebreak_commit(seed) != setup.tiebreak_commit:
        raise BoardError("the tie-break seed does not match the setup's tiebreak_commit")
    counted, counts = weed_ballots(setup, ballot_bodies)
    tally, outcome = tally_module.compute(
        setup.method, setup.option_ids, counted, seed=seed, eligible_weight=setup.eligible_weight
    )
    return {
        "counted": counts["counted"],
        "superseded": counts["superseded"],
        "weight": counts["weight"],
        "tally": tally,
        "outcome": outcome,
        "tiebreak_seed": seed.hex(),
    }


# --- Receipts ---------------------------------------------------------------------------------------------------


def make_receipt(board_key: BoardKey, *, poll_id: str, fp: str, seq: int, entry: str, tracker: str) -> dict:
    """A signed receipt (section 4) for the ballot at line ``seq`` whose entry hash is ``entry``."""
    receipt = {
        "v": 1,
        "poll": poll_id,
        "fp": fp,
        "seq": seq,
        "entry": entry,
        "tracker": tracker,
        "kid": board_key.kid,
    }
    receipt["sig"] = board_key.sign(DST_RECEIPT, receipt)
    return receipt


def _load_receipt(receipt: Any) -> dict:
    if isinstance(receipt, (bytes, bytearray, str)):
        try:
            receipt = parse_json(receipt)
        except JSONFormatError as exc:
            raise InvalidReceipt(f"not a receipt: {exc}") from None
    try:
        _members(receipt, "the receipt", _RECEIPT_KEYS)
        if type(receipt["v"]) is not int or receipt["v"] != 1:
            raise BoardError(f"v must be 1, found {_show(receipt['v'])}")
        _need_str(receipt["poll"], "poll")
        _need_hex(receipt["fp"], "fp")
        _need_int(receipt["seq"], "seq")
        _need_hex(receipt["entry"], "entry")
        if not _is_tracker(receipt["tracker"]):
            raise BoardError(f"tracker must be XXXX-XXXX-XXXX-XXXX-XXXX in base32, found {_show(receipt['tracker'])}")
        _need_str(receipt["kid"], "kid")
        _need_b64u(receipt["sig"], "sig", 64)
    except BoardError as exc:
        raise InvalidReceipt(str(exc)) from None
    return receipt


def verify_receipt(
    receipt: Any,
    *,
    board_key: str,
    kid: str | None = None,
    poll_id: str | None = None,
    fp: str | None = None,
) -> dict:
    """Check a receipt's form and signature (and kid, poll, fp when given); return it parsed.

    ``receipt``: a dict or its JSON text (need not be canonical). ``board_key``: the board's public
    key in b64u. Raises InvalidReceipt with the reason. Whether the board holds the receipt's line
    is verify_board's business.
    """
    receipt = _load_receipt(receipt)
    unsigned = {k: v for k, v in receipt.items() if k != "sig"}
    try:
        message = DST_RECEIPT + canonical_bytes(unsigned)
        public = b64u_decode(board_key, 32)
    except (JSONFormatError, EncodingError) as exc:
        raise InvalidReceipt(f"cannot check the signature: {exc}") from None
    if not verify_raw(public, message, b64u_decode(receipt["sig"], 64)):
        raise InvalidReceipt("its signature does not verify with the board key")
    if kid is not None and receipt["kid"] != kid:
        raise InvalidReceipt(f"its kid {_show(receipt['kid'])} is not the board key's ({_show(kid)})")
    if poll_id is not None and receipt["poll"] != poll_id:
        raise InvalidReceipt(f"it is for poll {_show(receipt['poll'])}, not {_show(poll_id)}")
    if fp is not None and receipt["fp"] != fp:
        raise InvalidReceipt("its fingerprint (fp) is not this board's")
    return receipt


# --- An in-memory board ---------------------------------------------------------------------------------------


class BoardWriter:
    """An append-only board held in memory: for tests, benchmarks and exports.

    The server keeps its lines in the database instead, but it builds them with the same functions
    (make_entry and the make_*_body helpers), so what this class writes is what the server writes.
    ``lines`` holds each line with its trailing newline.
    """

    def __init__(self, poll_id: str, board_key: BoardKey) -> None:
        self.poll_id = poll_id
        self.board_key = board_key
        self.lines: list[bytes] = []
        self.head = GENESIS_PREV
        self.fp: str | None = None
        self.setup_info: Setup | None = None
        self.ballots: list[dict] = []
        self.closed = False

    @property
    def seq(self) -> int:
        """The seq the next entry will take."""
        return len(self.lines)

    def append(self, entry_type: str, body: dict) -> tuple[int, bytes]:
        """Append one entry; return its seq and line bytes (without newline)."""
        seq = self.seq
        line = make_entry(self.poll_id, seq, self.head, entry_type, body, board_key=self.board_key)
        self.lines.append(line + b"\n")
        self.head = entry_hash(line)
        return seq, line

    def setup(self, body: dict) -> str:
        """Append the setup body (from make_setup_body); return the poll fingerprint."""
        _, line = self.append("setup", body)
        self.fp = self.head
        self.setup_info = load_setup(line)
        return self.fp

    def ballot(self, body: dict, *, check: bool = True) -> dict:
        """Append a ballot body (checked unless ``check`` is False: tests build bad boards too);
        return its signed receipt."""
        if check:
            check_ballot(self.setup_info, self.fp, body)
        seq, _ = self.append("ballot", body)
        self.ballots.append(body)
        return make_receipt(
            self.board_key, poll_id=self.poll_id, fp=self.fp, seq=seq, entry=self.head, tracker=tracker(body)
        )

    def cast(self, credential: Ed25519PrivateKey, choice: Any, *, signer: str = "voter", nonce=None) -> dict:
        """Make, check and append a ballot; return its receipt."""
        return self.ballot(make_ballot_body(self.poll_id, self.fp, credential, choice, signer=signer, nonce=nonce))

    def checkpoint(self, time: Any) -> int:
        seq, _ = self.append("checkpoint", make_checkpoint_body(len(self.ballots), self.head, time))
        return seq

    def close(self, time: Any) -> int:
        seq, _ = self.append("close", make_close_body(time))
        self.closed = True
        return seq

    def result(self, seed: bytes) -> dict:
        """Append the result, recomputed from this board's ballots; return its body."""
        body = make_result_body(self.setup_info, self.ballots, seed)
        self.append("result", body)
        return body

    def data(self) -> bytes:
        """The whole board as a .jsonl file."""
        return b"".join(self.lines)


# --- Verifier: per-line checks (run in workers on large boards) ------------------------------------------------


class _LineError(Exception):
    """An error on the line being scanned; the scanner attaches the line index."""


def _line_payload(line: Any) -> bytes:
    if isinstance(line, str):
        line = line.encode("utf-8")
    if line[-1:] != b"\n":
        raise BoardError("the line does not end with a newline (every line, the last included, ends with \\n)")
    return line[:-1]


def _parse_line(raw: bytes) -> tuple[dict, str]:
    """Decode, parse and check the canonical form of one line; return (entry, text)."""
    obj, text = _decode_line(raw)
    _check_canonical(obj, text)
    return obj, text


def _decode_line(raw: bytes) -> tuple[dict, str]:
    """Decode and parse one line, which must hold a JSON object; return (entry, text)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BoardError(f"not UTF-8 (byte {exc.start} of the line)") from None
    try:
        obj = fast_decode(text)
    except JSONFormatError as exc:
        raise BoardError(str(exc)) from None
    except ValueError as exc:  # json.JSONDecodeError
        raise BoardError(f"not JSON: {exc}") from None
    except RecursionError:
        raise BoardError("not JSON: nested too deeply") from None
    if type(obj) is not dict:
        raise BoardError(f"an entry is a JSON object, found {_what(obj)}")
    return obj, text


def _check_canonical(obj: dict, text: str) -> None:
    """Require ``text`` to be exactly JCS(obj), its parse."""
    try:
        if not is_canonical_parse(obj, text):
            raise BoardError(explain_not_canonical(obj, text))
    except RecursionError:
        raise BoardError("not canonical JSON: nested too deeply") from None


def _check_entry_header(entry: dict, poll_id: str | None, index: int) -> None:
    v = entry["v"]
    if type(v) is not int or v != 1:
        raise BoardError(f"v must be 1, found {_show(v)}")
    if poll_id is not None and entry["poll"] != poll_id:
        raise BoardError(f"poll is {_show(entry['poll'])}, but line 0 is for poll {_show(poll_id)}")
    seq = entry["seq"]
    if type(seq) is not int or seq != index:
        raise BoardError(f"seq is {_show(seq)}, expected {index} (seq counts lines from 0 without gaps)")


class _ScanContext:
    """What the per-line checks need from the setup; small and picklable (sent to workers)."""

    __slots__ = ("poll", "fp", "method", "option_ids", "board_pub", "wanted", "heads", "ballot_line", "valid_choices")
    _STATE = ("poll", "fp", "method", "option_ids", "board_pub", "wanted", "heads")

    def __init__(
        self, poll: str, fp: str, method: dict, option_ids: list, board_pub: str, wanted: frozenset, heads: frozenset
    ) -> None:
        self.poll = poll
        self.fp = fp
        self.method = method
        self.option_ids = option_ids
        self.board_pub = b64u_decode(board_pub, 32)
        self.wanted = wanted  # line indexes named by receipts: report their hash and tracker
        self.heads = heads  # expected heads: report the lines they are the hash of
        self._derive()

    @classmethod
    def from_setup(cls, setup: Setup, wanted: frozenset, heads: frozenset) -> _ScanContext:
        return cls(setup.poll, setup.fp, setup.method, setup.option_ids, setup.board_pub, wanted, heads)

    def same_as(self, other: _ScanContext) -> bool:
        """Whether both contexts make every per-line check give the same verdict."""
        return all(getattr(self, name) == getattr(other, name) for name in self._STATE)

    def _derive(self) -> None:
        self.ballot_line = _ballot_line_pattern(self.poll, self.fp)
        # Choice JCS texts already validated, each mapped to itself: the scan hands on this one str
        # for every ballot with that choice, so a chunk's results pickle it once.
        self.valid_choices: dict[str, str] = {}

    def __getstate__(self):
        return tuple(getattr(self, name) for name in self._STATE)

    def __setstate__(self, state):
        for name, value in zip(self._STATE, state):
            setattr(self, name, value)
        self._derive()


def _ballot_line_pattern(poll: str, fp: str) -> re.Pattern:
    """A regex matching exactly the canonical ballot lines of this poll, choice aside.

    Every member but the choice has a fixed form needing no JSON escape (b64u, hex, the poll's own
    JCS text, digits without leading zeros), so a line that matches, and whose choice group is the
    JCS text of a valid choice, is a canonical ballot entry with exactly the right members: the
    same verdict the generic parse gives, for a fraction of its cost.
    """
    poll_json = re.escape(canonical_text(poll))
    return re.compile(
        r'\{"body":\{"choice":(.*?),"cred":"(' + b64u_regex(32) + r')","fp":"' + fp
        + r'","nonce":"(' + b64u_regex(16) + r')","poll":' + poll_json
        + r',"sig":"(' + b64u_regex(64) + r')","signer":"(voter|server)"\},"poll":' + poll_json
        + r',"prev":"([0-9a-f]{64})","seq":(0|[1-9][0-9]*),"type":"ballot","v":1\}'
    )  # fmt: skip


_MAX_CACHED_CHOICES = 4096


def _fast_ballot(ctx: _ScanContext, text: str, index: int, expected_prev: str | None):
    """The common case of a well-formed ballot line, checked without parsing the whole line.

    Returns ``(prev, cred, nonce, choice_text)``, or None when the line does not have the exact
    canonical ballot layout (or its choice is not canonical and valid): the caller then runs the
    generic checks, which name the problem (a bad signature included, so that a line with several faults
    is reported exactly as the generic path reports it: its prev first).
    """
    match = ctx.ballot_line.fullmatch(text)
    if match is None:
        return None
    choice_text, cred, nonce, sig, signer, prev, seq = match.groups()
    if seq != str(index) or (expected_prev is not None and prev != expected_prev):
        return None
    known = ctx.valid_choices.get(choice_text)
    if known is not None:
        choice_text = known
    else:
        try:
            choice = fast_decode(choice_text)
            if _fast_dumps(choice) != choice_text:
                return None
            tally_module.validate_choice(ctx.method, ctx.option_ids, choice)
        except (ValueError, RecursionError):  # JSON errors, InvalidChoice, InvalidMethod
            return None
        if len(ctx.valid_choices) < _MAX_CACHED_CHOICES:
            ctx.valid_choices[choice_text] = choice_text
    # JCS(body without sig): the body's text up to ',"sig":"', then the signer member.
    unsigned = text[8 : match.start(4) - 8] + ',"signer":"' + signer + '"}'
    if not verify_raw(b64u_decode_valid(cred), DST_BALLOT + unsigned.encode("utf-8"), b64u_decode_valid(sig)):
        return None
    return prev, cred, nonce, choice_text


def _check_ballot_entry(ctx: _ScanContext, text: str, body: Any) -> tuple[str, str, str]:
    """Entry-local checks of a ballot (everything but eligibility and order); return
    (cred, nonce, choice JCS text)."""
    if type(body) is not dict or body.keys() != _BALLOT_KEYS:
        _members(body, "the ballot body", _BALLOT_KEYS)
    if body["poll"] != ctx.poll:
        raise BoardError(f"body.poll is {_show(body['poll'])}: the ballot was signed for another poll")
    if body["fp"] != ctx.fp:
        raise BoardError("body.fp is not this poll's fingerprint (the entry hash of line 0)")
    cred = body["cred"]
    if not is_b64u(cred, 32):
        _need_b64u(cred, "body.cred", 32)
    nonce = body["nonce"]
    if not is_b64u(nonce, 16):
        _need_b64u(nonce, "body.nonce", 16)
    signer = body["signer"]
    if signer != "voter" and signer != "server":
        raise BoardError(f'body.signer is {_show(signer)}, expected "voter" or "server"')
    try:
        tally_module.validate_choice(ctx.method, ctx.option_ids, body["choice"])
    except (tally_module.InvalidChoice, tally_module.InvalidMethod) as exc:
        raise BoardError(f"body.choice is invalid: {exc}") from None
    sig = body["sig"]
    if not is_b64u(sig, 64):
        _need_b64u(sig, "body.sig", 64)
    unsigned = {k: v for k, v in body.items() if k != "sig"}
    if not verify_raw(b64u_decode(cred), DST_BALLOT + canonical_bytes(unsigned), b64u_decode(sig)):
        raise BoardError("body.sig does not verify with the ballot's credential (body.cred)")
    # A valid choice has ASCII keys (option ids), so this is its JCS text, as on the fast path.
    return cred, nonce, _fast_dumps(body["choice"])


def _check_signed_entry(ctx: _ScanContext, entry: dict, entry_type: str) -> None:
    """Entry-local checks of a checkpoint, close or result: members, forms, board signature."""
    body = _members(entry["body"], f"the {entry_type} body", _BOARD_SIGNED_KEYS[entry_type])
    if entry_type == "checkpoint":
        _need_int(body["count"], "body.count")
        _need_hex(body["head"], "body.head")
        if body["head"] != entry["prev"]:
            raise BoardError("body.head must equal the entry's prev (the head before this line)")
        _need_time(body["time"], "body.time")
    elif entry_type == "close":
        _need_time(body["time"], "body.time")
    else:
        for name in ("counted", "superseded", "weight"):
            _need_int(body[name], f"body.{name}")
        if type(body["tally"]) is not dict:
            raise BoardError(f"body.tally must be an object, found {_what(body['tally'])}")
        if type(body["outcome"]) is not dict:
            raise BoardError(f"body.outcome must be an object, found {_what(body['outcome'])}")
        _need_hex(body["tiebreak_seed"], "body.tiebreak_seed")
    _need_b64u(body["sig"], "body.sig", 64)
    if not _board_signature_ok(entry, ctx.board_pub, keys_checked=entry_type != "result"):
        raise BoardError("body.sig does not verify with the board key")


def _scan(ctx: _ScanContext, start: int, lines: list) -> tuple:
    """Check the lines ``start, start+1, ...`` on their own (no state from other chunks).

    Returns ``(entries, first_prev, last_hash, error, wanted, heads)``: ``entries`` lists, in
    order, up to the first failing line, ``(index, type, body)`` for each entry but a ballot and
    ``(first index, creds, nonces, choice_texts)`` for each run of consecutive ballots (three
    aligned lists, one item per ballot: the calling process checks a whole run at C speed, see
    _BoardState.absorb); ``error`` is ``(index, why)`` or None; ``first_prev`` is
    the prev of line ``start`` (to be linked with the previous chunk by the caller); ``wanted`` maps
    receipt line indexes to ``(hash, type, tracker)``; ``heads`` maps found expected heads to
    their line index.
    """
    entries: list = []
    append = entries.append
    run_next = -1  # the index a ballot must have to extend the current run
    creds: list = []
    nonces: list = []
    choices: list = []
    wanted_found: dict = {}
    heads_found: dict = {}
    wanted, heads = ctx.wanted, ctx.heads
    poll = ctx.poll
    first_prev = None
    last_hash = None
    index = start
    error = None
    sha256 = hashlib.sha256
    try:
        for line in lines:
            raw = _line_payload(line)
            digest = sha256(raw).hexdigest()
            fast = None
            if raw.startswith(b'{"body":{"choice":'):
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    pass
                else:
                    fast = _fast_ballot(ctx, text, index, None if index == start else last_hash)
            if fast is not None:  # a ballot of the usual shape, every check done by _fast_ballot
                prev, cred, nonce, choice_text = fast
                if index == start:
                    first_prev = prev
                entry_type = "ballot"
            else:
                entry, text = _parse_line(raw)
                if entry.keys() != _ENTRY_KEYS:
                    _members(entry, "the entry", _ENTRY_KEYS)
                _check_entry_header(entry, poll, index)
                prev = entry["prev"]
                if index == start:
                    first_prev = prev
                elif prev != last_hash:
                    raise BoardError(f"prev is {_show(prev)}, expected the entry hash of line {index - 1}, {last_hash}")
                entry_type = entry["type"]
                if entry_type == "ballot":
                    cred, nonce, choice_text = _check_ballot_entry(ctx, text, entry["body"])
            if entry_type == "ballot":
                if index != run_next:
                    creds, nonces, choices = [], [], []
                    append((index, creds, nonces, choices))
                creds.append(cred)
                nonces.append(nonce)
                choices.append(choice_text)
                run_next = index + 1
                if wanted and index in wanted:
                    body_text = text[8 : text.rfind(',"poll":')]
                    wanted_found[index] = (digest, "ballot", _format_tracker(body_text.encode("utf-8")))
            elif entry_type == "checkpoint" or entry_type == "close" or entry_type == "result":
                _check_signed_entry(ctx, entry, entry_type)
                append((index, entry_type, entry["body"]))
                if wanted and index in wanted:
                    wanted_found[index] = (digest, entry_type, None)
            elif entry_type == "setup":
                raise BoardError("a second setup entry: only line 0 is the setup")
            else:
                raise BoardError(f"unknown entry type {_show(entry_type)}")
            if heads and digest in heads:
                heads_found.setdefault(digest, index)
            last_hash = digest
            index += 1
    except BoardError as exc:
        error = (index, str(exc))
    return entries, first_prev, last_hash, error, wanted_found, heads_found


_WORKER_CONTEXT: _ScanContext | None = None


def _init_worker(ctx: _ScanContext) -> None:
    global _WORKER_CONTEXT
    _WORKER_CONTEXT = ctx


def _scan_in_worker(start: int, lines: list) -> tuple:
    return _scan(_WORKER_CONTEXT, start, lines)


# --- Verifier: whole-board checks ------------------------------------------------------------------------------


@dataclass
class Report:
    """What verify_board found.

    ``valid`` holds when every check passed (an open board counts as valid only with allow_open).
    ``errors`` lists ``(line index or None, why)``, first error first; structural errors stop the
    verification, so there is then exactly one. ``counts``: ballots (lines), counted, superseded,
    weight. ``tally`` and ``outcome`` are the recomputed ones (None for an open board).
    """

    valid: bool = False
    errors: list = field(default_factory=list)
    open: bool = False
    lines: int = 0
    head: str | None = None
    fp: str | None = None
    poll: str | None = None
    title: str | None = None
    question: str | None = None
    method: dict | None = None
    secrecy: str | None = None
    revote: str | None = None
    board_kid: str | None = None
    board_key: str | None = None
    issuer_kid: str | None = None
    issuer_key: str | None = None
    eligible: dict | None = None
    counts: dict = field(default_factory=lambda: {"ballots": 0, "counted": 0, "superseded": 0, "weight": 0})
    tally: dict | None = None
    outcome: dict | None = None
    receipts_checked: int = 0
    heads_checked: int = 0
    checkpoints: int = 0

    @property
    def first_error(self):
        return self.errors[0] if self.errors else None

    def to_json(self) -> dict:
        """A JSON-ready dict (the CLI's --json output)."""
        return {
            "valid": self.valid,
            "open": self.open,
            "errors": [{"line": line, "why": why} for line, why in self.errors],
            "poll": self.poll,
            "title": self.title,
            "question": self.question,
            "method": self.method,
            "secrecy": self.secrecy,
            "revote": self.revote,
            "fp": self.fp,
            "head": self.head,
            "lines": self.lines,
            "board_key": {"kid": self.board_kid, "ed25519": self.board_key} if self.board_key else None,
            "issuer_key": {"kid": self.issuer_kid, "ed25519": self.issuer_key} if self.issuer_key else None,
            "eligible": self.eligible,
            "counts": dict(self.counts),
            "tally": self.tally,
            "outcome": self.outcome,
            "receipts_checked": self.receipts_checked,
            "heads_checked": self.heads_checked,
            "checkpoints": self.checkpoints,
        }


class _Stop(Exception):
    """A structural error: verification stops at this line."""

    def __init__(self, line: int | None, why: str) -> None:
        super().__init__(why)
        self.line = line
        self.why = why


class _BoardState:
    """The checks that need the whole board in order (section 6, items 3 to 5), fed chunk by chunk."""

    def __init__(self, setup: Setup, setup_hash: str) -> None:
        self.setup = setup
        self.revote_none = setup.revote == "none"
        # Per credential position (in the eligibility list) that has voted: the line, nonce and
        # choice (JCS text) of its last ballot. Dicts, so that a run of ballots updates them in C.
        self.last_line: dict[int, int] = {}
        self.last_nonce: dict[int, str] = {}
        self.last_choice: dict[int, str] = {}
        self.older_nonces: dict[int, dict[str, int]] = {}  # credentials with several ballots
        self.ballots = 0
        self.counted = 0
        self.close_line: int | None = None
        self.result_line: int | None = None
        self.result_body: dict | None = None
        self.checkpoints = 0
        self.head = setup_hash
        self.wanted: dict = {}
        self.heads: dict = {}

    def absorb(self, start: int, result: tuple) -> None:
        entries, first_prev, last_hash, error, wanted, heads = result
        if first_prev is not None and first_prev != self.head:
            raise _Stop(start, f"prev is {_show(first_prev)}, expected the entry hash of line {start - 1}, {self.head}")
        get_position = self.setup.cred_index.get
        for entry in entries:
            if len(entry) == 4:
                first, creds, nonces, choices = entry
                positions = list(map(get_position, creds))
                if not self._absorb_new_voters(first, positions, nonces, choices):
                    self._absorb_ballots(first, positions, nonces, choices)
            else:
                self._absorb_signed(*entry)
        if error is not None:
            raise _Stop(*error)
        self.wanted.update(wanted)
        for digest, index in heads.items():
            self.heads.setdefault(digest, index)
        if last_hash is not None:
            self.head = last_hash

    def _absorb_new_voters(self, first: int, positions: list, nonces: list, choices: list) -> bool:
        """The common case of a run of ballots, at C speed: before the close, every credential
        eligible, none voting twice in the run or having voted before. Then every check of
        _absorb_ballots passes and it would only record each ballot as counted, which this does in
        bulk; returns False (having changed nothing) when the run is not that case."""
        n = len(positions)
        last_line = self.last_line
        if (
            self.close_line is not None
            or None in positions
            or len(set(positions)) != n
            or not last_line.keys().isdisjoint(positions)
        ):
            return False
        last_line.update(zip(positions, range(first, first + n)))
        self.last_nonce.update(zip(positions, nonces))
        self.last_choice.update(zip(positions, choices))
        self.counted += n
        self.ballots += n
        return True

    def _absorb_ballots(self, first: int, positions: list, nonces: list, choices: list) -> None:
        """A run of ballots, one by one: eligibility, ballots after the close, revotes and replays."""
        last_line, last_nonce, last_choice = self.last_line, self.last_nonce, self.last_choice
        indexes = range(first, first + len(positions))
        for index, position, nonce, choice_text in zip(indexes, positions, nonces, choices):
            if self.close_line is not None:
                raise _Stop(index, f"a ballot after the close entry (line {self.close_line})")
            if position is None:
                raise _Stop(index, "body.cred is not in the eligibility list")
            earlier = last_line.get(position)
            if earlier is not None:
                if self.revote_none:
                    raise _Stop(
                        index,
                        f"a second ballot of this credential (the first is line {earlier}); "
                        "this poll's revote policy is none",
                    )
                older = self.older_nonces.get(position)
                if older is None:
                    older = self.older_nonces[position] = {}
                older[last_nonce[position]] = earlier
                if nonce in older:
                    raise _Stop(
                        index,
                        f"a replayed ballot: this credential already used this nonce at line {older[nonce]}",
                    )
            else:
                self.counted += 1
            last_line[position] = index
            last_nonce[position] = nonce
            last_choice[position] = choice_text
            self.ballots += 1

    def _absorb_signed(self, index: int, entry_type: str, body: dict) -> None:
        if entry_type == "checkpoint":
            if self.close_line is not None and self.result_line is None:
                raise _Stop(index, "a checkpoint between close and result (the result comes right after close)")
            if body["count"] != self.ballots:
                raise _Stop(index, f"body.count is {body['count']}, but {self.ballots} ballot entries precede it")
            self.checkpoints += 1
        elif entry_type == "close":
            if self.close_line is not None:
                raise _Stop(index, f"a second close entry (the first is line {self.close_line})")
            self.close_line = index
        else:  # result
            if self.result_line is not None:
                raise _Stop(index, f"a second result entry (the first is line {self.result_line})")
            if self.close_line is None:
                raise _Stop(index, "a result entry before the close entry")
            if index != self.close_line + 1:
                raise _Stop(index, f"the result must come right after the close entry (line {self.close_line})")
            self.result_line = index
            self.result_body = body

    def recount(self) -> tuple[dict, dict, list]:
        """Recompute counts, tally and outcome; return them with the list of mismatches."""
        setup = self.setup
        weights = self.setup.weights
        weight = sum(map(weights.__getitem__, self.last_line))
        counts = {
            "ballots": self.ballots,
            "counted": self.counted,
            "superseded": self.ballots - self.counted,
            "weight": weight,
        }
        body = self.result_body
        errors: list = []
        if body is None:
            return counts, None, errors
        line = self.result_line
        seed_hex = body["tiebreak_seed"]
        seed = bytes.fromhex(seed_hex)
        if sha256_hex(seed) != setup.tiebreak_commit:
            errors.append((line, "body.tiebreak_seed does not match the setup's tiebreak_commit (H(seed) differs)"))
            return counts, None, errors
        # One (choice, weight) per credential that voted, its last ballot's choice; each distinct
        # choice text parsed once. (The tally is a sum: the order of the ballots does not matter.)
        last_choice = self.last_choice
        parsed = {text: fast_decode(text) for text in set(last_choice.values())}
        ballots = zip(map(parsed.__getitem__, last_choice.values()), map(weights.__getitem__, last_choice))
        try:
            tally, outcome = tally_module.compute(
                setup.method, setup.option_ids, ballots, seed=seed, eligible_weight=setup.eligible_weight
            )
        except Exception as exc:  # a verifier reports, it does not crash: but this is a bug to fix
            errors.append((line, f"the result cannot be recomputed ({type(exc).__name__}: {exc})"))
            return counts, None, errors
        for name in ("counted", "superseded", "weight"):
            if body[name] != counts[name]:
                errors.append((line, f"published {name} {body[name]} differs from the recomputed {counts[name]}"))
        for name, value in (("tally", tally), ("outcome", outcome)):
            published, recomputed = canonical_text(body[name]), canonical_text(value)
            if published != recomputed:
                errors.append((line, f"published {name} {published} differs from the recomputed {recomputed}"))
        return counts, (tally, outcome), errors


def _receipt_inputs(receipts: Iterable[Any]) -> list[tuple[str, Any]]:
    named = []
    for i, item in enumerate(receipts):
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            named.append(item)
        elif isinstance(item, os.PathLike):
            named.append((os.fspath(item), item))
        else:
            named.append((f"#{i + 1}", item))
    return named


def _read_receipt(value: Any) -> Any:
    if isinstance(value, os.PathLike):
        with open(value, "rb") as handle:
            return handle.read()
    return value


def _pool_context():
    import multiprocessing

    # fork is fastest and inherits everything, but forking a process that runs threads (a web
    # server) can deadlock the child; spawn is always safe.
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _chunks(iterator, start: int, size: int):
    while True:
        chunk = list(islice(iterator, size))
        if not chunk:
            return
        yield start, chunk
        start += len(chunk)


def _guess_context(entry: Any, fp: str, wanted: frozenset, heads: frozenset) -> _ScanContext | None:
    """The scan context that line 0 gives if it passes its checks, read from its parse before
    they run; None when the entry is too malformed to read one.

    Checking a setup that lists a million credentials takes seconds of one core: with this guess
    the workers scan the board meanwhile. It is only a guess: verify_board uses what they found
    only once line 0 passed every check and gave the same context (_ScanContext.same_as), and
    drops it otherwise.
    """
    try:
        body = entry["body"]
        options = body["options"]
        poll, method, board_pub = entry["poll"], body["method"], body["board_key"]["ed25519"]
        if type(poll) is not str or type(method) is not dict or type(options) is not list:
            return None
        option_ids = [option["id"] for option in options]
        if not all(type(option_id) is str for option_id in option_ids) or not is_b64u(board_pub, 32):
            return None
        return _ScanContext(poll, fp, method, option_ids, board_pub, wanted, heads)
    except (LookupError, TypeError, ValueError):  # a member missing or of another type
        return None


class _PoolScan:
    """Chunks of lines scanned by worker processes; their results taken in board order.

    It uses concurrent.futures rather than multiprocessing.Pool: Pool.terminate() can deadlock
    when it stops workers with tasks in flight (a bad setup stops the verification early), and a
    Pool whose worker dies waits for its result forever. The executor cancels what has not
    started, and a dead worker breaks it (BrokenProcessPool) instead of hanging.
    """

    def __init__(self, ctx: _ScanContext, n_workers: int, chunks: Iterator) -> None:
        self.ctx = ctx
        self.n_workers = n_workers
        self.chunks = chunks
        self.in_flight: deque = deque()  # (start, lines, future), in board order
        try:
            self.pool = ProcessPoolExecutor(
                n_workers, mp_context=_pool_context(), initializer=_init_worker, initargs=(ctx,)
            )
        except OSError as exc:  # no process-shared semaphores here, say
            raise BrokenProcessPool(f"cannot start worker processes: {exc}") from exc

    def submit(self, max_chunks: int, max_bytes: int | None = None) -> None:
        """Send chunks until ``max_chunks`` are in flight, the lines run out, or (when given)
        ``max_bytes`` of lines were sent by this call."""
        sent = 0
        while len(self.in_flight) < max_chunks:
            item = next(self.chunks, None)
            if item is None:
                return
            start, lines = item
            try:
                future = self.pool.submit(_scan_in_worker, start, lines)
            except (BrokenProcessPool, OSError) as exc:  # OSError: a worker could not be started
                self.chunks = chain([item], self.chunks)  # kept for give_back
                raise BrokenProcessPool(f"the worker processes stopped: {exc}") from exc
            self.in_flight.append((start, lines, future))
            if max_bytes is not None:
                sent += sum(map(len, lines))
                if sent >= max_bytes:
                    return

    def take(self) -> tuple[int, int, tuple]:
        """The next chunk's ``(start, number of lines, scan result)``, waiting for it. Raises
        BrokenProcessPool when a worker died (the chunk stays in flight for give_back)."""
        start, lines, future = self.in_flight[0]
        result = future.result()
        self.in_flight.popleft()
        return start, len(lines), result

    def give_back(self) -> Iterator:
        """Stop the workers; return the chunks still to scan, those in flight first."""
        self.close()
        in_flight, self.in_flight = self.in_flight, deque()
        return chain(((start, lines) for start, lines, _ in in_flight), self.chunks)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _scan_here(ctx: _ScanContext, chunks: Iterator, state: _BoardState, progress, total) -> int:
    """Scan the chunks in this process, feeding ``state``; return the number of lines."""
    done = 1
    for start, chunk in chunks:
        state.absorb(start, _scan(ctx, start, chunk))
        done += len(chunk)
        if progress is not None:
            progress(done, total)
    return done


def _scan_pooled(scan: _PoolScan, state: _BoardState, progress, total) -> int:
    """Scan the remaining chunks in the pool, feeding ``state`` in board order; return the number
    of lines."""
    done = 1
    window = scan.n_workers * 3
    try:
        scan.submit(window)
        while scan.in_flight:
            start, size, result = scan.take()
            state.absorb(start, result)
            done += size
            if progress is not None:
                progress(done, total)
            scan.submit(window)
    except BrokenProcessPool:
        # A worker died (killed, out of memory) or none could be started: the lines not yet
        # absorbed are scanned here, those in flight first.
        return done - 1 + _scan_here(scan.ctx, scan.give_back(), state, _offset(progress, done - 1), total)
    return done


def _offset(progress, lines_before: int):
    """``progress`` for a scan that starts after ``lines_before`` lines were already counted."""
    if progress is None:
        return None
    return lambda done, total: progress(lines_before + done, total)


def _load_receipts(receipt_inputs: list[tuple[str, Any]]) -> tuple[set, list]:
    """Read and parse the receipts: the line indexes they name, and ``(name, receipt or None,
    problem or None)`` for each."""
    wanted = set()
    loaded_receipts = []
    for name, value in receipt_inputs:
        try:
            raw = _read_receipt(value)
        except OSError as exc:
            loaded_receipts.append((name, None, f"cannot read it: {exc.strerror}"))
            continue
        try:
            receipt = _load_receipt(raw)
        except InvalidReceipt as exc:
            loaded_receipts.append((name, None, str(exc)))
            continue
        wanted.add(receipt["seq"])
        loaded_receipts.append((name, receipt, None))
    return wanted, loaded_receipts


def verify_board(
    lines: Iterable[bytes],
    *,
    board_key: str | None = None,
    issuer_key: str | None = None,
    receipts: Iterable[Any] = (),
    expect_heads: Iterable[str] = (),
    allow_open: bool = False,
    workers: int | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> Report:
    """Verify a board: every check of section 6. Never raises for a bad board: the Report says.

    ``lines``: the raw lines, each with its trailing ``\\n`` (a binary file object works).
    ``board_key`` / ``issuer_key``: pinned public keys (b64u) the setup must name. ``receipts``:
    receipt dicts, JSON texts, paths, or ``(name, receipt)`` pairs. ``expect_heads``: entry hashes
    the board must contain. ``allow_open``: accept a board without close and result (reported
    open). ``workers``: processes for signature checks (default: all cores; a pool is used only for
    boards of more than POOL_THRESHOLD lines). ``progress(lines_done, total or None)`` is called
    after each chunk. Raises ValueError only for malformed arguments (a pinned key or expected head
    that is not in the right form).
    """
    for name, pinned in (("board_key", board_key), ("issuer_key", issuer_key)):
        if pinned is not None and not is_b64u(pinned, 32):
            raise ValueError(f"the pinned {name} must be a 32-byte key in canonical b64u")
    expect_heads = list(expect_heads)
    for head in expect_heads:
        if not is_hex64(head):
            raise ValueError(f"expected head {head!r} is not 64 lowercase hex characters")
    receipt_inputs = _receipt_inputs(receipts)
    try:
        total = len(lines)  # type: ignore[arg-type]
    except TypeError:
        total = None
    n_workers = workers if workers is not None else (os.cpu_count() or 1)

    report = Report()
    iterator = iter(lines)
    state = None
    scan = None
    try:
        first = next(iterator, None)
        if first is None:
            raise _Stop(0, "the board is empty: line 0 must be the setup entry")
        try:
            raw = _line_payload(first)
            entry, text = _decode_line(raw)
        except BoardError as exc:
            raise _Stop(0, str(exc)) from None
        wanted, loaded_receipts = _load_receipts(receipt_inputs)
        wanted_lines, heads = frozenset(wanted), frozenset(expect_heads)
        # Read ahead up to the pool threshold: a board that ends before it is checked in-process.
        pending = list(islice(iterator, POOL_THRESHOLD))
        chunks = _chunks(chain(pending, iterator), 1, CHUNK_LINES)
        pooled = n_workers > 1 and len(pending) >= POOL_THRESHOLD
        fp = hashlib.sha256(raw).hexdigest()
        guess = _guess_context(entry, fp, wanted_lines, heads) if pooled else None
        if guess is not None:
            # The workers start on the lines after line 0 while this process checks it.
            try:
                scan = _PoolScan(guess, n_workers, chunks)
                scan.submit(max(EARLY_SCAN_LINES // CHUNK_LINES, 1), EARLY_SCAN_BYTES)
            except BrokenProcessPool:  # no workers: this process scans every line
                chunks, scan, pooled = (scan.give_back() if scan is not None else chunks), None, False
        try:
            setup = _check_setup_entry(raw, entry, text, fp)
        except BoardError as exc:
            raise _Stop(0, str(exc)) from None
        setup_hash = setup.fp
        report.fp, report.poll, report.title = setup.fp, setup.poll, setup.title
        report.question, report.method = setup.body["question"], setup.method
        report.secrecy, report.revote = setup.secrecy, setup.revote
        report.board_kid, report.board_key = setup.board_kid, setup.board_pub
        report.issuer_kid, report.issuer_key = setup.issuer_kid, setup.issuer_pub
        report.eligible = {"count": len(setup.weights), "weight": setup.eligible_weight}
        if board_key is not None and board_key != setup.board_pub:
            raise _Stop(0, f"body.board_key.ed25519 is {setup.board_pub}, but the pinned board key is {board_key}")
        if issuer_key is not None and issuer_key != setup.issuer_pub:
            raise _Stop(
                0, f"body.eligibility.issuer.ed25519 is {setup.issuer_pub}, but the pinned issuer key is {issuer_key}"
            )

        state = _BoardState(setup, setup_hash)
        if 0 in wanted:
            state.wanted[0] = (setup_hash, "setup", None)
        if setup_hash in heads:
            state.heads[setup_hash] = 0
        ctx = _ScanContext.from_setup(setup, wanted_lines, heads)
        if scan is not None and not scan.ctx.same_as(ctx):
            chunks, scan = scan.give_back(), None  # a wrong guess (it cannot be, but): scan again
        if pooled and scan is None:
            try:
                scan = _PoolScan(ctx, n_workers, chunks)
            except BrokenProcessPool:
                pass  # no workers: this process scans every line
        if progress is not None:
            progress(1, total)
        if scan is not None:
            report.lines = _scan_pooled(scan, state, progress, total)
        else:
            report.lines = _scan_here(ctx, chunks, state, progress, total)
        report.head = state.head
    except _Stop as stop:
        report.errors.append((stop.line, stop.why))
        if state is not None:
            report.lines = stop.line or 0
            if state.result_line is not None and stop.line is not None and state.result_line < stop.line:
                # The published result precedes the failing line: say first whether it holds.
                report.counts, _, result_errors = state.recount()
                report.errors[:0] = result_errors
        report.valid = False
        return report
    finally:
        if scan is not None:
            scan.close()

    errors: list = []
    counts, computed, result_errors = state.recount()
    report.counts = counts
    report.checkpoints = state.checkpoints
    errors.extend(result_errors)
    if state.close_line is None or state.result_line is None:
        report.open = True
        if not allow_open:
            missing = "close and result entries" if state.close_line is None else "result entry after the close"
            errors.append((None, f"the board is open: it has no {missing} (allow an open board to check it as such)"))
    elif computed is not None:
        report.tally, report.outcome = computed

    for name, receipt, problem in loaded_receipts:
        if receipt is None:
            errors.append((None, f"receipt {name}: {problem}"))
            continue
        why = _receipt_problem(receipt, setup, state)
        if why is None:
            report.receipts_checked += 1
        else:
            errors.append((receipt["seq"], f"receipt {name}: {why}"))

    for head in expect_heads:
        if head in state.heads:
            report.heads_checked += 1
        else:
            errors.append((None, f"expected head {head} is not the entry hash of any line of the board"))

    errors.sort(key=lambda e: (e[0] is None, e[0] if e[0] is not None else 0))
    report.errors = errors
    report.valid = not errors
    return report


def _receipt_problem(receipt: dict, setup: Setup, state: _BoardState) -> str | None:
    try:
        verify_receipt(receipt, board_key=setup.board_pub)
    except InvalidReceipt as exc:
        return str(exc)
    if receipt["kid"] != setup.board_kid:
        return f"its kid {_show(receipt['kid'])} is not the board key's ({_show(setup.board_kid)})"
    if receipt["poll"] != setup.poll:
        return f"it is for poll {_show(receipt['poll'])}, not {_show(setup.poll)}"
    if receipt["fp"] != setup.fp:
        return "its fingerprint (fp) is not this board's"
    found = state.wanted.get(receipt["seq"])
    if found is None or found[0] != receipt["entry"]:
        return "its line is missing from the board, or differs"
    digest, entry_type, tracker_code = found
    if entry_type != "ballot":
        return f"line {receipt['seq']} is a {entry_type} entry, not a ballot"
    if tracker_code != receipt["tracker"]:
        return f"its tracker {receipt['tracker']} is not the ballot's ({tracker_code})"
    return None
