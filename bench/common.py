"""What the benchmarks share: the methods with K options, random valid choices, percentiles, the rows of
the summary table, and the environment every benchmark defaults to.

Pure Python, no Django: the tally benchmark and the HTTP clients import it without setting Django up.
"""

from __future__ import annotations

import math
import os
import random
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The benchmarks' own database and Redis database, so that they never touch the tests' or the demo's.
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/deliberate_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"

KINDS = ["yes-no-abstain", "plurality", "approval", "dot", "score", "majority-judgment", "schulze", "irv"]


def bench_environment() -> None:
    """Default DATABASE_URL, REDIS_URL and the settings module to the benchmarks' own."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deliberate.settings")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")  # no notices printed


def ensure_database() -> None:
    """Create the PostgreSQL database DATABASE_URL names when it does not exist yet (migrations are the
    caller's)."""
    import urllib.parse

    url = urllib.parse.urlparse(os.environ["DATABASE_URL"])
    if not url.scheme.startswith("postgres"):
        return
    import psycopg

    name = url.path.lstrip("/")
    server = {
        "host": url.hostname or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "password": urllib.parse.unquote(url.password or ""),
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')


def option_ids(kind: str, count: int) -> list[str]:
    if kind == "yes-no-abstain":
        return ["yes", "no", "abstain"]
    return [f"opt-{i + 1}" for i in range(count)]


def method_for(kind: str, count: int) -> dict:
    """A method object of `kind` for `count` options, as a convenor would table it."""
    return {
        "yes-no-abstain": {"kind": "yes-no-abstain", "threshold": {"num": 1, "den": 2}, "base": "cast", "quorum": 0},
        "plurality": {"kind": "plurality"},
        "approval": {"kind": "approval", "min": 0, "max": count},
        "dot": {"kind": "dot", "budget": 10},
        "score": {"kind": "score", "max_score": 5},
        "majority-judgment": {"kind": "majority-judgment", "grades": ["Reject", "Poor", "Fair", "Good", "Very good"]},
        "schulze": {"kind": "schulze"},
        "irv": {"kind": "irv"},
    }[kind]


def random_choice(rng: random.Random, method: dict, ids: list[str]):
    """A valid choice for `method`, drawn at random (rankings are full or partial, maps complete where
    the method needs it), so that the tallies see realistic, mostly distinct ballots."""
    kind = method["kind"]
    if kind in ("yes-no-abstain", "plurality"):
        return rng.choice(ids)
    if kind == "approval":
        return sorted(rng.sample(ids, rng.randint(method["min"], method["max"])))
    if kind == "dot":
        budget, spent, choice = method["budget"], 0, {}
        for option in rng.sample(ids, rng.randint(1, min(len(ids), 4))):
            points = rng.randint(1, max(1, (budget - spent) // 2))
            if spent + points > budget:
                break
            choice[option] = points
            spent += points
        return choice
    if kind == "score":
        return dict(zip(ids, rng.choices(range(method["max_score"] + 1), k=len(ids))))
    if kind == "majority-judgment":
        return dict(zip(ids, rng.choices(range(len(method["grades"])), k=len(ids))))
    ranking = rng.sample(ids, len(ids))
    return ranking[: rng.randint(1, len(ids))] if rng.random() < 0.3 else ranking


def percentile(values, fraction: float) -> float:
    """The nearest-rank percentile (NaN for no values)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


@dataclass
class Row:
    """One line of the summary table: a figure, our value, the reference measured in the same run, the
    ratio of the two, the goal, and whether the goal is met (None: no goal, or not measured)."""

    figure: str
    value: str
    reference: str = ""
    ratio: str = ""
    goal: str = ""
    met: bool | None = None


def print_table(rows: list[Row]) -> None:
    headers = ("figure", "ours", "reference (same run)", "ratio", "goal", "met?")
    cells = [
        (r.figure, r.value, r.reference, r.ratio, r.goal, "" if r.met is None else ("yes" if r.met else "NO"))
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    print(line)
    print("  ".join("-" * w for w in widths))
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths)))
