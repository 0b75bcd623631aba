"""Boards built with the writer, for the board, tamper and CLI tests.

Not a test module: helpers only. Everything goes through the public writer API of
polls.core.board, exactly as the server builds its boards.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from polls.core import board as B
from polls.core.canonical import canonical_bytes, parse_json
from polls.core.credentials import derive_credential, new_voting_code
from polls.core.signing import BoardKey, generate_board_key, public_b64u

T0 = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)

#: One method (and its options) per kind, with parameters that exercise the bounds.
METHODS: dict[str, tuple[dict, list[str]]] = {
    "yes-no-abstain": (
        {"kind": "yes-no-abstain", "threshold": {"num": 1, "den": 2}, "base": "cast", "quorum": 3},
        ["yes", "no", "abstain"],
    ),
    "yes-no-abstain-eligible": (
        {"kind": "yes-no-abstain", "threshold": {"num": 2, "den": 3}, "base": "eligible", "quorum": 0},
        ["yes", "no", "abstain"],
    ),
    "plurality": ({"kind": "plurality", "seats": 2}, ["a", "b", "c"]),
    "approval": ({"kind": "approval", "min": 0, "max": 3}, ["opt-1", "opt-2", "opt-3", "opt-4"]),
    "dot": ({"kind": "dot", "budget": 5, "seats": 2}, ["p", "q", "r"]),
    "score": ({"kind": "score", "max_score": 4}, ["s1", "s2", "s3"]),
    "majority-judgment": (
        {"kind": "majority-judgment", "grades": ["reject", "poor", "fair", "good"], "seats": 1},
        ["m1", "m2", "m3"],
    ),
    "schulze": ({"kind": "schulze", "seats": 2}, ["x", "y", "z", "w"]),
    "irv": ({"kind": "irv"}, ["i1", "i2", "i3", "i4"]),
}


def random_choice(method: dict, option_ids: list[str], rng: random.Random) -> Any:
    """A valid choice for ``method``, sometimes empty where the method allows it."""
    kind = method["kind"]
    if kind in ("yes-no-abstain", "plurality"):
        return rng.choice(option_ids)
    if kind == "approval":
        size = rng.randint(method["min"], method["max"])
        return sorted(rng.sample(option_ids, size))
    if kind == "dot":
        left, choice = method["budget"], {}
        for option in rng.sample(option_ids, rng.randint(0, len(option_ids))):
            if left == 0:
                break
            points = rng.randint(1, left)
            choice[option] = points
            left -= points
        return choice
    if kind == "score":
        return {o: rng.randint(0, method["max_score"]) for o in option_ids}
    if kind == "majority-judgment":
        return {o: rng.randrange(len(method["grades"])) for o in option_ids}
    ranking = rng.sample(option_ids, len(option_ids))
    return ranking[: rng.randint(0, len(ranking))]


@dataclass
class Built:
    """A board made by the writer, with everything a test may want to check it against."""

    poll: str
    writer: B.BoardWriter
    board_key: BoardKey
    issuer_key: BoardKey
    credentials: list  # private keys, in creation order
    codes: list[str]
    seed: bytes
    method: dict
    option_ids: list[str]
    receipts: list[dict] = field(default_factory=list)
    ballots: list[tuple[int, Any]] = field(default_factory=list)  # (credential index, choice)

    @property
    def lines(self) -> list[bytes]:
        return list(self.writer.lines)

    @property
    def fp(self) -> str:
        return self.writer.fp

    def data(self) -> bytes:
        return self.writer.data()

    def write(self, path: Path) -> Path:
        path.write_bytes(self.data())
        return path


def setup_body(
    poll: str,
    *,
    method: dict,
    option_ids: list[str],
    secrecy: str,
    revote: str,
    board_key: BoardKey,
    issuer_key: BoardKey,
    credentials: list,
    weights: list[int],
    seed: bytes,
) -> dict:
    creds = []
    for i, (key, weight) in enumerate(zip(credentials, weights)):
        entry = {"pub": public_b64u(key), "w": weight}
        if secrecy == "roll-call":
            entry["member"] = {"id": f"m-{i:04d}", "name": f"Membre n° {i} «Zoë»"}
        creds.append(entry)
    return B.make_setup_body(
        poll,
        title="Séance plénière — test",
        question="Quelle option l’assemblée retient-elle ?",
        assembly={"slug": "ag", "name": "Assemblée générale"},
        subject={"type": "priorities", "refs": ["item-1", "item-2"]},
        options=[{"id": o, "label": f"Option {o} «é»"} for o in option_ids],
        method=method,
        secrecy=secrecy,
        revote=revote,
        opens=T0,
        closes=T0 + dt.timedelta(days=2),
        tiebreak_commit=B.tiebreak_commit(seed),
        board_key=board_key,
        credentials=creds,
        issuer=issuer_key,
    )


def build(
    method_name: str = "approval",
    *,
    secrecy: str = "credential",
    revote: str = "last-counts",
    voters: int = 7,
    revotes: int = 2,
    abstainers: int = 1,
    checkpoints: bool = True,
    close: bool = True,
    result: bool = True,
    trailing_checkpoint: bool = False,
    weights: list[int] | None = None,
    seed_rng: int = 1,
    poll: str = "poll-test-1",
    method: dict | None = None,
    option_ids: list[str] | None = None,
) -> Built:
    """Build a board: ``voters`` credentials (from voting codes), all but ``abstainers`` vote once,
    then ``revotes`` of them vote again (only with last-counts), with checkpoints in between, then
    close and result unless told otherwise."""
    rng = random.Random(seed_rng)
    if method is None:
        method, option_ids = METHODS[method_name]
    board_key = generate_board_key("board-test")
    issuer_key = generate_board_key("issuer-test")
    codes = [new_voting_code() for _ in range(voters)]
    credentials = [derive_credential(code, poll) for code in codes]
    weights = weights or [1 + (i % 3 == 2) for i in range(voters)]
    seed = bytes(rng.getrandbits(8) for _ in range(32))
    writer = B.BoardWriter(poll, board_key)
    body = setup_body(
        poll,
        method=method,
        option_ids=option_ids,
        secrecy=secrecy,
        revote=revote,
        board_key=board_key,
        issuer_key=issuer_key,
        credentials=credentials,
        weights=weights,
        seed=seed,
    )
    writer.setup(body)
    built = Built(poll, writer, board_key, issuer_key, credentials, codes, seed, method, option_ids)
    voting = list(range(voters - abstainers))
    rng.shuffle(voting)
    for n, i in enumerate(voting):
        choice = random_choice(method, option_ids, rng)
        built.receipts.append(writer.cast(credentials[i], choice, signer=rng.choice(["voter", "server"])))
        built.ballots.append((i, choice))
        if checkpoints and n == len(voting) // 2:
            writer.checkpoint(T0 + dt.timedelta(hours=1))
    if revote == "last-counts":
        for i in voting[:revotes]:
            choice = random_choice(method, option_ids, rng)
            built.receipts.append(writer.cast(credentials[i], choice))
            built.ballots.append((i, choice))
    if checkpoints:
        writer.checkpoint(T0 + dt.timedelta(hours=2))
    if close:
        writer.close(T0 + dt.timedelta(days=2))
        if result:
            writer.result(seed)
            if trailing_checkpoint:
                writer.checkpoint(T0 + dt.timedelta(days=2, hours=1))
    return built


# --- Re-signing helpers for tamper tests: a dishonest server holds the board key. -------------------


def entries(lines: list[bytes]) -> list[dict]:
    return [parse_json(line) for line in lines]


def rechain(entry_list: list[dict], board_key: BoardKey, *, seed: bytes | None = None) -> list[bytes]:
    """Re-serialise entries, renumbering seq, relinking prev, fixing checkpoint counts and heads
    and re-signing every board-signed entry with ``board_key``: what a dishonest server holding
    the board key could publish. Ballot bodies are kept (it cannot re-sign them). With ``seed``,
    the result is recomputed from the remaining ballots too."""
    out: list[bytes] = []
    prev = B.GENESIS_PREV
    ballots: list[dict] = []
    setup = None
    for seq, entry in enumerate(entry_list):
        body = dict(entry["body"])
        kind = entry["type"]
        if kind == "ballot":
            ballots.append(body)
        else:
            body.pop("sig", None)
            if kind == "checkpoint":
                body["head"] = prev
                body["count"] = len(ballots)
            if kind == "result" and seed is not None and setup is not None:
                try:
                    body = B.make_result_body(setup, ballots, seed)
                except B.BoardError:
                    pass  # a board the writer cannot count (e.g. two ballots under revote none)
        raw = {"v": 1, "poll": entry["poll"], "seq": seq, "prev": prev, "type": kind, "body": body}
        if kind != "ballot":
            raw = B.sign_entry(raw, board_key)
        line = canonical_bytes(raw)
        if seq == 0 and kind == "setup" and seed is not None:
            try:
                setup = B.load_setup(line)
            except B.InvalidSetup:
                setup = None
        out.append(line + b"\n")
        prev = B.entry_hash(line)
    return out


def line_of(entry: dict) -> bytes:
    return canonical_bytes(entry) + b"\n"
