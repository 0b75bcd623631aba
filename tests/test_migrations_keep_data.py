"""A database made by the old layout (commit ec24456, before the apps were split) migrates and keeps its data.

The snapshots in tests/migration_data/ hold the demo with every poll closed, made by the old code on SQLite and
on PostgreSQL; their manifests say, from the old code, what each poll's exported board hashes to, what the
verify commands print and how many rows each table holds (make_snapshots.sh regenerates them; README.md there).
Each test loads a snapshot into a fresh database, runs `manage.py migrate` of the code under test, and checks
that nothing was lost or changed: the boards export byte for byte, every poll, roadmap and audit chain still
verifies, every table of the old database still holds as many rows, and the models need no new migration.

It imports nothing of the project (its modules are moving): it runs `manage.py` in subprocesses, as an
operator upgrading a site would, and counts rows with sqlite3 or psql.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "migration_data"
CI = os.environ.get("CI", "").lower() == "true"
# The table every migration adds rows to; it may only grow.
GROWS = {"django_migrations"}
# The variables of the test process that must not reach the migrated site.
DROPPED = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DELIBERATE_BOARD_KEY",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DEBUG",
    "DELIBERATE_VAR_DIR",
)


def missing_service(message: str):
    """As tests/conftest.py: skipped on a laptop without the service, a failure in CI."""
    if CI:
        pytest.fail(f"{message} (CI=true: a missing service is a failure)", pytrace=False)
    pytest.skip(message)


def load_manifest(name: str) -> dict:
    manifest = json.loads((DATA / name).read_text(encoding="utf-8"))
    # The snapshot must hold something to lose, or the test would pass on an empty database.
    assert manifest["polls"] and manifest["tables"]["polls_boardline"] > 0, f"{name} describes an empty demo"
    assert all(poll["status"] in ("closed", "draft") for poll in manifest["polls"]), f"{name}: a poll is still open"
    return manifest


class Site:
    """`manage.py` of the code under test, on one database, with the keys the snapshot was made with."""

    def __init__(self, database_url: str, manifest: dict, var_dir: Path):
        self.env = {key: value for key, value in os.environ.items() if key not in DROPPED}
        self.env.update(
            {
                "DATABASE_URL": database_url,
                "DELIBERATE_BOARD_KEY": manifest["env"]["DELIBERATE_BOARD_KEY"],
                "SECRET_KEY": manifest["env"]["SECRET_KEY"],
                "DELIBERATE_VAR_DIR": str(var_dir),
                "LOG_LEVEL": "WARNING",
            }
        )

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, check=False, timeout=600
        )

    def ok(self, *args: str) -> str:
        """Run a command that must succeed; its standard output."""
        done = self.run(*args)
        assert done.returncode == 0, (
            f"manage.py {' '.join(args)} exited {done.returncode}:\n{done.stdout.decode(errors='replace')}\n"
            f"{done.stderr.decode(errors='replace')}"
        )
        return done.stdout.decode("utf-8")


def differing_counts(manifest: dict, count) -> list[str]:
    differences = []
    for table, expected in sorted(manifest["tables"].items()):
        try:
            found = count(table)
        except Exception as error:  # noqa: BLE001 - a table gone or renamed is reported with the others
            differences.append(f"{table}: cannot be counted ({str(error).strip()})")
            continue
        if found != expected and not (table in GROWS and found > expected):
            differences.append(f"{table}: {found} rows, the old database had {expected}")
    return differences


def check_migrates_and_keeps_data(site: Site, manifest: dict, count, tmp_path: Path) -> None:
    # The snapshot as loaded is the one the manifest describes (else a difference below would mislead).
    assert differing_counts(manifest, count) == [], "the snapshot does not match its manifest before migrating"

    site.ok("migrate", "--noinput")

    # Rows: every table of the old database is still there, under its name, with as many rows.
    differences = differing_counts(manifest, count)
    assert differences == [], "rows changed in the migration:\n" + "\n".join(differences)

    # The models agree with the migrations (a state-only move that forgot a field shows here).
    out = site.ok("makemigrations", "--check", "--dry-run")
    assert "No changes detected" in out, out

    # The hash chains of the roadmap and the audit and moderation logs verify, with the same entries.
    for command in ("verify_roadmap", "verify_audit"):
        out = site.ok(command)
        assert out == manifest[command]["stdout"], (
            f"{command} printed {out!r}, the old code {manifest[command]['stdout']!r}"
        )

    for poll in manifest["polls"]:
        public_id = poll["public_id"]
        # Every check of the spec on the stored board, against the database's columns and the pinned key.
        done = site.run("verify_poll", public_id)
        out, err = done.stdout.decode("utf-8"), done.stderr.decode("utf-8", errors="replace")
        assert done.returncode == 0 and "INVALID" not in out + err, f"verify_poll {public_id} failed:\n{out}{err}"
        if poll["status"] == "closed":
            assert out.startswith(f"{public_id}: VALID (closed;") and f"head {poll['head']})" in out, out
        else:
            assert "is a draft" in out, out
        assert out == poll["verify_poll"]["stdout"], (
            f"verify_poll {public_id}: {out!r}, the old code said {poll['verify_poll']['stdout']!r}"
        )

        # The board exports byte for byte as the old code exported it.
        board = tmp_path / f"{public_id}.jsonl"
        site.ok("export_board", public_id, "-o", str(board))
        data = board.read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (poll["board_bytes"], poll["board_sha256"]), (
            f"the board of {public_id} exports differently after the migration"
        )


def test_sqlite_database_of_the_old_layout_migrates_and_keeps_its_data(tmp_path):
    manifest = load_manifest("manifest-sqlite.json")
    database = tmp_path / "old-demo.sqlite3"
    with gzip.open(DATA / "old-demo.sqlite3.gz") as source, open(database, "wb") as target:
        shutil.copyfileobj(source, target)

    def count(table: str) -> int:
        connection = sqlite3.connect(database)
        try:
            return connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        finally:
            connection.close()

    site = Site(f"sqlite:///{database}", manifest, tmp_path / "var")
    check_migrates_and_keeps_data(site, manifest, count, tmp_path)


def postgres_server() -> dict:
    """The server of the test run's DATABASE_URL (the `postgres` marker skips the test without one)."""
    parsed = urllib.parse.urlparse(os.environ.get("DATABASE_URL", ""))
    return {
        "host": parsed.hostname or "127.0.0.1",
        "port": str(parsed.port or 5432),
        "user": urllib.parse.unquote(parsed.username or "postgres"),
        "password": urllib.parse.unquote(parsed.password or ""),
    }


@pytest.mark.postgres
def test_postgresql_database_of_the_old_layout_migrates_and_keeps_its_data(tmp_path):
    manifest = load_manifest("manifest-postgres.json")
    server = postgres_server()
    psql = shutil.which("psql")
    if psql is None:
        missing_service("needs psql, the PostgreSQL client (`apt-get install postgresql-client`)")
    env = {**os.environ, "PGPASSWORD": server["password"], "PGCONNECT_TIMEOUT": "5"}

    def run_psql(database: str, *args: str, input_path: Path | None = None) -> subprocess.CompletedProcess:
        command = [
            psql,
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            server["host"],
            "-p",
            server["port"],
            "-U",
            server["user"],
            "-d",
            database,
            *args,
        ]
        if input_path is not None:
            command += ["-f", str(input_path)]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)

    answer = run_psql("postgres", "-c", "SELECT 1")
    if answer.returncode != 0:
        missing_service(
            f"needs PostgreSQL, which does not answer at {server['host']}:{server['port']}: {answer.stderr.strip()}"
        )
    name = f"deliberate_migkeep_{secrets.token_hex(4)}"
    created = run_psql("postgres", "-c", f'CREATE DATABASE "{name}"')
    assert created.returncode == 0, created.stderr
    failed = True
    try:
        dump = tmp_path / "old-demo.pg.sql"
        with gzip.open(DATA / "old-demo.pg.sql.gz") as source, open(dump, "wb") as target:
            shutil.copyfileobj(source, target)
        loaded = run_psql(name, input_path=dump)
        assert loaded.returncode == 0, f"the dump does not load:\n{loaded.stderr}"

        def count(table: str) -> int:
            done = run_psql(name, "-c", f'SELECT count(*) FROM "{table}"')
            if done.returncode != 0:
                raise RuntimeError(done.stderr)
            return int(done.stdout.strip())

        password = ":" + urllib.parse.quote(server["password"], safe="") if server["password"] else ""
        user = urllib.parse.quote(server["user"], safe="")
        url = f"postgres://{user}{password}@{server['host']}:{server['port']}/{name}"
        site = Site(url, manifest, tmp_path / "var")
        check_migrates_and_keeps_data(site, manifest, count, tmp_path)
        failed = False
    finally:
        dropped = run_psql("postgres", "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        # A database left behind fails the test, unless it failed already (that failure is the one to see).
        assert failed or dropped.returncode == 0, f"cannot drop the database {name}: {dropped.stderr}"
