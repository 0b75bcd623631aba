"""Make a real, large poll on the configured database: the way to produce big boards to verify.

    python -m bench.make_poll --method KIND --voters N [--secrecy roll-call|credential] [--revotes R]
                              [--options K] [--close] [--seed S]

On DATABASE_URL (default: the benchmarks' database `deliberate_bench`, migrated here): a convenor creates an
assembly (services); N - 1 members are added in bulk (N voters with the convenor) (their accounts and
memberships written with
bulk_create, in batches: going through the sign-up services would dominate the run); then everything
about the poll goes through polls.services: create_poll, open_poll (custodial keys for roll-call; paper
voting codes for credential polls), one signed ballot per member (roll-call: cast_roll_call, the
member's form; credential: every other ballot signed "in the browser" from the code and posted to
services.cast, the others by cast_with_code, the no-JavaScript path), then R revotes (revote policy
last-counts), and with --close, close_poll by the convenor (every member has voted) which writes the result.
Prints the poll's public id, the timings, and how to export and verify its board.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta

from bench.common import (
    KINDS,
    ROOT,
    bench_environment,
    method_for,
    option_ids,
    random_choice,
)

sys.path.insert(0, str(ROOT))

BATCH = 2000


def arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", choices=KINDS, required=True, help="the tally method")
    parser.add_argument("--voters", type=int, required=True, help="eligible members (each casts one ballot)")
    parser.add_argument("--secrecy", choices=["roll-call", "credential"], default="roll-call")
    parser.add_argument(
        "--revotes", type=int, default=None, help="members who vote a second time (default: 2%% of the voters)"
    )
    parser.add_argument("--options", type=int, default=5, help="options (yes-no-abstain always has 3)")
    parser.add_argument("--close", action="store_true", help="close the poll at the end: close and result lines")
    parser.add_argument("--seed", type=int, default=None, help="seed of the random choices")
    parser.add_argument("--quiet", action="store_true", help="print only the poll's public id")
    args = parser.parse_args(argv)
    if args.voters < 1:
        parser.error("--voters must be at least 1")
    if args.secrecy == "credential" and args.voters < 5:
        parser.error("a credential (secret) poll needs at least 5 voters")
    if not 2 <= args.options <= 100:
        parser.error("--options must be between 2 and 100")
    args.revotes = max(0, min(args.voters, args.revotes if args.revotes is not None else args.voters // 50))
    return args


def add_members(assembly, count: int, tag: str, now) -> list:
    """`count` accounts and memberships, written in bulk; returns the users in creation order."""
    from django.contrib.auth.hashers import make_password

    from assemblies.accounts.models import User
    from assemblies.membership.models import Membership, Role

    unusable = make_password(None)
    users = []
    for start in range(0, count, BATCH):
        batch = [
            User(email=f"voter-{tag}-{i}@bench.invalid", display_name=f"Voter {i}", password=unusable, date_joined=now)
            for i in range(start, min(count, start + BATCH))
        ]
        User.objects.bulk_create(batch)
        Membership.objects.bulk_create(
            [Membership(assembly=assembly, user=user, role=Role.MEMBER, joined_at=now) for user in batch]
        )
        users.extend(batch)
    return users


def make(
    *,
    method: str,
    voters: int,
    secrecy: str = "roll-call",
    revotes: int = 0,
    options: int = 5,
    close: bool = False,
    seed: int | None = None,
    progress=print,
) -> dict:
    """Make the poll; returns its figures (public id, counts, seconds of each stage)."""
    import django

    from bench.common import ensure_database

    ensure_database()
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from assemblies.accounts import services as accounts
    from assemblies.membership.services import membership
    from polls import selectors, services
    from polls.core import board as core_board
    from polls.core.credentials import derive_credential

    timings = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    now = timezone.now().replace(microsecond=0)
    rng = random.Random(seed)
    tag = f"{int(time.time())}-{rng.getrandbits(24):06x}"
    convenor = accounts.create_account(email=f"convenor-{tag}@bench.invalid", password=None, display_name="Convenor")
    assembly = membership.create_assembly(name=f"Bench {method} {voters} {tag}", creator=convenor, now=now)
    people = [convenor, *add_members(assembly, voters - 1, tag, now)]  # the convenor votes too
    timings["members"] = time.perf_counter() - started
    progress(f"  {voters:,} members added in {timings['members']:.1f} s")

    kind_method = method_for(method, options)
    ids = option_ids(method, options)
    poll_options = (
        selectors.yes_no_abstain_options()
        if method == "yes-no-abstain"
        else [{"id": option, "label": f"Option {n}"} for n, option in enumerate(ids, start=1)]
    )
    stage = time.perf_counter()
    poll = services.create_poll(
        assembly=assembly,
        by=convenor,
        title=f"Benchmark: {method}, {voters:,} voters",
        question="Which options should the assembly take up first?",
        subject_type="motion",
        subject_refs=[],
        contributions=[],
        options=poll_options,
        method=kind_method,
        secrecy=secrecy,
        revote="last-counts",
        delivery="paper" if secrecy == "credential" else "",
        opens_at=None,
        closes_at=now + timedelta(days=7),
        now=now,
    )
    opened = services.open_poll(poll=poll, by=convenor, now=now)
    poll, codes = opened.poll, opened.paper_codes
    timings["open"] = time.perf_counter() - stage
    progress(f"  poll {poll.public_id} opened in {timings['open']:.1f} s ({secrecy})")

    def vote(index: int) -> None:
        choice = random_choice(rng, kind_method, ids)
        if secrecy == "roll-call":
            services.cast_roll_call(poll=poll, user=people[index], choice=choice, now=timezone.now())
        elif index % 2:
            key = derive_credential(codes[index], poll.public_id)  # what the browser does with the code
            body = core_board.make_ballot_body(poll.public_id, poll.fingerprint, key, choice, signer="voter")
            services.cast(poll=poll, body=body, now=timezone.now())
        else:
            services.cast_with_code(poll=poll, code=codes[index], choice=choice, now=timezone.now())

    stage = time.perf_counter()
    order = list(range(voters)) + rng.sample(range(voters), revotes)
    for done, index in enumerate(order, start=1):
        vote(index)
        if done % 2000 == 0:
            progress(f"  {done:,} of {len(order):,} ballots cast ({done / (time.perf_counter() - stage):.0f}/s)")
    timings["cast"] = time.perf_counter() - stage
    progress(
        f"  {len(order):,} ballots cast in {timings['cast']:.1f} s ({len(order) / timings['cast']:.0f}/s, "
        f"{revotes:,} of them revotes)"
    )

    if close:
        stage = time.perf_counter()
        poll = services.close_poll(poll=poll, by=convenor, now=timezone.now())
        timings["close"] = time.perf_counter() - stage
        progress(
            f"  closed with its result in {timings['close']:.1f} s: winners {poll.result['outcome'].get('winners')}"
        )
    poll.refresh_from_db()
    return {
        "poll": poll.public_id,
        "lines": poll.last_seq + 1,
        "ballots": poll.ballot_count,
        "voters": voters,
        "revotes": revotes,
        "status": poll.status,
        "board_key": services.board_key().public,
        "seconds": time.perf_counter() - started,
        "timings": timings,
    }


def main(argv=None) -> None:
    args = arguments(argv)
    bench_environment()
    quiet = (lambda *_args, **_kwargs: None) if args.quiet else print
    quiet(f"Making a {args.secrecy} {args.method} poll with {args.voters:,} voters ...")
    made = make(
        method=args.method,
        voters=args.voters,
        secrecy=args.secrecy,
        revotes=args.revotes,
        options=args.options,
        close=args.close,
        seed=args.seed,
        progress=quiet,
    )
    if args.quiet:
        print(made["poll"])
        return
    board = f"/tmp/{made['poll']}.jsonl"
    print(
        f"\npoll {made['poll']}: {made['lines']:,} board lines, {made['ballots']:,} ballots, {made['status']}, "
        f"made in {made['seconds']:.1f} s"
    )
    print("Export and verify its board:")
    print(f"  DATABASE_URL={os.environ['DATABASE_URL']} python manage.py export_board {made['poll']} -o {board}")
    print(
        f"  deliberate-verify {board} --board-key {made['board_key']}"
        + ("" if made["status"] == "closed" else " --open")
    )


if __name__ == "__main__":
    main()
