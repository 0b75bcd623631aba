"""Benchmark: every tally method on N ballots and K options, against one bare pass over the same ballots.

    python -m bench.tallies [--ballots 1000000] [--options 10] [--methods schulze irv ...]

For each method, draws N random valid choices (seeded, mostly distinct: full or partial rankings, complete
score maps...), then times polls.core.tally.compute on them, beside the reference: one pass over the same
(choice, weight) pairs that only sums the weights, the least any tally must do. Goal: each method under
10 s on 1,000,000 ballots and 10 options. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from bench.common import KINDS, ROOT, Row, method_for, option_ids, random_choice

sys.path.insert(0, str(ROOT))

GOAL_SECONDS = 10.0


def bare_pass(ballots) -> float:
    started = time.perf_counter()
    total = 0
    for _choice, weight in ballots:
        total += weight
    assert total == len(ballots)
    return time.perf_counter() - started


def measure(kind: str, ballots: int, options: int, seed: int = 8) -> dict:
    from polls.core import tally

    rng = random.Random(seed)
    method = method_for(kind, options)
    ids = option_ids(kind, options)
    drawn = [(random_choice(rng, method, ids), 1) for _ in range(ballots)]
    reference = bare_pass(drawn)
    started = time.perf_counter()
    result, outcome = tally.compute(method, ids, iter(drawn), seed=b"\x07" * 32, eligible_weight=ballots)
    seconds = time.perf_counter() - started
    return {
        "kind": kind,
        "ballots": ballots,
        "options": len(ids),
        "seconds": seconds,
        "reference": reference,
        "winners": outcome.get("winners", outcome),
    }


def rows(figures: list[dict]) -> list[Row]:
    out = []
    for f in figures:
        goal = GOAL_SECONDS * f["ballots"] / 1_000_000
        out.append(
            Row(
                figure=f"tally {f['kind']}, {f['ballots']:,} ballots x {f['options']} options",
                value=f"{f['seconds']:.2f} s",
                reference=f"bare pass {f['reference']:.3f} s",
                ratio=f"{f['seconds'] / max(f['reference'], 1e-9):.0f}x",
                goal=f"< {goal:g} s" + ("" if f["ballots"] == 1_000_000 else " (10 s per 1M, scaled)"),
                met=f["seconds"] < goal,
            )
        )
    return out


def run(ballots: int, options: int, methods=None) -> list[dict]:
    figures = []
    for kind in methods or KINDS:
        figure = measure(kind, ballots, options)
        print(
            f"tally {kind:18} {figure['ballots']:>9,} ballots x {figure['options']:>2} options: "
            f"{figure['seconds']:6.2f} s  (bare pass {figure['reference']:.3f} s; winners {figure['winners']})",
            flush=True,
        )
        figures.append(figure)
    return figures


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--options", type=int, default=10)
    parser.add_argument("--methods", nargs="+", choices=KINDS, default=None)
    args = parser.parse_args(argv)
    run(args.ballots, args.options, args.methods)


if __name__ == "__main__":
    main()
