"""Logins that resist guessing: admin lockout, login log, API throttling, TOTP, sessions."""

from __future__ import annotations

import base64
import logging
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.models import Group, User
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import path
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.api_fixtures import api, fresh_throttles, partner_a  # noqa: F401

PASSWORD = "a long curator passphrase"
pytestmark = pytest.mark.django_db


class CountingHasher(MD5PasswordHasher):
    """MD5 for speed, counting every hash it computes (a real hash each time)."""

    algorithm = "counting_md5"
    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt)


@pytest.fixture(autouse=True)
def fast_counted_hashing(settings):
    settings.PASSWORD_HASHERS = ["tests.test_security.CountingHasher"]
    CountingHasher.calls = 0


@pytest.fixture
def curator_user(db):
    user = User.objects.create_user("curator-ana", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="curator")[0])
    return user


def admin_login(client: Client, username: str, password: str, address: str = "127.0.0.1", **extra):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, **extra},
        REMOTE_ADDR=address,
    )


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


# The admin


def test_admin_locks_a_user_out_after_five_failures(curator_user):
    client = Client()
    statuses = [
        admin_login(
            client, "curator-ana", f"guess-{attempt}", address=f"10.0.0.{attempt + 1}"
        ).status_code
        for attempt in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]  # the form again with its error, then the lockout
    reply = admin_login(client, "curator-ana", PASSWORD, address="10.0.0.99")
    assert reply.status_code == 429
    assert "_auth_user_id" not in client.session


def test_admin_locks_an_address_out_after_five_failures(curator_user):
    client = Client()
    for attempt in range(5):
        admin_login(client, f"nobody-{attempt}", "guess", address="192.0.2.7")
    assert admin_login(client, "curator-ana", PASSWORD, address="192.0.2.7").status_code == 429
    other = Client()
    reply = admin_login(other, "curator-ana", PASSWORD, address="192.0.2.8")
    assert reply.status_code == 302 and other.session["_auth_user_id"] == str(curator_user.pk)


def test_four_failures_then_the_right_password_lets_the_curator_in(curator_user):
    client = Client()
    for attempt in range(4):
        admin_login(client, "curator-ana", f"guess-{attempt}")
    assert admin_login(client, "curator-ana", PASSWORD).status_code == 302


def test_failed_and_successful_logins_are_logged(curator_user, caplog):
    caplog.set_level(logging.INFO, logger="registry.auth")
    admin_login(Client(), "curator-ana", "wrong", address="198.51.100.4")
    admin_login(Client(), "curator-ana", PASSWORD, address="198.51.100.5")
    messages = [
        (record.levelname, record.getMessage())
        for record in caplog.records
        if record.name == "registry.auth"
    ]
    assert (
        "WARNING",
        "login failed: user='curator-ana' address=198.51.100.4 path=/admin/login/",
    ) in messages
    assert (
        "INFO",
        "login succeeded: user='curator-ana' address=198.51.100.5 path=/admin/login/",
    ) in messages
    assert not any(PASSWORD in text or "wrong" in text for _level, text in messages)


def test_an_idle_session_ends(curator_user, settings):
    client = Client()
    admin_login(client, "curator-ana", PASSWORD)
    reply = client.get("/admin/")
    assert reply.status_code == 200
    # Every request moves the end of the session forward by the idle timeout.
    assert reply.cookies["sessionid"]["max-age"] == settings.SESSION_COOKIE_AGE == 3600
    session = Session.objects.get()
    assert abs(session.expire_date - (timezone.now() + timedelta(seconds=3600))) < timedelta(
        seconds=30
    )
    Session.objects.update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )  # an hour without a request
    reply = client.get("/admin/")
    assert reply.status_code == 302 and reply["Location"].startswith("/admin/login/")


# TOTP


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def test_a_curator_with_an_authenticator_must_give_its_code(curator_user):
    device = TOTPDevice.objects.create(user=curator_user, name="phone", confirmed=True)
    client = Client()
    reply = admin_login(client, "curator-ana", PASSWORD)
    assert reply.status_code == 200 and "_auth_user_id" not in client.session
    wrong = f"{(int(current_code(device)) + 1) % 10**6:06d}"
    assert admin_login(client, "curator-ana", PASSWORD, otp_token=wrong).status_code == 200
    reply = admin_login(
        client,
        "curator-ana",
        PASSWORD,
        otp_token=current_code(device),
        otp_device=device.persistent_id,
    )
    assert reply.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_without_an_authenticator_the_password_is_enough_unless_required(curator_user, settings):
    client = Client()
    assert admin_login(client, "curator-ana", PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200
    settings.ADMIN_REQUIRE_OTP = True
    reply = client.get("/admin/")
    assert reply.status_code == 302 and reply["Location"].startswith("/admin/login/")


# The API


def test_wrong_api_keys_are_throttled_per_address(partner_a, settings):
    settings.API_AUTH_FAILURE_LIMIT = 10
    guesser = Client()
    for attempt in range(10):
        reply = guesser.get(
            "/api/v1/sites/",
            HTTP_AUTHORIZATION=f"Api-Key bogus.{attempt}",
            REMOTE_ADDR="203.0.113.9",
        )
        assert reply.status_code == 401
    reply = guesser.get(
        "/api/v1/sites/", HTTP_AUTHORIZATION=f"Api-Key {partner_a.key}", REMOTE_ADDR="203.0.113.9"
    )
    assert reply.status_code == 429 and int(reply["Retry-After"]) > 0
    assert (
        guesser.get("/api/v1/sites/", HTTP_X_API_KEY="bogus", REMOTE_ADDR="203.0.113.9").status_code
        == 429
    )
    elsewhere = Client().get(
        "/api/v1/sites/", HTTP_AUTHORIZATION=f"Api-Key {partner_a.key}", REMOTE_ADDR="203.0.113.10"
    )
    assert elsewhere.status_code == 200
    # Reading without credentials is not refused: the address has no key to guess with.
    assert guesser.get("/api/v1/sites/", REMOTE_ADDR="203.0.113.9").status_code == 200


def test_wrong_basic_passwords_stop_costing_a_hash_once_throttled(curator_user, settings):
    settings.API_AUTH_FAILURE_LIMIT = 10
    client = Client()
    for attempt in range(10):
        reply = client.get(
            "/api/v1/sites/",
            HTTP_AUTHORIZATION=basic(f"user-{attempt}", "guess"),
            REMOTE_ADDR="203.0.113.20",
        )
        assert reply.status_code in (401, 403)
    hashed_while_guessing = CountingHasher.calls
    assert hashed_while_guessing >= 5  # the first guesses were checked for real
    for attempt in range(20):
        reply = client.get(
            "/api/v1/sites/",
            HTTP_AUTHORIZATION=basic("curator-ana", f"guess-{attempt}"),
            REMOTE_ADDR="203.0.113.20",
        )
        assert reply.status_code == 429
    assert CountingHasher.calls == hashed_while_guessing


def test_basic_auth_failures_lock_the_user_name_as_in_the_admin(curator_user):
    for attempt in range(5):
        Client().get(
            "/api/v1/sites/",
            HTTP_AUTHORIZATION=basic("curator-ana", f"guess-{attempt}"),
            REMOTE_ADDR=f"198.18.0.{attempt + 1}",
        )
    reply = Client().post(
        "/api/v1/sources/",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION=basic("curator-ana", PASSWORD),
        REMOTE_ADDR="198.18.0.50",
    )
    assert reply.status_code == 401
    assert admin_login(Client(), "curator-ana", PASSWORD, address="198.18.0.51").status_code == 429


def test_basic_auth_with_the_right_password_writes(curator_user):
    reply = Client().post(
        "/api/v1/sources/",
        {"title": "A field report", "kind": "field_mission_report"},
        content_type="application/json",
        HTTP_AUTHORIZATION=basic("curator-ana", PASSWORD),
    )
    assert reply.status_code in (201, 400), (
        reply.content
    )  # authenticated: the body is judged, not the caller
    assert reply.status_code != 400 or "title" not in reply.json()["errors"]


@pytest.mark.parametrize(
    "header", ["Bearer abc.def", "Token 123", "Digest username=x", "Api-Key", "junk"]
)
def test_a_wrong_authorization_scheme_is_refused_not_read_as_anonymous(api, header):
    reply = api.get("/api/v1/sites/", HTTP_AUTHORIZATION=header)
    assert reply.status_code == 401
    assert reply["WWW-Authenticate"].startswith("Api-Key")
    assert reply.json()["detail"]


def test_basic_auth_can_be_turned_off(curator_user, settings):
    settings.API_BASIC_AUTH = False
    CountingHasher.calls = 0
    reply = Client().get("/api/v1/sites/", HTTP_AUTHORIZATION=basic("curator-ana", PASSWORD))
    assert reply.status_code == 401
    assert "Api-Key" in reply.json()["detail"] and "Basic" not in reply.json()["detail"]
    assert CountingHasher.calls == 0


def test_credentials_no_account_can_have_are_refused_without_touching_the_database(
    api, django_assert_max_num_queries
):
    with django_assert_max_num_queries(0):
        assert api.get("/api/v1/sites/", HTTP_AUTHORIZATION="Api-Key abc\x00def").status_code == 401
        assert (
            api.get("/api/v1/sites/", HTTP_AUTHORIZATION=basic("cur\x00ator", "pw")).status_code
            == 401
        )
    assert CountingHasher.calls == 0


# A server error reaches someone


def broken_view(request):
    raise RuntimeError("the disk is full")


urlpatterns = [path("broken/", broken_view)]


def test_a_server_error_is_mailed_to_the_admins(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.test_security"
    settings.ADMINS = [("Operations", "ops@example.org")]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    reply = Client(raise_request_exception=False).get("/broken/")
    assert reply.status_code == 500
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@example.org"] and "the disk is full" in mail.outbox[0].body


@pytest.mark.parametrize(
    "forwarded, count, expected",
    [
        ("", 0, "10.1.1.1"),
        ("203.0.113.5", 0, "10.1.1.1"),  # no proxy configured: the header is the client's own claim
        ("203.0.113.5", 1, "203.0.113.5"),
        ("6.6.6.6, 203.0.113.5", 1, "203.0.113.5"),  # a forged entry before the proxy's own
        ("6.6.6.6, 203.0.113.5, 10.0.0.2", 2, "203.0.113.5"),
        ("", 1, "10.1.1.1"),
    ],
)
def test_the_client_address_behind_proxies(rf, settings, forwarded, count, expected):
    from registry.signals import client_ip

    settings.REGISTRY_PROXY_COUNT = count
    request = rf.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_the_authorization_header_wins_over_x_api_key(curator_user, partner_a):
    reply = Client().get(
        "/api/v1/sites/",
        HTTP_AUTHORIZATION=basic("curator-ana", PASSWORD),
        HTTP_X_API_KEY="not-a-key",
    )
    assert reply.status_code == 200
    reply = Client().get(
        "/api/v1/sites/", HTTP_AUTHORIZATION=f"Api-Key {partner_a.key}", HTTP_X_API_KEY="nope"
    )
    assert reply.status_code == 200
    assert Client().get("/api/v1/sites/", HTTP_X_API_KEY="nope").status_code == 401
