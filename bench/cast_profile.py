"""Profile of the cast path, in one process: CPU and queries per ballot through the whole Django stack.

    python -m bench.cast_profile [--ballots 1000] [--top 25]

On the benchmarks' database, makes a secret approval poll (as bench/cast_http.py does), then posts each
signed JSON ballot to /polls/<id>/ballots with Django's test client (every middleware, the view, the
service, the receipt; no network, no Daphne), one after another. Prints the CPU time and wall time per
ballot, the queries per ballot, and the functions with the most cumulative CPU (cProfile). On a shared
machine CPU time is a steadier figure than wall time. Asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time

from bench.common import ROOT, bench_environment

sys.path.insert(0, str(ROOT))
SORT = os.environ.get("BENCH_PROFILE_SORT", "cumulative")


def measure(ballots: int, top: int = 25, profile: bool = True) -> dict:
    from bench.cast_http import prepare

    prepared = prepare(ballots + 1, 5)
    from django.db import connection
    from django.test import Client

    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    page = client.get(f"/polls/{prepared['poll']}/vote-by-code/")
    token = page.cookies["csrftoken"].value
    url = f"/polls/{prepared['poll']}/ballots"
    bodies = prepared["bodies"]

    def post(body: bytes, number: int) -> None:
        # each member from their own device: the per-address allowance of casts is not what is measured
        response = client.post(
            url,
            data=body,
            content_type="application/json",
            HTTP_X_CSRFTOKEN=token,
            REMOTE_ADDR=f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}",
        )
        if response.status_code != 201:
            raise RuntimeError(f"{response.status_code}: {response.content[:300]!r}")

    post(bodies[0], 0)  # the first cast of a process loads the poll's setup into the cache
    queries = []

    def record(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        post(bodies[1], 1)
    profiler = cProfile.Profile(time.process_time) if profile else None  # CPU time: waits do not count
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    for number, body in enumerate(bodies[2:], start=2):
        post(body, number)
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    count = len(bodies) - 2
    stats = ""
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(SORT).print_stats(top)
        stats = out.getvalue()
    return {
        "ballots": count,
        "cpu_ms": 1000 * cpu / count,
        "wall_ms": 1000 * wall / count,
        "queries": queries,
        "profile": stats,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-profile", action="store_true", help="time without cProfile's overhead")
    args = parser.parse_args(argv)
    os.environ["DATABASE_CONN_MAX_AGE"] = "600"  # one thread here: a kept connection is reused, as the pool does
    bench_environment()
    figures = measure(args.ballots, args.top, profile=not args.no_profile)
    print(
        f"cast path in process (test client, every middleware): {figures['ballots']} ballots, "
        f"{figures['cpu_ms']:.2f} ms CPU and {figures['wall_ms']:.2f} ms wall per ballot"
        + ("" if args.no_profile else " (under cProfile)")
    )
    print(f"queries per ballot: {len(figures['queries'])}")
    for sql in figures["queries"]:
        print(f"  {sql[:140]}")
    if figures["profile"]:
        print(figures["profile"])


if __name__ == "__main__":
    main()
