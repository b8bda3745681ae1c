"""The partner API end to end: a real server process on 127.0.0.1, real HTTP.

The server runs ``manage.py runserver --noreload`` against a database made for
this module: a migrated SQLite file in a temporary directory, or, when
DATABASE_URL points at PostgreSQL, a throwaway database created here and
dropped afterwards. It holds the seed data, a curator and a partner with a
key. The example client in examples/ is run against the same server.
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
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import dj_database_url
import pytest

pytestmark = pytest.mark.e2e

BASE_DIR = Path(__file__).resolve().parent.parent
CLIENT = BASE_DIR / "examples" / "api_client.py"
CURATOR = ("e2e-curator", "e2e-curator-password")
MAX_BODY = 64 * 1024  # the server's DATA_UPLOAD_MAX_MEMORY_SIZE in these tests

SETUP = f"""
from django.contrib.auth.models import Group, User
from registry import services
curator = User.objects.create_user({CURATOR[0]!r}, password={CURATOR[1]!r}, is_staff=True)
curator.groups.add(Group.objects.get_or_create(name="curator")[0])
for name in ("Museum of the North", "Heritage Watch"):
    partner = services.partner_create(name=name, user=curator)
    print("KEY", services.api_key_create(institution=partner, label="e2e", user=curator)[1])
"""


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Server:
    url: str
    env: dict
    keys: list[str]

    def request(self, method: str, path: str, body=None, *, key: str | None = None, curator: bool = False,
                headers: dict | None = None, raw: bytes | None = None) -> Reply:
        sent = dict(headers or {})
        if key:
            sent["Authorization"] = f"Api-Key {key}"
        if curator:
            sent["Authorization"] = "Basic " + base64.b64encode(":".join(CURATOR).encode()).decode()
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if data is not None:
            sent["Content-Type"] = "application/json"
        url = path if path.startswith("http") else self.url + path
        request = urllib.request.Request(url, data=data, headers=sent, method=method)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return Reply(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, dict(error.headers), error.read())

    def get(self, path: str, **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body, **kwargs) -> Reply:
        return self.request("POST", path, body, **kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def postgres_admin(config: dict):
    import psycopg

    return psycopg.connect(host=config["HOST"] or None, port=config["PORT"] or None, user=config["USER"],
                           password=config["PASSWORD"] or None, dbname="postgres", autocommit=True)


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    """A database for the server process alone, removed afterwards."""
    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'registry.sqlite3'}"
        return
    config = dj_database_url.parse(configured)
    name = f"heritage_e2e_{secrets.token_hex(4)}"
    with postgres_admin(config) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlsplit(configured)._replace(path=f"/{name}").geturl()
    finally:
        with postgres_admin(config) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def server(database_url):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "HERITAGE_TESTING": "1", "DEBUG": "0",
           "DATA_UPLOAD_MAX_MEMORY_SIZE": str(MAX_BODY), "API_ANON_RATE": "10000/hour",
           "API_USER_RATE": "10000/hour", "CONN_MAX_AGE": "0", "PYTHONUNBUFFERED": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage(env, "migrate", "--noinput")
    manage(env, "load_seeds")
    keys = [line.split()[1] for line in manage(env, "shell", "-c", SETUP).splitlines() if line.startswith("KEY ")]
    assert len(keys) == 2
    # One log per pytest-xdist worker, so parallel runs do not write into the same file.
    log_name = f"e2e-server-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log"
    log = open(BASE_DIR / "artifacts" / log_name, "w") if (BASE_DIR / "artifacts").is_dir() \
        else subprocess.DEVNULL
    process = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                               cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"the server process exited; see artifacts/{log_name}"
            try:
                urllib.request.urlopen(url + "/api/v1/", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "the server did not answer within 60 s"
                time.sleep(0.3)
        yield Server(url, env, keys)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log is not subprocess.DEVNULL:
            log.close()


def first(server: Server, path: str, key: str | None = None) -> dict:
    reply = server.get(path, key=key)
    assert reply.status == 200, reply.body[:300]
    return reply.json()["results"][0]


def report_body(site: str, source: str, **overrides) -> dict:
    return {
        "title": "Display cases smashed", "sites": [site], "source": source, "occurred": "2015/2016-03",
        "severity": "severe", "certainty": "medium",
        "citations": [{"source": source, "quote": "several smashed display cases", "locator": "para. 9"}],
    } | overrides


def own_reports(server: Server, key: str) -> set[str]:
    reply = server.get("/api/v1/damage-reports/?page_size=200", key=key)
    assert reply.status == 200
    return {row["slug"] for row in reply.json()["results"] if row["submitted_by"]}


def test_anonymous_reads_published_records_in_every_format(server):
    reply = server.get("/api/v1/sites/?ordering=name")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("application/json")
    sites = reply.json()["results"]
    assert sites and all(site["lifecycle"] == "published" for site in sites)
    assert [site["name"] for site in sites] == sorted(site["name"] for site in sites)
    csv_reply = server.get("/api/v1/sites/?format=csv")
    assert csv_reply.headers["Content-Type"].startswith("text/csv")
    assert csv_reply.body.decode().splitlines()[0].startswith("url,slug,")
    geojson = server.get("/api/v1/sites/?format=geojson").json()
    assert geojson["type"] == "FeatureCollection" and len(geojson["features"]) == len(sites)
    slug = sites[0]["slug"]
    document = server.get(f"/api/v1/sites/{slug}/?format=jsonld").json()
    assert document["type"] == "Place" and document["id"].endswith(f"/api/v1/sites/{slug}/")
    assert server.get("/api/v1/sites/no-such-site/").status == 404


def test_writing_without_a_key_is_a_401_and_a_bad_key_too(server):
    site, source = first(server, "/api/v1/sites/")["slug"], first(server, "/api/v1/sources/")["slug"]
    reply = server.post("/api/v1/damage-reports/", report_body(site, source))
    assert reply.status == 401 and reply.headers["WWW-Authenticate"].startswith("Api-Key")
    assert set(reply.json()) >= {"detail", "errors"}
    bad = server.post("/api/v1/damage-reports/", report_body(site, source), key="nope.nope")
    assert bad.status == 401 and "Invalid or revoked API key" in bad.json()["detail"]


def test_partner_submits_a_report_that_only_it_and_curators_see(server):
    key_a, key_b = server.keys
    site, source = first(server, "/api/v1/sites/")["slug"], first(server, "/api/v1/sources/")["slug"]
    reply = server.post("/api/v1/damage-reports/", report_body(site, source), key=key_a)
    assert reply.status == 201, reply.body
    created = reply.json()
    assert created["lifecycle"] == "in_review" and created["submitted_by"] == "museum-of-the-north"
    assert reply.headers["Location"] == created["url"]
    assert server.get(created["url"]).status == 404
    assert server.get(created["url"], key=key_b).status == 404
    assert server.get(created["url"], key=key_a).json()["citations"][0]["quote"] == "several smashed display cases"
    assert server.get(created["url"], curator=True).status == 200
    refused = server.post(created["url"] + "transition/", {"to": "published", "version": created["version"]},
                          key=key_a)
    assert refused.status == 403


def test_stale_write_is_a_409_and_changes_nothing(server):
    key = server.keys[0]
    site, source = first(server, "/api/v1/sites/")["slug"], first(server, "/api/v1/sources/")["slug"]
    created = server.post("/api/v1/damage-reports/", report_body(site, source, title="To edit"), key=key).json()
    edited = server.request("PATCH", created["url"], {"severity": "moderate", "version": created["version"]}, key=key)
    assert edited.status == 200 and edited.json()["version"] == created["version"] + 1
    stale = server.request("PATCH", created["url"], {"severity": "slight", "version": created["version"]}, key=key)
    assert stale.status == 409
    assert stale.json()["current_version"] == created["version"] + 1
    assert server.get(created["url"], key=key).json()["severity"] == "moderate"


def test_oversized_and_invalid_bodies_store_nothing(server):
    key = server.keys[0]
    site, source = first(server, "/api/v1/sites/")["slug"], first(server, "/api/v1/sources/")["slug"]
    before = own_reports(server, key)
    big = server.post("/api/v1/damage-reports/", report_body(site, source, description="x" * (MAX_BODY + 1)), key=key)
    assert big.status == 413 and big.json()["errors"] == {}
    invalid = server.post("/api/v1/damage-reports/", report_body(site, source, occurred="2015-13-45",
                                                                 sites=["atlantis"]), key=key)
    assert invalid.status == 400
    assert {"occurred", "sites"} <= invalid.json()["errors"].keys()
    garbled = server.request("POST", "/api/v1/damage-reports/", raw=b"{not json", key=key)
    assert garbled.status == 400
    assert own_reports(server, key) == before


def test_conditional_requests_answer_304(server):
    site = first(server, "/api/v1/sites/")
    detail = server.get(site["url"])
    assert detail.headers["ETag"] and detail.headers["Last-Modified"]
    again = server.get(site["url"], headers={"If-None-Match": detail.headers["ETag"]})
    assert again.status == 304 and again.body == b""
    since = server.get(site["url"], headers={"If-Modified-Since": detail.headers["Last-Modified"]})
    assert since.status == 304
    listing = server.get("/api/v1/sites/")
    assert server.get("/api/v1/sites/", headers={"If-None-Match": listing.headers["ETag"]}).status == 304


def feed(server: Server, since: str | None, key: str | None = None) -> list[dict]:
    url = "/api/v1/changes/" + (f"?since={urllib.parse.quote(since)}" if since else "")
    entries = []
    while url:
        reply = server.get(url, key=key)
        assert reply.status == 200, reply.body
        entries += reply.json()["results"]
        url = reply.json()["next"]
    return entries


def test_sync_round_trip_sees_a_change_and_an_archive(server):
    mark = feed(server, None)[-1]["updated_at"]
    site = first(server, "/api/v1/sites/?ordering=name")
    report = first(server, "/api/v1/damage-reports/")
    changed = server.request("PATCH", site["url"], {"description": "Surveyed again.", "version": site["version"]},
                             curator=True)
    assert changed.status == 200, changed.body
    archived = server.post(report["url"] + "transition/",
                           {"to": "archived", "reason": "Superseded", "version": report["version"]}, curator=True)
    assert archived.status == 200, archived.body

    entries = {(e["type"], e["slug"]): e for e in feed(server, mark)}
    assert entries[("site", site["slug"])]["version"] == site["version"] + 1
    assert entries[("damage_report", report["slug"])]["lifecycle"] == "archived"
    assert server.get(report["url"]).status == 404
    updated = server.get(f"/api/v1/sites/?updated_since={urllib.parse.quote(mark)}").json()["results"]
    assert site["slug"] in {row["slug"] for row in updated}
    assert server.get(site["url"]).json()["description"] == "Surveyed again."


def run_client(server: Server, *args: str, key: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("HERITAGE_API_KEY", "HERITAGE_API_URL")}
    command = [sys.executable, str(CLIENT), "--base-url", server.url, *(["--key", key] if key else []), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def test_example_client_reads_syncs_and_submits(server, tmp_path):
    read = run_client(server, "read", "--country", "SY")
    assert read.returncode == 0, read.stderr
    sites = json.loads(read.stdout)
    assert sites and {site["country"] for site in sites} == {"SY"}

    mirror = tmp_path / "mirror.json"
    first_sync = run_client(server, "sync", "--mirror", str(mirror))
    assert first_sync.returncode == 0, first_sync.stderr
    pulled = json.loads(first_sync.stdout)
    assert any(name.startswith("site/") for name in pulled["fetched"]) and pulled["since"]
    stored = json.loads(mirror.read_text())["records"]
    assert stored[f"site/{sites[0]['slug']}"]["data"]["slug"] == sites[0]["slug"]

    site = server.get(f"/api/v1/sites/{sites[0]['slug']}/").json()
    report = first(server, "/api/v1/damage-reports/")
    assert server.request("PATCH", site["url"], {"description": "Mirrored change.", "version": site["version"]},
                          curator=True).status == 200
    assert server.post(report["url"] + "transition/", {"to": "archived", "version": report["version"]},
                       curator=True).status == 200
    second_sync = json.loads(run_client(server, "sync", "--mirror", str(mirror)).stdout)
    assert second_sync["fetched"] == [f"site/{site['slug']}"]
    # The report's citations leave public view with it; the feed says so, and the mirror drops them too.
    cited = {f"citation/{citation['slug']}" for citation in report["citations"]}
    assert cited and set(second_sync["withdrawn"]) == {f"damage_report/{report['slug']}", *cited}
    stored = json.loads(mirror.read_text())["records"]
    assert stored[f"site/{site['slug']}"]["data"]["description"] == "Mirrored change."
    assert stored[f"damage_report/{report['slug']}"]["withdrawn"] is True

    source = first(server, "/api/v1/sources/")["slug"]
    submit_args = ["submit", "--title", "Colonnade damaged", "--site", site["slug"], "--source", source,
                   "--quote", "badly damaged", "--locator", "para. 3", "--occurred", "2016-03~"]
    refused = run_client(server, *submit_args)
    assert refused.returncode != 0 and "API key" in refused.stderr
    submitted = run_client(server, *submit_args, key=server.keys[1])
    assert submitted.returncode == 0, submitted.stderr
    created = json.loads(submitted.stdout)
    assert (created["lifecycle"], created["submitted_by"]) == ("in_review", "heritage-watch")
    assert created["citations"][0]["quote"] == "badly damaged"
    invalid = run_client(server, *submit_args[:-1], "2016-99", key=server.keys[1])
    assert invalid.returncode == 1 and "occurred" in json.loads(invalid.stderr)["errors"]
