"""Copy a live SQLite database to a file with SQLite's online backup API.

    manage.py backup_sqlite backups/registry-2026-01-31.sqlite3

Safe while the site is serving: the copy is a consistent snapshot even if
writes happen during it (SQLite restarts the copy of pages a writer touched).
For PostgreSQL use pg_dump instead (see docs/operations.md).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections


class Command(BaseCommand):
    help = "Back up the SQLite database to a file, online."

    def add_arguments(self, parser):
        parser.add_argument("destination", help="File to write; must not exist yet.")
        parser.add_argument(
            "--database", default="default", help="Database alias (default: default)."
        )

    def handle(self, *args, destination: str, database: str, **options):
        connection = connections[database]
        if connection.vendor != "sqlite":
            raise CommandError("backup_sqlite backs up SQLite only; use pg_dump for PostgreSQL.")
        target = Path(destination)
        if target.exists():
            raise CommandError(f"{target} exists already; choose a new file name.")
        source = sqlite3.connect(str(connection.settings_dict["NAME"]))
        copy = sqlite3.connect(str(target))
        try:
            with copy:
                source.backup(copy, pages=1024)
            check = copy.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            copy.close()
            source.close()
        if check != "ok":
            raise CommandError(f"The copy failed SQLite's integrity check: {check}")
        self.stdout.write(
            self.style.SUCCESS(f"Backed up to {target} ({target.stat().st_size} bytes).")
        )
