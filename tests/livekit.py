"""Real Daphne processes for the live tests and the benchmark.

`live_site()` makes a dedicated database (a fresh PostgreSQL database `deliberate_live_<random>` when the
tests run against PostgreSQL and Redis, else an SQLite file), migrates it, collects the static files,
fills it through a setup subprocess, starts Daphne processes on free ports (two when Redis is there,
sharing events through channels_redis, on the Redis database below the tests' own — see
`live_redis_url`; one with the in-memory layer otherwise), and on exit stops them and drops the
database and the Redis keys it used.

Run as `python -m tests.livekit world` (with the site's environment), it builds the debate world of
`tests.debatekit` with a draft poll (and its debate), and prints, as JSON, its ids and a logged-in session
key per person.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PEOPLE = ("convenor", "moderator", "ana", "kofi", "observer", "outsider")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveSite:
    env: dict
    bases: list[str]
    processes: list[subprocess.Popen] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    logs: Path | None = None

    def ws(self, server: int, path: str) -> str:
        return self.bases[server].replace("http://", "ws://") + path

    def origin(self, server: int) -> str:
        return self.bases[server]

    def run(self, *args: str, input_text: str | None = None) -> str:
        """Run a command of this site (`manage.py …` or `-m module`) with its environment."""
        result = subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            input=input_text,
            timeout=600,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def log_tail(self) -> str:
        if self.logs is None:
            return ""
        return "\n".join(
            f"--- {path.name}\n" + path.read_text(errors="replace")[-3000:]
            for path in sorted(self.logs.glob("daphne-*.log"))
        )


def services_available() -> bool:
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql" or not settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def live_redis_url(url: str) -> str:
    """The Redis database of the live processes: the one below the tests' own. Every test begins by
    flushing the tests' cache database (`_fresh_cache` in conftest), which would wipe the processes'
    group memberships (theirs, or those of a concurrent run) in the middle of a live test."""
    parsed = urllib.parse.urlparse(url)
    number = int(parsed.path.strip("/") or 0)
    return urllib.parse.urlunparse(parsed._replace(path=f"/{(number - 1) % 16}"))


def _postgres_server() -> dict:
    from django.conf import settings

    database = settings.DATABASES["default"]
    return {
        "host": database.get("HOST") or "127.0.0.1",
        "port": int(database.get("PORT") or 5432),
        "user": database.get("USER") or "postgres",
        "password": database.get("PASSWORD") or "",
    }


def _admin(server: dict, statement: str) -> None:
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, **server) as connection:
        connection.execute(statement)


def _database_url(server: dict, name: str) -> str:
    password = f":{server['password']}" if server["password"] else ""
    return f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"


def _wait_until_healthy(base: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Daphne at {base} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"Daphne at {base} did not become healthy")


def start_daphne(site: LiveSite, port: int) -> subprocess.Popen:
    log = open(site.logs / f"daphne-{port}.log", "wb")
    process = subprocess.Popen(
        [
            str(BIN / "daphne"),
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "--access-log",
            os.devnull,
            "deliberate.asgi:application",
        ],
        cwd=ROOT,
        env=site.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    site.processes.append(process)
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def live_site(
    *,
    servers: int | None = None,
    setup: tuple[str, ...] = ("-m", "tests.livekit", "world"),
    use_services: bool | None = None,
    extra_env: dict | None = None,
    database_name: str | None = None,
    redis_url: str | None = None,
):
    """A running site; `setup` is the command that fills its database and prints JSON (kept in `data`).

    `database_name` and `redis_url` name the PostgreSQL database (created, then dropped) and the Redis
    database of the processes instead of the defaults (`deliberate_live_<random>`, `live_redis_url`)."""
    from django.conf import settings

    use_services = services_available() if use_services is None else use_services
    servers = servers or (2 if use_services else 1)
    if servers > 1 and not use_services:
        raise RuntimeError("Several Daphne processes need PostgreSQL and Redis to share state.")
    token = secrets.token_hex(4)
    workdir = Path(tempfile.mkdtemp(prefix="deliberate-live-"))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DELIBERATE_BOARD_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "deliberate.settings",
            "DELIBERATE_VAR_DIR": str(workdir / "var"),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            **(extra_env or {}),
        }
    )
    server, database = None, None
    if use_services:
        server = _postgres_server()
        database = database_name or f"deliberate_live_{token}"
        _admin(server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        _admin(server, f'CREATE DATABASE "{database}"')
        env["DATABASE_URL"] = _database_url(server, database)
        env["REDIS_URL"] = redis_url or live_redis_url(settings.REDIS_URL)
        env["REDIS_PREFIX"] = f"deliberate-live-{token}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'live.sqlite3'}"
    ports = [free_port() for _ in range(servers)]
    site = LiveSite(env=env, bases=[f"http://127.0.0.1:{port}" for port in ports], logs=workdir)
    try:
        # The first process generates the secret and board keys into the site's var dir; the others read them.
        site.run("manage.py", "migrate", "--noinput", "-v", "0")
        site.run("manage.py", "collectstatic", "--noinput", "-v", "0")
        output = site.run(*setup)
        site.data = json.loads(output.strip().splitlines()[-1]) if output.strip() else {}
        for port in ports:
            start_daphne(site, port)
        for base, process in zip(site.bases, site.processes):
            try:
                _wait_until_healthy(base, process)
            except RuntimeError as error:
                raise RuntimeError(f"{error}\n{site.log_tail()}") from None
        yield site
    finally:
        for process in site.processes:
            stop(process)
        if database is not None:
            with contextlib.suppress(Exception):
                _admin(server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        if use_services:
            with contextlib.suppress(Exception):
                import redis

                client = redis.Redis.from_url(env["REDIS_URL"])
                keys = list(client.scan_iter(f"{env['REDIS_PREFIX']}*", count=1000))
                if keys:
                    client.delete(*keys)
        shutil.rmtree(workdir, ignore_errors=True)


# HTTP helpers ------------------------------------------------------------------------------------------


def http_get(base: str, path: str, *, session: str) -> tuple[int, str, dict]:
    connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=10)
    connection.request("GET", path, headers={"Cookie": f"sessionid={session}"})
    response = connection.getresponse()
    cookies = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _sep, rest = header.partition("=")
        cookies[name] = rest.split(";", 1)[0]
    body = response.read().decode()
    connection.close()
    return response.status, body, cookies


def post_form(base: str, path: str, form_page: str, *, session: str, fields: dict) -> http.client.HTTPResponse:
    """Post a form as a browser without JavaScript does: load the page for its CSRF token, then submit."""
    status, page, cookies = http_get(base, form_page, session=session)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    cookie = f"sessionid={session}; csrftoken={cookies.get('csrftoken', '')}"
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields})
    connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=10)
    connection.request(
        "POST",
        path,
        body=body,
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded", "Referer": base + form_page},
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


# The setup subprocess ----------------------------------------------------------------------------------


def session_for(user) -> str:
    """A logged-in session for `user`, as logging in would make it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def _world() -> dict:
    from django.utils import timezone

    from assemblies.debates.services import debates
    from tests.debatekit import build_world
    from tests.polls.pollkit import make_poll

    world = build_world()
    # A draft roll-call motion with its debate, for a live session's agenda.
    poll = make_poll(world.assembly, world.convenor, title="Adopt the training plan")
    debates.debate_for(poll=poll, now=timezone.now())
    return {
        "slug": world.assembly.slug,
        "poll": poll.pk,
        "poll_public_id": poll.public_id,
        "debate": world.debate.pk,
        "private_debate": world.private_debate.pk,
        "debate_url": world.debate.get_absolute_url(),
        "sessions": {name: session_for(getattr(world, name)) for name in PEOPLE},
        "users": {name: getattr(world, name).pk for name in PEOPLE},
    }


if __name__ == "__main__":
    import django

    django.setup()
    if sys.argv[1:] == ["world"]:
        print(json.dumps(_world()))
    else:
        raise SystemExit(f"usage: python -m tests.livekit world (not {sys.argv[1:]})")
