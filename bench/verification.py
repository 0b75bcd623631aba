"""Benchmark: `deliberate-verify` on a board of N ballots, against bare Ed25519 verification of its signatures.

    python -m bench.verification [--ballots 10000] [--options 5] [--workers 2]

Builds the board once (bench/verify_board.py's writer: one approval ballot per credential, checkpoints,
close and result) into /tmp and reuses it, then times the standalone verifier's command line, as anyone
would run it (`deliberate-verify BOARD --workers W --quiet`: reading, parsing, hash chain, signatures,
eligibility, revotes, tally), beside the reference measured in the same run: the bare Ed25519
verification of the same signatures with the same number of processes (bench/verify_board.py), the
physical limit of this check. Goal: 1,000,000 ballots in under 60 s on 2 cores, within 1.5x of bare.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from bench.common import ROOT, Row

sys.path.insert(0, str(ROOT))

GOAL_RATIO = 1.5
GOAL_SECONDS_PER_MILLION = 60.0


def board_path(ballots: int, options: int) -> Path:
    return Path(f"/tmp/deliberate-bench-{ballots}-{options}.jsonl")


def measure(ballots: int, options: int = 5, workers: int = 2) -> dict:
    from bench import verify_board
    from polls.core.canonical import b64u_decode, canonical_bytes, parse_json
    from polls.core.signing import DST_BALLOT

    path = board_path(ballots, options)
    if not path.exists():
        verify_board.build_board(path, ballots, options)
    verify_board._SIGNATURES.clear()
    with path.open("rb") as lines:
        for line in lines:
            if b'"type":"ballot"' not in line:
                continue
            body = parse_json(line)["body"]
            unsigned = {k: v for k, v in body.items() if k != "sig"}
            verify_board._SIGNATURES.append(
                (b64u_decode(body["cred"]), DST_BALLOT + canonical_bytes(unsigned), b64u_decode(body["sig"]))
            )
    bare = verify_board.bare_verification(workers)
    verify_board._SIGNATURES.clear()
    verifier = Path(sys.executable).parent / "deliberate-verify"
    command = [str(verifier)] if verifier.exists() else [sys.executable, "-m", "polls.verify"]
    started = time.perf_counter()
    result = subprocess.run(
        [*command, str(path), "--workers", str(workers), "--quiet"], cwd=ROOT, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    return {
        "ballots": ballots,
        "workers": workers,
        "seconds": seconds,
        "bare": bare,
        "valid": result.returncode == 0,
        "verdict": (result.stdout + result.stderr).strip()[-200:],
    }


def rows(figures: list[dict]) -> list[Row]:
    out = []
    for f in figures:
        goal_seconds = GOAL_SECONDS_PER_MILLION * f["ballots"] / 1_000_000
        ratio = f["seconds"] / max(f["bare"], 1e-9)
        out.append(
            Row(
                figure=f"deliberate-verify, {f['ballots']:,} ballots, {f['workers']} workers"
                + ("" if f["valid"] else " (INVALID!)"),
                value=f"{f['seconds']:.1f} s ({f['ballots'] / f['seconds']:,.0f}/s)",
                reference=f"bare Ed25519 {f['bare']:.1f} s",
                ratio=f"{ratio:.2f}",
                goal=f"< {goal_seconds:g} s and < {GOAL_RATIO}x",
                met=f["valid"] and ratio < GOAL_RATIO and f["seconds"] < goal_seconds,
            )
        )
    return out


def run(sizes, options: int = 5, workers: int = 2) -> list[dict]:
    figures = []
    for ballots in sizes:
        f = measure(ballots, options, workers)
        print(
            f"deliberate-verify {f['ballots']:>9,} ballots, {workers} workers: {f['seconds']:6.1f} s | "
            f"bare Ed25519 {f['bare']:6.1f} s | ratio {f['seconds'] / f['bare']:.2f} | {f['verdict']}",
            flush=True,
        )
        figures.append(f)
    return figures


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, nargs="+", default=[10_000])
    parser.add_argument("--options", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    run(args.ballots, args.options, args.workers)


if __name__ == "__main__":
    main()
