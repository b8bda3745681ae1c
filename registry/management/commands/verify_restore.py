"""Check that a restored database holds exactly what the original held.

    manage.py verify_restore --target postgres://heritage@db/heritage_restored
    manage.py verify_restore --source sqlite:///db.sqlite3 --target sqlite:///restored.sqlite3

For every table of the source (the configured database unless ``--source``
is given) it compares the number of rows and a SHA-256 checksum of all rows,
read in primary-key order with their columns in name order, against the
target. Both databases must be of the same engine. Any difference, a missing
table or a different set of columns fails the command with exit status 1.
"""

from __future__ import annotations

import hashlib

import dj_database_url
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

BATCH = 2000


def open_database(alias: str, url: str | None) -> str:
    """The alias of a connection to ``url``, registered for this command only."""
    if not url:
        return DEFAULT_DB_ALIAS
    configured = connections.configure_settings({DEFAULT_DB_ALIAS: dj_database_url.parse(url)})
    connections.settings[alias] = configured[DEFAULT_DB_ALIAS]
    return alias


def table_columns(alias: str, table: str) -> list[str]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        return sorted(
            column.name for column in connection.introspection.get_table_description(cursor, table)
        )


def _value(value) -> str:
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        return value.hex()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return repr(value)


def table_digest(alias: str, table: str, columns: list[str]) -> tuple[int, str]:
    """Number of rows and checksum of ``table``, independent of physical row order."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        primary = connection.introspection.get_primary_key_columns(cursor, table) or columns
        order = ", ".join(quote(name) for name in primary)
        cursor.execute(
            f"SELECT {', '.join(quote(name) for name in columns)} "
            f"FROM {quote(table)} ORDER BY {order}"
        )
        digest, count = hashlib.sha256(), 0
        while rows := cursor.fetchmany(BATCH):
            for row in rows:
                digest.update("\x1f".join(_value(value) for value in row).encode())
                digest.update(b"\x1e")
                count += 1
    return count, digest.hexdigest()


class Command(BaseCommand):
    help = "Compare row counts and per-table checksums of the database with a restored copy."

    def add_arguments(self, parser):
        parser.add_argument(
            "--source", help="Database URL of the original (default: the configured database)."
        )
        parser.add_argument("--target", required=True, help="Database URL of the restored copy.")
        parser.add_argument(
            "--exclude",
            action="append",
            default=[],
            metavar="TABLE",
            help="A table to leave out (repeatable), e.g. django_session on a live site.",
        )

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        source = open_database("verify_source", options["source"])
        target = open_database("verify_target", options["target"])
        if connections[source].vendor != connections[target].vendor:
            raise CommandError("Both databases must be of the same engine.")
        excluded = set(options["exclude"])
        source_tables = sorted(set(connections[source].introspection.table_names()) - excluded)
        target_tables = set(connections[target].introspection.table_names()) - excluded
        problems = [
            f"{table}: missing from the target"
            for table in source_tables
            if table not in target_tables
        ]
        problems += [
            f"{table}: not in the source" for table in sorted(target_tables - set(source_tables))
        ]
        total = 0
        for table in source_tables:
            if table not in target_tables:
                continue
            problem, rows = self.compare(table, source, target)
            total += rows
            if problem:
                problems.append(problem)
        for problem in problems:
            self.stderr.write(f"DIFFERS {problem}")
        if problems:
            raise CommandError(f"The restore differs from the source in {len(problems)} table(s).")
        self.stdout.write(
            self.style.SUCCESS(
                f"Restore verified: {len(source_tables)} tables, {total} rows, "
                "row counts and checksums identical."
            )
        )

    def compare(self, table: str, source: str, target: str) -> tuple[str | None, int]:
        columns = table_columns(source, table)
        if columns != table_columns(target, table):
            return f"{table}: different columns", 0
        rows, digest = table_digest(source, table, columns)
        restored_rows, restored_digest = table_digest(target, table, columns)
        if self.verbosity >= 2:
            self.stdout.write(f"{table}: {rows} rows, sha256 {digest[:16]}")
        if rows != restored_rows:
            return f"{table}: {rows} rows in the source, {restored_rows} in the target", rows
        if digest != restored_digest:
            return f"{table}: same {rows} rows, different contents (checksum)", rows
        return None, rows
