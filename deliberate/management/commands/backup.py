"""`python manage.py backup FILE`: a consistent copy of the whole database, taken while the site runs.

PostgreSQL: `pg_dump --format=custom` (one snapshot of every table; restore it with `manage.py restore`
or `pg_restore`). SQLite: the sqlite3 online backup API (a page-by-page copy that sees one state of the
file, unlike `cp`, which can copy a half-written page). The file holds no secret: keep SECRET_KEY and
DELIBERATE_BOARD_KEY beside it (see docs/operations.md), or the boards restored cannot be re-signed or
checked against the site's key.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection


def postgres_environment(database: dict) -> dict:
    """libpq's variables for the configured database: the password never appears on a command line."""
    environment = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if database.get(key):
            environment[variable] = str(database[key])
    return environment


def run_tool(arguments: list[str], database: dict) -> None:
    try:
        result = subprocess.run(arguments, env=postgres_environment(database), capture_output=True, text=True)
    except FileNotFoundError:
        raise CommandError(
            f"{arguments[0]} is not installed: install PostgreSQL's client tools "
            "(Debian: apt-get install postgresql-client)."
        ) from None
    if result.returncode != 0:
        raise CommandError(f"{arguments[0]} failed: {result.stderr.strip()}")


class Command(BaseCommand):
    help = "Back up the whole database into FILE (pg_dump custom format, or a SQLite file)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="where to write the backup (must not exist yet)")

    def handle(self, *args, file, **options):
        target = Path(file)
        if target.exists():
            raise CommandError(f"{target} exists already: choose a new name (a backup never overwrites one).")
        if not target.parent.is_dir():
            raise CommandError(f"There is no directory {target.parent}.")
        database = connection.settings_dict
        partial = target.with_name(target.name + ".partial")
        try:
            if connection.vendor == "postgresql":
                run_tool(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"], database)
            elif connection.vendor == "sqlite":
                self.sqlite_backup(Path(database["NAME"]), partial)
            else:
                raise CommandError(f"Backing up {connection.vendor} is not supported: use its own tools.")
            partial.rename(target)  # a file under the final name is always a whole backup
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(
            f"Backed up {connection.vendor} database {database['NAME']} into {target} "
            f"({target.stat().st_size} bytes). Keep SECRET_KEY and DELIBERATE_BOARD_KEY with it, apart from it."
        )

    def sqlite_backup(self, source: Path, target: Path) -> None:
        if not source.exists():
            raise CommandError(f"There is no database file {source}.")
        reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            writer = sqlite3.connect(target)
            try:
                reader.backup(writer)
            finally:
                writer.close()
        finally:
            reader.close()
