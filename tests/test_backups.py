"""Backups restore: back up → restore → verify_restore, on SQLite and on PostgreSQL.

Each engine runs the commands of docs/operations.md against databases made
for the test (the seed data in a migrated database), then shows that
``verify_restore`` notices a restored copy that differs by one row.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import urllib.parse
from pathlib import Path

import dj_database_url
import pytest

from registry.selectors.search import fold

BASE_DIR = Path(__file__).resolve().parent.parent


def run(command: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=600
    )


def manage(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"}
    return run(
        [sys.executable, "manage.py", *args], env | {"DATABASE_URL": database_url, "DEBUG": "1"}
    )


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"{result.args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def seeded(database_url: str) -> None:
    ok(manage(database_url, "migrate", "--noinput"))
    ok(manage(database_url, "load_seeds"))


def assert_verified(source: str, target: str) -> None:
    output = ok(manage(source, "verify_restore", "--target", target))
    assert "Restore verified" in output and " 0 rows" not in output, output


def assert_differs(source: str, target: str, table: str, reason: str) -> None:
    result = manage(source, "verify_restore", "--target", target)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"DIFFERS {table}: {reason}" in result.stderr, result.stderr


def test_sqlite_online_backup_restores_and_verifies(tmp_path):
    live = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    seeded(live)
    backup = tmp_path / "backup.sqlite3"
    ok(manage(live, "backup_sqlite", str(backup)))
    restored = tmp_path / "restored.sqlite3"
    shutil.copyfile(backup, restored)  # the documented restore: copy the backup into place
    assert_verified(live, f"sqlite:///{restored}")

    with _raw_sqlite(restored) as connection:
        connection.execute(
            "UPDATE registry_heritagesite SET name = name || '.' "
            "WHERE id = (SELECT min(id) FROM registry_heritagesite)"
        )
    assert_differs(live, f"sqlite:///{restored}", "registry_heritagesite", "same")
    with _raw_sqlite(restored) as connection:
        connection.execute(
            "DELETE FROM registry_sitename WHERE id = (SELECT max(id) FROM registry_sitename)"
        )
    assert_differs(live, f"sqlite:///{restored}", "registry_sitename", "")


def _raw_sqlite(path) -> sqlite3.Connection:
    """A connection outside Django, with the function the search triggers call."""
    connection = sqlite3.connect(path)
    connection.create_function("registry_fold", 1, lambda text: None if text is None else fold(text))
    return connection


def test_sqlite_backup_refuses_to_overwrite(tmp_path):
    live = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    ok(manage(live, "migrate", "--noinput"))
    existing = tmp_path / "taken.sqlite3"
    existing.write_bytes(b"keep me")
    result = manage(live, "backup_sqlite", str(existing))
    assert result.returncode == 1 and "exists already" in result.stderr
    assert existing.read_bytes() == b"keep me"


@pytest.fixture
def postgres_databases():
    """Two empty databases on the configured PostgreSQL server, dropped afterwards."""
    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith(("postgres://", "postgresql://")):
        pytest.skip("DATABASE_URL is not PostgreSQL; CI's PostgreSQL run covers this test")
    import psycopg

    config = dj_database_url.parse(configured)
    tag = secrets.token_hex(4)
    names = [f"heritage_backup_{tag}", f"heritage_restore_{tag}"]
    admin = dict(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with psycopg.connect(**admin) as connection:
        for name in names:
            connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield [
            urllib.parse.urlsplit(configured)._replace(path=f"/{name}").geturl() for name in names
        ]
    finally:
        with psycopg.connect(**admin) as connection:
            for name in names:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_postgres_dump_restores_into_an_empty_database_and_verifies(tmp_path, postgres_databases):
    assert shutil.which("pg_dump") and shutil.which("pg_restore"), (
        "PostgreSQL client tools are needed"
    )
    live, restored = postgres_databases
    seeded(live)
    dump = tmp_path / "registry.dump"
    ok(run(["pg_dump", "--format=custom", f"--file={dump}", f"--dbname={live}"]))
    # Exactly the documented restore, into a database that has no tables yet.
    ok(
        run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                f"--dbname={restored}",
                str(dump),
            ]
        )
    )
    assert_verified(live, restored)
    # Restoring again over the restored copy (the usual case) works as well.
    ok(
        run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                f"--dbname={restored}",
                str(dump),
            ]
        )
    )
    assert_verified(live, restored)

    ok(
        run(
            [
                "psql",
                "--quiet",
                f"--dbname={restored}",
                "-c",
                "UPDATE registry_damagereport SET title = title || '.' "
                "WHERE id = (SELECT min(id) FROM registry_damagereport)",
            ]
        )
    )
    assert_differs(live, restored, "registry_damagereport", "same")
