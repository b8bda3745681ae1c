"""No acknowledged write is lost: 8 writers at once against gunicorn and PostgreSQL.

Two partners edit their submissions while two curators edit them too and move
them between draft and review, all through the API over real HTTP, each
writer reading the record and then sending its change with the version it
read. A change that raced another is refused with 409; every change answered
200 must then be in the database: in the final record if nothing wrote the
same field after it, and in the version of the history it was given. A move
must carry the fields of the version before it (the bug this guards against:
a move that saved the copy it had read before taking the lock).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import random
import re
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field

import dj_database_url
import pytest

from tests.test_api_e2e import (  # noqa: F401  (database_url is a fixture)
    BASE_DIR,
    CURATOR,
    SETUP,
    database_url,
    free_port,
    manage,
    report_body,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="needs PostgreSQL: set DATABASE_URL=postgres://…",
    ),
]

WRITERS = 8
OPERATIONS = 100
RECORDS_PER_PARTNER = 2


@dataclass
class Ack:
    slug: str
    version: int
    kind: str  # "patch" or "move"
    fields: dict = field(default_factory=dict)


@dataclass
class Tally:
    acks: list[Ack] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, ack: Ack | None) -> None:
        with self.lock:
            self.statuses[status] += 1
            if ack is not None:
                self.acks.append(ack)


class Client:
    """One writer's HTTP client: an API key, or a curator's session with its CSRF token."""

    def __init__(self, base: str, key: str | None = None):
        self.base, self.key = base, key
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def login(self) -> None:
        page = self.opener.open(self.base + "/admin/login/", timeout=60).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {
                "username": CURATOR[0],
                "password": CURATOR[1],
                "csrfmiddlewaretoken": token,
                "next": "/admin/",
            }
        ).encode()
        self.opener.open(
            urllib.request.Request(self.base + "/admin/login/", data=form), timeout=60
        ).close()
        assert any(cookie.name == "sessionid" for cookie in self.jar), (
            "the curator could not log in"
        )

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if self.key:
            headers["Authorization"] = f"Api-Key {self.key}"
        csrf = next((cookie.value for cookie in self.jar if cookie.name == "csrftoken"), None)
        if csrf:
            headers["X-CSRFToken"] = csrf
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base + path, data=data, headers=headers, method=method
        )
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")


@pytest.fixture(scope="module")
def gunicorn(database_url, tmp_path_factory):  # noqa: F811
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HERITAGE_TESTING": "1",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "API_ANON_RATE": "100000/hour",
        "API_USER_RATE": "100000/hour",
        "CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage(env, "migrate", "--noinput")
    manage(env, "load_seeds")
    keys = [
        line.split()[1]
        for line in manage(env, "shell", "-c", SETUP).splitlines()
        if line.startswith("KEY ")
    ]
    log = open(tmp_path_factory.mktemp("gunicorn") / "server.log", "w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "heritage.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
            "--threads",
            "4",
            "--timeout",
            "120",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, f"gunicorn exited; see {log.name}"
            try:
                urllib.request.urlopen(base + "/api/v1/", timeout=10).close()
                break
            except OSError:  # refused, reset, or a worker still loading the project
                assert time.monotonic() < deadline, "gunicorn did not answer within 90 s"
                time.sleep(0.3)
        yield base, keys, database_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def submissions(base: str, keys: list[str]) -> dict[str, list[str]]:
    reader = Client(base)
    site = reader.call("GET", "/api/v1/sites/")[1]["results"][0]["slug"]
    source = reader.call("GET", "/api/v1/sources/")[1]["results"][0]["slug"]
    owned = {}
    for key in keys:
        client = Client(base, key)
        owned[key] = []
        for n in range(RECORDS_PER_PARTNER):
            status, body = client.call(
                "POST",
                "/api/v1/damage-reports/",
                report_body(site, source, title=f"Report {n}", description="start"),
            )
            assert status == 201, body
            owned[key].append(body["slug"])
    return owned


def write(
    client: Client, slugs: list[str], *, curator: bool, name: str, tally: Tally, seed: int
) -> None:
    """OPERATIONS reads, each followed by a PATCH or a move with the version just read."""
    rng = random.Random(seed)
    field_name = "title" if curator else "description"
    for n in range(OPERATIONS):
        slug = rng.choice(slugs)
        url = f"/api/v1/damage-reports/{slug}/"
        status, record = client.call("GET", url)
        assert status == 200, record
        version, lifecycle = record["version"], record["lifecycle"]
        move_wanted = rng.random() < (0.5 if curator else 0.3)
        if move_wanted and (curator or lifecycle == "draft"):
            to = "in_review" if lifecycle == "draft" else "draft"
            body = {"to": to, "version": version, "reason": f"{name} move {n}"}
            status, answer = client.call("POST", url + "transition/", body)
            ack = Ack(slug, answer["version"], "move") if status == 200 else None
        else:
            value = f"{name}-{n}"
            status, answer = client.call("PATCH", url, {field_name: value, "version": version})
            ack = (
                Ack(slug, answer["version"], "patch", {field_name: value})
                if status == 200
                else None
            )
        tally.add(status, ack)


def history(database_url: str) -> dict[tuple[str, int], dict]:  # noqa: F811
    import psycopg

    config = dj_database_url.parse(database_url)
    with psycopg.connect(
        host=config["HOST"],
        port=config["PORT"] or None,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname=config["NAME"],
    ) as connection:
        rows = connection.execute(
            "SELECT slug, version, title, description, lifecycle"
            " FROM registry_historicaldamagereport"
        ).fetchall()
    return {
        (slug, version): {"title": title, "description": description, "lifecycle": lifecycle}
        for slug, version, title, description, lifecycle in rows
    }


def test_eight_writers_lose_no_acknowledged_change(gunicorn):
    base, keys, database_url = gunicorn  # noqa: F811
    owned = submissions(base, keys)
    every = [slug for slugs in owned.values() for slug in slugs]
    curators = [Client(base) for _ in range(WRITERS // 2)]
    for curator in curators:
        curator.login()
    writers = [
        (Client(base, keys[n % len(keys)]), owned[keys[n % len(keys)]], False)
        for n in range(WRITERS // 2)
    ]
    writers += [(curator, every, True) for curator in curators]
    tally = Tally()
    started = time.monotonic()
    threads = [
        threading.Thread(
            target=write,
            args=(client, slugs),
            kwargs={"curator": is_curator, "name": f"w{n}", "tally": tally, "seed": n},
        )
        for n, (client, slugs, is_curator) in enumerate(writers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    print(
        f"\n{WRITERS} writers x {OPERATIONS}: {dict(tally.statuses)} in {elapsed:.1f} s, "
        f"{len(tally.acks)} acknowledged ({sum(a.kind == 'move' for a in tally.acks)} moves)"
    )
    assert sum(tally.statuses.values()) == WRITERS * OPERATIONS
    assert set(tally.statuses) <= {200, 409}, tally.statuses  # no 5xx, and nothing else refused
    assert (
        tally.statuses[200] >= WRITERS * OPERATIONS // 4
    )  # the race was real, and writes got through
    stored = history(database_url)
    reader = Client(base)
    reader.login()
    for slug in every:
        acks = sorted((a for a in tally.acks if a.slug == slug), key=lambda a: a.version)
        versions = [a.version for a in acks]
        assert len(versions) == len(set(versions)), f"{slug}: two writes answered with one version"
        final = reader.call("GET", f"/api/v1/damage-reports/{slug}/")[1]
        assert final["version"] == (versions[-1] if versions else 1)
        assert versions == list(range(2, final["version"] + 1)), (
            f"{slug}: a version nobody was answered"
        )
        for ack in acks:
            saved = stored[(slug, ack.version)]
            for name, value in ack.fields.items():
                assert saved[name] == value, f"{slug} v{ack.version}: {name} lost"
            if ack.kind == "move":
                before = stored[(slug, ack.version - 1)]
                assert (saved["title"], saved["description"]) == (
                    before["title"],
                    before["description"],
                ), f"{slug} v{ack.version}: the move overwrote a field"
        for name in ("title", "description"):
            last = next((a.fields[name] for a in reversed(acks) if name in a.fields), None)
            if last is not None:
                assert final[name] == last, (
                    f"{slug}: the last acknowledged {name} is not the stored one"
                )
