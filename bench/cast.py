"""Benchmark: casting throughput through the service layer, on the configured database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/deliberate_bench python bench/cast.py [--voters 500]

Creates (in a fresh database named by DATABASE_URL, migrated here) an assembly with N members and an
open roll-call approval poll, then casts one ballot per member through polls.services.cast_roll_call,
one after another, and prints ballots per second and latency percentiles, beside the time of the bare
Ed25519 signature and verification each cast needs (the reference). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deliberate.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=500)
    args = parser.parse_args()

    import django

    django.setup()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from assemblies.accounts import services as accounts
    from assemblies.membership.models import Role
    from assemblies.membership.services import membership
    from polls import selectors, services

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    now = timezone.now().replace(microsecond=0)
    tag = os.urandom(3).hex()
    convenor = accounts.create_account(email=f"convenor-{tag}@bench.test", password=None)
    assembly = membership.create_assembly(name=f"Bench {tag}", creator=convenor, now=now)
    voters = []
    for i in range(args.voters):
        person = accounts.create_account(email=f"v{i}-{tag}@bench.test", password=None)
        _, token = membership.invite(assembly=assembly, by=convenor, email=person.email, role=Role.MEMBER, now=now)
        membership.accept_invitation(token=token, user=person, now=now)
        voters.append(person)
    options = selectors.listed_options(["Solar co-op", "Seed library", "Repair café", "Tool library", "Food hub"])
    poll = services.create_poll(
        assembly=assembly,
        by=convenor,
        title="Bench",
        question="Which projects?",
        subject_type="motion",
        subject_refs=[],
        contributions=[],
        options=options,
        method={"kind": "approval", "min": 0, "max": 3, "seats": 1},
        secrecy="roll-call",
        revote="last-counts",
        delivery="",
        opens_at=None,
        closes_at=now + timedelta(hours=1),
        now=now,
    )
    poll = services.open_poll(poll=poll, by=convenor, now=now).poll
    ids = [o["id"] for o in options]

    latencies = []
    started = time.perf_counter()
    for i, person in enumerate(voters):
        t0 = time.perf_counter()
        services.cast_roll_call(poll=poll, user=person, choice=sorted(ids[i % 5 : i % 5 + 2]), now=timezone.now())
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started

    key = Ed25519PrivateKey.generate()
    message = b"x" * 400
    t0 = time.perf_counter()
    for _ in range(500):
        key.public_key().verify(key.sign(message), message)
    reference = (time.perf_counter() - t0) / 500

    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    print(f"database            {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    print(f"ballots cast        {len(voters)} (sequential, through polls.services.cast_roll_call)")
    print(f"throughput          {len(voters) / elapsed:.0f} ballots/s")
    print(f"latency p50 / p99   {p(0.50):.1f} ms / {p(0.99):.1f} ms (mean {statistics.mean(latencies) * 1000:.1f} ms)")
    print(f"reference           one Ed25519 sign+verify: {reference * 1000:.2f} ms")
    print(f"ratio               {statistics.mean(latencies) / reference:.1f}x the bare signature work")


if __name__ == "__main__":
    main()
