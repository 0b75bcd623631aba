"""Benchmark: verify a large approval board, against bare Ed25519 verification of its signatures.

    python bench/verify_board.py [--ballots 100000] [--options 5] [--board PATH] [--workers 1 2]

Builds (or reuses, when PATH exists) a closed board with one ballot per credential, made with the
writer of polls.core.board, then prints, for each worker count, the wall-clock time of
verify_board and of bare Ed25519 verification of the same ballot signatures (the public key
loaded and the signature checked with `cryptography`, nothing else), and their ratio.
Prints figures; asserts nothing (bench/ holds no tests).
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: E402
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from polls.core import board as B  # noqa: E402
from polls.core.canonical import b64u_decode, canonical_bytes, parse_json  # noqa: E402
from polls.core.signing import DST_BALLOT, generate_board_key  # noqa: E402

T0 = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)


def build_board(path: Path, n_ballots: int, n_options: int) -> None:
    started = time.perf_counter()
    poll = "poll-bench-approval"
    board_key = generate_board_key("board-bench")
    credentials = [Ed25519PrivateKey.generate() for _ in range(n_ballots)]
    seed = B.new_tiebreak_seed()
    option_ids = [f"opt-{i + 1}" for i in range(n_options)]
    body = B.make_setup_body(
        poll,
        title="Benchmark",
        question="Which options?",
        assembly={"slug": "bench", "name": "Bench"},
        subject={"type": "priorities", "refs": []},
        options=[{"id": o, "label": o} for o in option_ids],
        method={"kind": "approval", "min": 0, "max": n_options},
        secrecy="credential",
        revote="last-counts",
        opens=T0,
        closes=T0 + dt.timedelta(days=2),
        tiebreak_commit=B.tiebreak_commit(seed),
        board_key=board_key,
        credentials=[(B.public_b64u(k), 1) for k in credentials],
        issuer=board_key,
    )
    writer = B.BoardWriter(poll, board_key)
    fp = writer.setup(body)
    for i, key in enumerate(credentials):
        choice = [o for j, o in enumerate(option_ids) if (i >> j) & 1]
        writer.ballot(B.make_ballot_body(poll, fp, key, choice, signer="voter"), check=False)
        if i and i % 10_000 == 0:
            writer.checkpoint(T0 + dt.timedelta(hours=1))
    writer.close(T0 + dt.timedelta(days=2))
    writer.result(seed)
    path.write_bytes(writer.data())
    print(
        f"built {path} ({len(writer.lines):,} lines, {path.stat().st_size / 1e6:.1f} MB) "
        f"in {time.perf_counter() - started:.1f} s"
    )


_SIGNATURES: list = []


def _bare(bounds: tuple[int, int]) -> int:
    ok = 0
    for pub, message, sig in _SIGNATURES[bounds[0] : bounds[1]]:
        try:
            Ed25519PublicKey.from_public_bytes(pub).verify(sig, message)
            ok += 1
        except InvalidSignature:
            pass
    return ok


def bare_verification(workers: int) -> float:
    n = len(_SIGNATURES)
    started = time.perf_counter()
    if workers == 1:
        assert _bare((0, n)) == n
    else:
        step = 2_000
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            assert sum(pool.map(_bare, [(i, min(i + step, n)) for i in range(0, n, step)])) == n
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--options", type=int, default=5)
    parser.add_argument("--board", type=Path, default=None)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    path = args.board or Path(f"/tmp/deliberate-bench-{args.ballots}-{args.options}.jsonl")
    if not path.exists():
        build_board(path, args.ballots, args.options)
    data = path.read_bytes()
    lines = data.splitlines(keepends=True)

    for line in lines:
        entry = parse_json(line)
        if entry["type"] == "ballot":
            body = entry["body"]
            unsigned = {k: v for k, v in body.items() if k != "sig"}
            _SIGNATURES.append(
                (b64u_decode(body["cred"]), DST_BALLOT + canonical_bytes(unsigned), b64u_decode(body["sig"]))
            )
    n = len(_SIGNATURES)
    print(f"board: {path} - {len(lines):,} lines, {n:,} ballot signatures; {os.cpu_count()} cores")

    # This workplace's machines are noisy: alternate the runs and keep the best of each.
    for workers in args.workers:
        bare_runs, full_runs = [], []
        for _ in range(args.repeat):
            bare_runs.append(bare_verification(workers))
            started = time.perf_counter()
            report = B.verify_board(lines, workers=workers)
            full_runs.append(time.perf_counter() - started)
            assert report.valid, report.errors
        bare, full = min(bare_runs), min(full_runs)
        print(
            f"workers={workers}: verify_board {full:6.2f} s ({full / n * 1e6:5.1f} us/ballot) | "
            f"bare Ed25519 {bare:6.2f} s ({bare / n * 1e6:5.1f} us/sig) | ratio {full / bare:.2f}"
            f"   [runs: verify {', '.join(f'{t:.1f}' for t in full_runs)};"
            f" bare {', '.join(f'{t:.1f}' for t in bare_runs)}]"
        )
        print(f"           extrapolated to 1,000,000 ballots: {full / n * 1_000_000:.0f} s")

    # What the verifier adds besides Ed25519: everything with the signature check replaced by a stub.
    real = B.verify_raw
    B.verify_raw = lambda public, message, signature: True
    try:
        started = time.perf_counter()
        B.verify_board(lines, workers=1)
        rest = time.perf_counter() - started
    finally:
        B.verify_raw = real
    print(f"without the Ed25519 call (workers=1): {rest:.2f} s ({rest / n * 1e6:.1f} us/ballot, setup included)")


if __name__ == "__main__":
    main()
