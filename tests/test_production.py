"""The production setup, over real HTTP: gunicorn, DEBUG off, the environment of docs/deploy.md.

The server is started the way ``make serve`` starts it (``manage.py check
--deploy``, ``collectstatic``, gunicorn with heritage/gunicorn_conf.py), on a
migrated SQLite file and static files in a temporary directory. A TLS proxy is
played by sending ``X-Forwarded-Proto: https``, as the documented
``SECURE_PROXY_SSL_HEADER`` expects.
"""

from __future__ import annotations

import http.client
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_api_e2e import free_port, manage

pytestmark = pytest.mark.e2e

BASE_DIR = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
HTTPS = {"X-Forwarded-Proto": "https"}

SETUP = """
from registry import services
partner = services.partner_create(name="Museum of the North", user=None)
print("KEY", services.api_key_create(institution=partner, label="production test")[1])
"""


# What docs/deploy.md tells a deployer to set, with the test's own values.
def production_env(tmp: Path, port: int) -> dict:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DEBUG", "HERITAGE_TESTING", "DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    return env | {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CSRF_TRUSTED_ORIGINS": "https://127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp / 'registry.sqlite3'}",
        "STATIC_ROOT": str(tmp / "static"),
        "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "SECURE_SSL_REDIRECT": "1",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
        "SECURE_HSTS_PRELOAD": "1",
        "ADMINS": "Operations <ops@example.org>",
        "REGISTRY_BASE_URI": "https://127.0.0.1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_ACCESS_LOG": "",
        "PYTHONUNBUFFERED": "1",
    }


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


@dataclass
class Production:
    port: int
    key: str
    check_output: str

    def get(
        self, path: str, headers: dict | None = None, method: str = "GET", body: bytes | None = None
    ) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(
                method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})}
            )
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("production")
    port = free_port()
    env = production_env(tmp, port)
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    keys = [
        line.split()[1]
        for line in manage(env, "shell", "-c", SETUP).splitlines()
        if line.startswith("KEY ")
    ]
    log_path = tmp / "gunicorn.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(GUNICORN), "--config", "python:heritage.gunicorn_conf"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Production(
        port, keys[0], check.stdout + check.stderr + f"\nexit status {check.returncode}"
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"gunicorn exited:\n{log_path.read_text()}"
            try:
                server.get("/api/v1/", HTTPS)
                break
            except OSError:
                assert time.monotonic() < deadline, (
                    f"gunicorn did not answer within 60 s:\n{log_path.read_text()}"
                )
                time.sleep(0.3)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_deploy_check_passes_with_the_documented_environment(production):
    assert production.check_output.endswith("exit status 0"), production.check_output
    assert "System check identified no issues" in production.check_output


def test_plain_http_is_redirected_to_https(production):
    reply = production.get("/sites/?country=SY")
    assert reply.status == 301
    assert reply.headers["Location"] == "https://127.0.0.1/sites/?country=SY"


def test_https_pages_carry_hsts_csp_and_permissions_policy(production):
    for path in ("/", "/sites/", "/api/v1/sites/", "/admin/login/", "/api/docs/", "/no-such-page/"):
        reply = production.get(path, HTTPS)
        assert reply.status in (200, 404), (path, reply.status)
        headers = reply.headers
        assert (
            headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        ), path
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp, path
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, path
        assert (
            "camera=()" in headers["Permissions-Policy"]
            and "geolocation=()" in headers["Permissions-Policy"]
        )
        assert (
            headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
        )
        assert headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(production):
    for path in ("/", "/sites/", "/map/", "/admin/login/", "/api/docs/"):
        html = production.get(path, HTTPS).body.decode()
        assert "<style" not in html and " style=" not in html, path
        for tag in html.split("<script")[1:]:
            opening = tag.split(">", 1)[0]
            assert " src=" in opening or 'type="application/json"' in opening, (path, opening)


def test_cookies_are_secure_and_http_only(production):
    reply = production.get("/admin/login/", HTTPS)
    cookies = reply.headers.get_all("Set-Cookie")
    csrf = next(cookie for cookie in cookies if cookie.startswith("csrftoken="))
    assert "Secure" in csrf and "SameSite=Lax" in csrf


def test_responses_for_a_partner_are_private(production):
    partner = production.get(
        "/api/v1/sites/", HTTPS | {"Authorization": f"Api-Key {production.key}"}
    )
    assert partner.status == 200
    assert "private" in partner.headers["Cache-Control"]
    public = production.get("/api/v1/sites/", HTTPS)
    assert public.status == 200 and "private" not in public.headers.get("Cache-Control", "")


def test_static_files_are_served_hashed_and_compressed(production):
    html = production.get("/", HTTPS).body.decode()
    stylesheet = html.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert (
        stylesheet.startswith("/static/registry/registry.")
        and stylesheet != "/static/registry/registry.css"
    )
    reply = production.get(stylesheet, HTTPS | {"Accept-Encoding": "gzip"})
    assert reply.status == 200 and reply.headers["Content-Encoding"] == "gzip"
    assert "max-age=315360000" in reply.headers["Cache-Control"]


def test_an_unknown_host_is_refused_without_a_server_error(production):
    reply = production.get("/", HTTPS | {"Host": "attacker.example"})
    assert reply.status == 400
