"""Read replicas: a real gunicorn process over a primary and a replica database.

The replica is a second database on the local PostgreSQL, copied from the
primary once migrated; what is written afterwards reaches only the primary,
as it would while replication lags. So a row that only the primary has tells
where each read went.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import dj_database_url
import pytest

pytestmark = pytest.mark.e2e

BASE_DIR = Path(__file__).resolve().parent.parent
MAIN = dj_database_url.parse(os.environ.get("DATABASE_URL", "sqlite://"))
CURATOR = ("replica-curator", "replica-curator-password")
SETUP = f"""
from django.contrib.auth.models import Group, User
from registry.models import Source, Term
from registry import services
curator = User.objects.create_user({CURATOR[0]!r}, password={CURATOR[1]!r}, is_staff=True)
curator.groups.add(Group.objects.get_or_create(name="curator")[0])
kind = Term.objects.get(vocabulary="source_kind", slug="news-article")
services.record_create(model=Source, fields={{"title": "Wire report", "slug": "wire-report",
    "kind": kind, "lifecycle": "published"}})
"""
LATE_SITE = """
from registry.models import HeritageSite, Term
from registry import services
kind = Term.objects.get(vocabulary="site_kind", slug="archaeological-site")
services.record_create(model=HeritageSite, fields={"name": "Late site", "slug": "late-site",
    "country": "SY", "kind": kind, "lifecycle": "published"})
"""


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(
        host=MAIN["HOST"],
        port=MAIN["PORT"] or 5432,
        user=MAIN["USER"],
        password=MAIN["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(statement)


def url_of(name: str) -> str:
    password = f":{MAIN['PASSWORD']}" if MAIN["PASSWORD"] else ""
    return f"postgres://{MAIN['USER']}{password}@{MAIN['HOST']}:{MAIN['PORT'] or 5432}/{name}"


def manage(env: dict, *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, *, headers: dict | None = None, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        data=data,
        headers={**(headers or {}), "Content-Type": "application/json"},
        method="POST" if data else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def server():
    if MAIN["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("replicas are tested on PostgreSQL (DATABASE_URL)")
    suffix = secrets.token_hex(4)
    primary, replica = f"replicas_primary_{suffix}", f"replicas_copy_{suffix}"
    env = {
        **os.environ,
        "DEBUG": "0",
        "HERITAGE_TESTING": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": url_of(primary),
        "CONN_MAX_AGE": "0",
        "API_USER_RATE": "1000/second",
    }
    env.pop("DATABASE_REPLICA_URLS", None)
    admin_sql(f'CREATE DATABASE "{primary}"')
    server_process = None
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "shell", "-c", SETUP)
        admin_sql(f'CREATE DATABASE "{replica}" TEMPLATE "{primary}"')
        manage(env, "shell", "-c", LATE_SITE)  # written after the copy: the replica lags behind
        env["DATABASE_REPLICA_URLS"] = url_of(replica)
        port = free_port()
        server_process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "heritage.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            cwd=BASE_DIR,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/api/v1/", timeout=5)
                break
            except OSError:
                time.sleep(0.5)
        yield base
    finally:
        if server_process is not None:
            server_process.terminate()
            server_process.wait(timeout=30)
        for name in (replica, primary):
            admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_reads_go_to_the_replica(server):
    assert get(server + "/api/v1/sources/wire-report/")[0] == 200  # copied to the replica
    assert get(server + "/api/v1/sites/late-site/")[0] == 404  # on the primary only


def test_a_reader_who_just_wrote_reads_from_the_primary(server):
    auth = {"Authorization": "Basic " + base64.b64encode(":".join(CURATOR).encode()).decode()}
    status, headers, body = get(
        server + "/api/v1/sources/",
        headers=auth,
        body={"title": "Field mission", "kind": "news-article"},
    )
    assert status == 201, body
    created = json.loads(body)  # read back in the same request: from the primary
    assert created["title"] == "Field mission"
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    assert cookie.startswith("registry_primary=")
    detail = f"{server}/api/v1/sources/{created['slug']}/"
    assert get(detail, headers=auth)[0] == 404  # without the pin: the lagging replica
    assert get(detail, headers={**auth, "Cookie": cookie})[0] == 200
    assert get(server + "/api/v1/sites/late-site/", headers={"Cookie": cookie})[0] == 200
