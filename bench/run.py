"""`make bench`: every benchmark at small sizes (a few minutes), or at full sizes with BIG=1, then ONE table.

    python -m bench.run [--big] [--only verification tallies casting debates site pages]

Each row: the figure, our value, the reference measured in the same run on the same machine (so that the
ratio holds when the machine is noisy), the ratio, the goal of issue #8, and whether it is met. Each part
also runs alone: bench.verification, bench.tallies, bench.cast_http, bench/debates.py, bench.site_load,
bench/pages.py, bench.make_poll (large real polls). Needs PostgreSQL and Redis for the HTTP parts
(DATABASE_URL defaults to `deliberate_bench`, REDIS_URL to Redis database 9) and Chromium for the page
loads; a part that cannot run says why in its row. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
import traceback

from bench.common import ROOT, Row, bench_environment, print_table

sys.path.insert(0, str(ROOT))

PARTS = ["verification", "tallies", "casting", "debates", "site", "pages"]
SIZES = {
    False: {
        "verify": [10_000],
        "tally": 100_000,
        "cast": 1_000,
        "debate_clients": 200,
        "debate_seconds": 10,
        "site_members": 50,
        "site_seconds": 20,
    },
    True: {
        "verify": [10_000, 1_000_000],
        "tally": 1_000_000,
        "cast": 10_000,
        "debate_clients": 1000,
        "debate_seconds": 30,
        "site_members": 200,
        "site_seconds": 120,
    },
}


def verification(size: dict, big: bool) -> list[Row]:
    from bench import verification as part

    return part.rows(part.run(size["verify"]))


def tallies(size: dict, big: bool) -> list[Row]:
    from bench import tallies as part

    return part.rows(part.run(size["tally"], 10))


def casting(size: dict, big: bool) -> list[Row]:
    from bench import cast_http as part

    return part.rows(part.run(part.arguments(["--ballots", str(size["cast"]), "--servers", "1", "2"])))


def debates(size: dict, big: bool) -> list[Row]:
    """bench/debates.py through its command line (it is another engineer's, and its output its contract)."""
    redis_url = os.environ["REDIS_URL"]
    command = [
        sys.executable,
        "bench/debates.py",
        "--clients",
        str(size["debate_clients"]),
        "--duration",
        str(size["debate_seconds"]),
    ]
    options = subprocess.run(
        [sys.executable, "bench/debates.py", "--help"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    if "--database" in options:
        command += ["--database", "deliberate_bench_live"]
    if "--redis-url" in options:
        command += ["--redis-url", redis_url]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=os.environ)
    print(result.stdout[-3000:], flush=True)
    label = f"live debate, {size['debate_clients']} readers, 2 Daphne + Redis"
    latency = re.search(r"latency post -> delivery\s+p50 (\d+) ms, p99 (\d+) ms", result.stdout)
    lost = re.search(r"lost\s+(\d+) deliveries", result.stdout)
    first = re.search(r"first reader reached\s+p50 (\d+) ms, p99 (\d+) ms", result.stdout)
    if result.returncode != 0 or latency is None:
        return [
            Row(
                label,
                "not available",
                goal="p99 < 1 s, none lost",
                reference=(result.stderr.strip().splitlines() or ["no output"])[-1][:80],
            )
        ]
    p50, p99 = int(latency.group(1)), int(latency.group(2))
    rows = [
        Row(
            f"{label}: post -> delivery p50 / p99",
            f"{p50} / {p99} ms",
            f"first reader p50 / p99 {first.group(1)} / {first.group(2)} ms" if first else "",
            f"{p99 / max(1, int(first.group(2))):.1f}" if first else "",
            "p99 < 1 s",
            p99 < 1000,
        )
    ]
    if lost:
        rows.append(Row(f"{label}: deliveries lost", lost.group(1), "", "", "0", lost.group(1) == "0"))
    return rows


def site(size: dict, big: bool) -> list[Row]:
    from bench import site_load as part

    results = part.run(part.arguments(["--members", str(size["site_members"]), "--seconds", str(size["site_seconds"])]))
    part.report(results)
    return part.rows(results)


def pages(size: dict, big: bool) -> list[Row]:
    try:
        from bench import pages as part
    except ImportError as error:
        return [Row("page weights and throttled loads (bench/pages.py)", "not available", reference=str(error)[:60])]
    out = []
    for row in part.figures(big=big):
        value, reference = row["value"], row["reference_value"]
        out.append(
            Row(
                row["figure"],
                f"{value} {row['unit']}",
                f"{reference} {row['unit']} ({row['reference']})",
                f"{value / reference:.2f}" if reference else "",
                row["goal"],
                row["met"],
            )
        )
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", action="store_true", help="full sizes (make bench BIG=1)")
    parser.add_argument("--only", nargs="+", choices=PARTS, default=PARTS)
    args = parser.parse_args(argv)
    bench_environment()
    size = SIZES[args.big]
    started = time.perf_counter()
    rows: list[Row] = []
    for name in args.only:
        print(f"\n== {name} ({'full' if args.big else 'small'} size)", flush=True)
        part_started = time.perf_counter()
        try:
            rows += globals()[name](size, args.big)
        except Exception as error:  # one part failing must not hide the others' figures
            traceback.print_exc()
            rows.append(Row(f"{name}: failed", "not available", reference=f"{type(error).__name__}: {error}"[:80]))
        print(f"   ({name}: {time.perf_counter() - part_started:.0f} s)", flush=True)
    print(
        f"\nDeliberate benchmarks, {'full' if args.big else 'small'} sizes, {os.cpu_count()} cores, "
        f"{time.perf_counter() - started:.0f} s; the machine is shared, so read the ratios more than the values.\n"
    )
    print_table(rows)


if __name__ == "__main__":
    main()
