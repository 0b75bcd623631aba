"""Benchmark: many readers in one live debate across Daphne processes that share events through Redis.

    python bench/debates.py [--clients 1000] [--rate 10] [--duration 30] [--servers 2]

Needs PostgreSQL and Redis (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/deliberate, names
the server; a dedicated database `deliberate_live_<random>` is created, migrated and dropped; REDIS_URL
defaults to redis://127.0.0.1:6379/15, with a key prefix of its own). Starts the Daphne processes,
connects `--clients` reader sockets spread over them (logged in, sharing a few accounts), then posters
post through their own sockets at `--rate` messages a second for `--duration` seconds. Prints delivered
messages a second, the latency from the post being sent to its delivery to each reader (p50, p99,
max), lost deliveries, refused posts, and the CPU the Daphne processes used. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TOKEN = re.compile(r"bench-(\d+)-end")
POSTS_PER_POSTER = 5  # with one warm-up post, well inside the allowance of 10 posts a minute per member


def arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000, help="reader sockets (default 1000)")
    parser.add_argument("--rate", type=float, default=10.0, help="messages posted per second (default 10)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of posting (default 30)")
    parser.add_argument("--servers", type=int, default=2, help="Daphne processes (default 2)")
    parser.add_argument("--accounts", type=int, default=20, help="reader accounts the sockets share")
    parser.add_argument("--drain", type=float, default=10.0, help="seconds to wait for late deliveries")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="DATABASE_CONN_MAX_AGE of the Daphne processes (default 60: persistent connections)",
    )
    parser.add_argument(
        "--database",
        default=None,
        help="name of the PostgreSQL database to create, use and drop (default deliberate_live_<random>)",
    )
    parser.add_argument(
        "--redis-url", default=None, help="Redis database of the Daphne processes (default: the one below REDIS_URL's)"
    )
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--posters", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# Setup (runs in a subprocess, against the benchmark's database) ---------------------------------------


def setup(readers: int, posters: int) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.utils import timezone

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from assemblies.debates.services import debates
    from assemblies.membership.models import Role
    from assemblies.membership.services import membership
    from tests import factories
    from tests.livekit import session_for

    convenor = factories.user("Convenor")
    assembly = factories.assembly(convenor, name="Bench assembly", roadmap_text=factories.SMALL_ROADMAP)
    link = membership.create_join_link(assembly=assembly, by=convenor, now=timezone.now())
    people = {"reader": [], "poster": []}
    for kind, count in (("reader", readers), ("poster", posters)):
        for number in range(count):
            person = factories.user(f"{kind.title()} {number}")
            membership.join_by_link(token=link.token, user=person, now=timezone.now())
            people[kind].append(person)
    assert all(m.role == Role.MEMBER for m in assembly.memberships.exclude(user=convenor))
    debate = debates.debate_for(space=assembly.spaces.get(code="DIG"), now=timezone.now())
    return {
        "debate": debate.pk,
        "readers": [session_for(person) for person in people["reader"]],
        "posters": [session_for(person) for person in people["poster"]],
    }


# The run ----------------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


async def run(site, args) -> dict:
    from websockets.asyncio.client import connect

    debate = site.data["debate"]
    servers = len(site.bases)

    def open_socket(index: int, session: str):
        server = index % servers
        return connect(
            site.ws(server, f"/ws/debates/{debate}/"),
            origin=site.origin(server),
            additional_headers={"Cookie": f"sessionid={session}"},
            open_timeout=120,
            ping_interval=None,
            compression=None,
            max_queue=None,
        )

    received: list[dict[int, float]] = [dict() for _ in range(args.clients)]

    async def listen(socket, got: dict[int, float]):
        try:
            async for raw in socket:
                if raw.startswith('{"type": "debate.message"'):
                    match = TOKEN.search(raw)
                    if match:
                        got[int(match.group(1))] = time.perf_counter()
        except Exception:  # a closed socket ends its listener; losses show in the counts
            pass

    started = time.perf_counter()
    readers = []
    batch = 100
    for first in range(0, args.clients, batch):
        indexes = range(first, min(first + batch, args.clients))
        opened = await asyncio.gather(
            *(open_socket(i, site.data["readers"][i % len(site.data["readers"])]) for i in indexes)
        )
        readers.extend(opened)
    connect_seconds = time.perf_counter() - started
    listeners = [asyncio.ensure_future(listen(socket, received[i])) for i, socket in enumerate(readers)]

    posters = [await open_socket(i, session) for i, session in enumerate(site.data["posters"])]
    # Each poster's frames are answered in order ("posted" or "error"): match answers to what was sent.
    pending: list[list] = [[] for _ in posters]
    acks: dict[str, list] = {"posted": [], "error": []}

    async def poster_listen(index, socket):
        try:
            async for raw in socket:
                if raw.startswith('{"type": "posted"') or raw.startswith('{"type": "error"'):
                    seq, at = pending[index].pop(0) if pending[index] else (None, None)
                    if seq is None:
                        continue  # a warm-up post
                    if raw.startswith('{"type": "posted"'):
                        acks["posted"].append((seq, time.perf_counter() - at))
                    else:
                        acks["error"].append(json.loads(raw)["message"])
        except Exception:
            pass

    poster_listeners = [asyncio.ensure_future(poster_listen(i, socket)) for i, socket in enumerate(posters)]
    # Warm up (templates compiled, database connections opened in every process), not measured.
    for index, socket in enumerate(posters):
        pending[index].append((None, None))
        await socket.send(json.dumps({"type": "post", "text": "Warming up."}))
        await asyncio.sleep(0.05)
    deadline = time.perf_counter() + 60
    while any(pending) and time.perf_counter() < deadline:
        await asyncio.sleep(0.1)
    await asyncio.sleep(3)  # and let the presence broadcasts of the arrivals settle
    cpu_before = [cpu_seconds(process.pid) for process in site.processes]
    client_before = time.process_time()

    total = int(args.rate * args.duration)
    sent: dict[int, float] = {}
    padding = "A message of a realistic length about the roadmap item under discussion, " * 2
    post_start = time.perf_counter()
    for seq in range(total):
        delay = post_start + seq / args.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        text = f"Message {seq}: {padding} bench-{seq}-end"
        sent[seq] = time.perf_counter()
        pending[seq % len(posters)].append((seq, sent[seq]))
        await posters[seq % len(posters)].send(json.dumps({"type": "post", "text": text}))
    post_end = time.perf_counter()

    deadline = time.perf_counter() + args.drain
    expected = total * args.clients
    while time.perf_counter() < deadline and sum(len(got) for got in received) < expected:
        await asyncio.sleep(0.25)
    cpu_after = [cpu_seconds(process.pid) for process in site.processes]
    client_cpu = time.process_time() - client_before

    for socket in readers + posters:
        await socket.close()
    for task in listeners + poster_listeners:
        task.cancel()

    latencies = [at - sent[seq] for got in received for seq, at in got.items()]
    first_delivery = [
        min(at for at in (got.get(seq) for got in received) if at is not None) - sent[seq]
        for seq in sent
        if any(seq in got for got in received)
    ]
    deliveries = len(latencies)
    last_delivery = max((at for got in received for at in got.values()), default=post_end)
    return {
        "clients": args.clients,
        "servers": servers,
        "connect_seconds": connect_seconds,
        "posted": total,
        "accepted": len(acks["posted"]),
        "refused": acks["error"],
        "post_seconds": post_end - post_start,
        "deliveries": deliveries,
        "expected": len(acks["posted"]) * args.clients,
        "delivered_per_second": deliveries / max(last_delivery - post_start, 1e-9),
        "p50": percentile(latencies, 0.50),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies, default=float("nan")),
        "mean": statistics.fmean(latencies) if latencies else float("nan"),
        "by_server": [
            sum(len(got) for i, got in enumerate(received) if i % servers == server) for server in range(servers)
        ],
        "readers_missing_some": sum(1 for got in received if len(got) < len(acks["posted"])),
        "post_p50": percentile([seconds for _seq, seconds in acks["posted"]], 0.5),
        "post_p99": percentile([seconds for _seq, seconds in acks["posted"]], 0.99),
        "first_p50": percentile(first_delivery, 0.5),
        "first_p99": percentile(first_delivery, 0.99),
        "daphne_cpu": [after - before for before, after in zip(cpu_before, cpu_after)],
        "client_cpu": client_cpu,
        "window": last_delivery - post_start,
    }


def report(figures: dict, args) -> None:
    lost = figures["expected"] - figures["deliveries"]
    print(f"Live debate: {figures['clients']} readers over {figures['servers']} Daphne processes (Redis, PostgreSQL)")
    print(f"  connected in              {figures['connect_seconds']:.1f} s")
    print(
        f"  posted                    {figures['posted']} messages in {figures['post_seconds']:.1f} s "
        f"({figures['posted'] / figures['post_seconds']:.1f}/s); accepted {figures['accepted']}, "
        f"refused {len(figures['refused'])}{': ' + figures['refused'][0] if figures['refused'] else ''}"
    )
    print(
        f"  delivered                 {figures['deliveries']} of {figures['expected']} "
        f"({figures['delivered_per_second']:.0f} messages/s over {figures['window']:.1f} s)"
    )
    print(
        f"  lost                      {lost} deliveries; readers missing any: {figures['readers_missing_some']}"
        f" (delivered by each process: {', '.join(map(str, figures['by_server']))})"
    )
    print(
        f"  latency post -> delivery  p50 {figures['p50'] * 1000:.0f} ms, p99 {figures['p99'] * 1000:.0f} ms, "
        f"max {figures['max'] * 1000:.0f} ms, mean {figures['mean'] * 1000:.0f} ms"
    )
    print(
        f"  post answered             p50 {figures['post_p50'] * 1000:.0f} ms, "
        f'p99 {figures["post_p99"] * 1000:.0f} ms (post sent -> its "posted" answer)'
    )
    print(
        f"  first reader reached      p50 {figures['first_p50'] * 1000:.0f} ms, "
        f"p99 {figures['first_p99'] * 1000:.0f} ms (post -> first delivery of each message)"
    )
    cpu = ", ".join(f"{seconds:.1f}" for seconds in figures["daphne_cpu"])
    print(
        f"  CPU during posting        Daphne {cpu} s, this client {figures['client_cpu']:.1f} s "
        f"(of {figures['window']:.1f} s of wall time each; the machine has {os.cpu_count()} cores)"
    )


def main(argv=None) -> None:
    args = arguments(argv)
    if args.setup:
        print(json.dumps(setup(args.accounts, args.posters)))
        return
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/deliberate")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deliberate.settings")
    import django

    django.setup()
    from tests.livekit import live_site, services_available

    if not services_available():
        raise SystemExit("This benchmark needs PostgreSQL and Redis (see DATABASE_URL and REDIS_URL).")
    posters = max(1, math.ceil(args.rate * args.duration / POSTS_PER_POSTER))
    setup_command = ("bench/debates.py", "--setup", "--accounts", str(args.accounts), "--posters", str(posters))
    with live_site(
        servers=args.servers,
        use_services=True,
        setup=setup_command,
        extra_env={"DATABASE_CONN_MAX_AGE": str(args.conn_max_age)},
        database_name=args.database,
        redis_url=args.redis_url,
    ) as site:
        figures = asyncio.run(run(site, args))
        logs = site.log_tail()
    if logs.strip().replace("---", "").strip():
        print("What the Daphne processes logged (warnings and errors):\n" + logs)
    report(figures, args)


if __name__ == "__main__":
    main()
