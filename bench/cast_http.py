"""Benchmark: casting signed ballots over HTTP, 100 concurrent voters, 1 and 2 Daphne processes.

    python -m bench.cast_http [--ballots 3000] [--voters 100] [--servers 1 2] [--options 5] [--profile]

Needs PostgreSQL and Redis (DATABASE_URL defaults to the benchmarks' database `deliberate_bench`, REDIS_URL to
Redis database 9). Through the services, makes an assembly with one member per ballot and a secret
(credential) approval poll with paper codes, then starts the Daphne processes (bench/serve.py). Every
ballot is derived from its code and signed "in the browser" beforehand (polls/core, as vote.js does), so the
timed part is the server's: `--voters` clients (asyncio + aiohttp, each with its own connection and CSRF
cookie, spread over the processes like the proxy would) post the JSON ballots to
/polls/<id>/ballots, the endpoint of the JavaScript path, and check each 201 receipt. Reports
ballots/s, p50/p99 latency and errors, beside the same processes answering /healthz (a database query and a
channel-layer round trip) to the same clients: the reference. Then re-verifies the whole board with the
standalone verifier's code. With --profile, py-spy samples the first process while it serves ballots and
the busiest frames are printed. Goal: at least 500 ballots/s with p99 under 200 ms. Asserts nothing.

What limits it (measured on 2 shared vCPUs; bench.cast_profile gives the in-process CPU profile):
- Django's sync views under ASGI do NOT serialise on one thread per process: since Django 3.2 its
  ASGIHandler wraps each request in asgiref's ThreadSensitiveContext, so each request runs its sync code in
  a new thread of its own. What bounds a process is the GIL (one core), and the hops between the event loop
  and that thread: the sync-only middleware (WhiteNoise, ours) under an async handler costs four hops a
  request instead of two, and the turnout event one more (async_to_sync back to the loop).
- One thread per request also means DATABASE_CONN_MAX_AGE never reuses a connection: 100 concurrent voters
  opened 100 PostgreSQL connections and got "too many clients". The production knob is DATABASE_POOL_SIZE
  (a psycopg pool per process; CONN_MAX_AGE 0), with one Daphne process per core behind the proxy.
- CPU: a ballot costs 8-10 ms of Daphne CPU, a /healthz request 3 ms; one process saturates its core near
  90 ballots/s. The cast takes three statements under the poll's row lock (was seven) and checks the
  signature before taking it; what remains is the request around it: the poll lookup with its ORM
  compilation, the per-address allowance (two Redis round trips, a new Redis client object each), the
  turnout event, the middleware, the receipt's signature.
- The row lock serialises a poll's casts: its holder needs the GIL back after each round trip while the
  other request threads compute, so with many threads the lock is held longer than its three statements.
  Appending the pending ballots of a poll in one transaction (group commit) would remove that ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from bench.common import (
    ROOT,
    Row,
    bench_environment,
    method_for,
    option_ids,
    percentile,
    random_choice,
)

sys.path.insert(0, str(ROOT))

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
GOAL_RATE = 500
GOAL_P99_MS = 200


def arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=3000, help="ballots cast per server count (one member each)")
    parser.add_argument("--voters", type=int, default=100, help="concurrent clients")
    parser.add_argument("--servers", type=int, nargs="+", default=[1, 2], help="Daphne process counts to run")
    parser.add_argument("--options", type=int, default=5)
    parser.add_argument("--reference-seconds", type=float, default=5.0, help="seconds of /healthz load")
    parser.add_argument(
        "--pool",
        type=int,
        default=20,
        help="DATABASE_POOL_SIZE of each process (default 20; 0: no pool, one connection per request)",
    )
    parser.add_argument(
        "--switch-interval",
        type=float,
        default=0.0,
        help="the Daphne processes' sys.setswitchinterval in seconds (default: Python's, 0.005)",
    )
    parser.add_argument("--profile", action="store_true", help="sample the first Daphne process with py-spy")
    return parser.parse_args(argv)


def prepare(ballots: int, options: int) -> dict:
    """A secret approval poll with `ballots` members (codes on paper), open; and one signed ballot each."""
    import random

    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from assemblies.accounts import services as accounts
    from assemblies.membership.services import membership
    from bench.make_poll import add_members
    from polls import services
    from polls.core import board as core_board
    from polls.core.credentials import derive_credential

    call_command("migrate", verbosity=0)
    now = timezone.now().replace(microsecond=0)
    rng = random.Random(500)
    tag = f"{int(time.time())}-{os.urandom(3).hex()}"
    convenor = accounts.create_account(email=f"convenor-{tag}@bench.invalid", password=None)
    assembly = membership.create_assembly(name=f"Casting bench {tag}", creator=convenor, now=now)
    add_members(assembly, ballots - 1, tag, now)
    method, ids = method_for("approval", options), option_ids("approval", options)
    poll = services.create_poll(
        assembly=assembly,
        by=convenor,
        title="Casting benchmark",
        question="Which options?",
        subject_type="motion",
        subject_refs=[],
        contributions=[],
        options=[{"id": i, "label": i} for i in ids],
        method=method,
        secrecy="credential",
        revote="last-counts",
        delivery="paper",
        opens_at=None,
        closes_at=now + timedelta(days=1),
        now=now,
    )
    opened = services.open_poll(poll=poll, by=convenor, now=now)
    poll = opened.poll
    bodies = []
    for code in opened.paper_codes:
        key = derive_credential(code, poll.public_id)
        body = core_board.make_ballot_body(
            poll.public_id, poll.fingerprint, key, random_choice(rng, method, ids), signer="voter"
        )
        bodies.append(json.dumps(body, separators=(",", ":")).encode())
    return {"poll": poll.public_id, "pk": poll.pk, "bodies": bodies}


async def _client(session, base: str, poll: str) -> str:
    """Load the voting page, as the browser does before signing: the CSRF cookie lands in the session's
    jar, and the token vote.js sends back is the form's."""
    async with session.get(f"{base}/polls/{poll}/vote-by-code/") as response:
        page = await response.text()
    found = CSRF_INPUT.search(page)
    if response.status != 200 or found is None:
        raise RuntimeError(f"the voting page answered {response.status} without a CSRF token")
    return found.group(1)


def address(number: int) -> str:
    return f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"


async def load(bases: list[str], poll: str, bodies: list[bytes], voters: int) -> dict:
    """Post every body once, `voters` at a time; returns latencies, statuses and the wall time."""
    import aiohttp

    queue = list(reversed(list(enumerate(bodies))))
    latencies, errors, waiting = [], [], []

    async def voter(number: int) -> None:
        base = bases[number % len(bases)]
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            token = await _client(session, base, poll)
            waiting.append(number)
            await ready.wait()
            url, headers = f"{base}/polls/{poll}/ballots", {"Content-Type": "application/json", "X-CSRFToken": token}
            while queue:
                index, body = queue.pop()
                started = time.perf_counter()
                try:
                    # each member votes from their own device, as the proxy reports it (TRUSTED_PROXY_COUNT=1)
                    async with session.post(
                        url, data=body, headers={**headers, "X-Forwarded-For": address(index)}
                    ) as response:
                        answer = await response.read()
                        status = response.status
                except aiohttp.ClientError as error:
                    errors.append(f"{type(error).__name__}: {error}")
                    continue
                latencies.append(time.perf_counter() - started)
                if status != 201 or b'"tracker"' not in answer:
                    errors.append(f"{status}: {answer[:200].decode(errors='replace')}")

    ready = asyncio.Event()
    tasks = [asyncio.create_task(voter(number)) for number in range(voters)]
    # Every client loads the voting page for its CSRF cookie first; the clock starts when all have one.
    while len(waiting) + sum(1 for t in tasks if t.done()) < voters:
        await asyncio.sleep(0.05)
    started = time.perf_counter()
    ready.set()
    await asyncio.gather(*tasks)
    return {"latencies": latencies, "errors": errors, "seconds": time.perf_counter() - started}


async def load_reference(bases: list[str], voters: int, seconds: float) -> dict:
    """/healthz from the same number of clients for `seconds`."""
    import aiohttp

    latencies, errors = [], []
    deadline = time.perf_counter() + seconds

    async def client(number: int) -> None:
        base = bases[number % len(bases)]
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as session:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    async with session.get(f"{base}/healthz") as response:
                        await response.read()
                        status = response.status
                except aiohttp.ClientError as error:
                    errors.append(str(error))
                    continue
                latencies.append(time.perf_counter() - started)
                if status != 200:
                    errors.append(str(status))

    started = time.perf_counter()
    await asyncio.gather(*(client(number) for number in range(voters)))
    return {"latencies": latencies, "errors": errors, "seconds": time.perf_counter() - started}


def _verify(poll_pk: int) -> str:
    from polls import selectors
    from polls.core import board as core_board
    from polls.models import Poll

    poll = Poll.objects.get(pk=poll_pk)
    report = core_board.verify_board(list(selectors.board_bytes(poll)), allow_open=True, workers=1)
    return f"{poll.ballot_count} ballots on the board, " + (
        "VALID" if report.valid else f"INVALID: {report.errors[:3]}"
    )


def run_once(servers: int, args) -> dict:
    from bench.serve import cpu_seconds, running_site, start_profile, summarise_profile

    prepared = prepare(args.ballots, args.options)
    with running_site(
        servers=servers, extra_env={"DATABASE_POOL_SIZE": str(args.pool)}, switch_interval=args.switch_interval
    ) as site:
        cpu_before = [cpu_seconds(pid) for pid in site.pids]
        reference = asyncio.run(load_reference(site.bases, args.voters, args.reference_seconds))
        reference_cpu = sum(cpu_seconds(pid) for pid in site.pids) - sum(cpu_before)
        cpu_before = [cpu_seconds(pid) for pid in site.pids]
        profile_path = Path(tempfile.mkstemp(suffix=".txt")[1])
        spy = None
        if args.profile:
            expected = args.ballots / (GOAL_RATE / 2)
            spy = start_profile(site.pids[0], max(2, expected * 0.6), profile_path)
        try:
            casting = asyncio.run(load(site.bases, prepared["poll"], prepared["bodies"], args.voters))
        except Exception:
            print(site.log_tail(), file=sys.stderr)
            raise
        cpu = [cpu_seconds(pid) - before for pid, before in zip(site.pids, cpu_before)]
        profile = ""
        if spy is not None:
            _out, err = spy.communicate(timeout=120)
            profile = (
                summarise_profile(profile_path) if spy.returncode == 0 else f"  (py-spy failed: {err.decode()[-300:]})"
            )
        profile_path.unlink(missing_ok=True)
        logs = site.log_tail()
    figures = {
        "servers": servers,
        "voters": args.voters,
        "pool": args.pool,
        "reference_cpu": reference_cpu,
        "ballots": len(prepared["bodies"]),
        "cpu": cpu,
        "verified": _verify(prepared["pk"]),
        "profile": profile,
        "logs": logs,
    }
    for name, measured in (("cast", casting), ("reference", reference)):
        ok = len(measured["latencies"]) - sum(1 for e in measured["errors"] if e[:1].isdigit())
        figures[name] = {
            "rate": ok / measured["seconds"],
            "p50": percentile(measured["latencies"], 0.5) * 1000,
            "p99": percentile(measured["latencies"], 0.99) * 1000,
            "errors": len(measured["errors"]),
            "first_error": measured["errors"][0] if measured["errors"] else "",
            "count": len(measured["latencies"]),
            "seconds": measured["seconds"],
        }
    return figures


def report(figures: dict) -> None:
    cast, ref = figures["cast"], figures["reference"]
    print(
        f"Casting over HTTP: {figures['servers']} Daphne process(es), {figures['voters']} concurrent voters, "
        f"{figures['ballots']:,} signed ballots (PostgreSQL with a pool of {figures['pool']} per process, Redis)"
    )
    print(
        f"  ballots        {cast['rate']:6.0f} /s   p50 {cast['p50']:5.0f} ms   p99 {cast['p99']:5.0f} ms   "
        f"errors {cast['errors']}{' (' + cast['first_error'] + ')' if cast['errors'] else ''}"
    )
    print(
        f"  /healthz       {ref['rate']:6.0f} /s   p50 {ref['p50']:5.0f} ms   p99 {ref['p99']:5.0f} ms   "
        f"errors {ref['errors']}   (the reference: same processes, same clients)"
    )
    cpu = sum(figures["cpu"])
    print(
        f"  Daphne CPU     {cpu:.1f} s over {cast['seconds']:.1f} s of casting = "
        f"{1000 * cpu / max(1, cast['count']):.1f} ms of server CPU per ballot; "
        f"{1000 * figures['reference_cpu'] / max(1, ref['count']):.1f} ms per /healthz request"
    )
    print(f"  board          {figures['verified']}")
    if figures["logs"].strip():
        print("  the Daphne processes logged:\n" + figures["logs"])
    if figures["profile"]:
        print("  profile of process 1 while casting (py-spy):\n" + figures["profile"])


def rows(all_figures: list[dict]) -> list[Row]:
    out = []
    for figures in all_figures:
        cast, ref = figures["cast"], figures["reference"]
        label = f"HTTP casting, {figures['voters']} voters, {figures['servers']} Daphne"
        out.append(
            Row(
                f"{label}: ballots/s",
                f"{cast['rate']:.0f}/s",
                f"/healthz {ref['rate']:.0f}/s",
                f"{cast['rate'] / max(ref['rate'], 1e-9):.2f}",
                f">= {GOAL_RATE}/s",
                cast["rate"] >= GOAL_RATE,
            )
        )
        out.append(
            Row(
                f"{label}: p50 / p99",
                f"{cast['p50']:.0f} / {cast['p99']:.0f} ms",
                f"/healthz {ref['p50']:.0f} / {ref['p99']:.0f} ms",
                f"{cast['p99'] / max(ref['p99'], 1e-9):.2f}",
                f"p99 < {GOAL_P99_MS} ms",
                cast["p99"] < GOAL_P99_MS,
            )
        )
        out.append(Row(f"{label}: errors", str(cast["errors"]), str(ref["errors"]), "", "0", cast["errors"] == 0))
    return out


def run(args) -> list[dict]:
    bench_environment()
    results = []
    for servers in args.servers:
        figures = run_once(servers, args)
        report(figures)
        results.append(figures)
    return results


def main(argv=None) -> None:
    run(arguments(argv))


if __name__ == "__main__":
    main()
