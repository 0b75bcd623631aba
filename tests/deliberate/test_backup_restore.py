"""Backup and restore (issue 9 item 8), with the documented commands of docs/operations.md run as an operator
runs them: `manage.py backup FILE` on the live database, `manage.py restore FILE` into an EMPTY new one,
then the boards, the roadmap chain and the audit log still verify, and every board is the same bytes."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from assemblies.roadmap.models import Item
from assemblies.roadmap.services import roadmap
from polls import selectors
from polls import services as poll_services
from polls.models import Poll
from tests.deliberate.test_settings import VARIABLES
from tests.polls import pollkit

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, database_url: str, var_dir: Path, **environment) -> subprocess.CompletedProcess:
    """`python manage.py ...` in a fresh process, configured only by its environment, as in production."""
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update(
        DJANGO_SETTINGS_MODULE="deliberate.settings",
        DELIBERATE_VAR_DIR=str(var_dir),
        DATABASE_URL=database_url,
        SECRET_KEY=settings.SECRET_KEY,
        DELIBERATE_BOARD_KEY=settings.DELIBERATE_BOARD_KEY,
    )
    env.update(environment)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, timeout=300)


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def make_history() -> list[Poll]:
    """A roadmap with three versions and two closed polls (roll-call and secret) with ballots on them."""
    assembly, convenor, members, _observer = pollkit.world(5)
    now = timezone.now()
    for ref, text in (("DIG-1", "An ethical digital SSE, first edit."), ("POL-2", "Public procurement, edited.")):
        item = Item.objects.select_related("space__assembly", "roadmap").get(roadmap__assembly=assembly, ref=ref)
        roadmap.edit_item(item=item, text=text, by=convenor, reason="wording", now=now)
    roll_call, _codes = pollkit.open_poll(pollkit.make_poll(assembly, convenor, at=now), convenor, now)
    for member, choice in zip(members, ["yes", "yes", "no", "abstain", "yes"]):
        poll_services.cast_roll_call(poll=roll_call, user=member, choice=choice, now=now)
    poll_services.cast_roll_call(poll=roll_call, user=members[2], choice="yes", now=now)  # a revote
    secret = pollkit.make_poll(assembly, convenor, kind="approval", secrecy="credential", delivery="paper", at=now)
    secret, codes = pollkit.open_poll(secret, convenor, now)
    first, second, third = (option["id"] for option in secret.options)
    for code, choice in zip(codes, [[first], sorted([first, second]), [third], []]):
        poll_services.cast_with_code(poll=secret, code=code, choice=choice, now=now)
    polls = [pollkit.close(poll, roll_call.closes_at + timedelta(seconds=1)) for poll in (roll_call, secret)]
    assert all(poll.status == Poll.Status.CLOSED and poll.ballot_count >= 4 for poll in polls)
    return polls


def postgres_url(name: str) -> str:
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    return f"postgres://{database['USER']}{password}@{database['HOST']}:{database['PORT'] or 5432}/{name}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_postgres_backup_restored_into_an_empty_database_verifies_with_identical_boards(tmp_path):
    polls = make_history()
    source = postgres_url(connection.settings_dict["NAME"])
    restored_name = f"{connection.settings_dict['NAME']}_restored"
    restored = postgres_url(restored_name)
    backup = tmp_path / "deliberate.dump"

    ok(manage("backup", str(backup), database_url=source, var_dir=tmp_path))
    assert backup.read_bytes()[:5] == b"PGDMP"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{restored_name}"')
        cursor.execute(f'CREATE DATABASE "{restored_name}"')
    try:
        ok(manage("restore", str(backup), database_url=restored, var_dir=tmp_path))
        ok(manage("migrate", "--check", database_url=restored, var_dir=tmp_path))  # nothing left to apply
        assert "versions verify" in ok(manage("verify_roadmap", database_url=restored, var_dir=tmp_path))
        assert "audit" in ok(manage("verify_audit", database_url=restored, var_dir=tmp_path))
        for poll in polls:
            assert "VALID (closed" in ok(manage("verify_poll", poll.public_id, database_url=restored, var_dir=tmp_path))
            exported = tmp_path / f"{poll.public_id}.jsonl"
            ok(manage("export_board", poll.public_id, "-o", str(exported), database_url=restored, var_dir=tmp_path))
            assert exported.read_bytes() == b"".join(selectors.board_bytes(poll))

        # The board key is the other half of a backup: without it the restored boards do not check out.
        other_key = ok(manage("generate_board_key", database_url=restored, var_dir=tmp_path)).strip().splitlines()[-1]
        wrong = manage(
            "verify_poll", polls[0].public_id, database_url=restored, var_dir=tmp_path, DELIBERATE_BOARD_KEY=other_key
        )
        assert wrong.returncode == 1 and b"INVALID" in wrong.stderr

        # A restore never mixes a backup with other data.
        again = manage("restore", str(backup), database_url=restored, var_dir=tmp_path)
        assert again.returncode != 0 and b"is not empty" in again.stderr
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_backup_never_overwrites_a_file(tmp_path):
    existing = tmp_path / "deliberate.dump"
    existing.write_bytes(b"an older backup")
    result = manage(
        "backup", str(existing), database_url=postgres_url(connection.settings_dict["NAME"]), var_dir=tmp_path
    )
    assert result.returncode != 0 and b"exists already" in result.stderr
    assert existing.read_bytes() == b"an older backup"


SQLITE_HISTORY = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tests.deliberate.test_backup_restore import make_history
for poll in make_history():
    print("POLL", poll.public_id)
"""


def test_a_sqlite_backup_restored_into_a_new_file_verifies_with_identical_boards(tmp_path):
    live, restored = tmp_path / "live.sqlite3", tmp_path / "restored.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update(
        DJANGO_SETTINGS_MODULE="deliberate.settings",
        DELIBERATE_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{live}",
        SECRET_KEY=settings.SECRET_KEY,
        DELIBERATE_BOARD_KEY=settings.DELIBERATE_BOARD_KEY,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    history = subprocess.run(
        [sys.executable, "-c", SQLITE_HISTORY], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert history.returncode == 0, history.stderr
    poll_ids = [line.split()[1] for line in history.stdout.splitlines() if line.startswith("POLL ")]
    assert len(poll_ids) == 2

    backup = tmp_path / "backup.sqlite3"
    ok(manage("backup", str(backup), database_url=f"sqlite:///{live}", var_dir=tmp_path))
    ok(manage("restore", str(backup), database_url=f"sqlite:///{restored}", var_dir=tmp_path))
    assert "versions verify" in ok(manage("verify_roadmap", database_url=f"sqlite:///{restored}", var_dir=tmp_path))
    ok(manage("verify_audit", database_url=f"sqlite:///{restored}", var_dir=tmp_path))
    for poll_id in poll_ids:
        assert "VALID (closed" in ok(
            manage("verify_poll", poll_id, database_url=f"sqlite:///{restored}", var_dir=tmp_path)
        )
        boards = []
        for database in (live, restored):
            exported = tmp_path / f"{poll_id}-{database.stem}.jsonl"
            ok(
                manage(
                    "export_board", poll_id, "-o", str(exported), database_url=f"sqlite:///{database}", var_dir=tmp_path
                )
            )
            boards.append(exported.read_bytes())
        assert boards[0] == boards[1] and boards[0].count(b"\n") >= 8

    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    refused = manage(
        "restore", str(not_a_backup), database_url=f"sqlite:///{tmp_path / 'third.sqlite3'}", var_dir=tmp_path
    )
    assert refused.returncode != 0 and b"is not a SQLite database" in refused.stderr
