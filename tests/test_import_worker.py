"""An import end to end: a real server, a real Celery worker, a real Redis broker.

The curator logs in to the admin over HTTP, uploads a file, follows the check
on the progress endpoint the page's bar polls, confirms, follows the writing,
and undoes it; the worker process does every step. Both processes use a
database made for this module (a SQLite file, or a throwaway PostgreSQL
database when DATABASE_URL points at PostgreSQL) and a queue of their own on
the broker, so parallel runs do not take each other's jobs.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from .test_api_e2e import BASE_DIR, database_url, free_port, manage  # noqa: F401  (database_url is a fixture)

pytestmark = pytest.mark.e2e
BROKER = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/5")
CURATOR = ("worker-curator", "worker-curator-password")
SETUP = f"""
from registry import services
from tests.factories import HeritageSiteFactory, SourceFactory
services.curator_create(username={CURATOR[0]!r}, password={CURATOR[1]!r})
HeritageSiteFactory(slug="worker-site"); SourceFactory(slug="worker-source")
"""
COUNT = """
from registry.models import DamageReport
print("COUNT", DamageReport.objects.filter(title__startswith="Queued report").exclude(lifecycle="archived").count())
"""


def broker_reachable() -> None:
    parts = urllib.parse.urlsplit(BROKER)
    try:
        socket.create_connection((parts.hostname, parts.port or 6379), timeout=3).close()
    except OSError:
        pytest.fail(
            f"No broker at {BROKER}: start Redis (or set CELERY_TEST_BROKER_URL)", pytrace=False
        )


def wait_until_up(process: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, "the server process exited"
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, ConnectionError):
            assert time.monotonic() < deadline, "the server did not answer within 60 s"
            time.sleep(0.3)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def stack(database_url, tmp_path_factory):  # noqa: F811
    broker_reachable()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HERITAGE_TESTING": "1",
        "DEBUG": "0",
        "CELERY_BROKER_URL": BROKER,
        "CELERY_QUEUE": f"imports-test-{secrets.token_hex(4)}",
        "IMPORTS_DIR": str(tmp_path_factory.mktemp("imports")),
        "CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage(env, "migrate", "--noinput")
    manage(env, "shell", "-c", SETUP)
    logs = tmp_path_factory.mktemp("logs")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "heritage",
            "worker",
            "--pool=solo",
            "-Q",
            env["CELERY_QUEUE"],
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=open(logs / "worker.log", "w"),
        stderr=subprocess.STDOUT,
    )
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=BASE_DIR,
        env=env,
        stdout=open(logs / "server.log", "w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(server, url + "/admin/login/")
        yield {"url": url, "env": env, "logs": logs, "worker": worker}
    finally:
        stop(server)
        stop(worker)


class Browser:
    """Just enough of a browser for the admin: cookies, CSRF tokens, form and file posts."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, str]:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.status, response.read().decode()

    def token(self, path: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.get(path)[1]).group(1)

    def post(
        self, path: str, fields: dict, files: dict | None = None, *, token_from: str | None = None
    ) -> str:
        fields = {"csrfmiddlewaretoken": self.token(token_from or path), **fields}
        boundary = secrets.token_hex(16)
        body = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items()
        )
        for name, (filename, content) in (files or {}).items():
            body += (
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    f"Content-Type: text/csv\r\n\r\n"
                ).encode()
                + content
                + b"\r\n"
            )
        body += f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            self.base + path,
            data=body,
            method="POST",
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Referer": self.base + path,
            },
        )
        with self.opener.open(request, timeout=60) as response:
            return response.geturl()

    def follow(self, batch: int, until: str, timeout: float = 240) -> list[dict]:
        """Poll the progress endpoint, as the page's bar does, until the batch reaches ``until``."""
        seen, deadline = [], time.monotonic() + timeout
        while True:
            seen.append(json.loads(self.get(f"/admin/registry/importbatch/{batch}/progress/")[1]))
            if seen[-1]["status"] in (until, "failed"):
                return seen
            assert time.monotonic() < deadline, f"still {seen[-1]} after {timeout} s"
            time.sleep(0.2)


def test_import_runs_on_the_worker_with_progress_and_can_be_undone(stack):
    rows = ["title,source,sites,occurred,severity,certainty"]
    rows += [f"Queued report {n},worker-source,worker-site,2015,severe,high" for n in range(4500)]
    rows += ["Queued report broken,worker-source,worker-site,2015-02-30,severe,high"]
    browser = Browser(stack["url"])
    browser.post(
        "/admin/login/", {"username": CURATOR[0], "password": CURATOR[1], "next": "/admin/"}
    )
    landed = browser.post(
        "/admin/registry/importbatch/add/",
        {"record_type": "damage_reports"},
        {"file": ("queued.csv", "\n".join(rows).encode())},
    )
    batch = int(re.search(r"/importbatch/(\d+)/change/", landed).group(1))
    checked = browser.follow(batch, "validated")
    assert checked[-1]["status"] == "validated", (
        stack["logs"].joinpath("worker.log").read_text()[-3000:]
    )
    assert (checked[-1]["rows_total"], checked[-1]["to_create"], checked[-1]["rows_invalid"]) == (
        4501,
        4500,
        1,
    )
    assert checked[-1]["percent"] == 100
    page = browser.get(f"/admin/registry/importbatch/{batch}/change/")[1]
    assert "<progress" in page and "2015-02-30" in page and 'id="confirm-import"' in page
    assert "COUNT 0" in manage(
        stack["env"], "shell", "-c", COUNT
    )  # nothing written before confirmation

    browser.post(
        f"/admin/registry/importbatch/{batch}/confirm/",
        {},
        token_from=f"/admin/registry/importbatch/{batch}/change/",
    )
    applied = browser.follow(batch, "applied")
    assert applied[0]["running"] and applied[-1]["status"] == "applied"
    percents = [state["percent"] for state in applied]
    assert percents == sorted(percents) and percents[-1] == 100
    assert applied[-1]["created"] == 4500
    assert "COUNT 4500" in manage(stack["env"], "shell", "-c", COUNT)

    browser.post(
        f"/admin/registry/importbatch/{batch}/undo/",
        {},
        token_from=f"/admin/registry/importbatch/{batch}/change/",
    )
    assert browser.follow(batch, "undone")[-1]["status"] == "undone"
    assert "COUNT 0" in manage(stack["env"], "shell", "-c", COUNT)
    assert stack["worker"].poll() is None
