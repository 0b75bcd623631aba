"""`python manage.py restore FILE`: load a backup made by `manage.py backup` into an EMPTY database.

The configured database (DATABASE_URL) must exist and hold no table: a restore never mixes a backup with
other data. PostgreSQL: `pg_restore` in one transaction (all or nothing). SQLite: the sqlite3 backup API
copies the file into place. Then run `manage.py migrate` (when the code is newer than the backup) and the
checks: `verify_roadmap`, `verify_audit` and `verify_poll POLL_ID` (see docs/operations.md).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from deliberate.management.commands.backup import run_tool

SQLITE_HEADER = b"SQLite format 3\x00"


class Command(BaseCommand):
    help = "Restore a backup (pg_dump custom format, or a SQLite file) into the configured, empty database."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the backup to restore")

    def handle(self, *args, file, **options):
        source = Path(file)
        if not source.is_file():
            raise CommandError(f"There is no backup file {source}.")
        database = connection.settings_dict
        tables = connection.introspection.table_names()
        if tables:
            raise CommandError(
                f"The database {database['NAME']} is not empty ({len(tables)} tables): restore into a new, empty "
                "database, then point DATABASE_URL at it."
            )
        connection.close()
        if connection.vendor == "postgresql":
            with source.open("rb") as backup:
                if backup.read(5) != b"PGDMP":
                    raise CommandError(f"{source} is not a pg_dump archive (made with --format=custom).")
            run_tool(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    f"--dbname={database['NAME']}",
                    str(source),
                ],
                database,
            )
        elif connection.vendor == "sqlite":
            self.sqlite_restore(source, Path(database["NAME"]))
        else:
            raise CommandError(f"Restoring {connection.vendor} is not supported: use its own tools.")
        self.stdout.write(
            f"Restored {source} into {connection.vendor} database {database['NAME']}. Next: `manage.py migrate`, "
            "then `manage.py verify_roadmap`, `manage.py verify_audit` and `manage.py verify_poll POLL_ID`."
        )

    def sqlite_restore(self, source: Path, target: Path) -> None:
        with source.open("rb") as backup:
            if backup.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                raise CommandError(f"{source} is not a SQLite database.")
        reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            if reader.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise CommandError(f"{source} is damaged (PRAGMA integrity_check failed).")
            if not reader.execute("SELECT 1 FROM sqlite_master WHERE name = 'django_migrations'").fetchone():
                raise CommandError(f"{source} is not a Deliberate database (no django_migrations table).")
            writer = sqlite3.connect(target)
            try:
                reader.backup(writer)
            finally:
                writer.close()
        finally:
            reader.close()
