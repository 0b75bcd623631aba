"""Daphne processes for the HTTP benchmarks, as production runs them: PostgreSQL, Redis, several processes.

`running_site(servers=2)` migrates the benchmarks' database (DATABASE_URL, default `deliberate_bench`),
collects the static files, starts `servers` Daphne processes on free ports with the same environment
(REDIS_URL, default Redis database 9, under a key prefix of the run that is deleted at the end), waits until
each answers /healthz, and stops them on exit. The benchmark process itself sets Django up on the same
database and var dir, so what it creates through the services (polls, sessions) is what the servers see,
signed with the same board key. Uses the start/stop helpers of tests/livekit.py.

Also here: the CPU time and resident memory of a process, and a py-spy profile of one, summarised.
"""

from __future__ import annotations

import collections
import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import ROOT, bench_environment, ensure_database

BIN = Path(sys.executable).parent


@dataclass
class Site:
    bases: list[str]
    processes: list[subprocess.Popen]
    env: dict
    logs: Path
    pids: list[int] = field(default_factory=list)

    def log_tail(self) -> str:
        return "\n".join(
            f"--- {path.name}\n" + path.read_text(errors="replace")[-3000:]
            for path in sorted(self.logs.glob("daphne-*.log"))
            if path.stat().st_size
        )


def server_environment(extra: dict | None = None) -> dict:
    bench_environment()
    env = {key: value for key, value in os.environ.items() if key not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "deliberate.settings",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "DATABASE_CONN_MAX_AGE": "0",
            "DATABASE_POOL_SIZE": "20",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",  # notifications are not printed
            "TRUSTED_PROXY_COUNT": "1",  # the clients play the proxy's part and name each visitor's address
            "PYTHONPATH": str(ROOT),
            **(extra or {}),
        }
    )
    return env


@contextlib.contextmanager
def running_site(*, servers: int = 2, extra_env: dict | None = None, switch_interval: float = 0.0):
    """`servers` Daphne processes on the benchmarks' database and Redis; yields a Site. `switch_interval`
    (seconds): the processes' sys.setswitchinterval (Python's default is 0.005), for the experiment below."""
    from tests.livekit import (
        LiveSite,
        _wait_until_healthy,
        free_port,
        start_daphne,
        stop,
    )

    ensure_database()
    token = secrets.token_hex(4)
    env = server_environment({"REDIS_PREFIX": f"deliberate-bench-{token}", **(extra_env or {})})
    logs = Path(tempfile.mkdtemp(prefix="deliberate-bench-"))
    for command in (("migrate", "--noinput", "-v", "0"), ("collectstatic", "--noinput", "-v", "0")):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    ports = [free_port() for _ in range(servers)]
    live = LiveSite(env=env, bases=[f"http://127.0.0.1:{port}" for port in ports], logs=logs)
    try:
        for port in ports:
            if switch_interval:
                start_daphne_with_switch_interval(live, port, switch_interval)
            else:
                start_daphne(live, port)
        for base, process in zip(live.bases, live.processes):
            _wait_until_healthy(base, process)
        yield Site(
            bases=live.bases,
            processes=live.processes,
            env=env,
            logs=logs,
            pids=[process.pid for process in live.processes],
        )
    finally:
        for process in live.processes:
            stop(process)
        with contextlib.suppress(Exception):
            import redis

            client = redis.Redis.from_url(env["REDIS_URL"])
            keys = list(client.scan_iter(f"{env['REDIS_PREFIX']}*", count=1000))
            if keys:
                client.delete(*keys)
        shutil.rmtree(logs, ignore_errors=True)


def start_daphne_with_switch_interval(live, port: int, interval: float) -> subprocess.Popen:
    """Daphne as tests/livekit.py starts it, with the GIL's switch interval set first. A thread that holds
    the poll's row lock needs the GIL again after each of its round trips; with many busy request threads it
    waits up to one interval each time, and every other cast of the poll waits behind it."""
    code = (
        "import sys; sys.setswitchinterval(float(sys.argv.pop(1))); "
        "from daphne.cli import CommandLineInterface; CommandLineInterface.entrypoint()"
    )
    log = open(live.logs / f"daphne-{port}.log", "wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            code,
            str(interval),
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "--access-log",
            os.devnull,
            "deliberate.asgi:application",
        ],
        cwd=ROOT,
        env=live.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    live.processes.append(process)
    return process


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_megabytes(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_profile(pid: int, seconds: float, output: Path) -> subprocess.Popen | None:
    """py-spy recording `pid` for `seconds` into `output` (collapsed stacks); None when py-spy is missing."""
    spy = shutil.which("py-spy") or (BIN / "py-spy")
    if not Path(spy).exists():
        return None
    return subprocess.Popen(
        [
            str(spy),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--rate",
            "200",
            "--format",
            "raw",
            "--output",
            str(output),
            "--nonblocking",
            "--threads",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


PROJECT = ("(polls/", "(frontend/", "(deliberate/", "(assemblies/")
CATEGORIES = [
    ("waiting for PostgreSQL (psycopg)", "psycopg/"),
    ("Django ORM: building queries", "django/db/models"),
    ("Django database layer", "django/db/"),
    ("Redis (cache, channel layer)", "redis/"),
    ("channels", "channels"),
    ("asgiref sync/async hops", "asgiref/"),
    ("Twisted / Daphne HTTP", "twisted/"),
    ("Twisted / Daphne HTTP", "daphne/"),
    ("asyncio event loop", "asyncio/"),
    ("threads", "threading.py"),
    ("threads", "concurrent/futures"),
    ("Django templates", "django/template"),
    ("Django URL resolving", "django/urls"),
    ("Django middleware and handlers", "django/"),
]


def summarise_profile(path: Path, top: int = 15) -> str:
    """From py-spy's collapsed stacks: where the busy samples' own time goes, by library, and the project's
    functions with the most samples on their stack; idle frames (waiting for work) are left out."""
    if not path.exists() or not path.stat().st_size:
        return "  (no profile: py-spy recorded nothing; does this machine allow ptrace?)"
    inclusive, categories = collections.Counter(), collections.Counter()
    total = 0
    idle = (
        "select (selectors.py",
        "_worker (concurrent/futures",
        "wait (threading.py",
        "epoll",
        "poll (selectors.py",
        "_wait_for_tstate_lock",
        "doPoll (twisted",
    )
    for line in path.read_text().splitlines():
        stack, _sep, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        if any(marker in frames[-1] for marker in idle):
            continue
        samples = int(count)
        total += samples
        for frame in set(frames):
            if any(marker in frame for marker in PROJECT):
                inclusive[frame] += samples
        leaf = frames[-1]
        categories[
            next(
                (name for name, marker in CATEGORIES if marker in leaf),
                "project code" if any(m in leaf for m in PROJECT) else "other (cryptography, json...)",
            )
        ] += samples
    if not total:
        return "  (the process was idle during the profile)"
    lines = [f"  {total} busy samples; own time by library:"]
    lines += [f"  {100 * samples / total:5.1f}%  {name}" for name, samples in categories.most_common()]
    lines.append(f"  the project's functions, share of samples with them on the stack (top {top}):")
    lines += [f"  {100 * samples / total:5.1f}%  {frame[:140]}" for frame, samples in inclusive.most_common(top)]
    return "\n".join(lines)
