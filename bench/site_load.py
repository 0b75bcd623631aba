"""Benchmark: the whole site under a mixed load of logged-in members, on two Daphne processes.

    python -m bench.site_load [--members 200] [--seconds 120] [--servers 2] [--think 1.0]
    python -m bench.site_load --minutes 10 --soak        # issue #9's soak: the processes' memory over time

Needs PostgreSQL and Redis (the benchmarks' database `deliberate_bench` and Redis database 9 by default).
Through the services: an assembly with the example roadmap (eight spaces of numbered items, in the
deliberation phase), `--members` members with a logged-in session each, a few messages in every space's
debate, and an open roll-call approval poll. Then each simulated member, with its own connection and
cookies, spread over the processes like the proxy would, repeats for the duration: think (exponential, mean
`--think` s), then one of: read the roadmap, an item page, a debate, the poll page; post a message to a
debate (the plain form, with its CSRF token); vote on the poll (the member's plain form; a second vote is
a revote). Prints requests/s, p50 and p99 per page type and errors (any answer but 200, or the 302 after
a post; there must be none), and with --soak the resident memory of each process every 30 s. Asserts
nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import time

from bench.common import ROOT, Row, bench_environment, percentile

sys.path.insert(0, str(ROOT))

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# What a member does, and how often (weights).
MIX = {"roadmap": 25, "item": 25, "debate": 25, "poll": 8, "post": 10, "vote": 7}
MESSAGES = [
    "I agree with the direction, but the wording should name the partners.",
    "Could we **prioritise** this for the next version?",
    "A concrete first step: a shared register.",
    "We tried this locally; it worked when the municipality was involved from the start.",
]


def arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200, help="concurrent simulated members")
    parser.add_argument("--seconds", type=float, default=120.0, help="duration of the load")
    parser.add_argument("--minutes", type=float, default=None, help="duration in minutes (overrides --seconds)")
    parser.add_argument("--servers", type=int, default=2, help="Daphne processes")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time between two requests (s)")
    parser.add_argument("--soak", action="store_true", help="sample the processes' memory every 30 s")
    parser.add_argument("--profile", action="store_true", help="sample the first Daphne process with py-spy")
    args = parser.parse_args(argv)
    if args.minutes is not None:
        args.seconds = args.minutes * 60
    return args


def prepare(members: int) -> dict:
    """The world of the load, made through the services; returns what the clients need (ids, sessions)."""
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from assemblies.debates.services import debates
    from assemblies.membership.models import Phase, Role
    from assemblies.roadmap.models import Item
    from bench.make_poll import add_members
    from polls import services
    from tests import factories
    from tests.livekit import session_for

    call_command("migrate", verbosity=0)
    now = timezone.now().replace(microsecond=0)
    tag = f"{int(time.time())}"
    convenor = factories.user("Convenor")
    assembly = factories.assembly(convenor, name=f"Site load {tag}", roadmap_text=factories.fixture_text())
    people = add_members(assembly, members, f"site-{tag}", now)
    debate_paths = []
    for space in assembly.spaces.order_by("position"):
        space = factories.space_in(assembly, code=space.code, phase=Phase.DELIBERATION, by=convenor)
        debate = debates.debate_for(space=space, now=now)
        for number, text in enumerate(MESSAGES):
            author = people[(len(debate_paths) * len(MESSAGES) + number) % len(people)]
            debates.post_message(debate=debate, author=author, text=text, now=timezone.now())
        debate_paths.append(f"/a/{assembly.slug}/debates/{debate.pk}/")
    items = list(Item.objects.filter(roadmap__assembly=assembly).values_list("ref", flat=True))
    ids = [f"opt-{n}" for n in range(1, 6)]
    poll = services.create_poll(
        assembly=assembly,
        by=convenor,
        title="Which themes first?",
        question="Which themes should we work on first?",
        subject_type="motion",
        subject_refs=[],
        contributions=[],
        options=[{"id": i, "label": f"Theme {i}"} for i in ids],
        method={"kind": "approval", "min": 0, "max": 3},
        secrecy="roll-call",
        revote="last-counts",
        delivery="",
        opens_at=None,
        closes_at=now + timedelta(days=1),
        now=now,
    )
    poll = services.open_poll(poll=poll, by=convenor, now=now).poll
    assert all(m.role == Role.MEMBER for m in assembly.memberships.exclude(user=convenor))
    return {
        "slug": assembly.slug,
        "items": items,
        "debates": debate_paths,
        "poll": poll.public_id,
        "options": ids,
        "sessions": [session_for(person) for person in people],
    }


async def member(number: int, base: str, world: dict, deadline: float, think: float, results: dict) -> None:
    import aiohttp

    rng = random.Random(number)
    jar = aiohttp.CookieJar(unsafe=True)
    jar.update_cookies({"sessionid": world["sessions"][number]})
    kinds, weights = list(MIX), list(MIX.values())
    slug, poll = world["slug"], world["poll"]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1), cookie_jar=jar) as session:

        async def request(kind: str, method: str, path: str, data=None, expect=(200,)) -> str:
            started = time.perf_counter()
            try:
                async with session.request(
                    method, base + path, data=data, allow_redirects=False, headers={"Referer": base + path}
                ) as response:
                    text = await response.text()
                    status = response.status
            except aiohttp.ClientError as error:
                results["errors"].append(f"{kind} {path}: {type(error).__name__} {error}")
                return ""
            results["latencies"].setdefault(kind, []).append(time.perf_counter() - started)
            if status not in expect:
                results["errors"].append(f"{kind} {path}: {status} {text[:160]!r}")
            return text

        def token_of(page: str) -> str | None:
            found = CSRF_INPUT.search(page)
            return found.group(1) if found else None

        def within_allowance(kind: str) -> bool:
            """A person posts or votes at most 8 times a minute (the site allows 10): else they read."""
            recent = [t for t in done[kind] if t > time.perf_counter() - 60]
            done[kind] = recent
            return len(recent) < 8

        done = {"post": [], "vote": []}
        await asyncio.sleep(rng.random() * think)  # members arrive over the first think time
        while time.perf_counter() < deadline:
            kind = rng.choices(kinds, weights)[0]
            if kind in done:
                if within_allowance(kind):
                    done[kind].append(time.perf_counter())
                else:
                    kind = "debate"
            if kind == "roadmap":
                await request(kind, "GET", f"/a/{slug}/roadmap/")
            elif kind == "item":
                await request(kind, "GET", f"/a/{slug}/items/{rng.choice(world['items'])}/")
            elif kind == "debate":
                await request(kind, "GET", rng.choice(world["debates"]))
            elif kind == "poll":
                await request(kind, "GET", f"/polls/{poll}/")
            elif kind == "post":
                debate = rng.choice(world["debates"])
                token = token_of(await request("debate", "GET", debate))
                if token:
                    await request(
                        kind,
                        "POST",
                        debate + "post/",
                        expect=(302, 303),
                        data={
                            "csrfmiddlewaretoken": token,
                            "text": f"{rng.choice(MESSAGES)} (member {number})",
                            "stance": "",
                        },
                    )
            else:
                token = token_of(await request("poll", "GET", f"/polls/{poll}/vote/"))
                if token:
                    choice = sorted(rng.sample(world["options"], rng.randint(0, 3)))
                    await request(
                        kind,
                        "POST",
                        f"/polls/{poll}/vote/",
                        expect=(302, 303),
                        data=[("csrfmiddlewaretoken", token), *(("choice", c) for c in choice)],
                    )
            await asyncio.sleep(rng.expovariate(1 / think) if think > 0 else 0)


async def load(bases: list[str], world: dict, seconds: float, think: float, pids: list[int], soak: bool) -> dict:
    from bench.serve import rss_megabytes

    results = {"latencies": {}, "errors": [], "memory": []}
    started = time.perf_counter()
    deadline = started + seconds

    async def sample_memory() -> None:
        while time.perf_counter() < deadline:
            results["memory"].append((time.perf_counter() - started, [rss_megabytes(pid) for pid in pids]))
            await asyncio.sleep(30 if soak else 10)

    async def probe() -> None:
        """The reference: /healthz asked twice a second of each process while the members load it."""
        import aiohttp

        async with aiohttp.ClientSession() as session:
            while time.perf_counter() < deadline:
                for base in bases:
                    moment = time.perf_counter()
                    async with session.get(base + "/healthz") as response:
                        await response.read()
                    results["probe"].append(time.perf_counter() - moment)
                await asyncio.sleep(0.5)

    results["probe"] = []
    sampler = asyncio.create_task(sample_memory())
    prober = asyncio.create_task(probe())
    await asyncio.gather(
        *(
            member(number, bases[number % len(bases)], world, deadline, think, results)
            for number in range(len(world["sessions"]))
        )
    )
    sampler.cancel()
    prober.cancel()
    results["memory"].append((time.perf_counter() - started, [rss_megabytes(pid) for pid in pids]))
    results["seconds"] = time.perf_counter() - started
    return results


def run(args) -> dict:
    import tempfile
    from pathlib import Path

    from bench.serve import cpu_seconds, running_site, start_profile, summarise_profile

    bench_environment()
    world = prepare(args.members)
    with running_site(servers=args.servers) as site:
        cpu_before = [cpu_seconds(pid) for pid in site.pids]
        profile_path = Path(tempfile.mkstemp(suffix=".txt")[1])
        spy = start_profile(site.pids[0], max(2, args.seconds * 0.8), profile_path) if args.profile else None
        results = asyncio.run(load(site.bases, world, args.seconds, args.think, site.pids, args.soak))
        results["profile"] = ""
        if spy is not None:
            spy.communicate(timeout=120)
            results["profile"] = summarise_profile(profile_path)
        profile_path.unlink(missing_ok=True)
        results["cpu"] = [cpu_seconds(pid) - before for pid, before in zip(site.pids, cpu_before)]
        results["logs"] = site.log_tail()
    results.update(members=args.members, servers=args.servers, think=args.think)
    return results


def report(results: dict) -> None:
    latencies = results["latencies"]
    total = sum(len(values) for values in latencies.values())
    seconds = results["seconds"]
    print(
        f"Whole site: {results['members']} logged-in members over {results['servers']} Daphne processes "
        f"(PostgreSQL, Redis), {seconds:.0f} s, think time {results['think']} s"
    )
    print(f"  requests       {total:,} ({total / seconds:.0f}/s), errors {len(results['errors'])}")
    for kind in MIX:
        values = latencies.get(kind, [])
        if values:
            print(
                f"  {kind:8}       {len(values) / seconds:6.1f}/s   p50 {percentile(values, 0.5) * 1000:6.0f} ms   "
                f"p99 {percentile(values, 0.99) * 1000:6.0f} ms"
            )
    probe = results["probe"]
    print(
        f"  /healthz probe            p50 {percentile(probe, 0.5) * 1000:6.0f} ms   p99 "
        f"{percentile(probe, 0.99) * 1000:6.0f} ms   (the reference: a trivial request, same processes, same moment)"
    )
    for error in results["errors"][:5]:
        print(f"  error: {error}")
    cpu = ", ".join(f"{c:.0f}" for c in results["cpu"])
    print(f"  Daphne CPU     {cpu} s over {seconds:.0f} s")
    memory = results["memory"]
    if memory:
        print(
            "  Daphne RSS     "
            + "; ".join(f"{t:.0f} s: " + "/".join(f"{m:.0f}" for m in sizes) + " MB" for t, sizes in memory)
        )
        drift = _drift(memory)
        if drift is not None:
            print(f"  RSS after warm-up (first third) to the end: {drift:+.0f} MB per process (mean)")
    if results["logs"].strip():
        print("  the Daphne processes logged:\n" + results["logs"])
    if results.get("profile"):
        print("  profile of process 1 under the load (py-spy):\n" + results["profile"])


def _drift(memory) -> float | None:
    if len(memory) < 3:
        return None
    warm = memory[len(memory) // 3][1]
    end = memory[-1][1]
    return sum(e - w for e, w in zip(end, warm)) / len(end)


def rows(results: dict) -> list[Row]:
    latencies, seconds = results["latencies"], results["seconds"]
    total = sum(len(values) for values in latencies.values())
    reading = latencies.get("roadmap", []) + latencies.get("item", []) + latencies.get("debate", [])
    writing = latencies.get("post", []) + latencies.get("vote", [])
    label = f"whole site, {results['members']} members, {results['servers']} Daphne"
    out = [
        Row(f"{label}: requests/s", f"{total / seconds:.0f}/s"),
        Row(f"{label}: errors", str(len(results["errors"])), "", "", "0", not results["errors"]),
    ]
    probe = results["probe"]
    reference = f"/healthz {percentile(probe, 0.5) * 1000:.0f} / {percentile(probe, 0.99) * 1000:.0f} ms"
    for kind in MIX:
        values = latencies.get(kind, [])
        if values:
            out.append(
                Row(
                    f"{label}: {kind} p50 / p99",
                    f"{percentile(values, 0.5) * 1000:.0f} / {percentile(values, 0.99) * 1000:.0f} ms",
                    reference,
                    f"{percentile(values, 0.99) / max(percentile(probe, 0.99), 1e-9):.1f}",
                )
            )
    if reading and writing:
        out.append(
            Row(
                f"{label}: writes p99 vs reads p99",
                f"{percentile(writing, 0.99) * 1000:.0f} ms",
                f"reads {percentile(reading, 0.99) * 1000:.0f} ms",
                f"{percentile(writing, 0.99) / percentile(reading, 0.99):.2f}",
            )
        )
    drift = _drift(results["memory"])
    if drift is not None:
        out.append(
            Row(
                f"{label}: RSS drift after warm-up",
                f"{drift:+.0f} MB/process",
                f"RSS {sum(results['memory'][-1][1]) / len(results['memory'][-1][1]):.0f} MB",
            )
        )
    return out


def main(argv=None) -> None:
    report(run(arguments(argv)))


if __name__ == "__main__":
    main()
