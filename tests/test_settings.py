"""Tests of the environment-driven settings in heritage/settings.py.

Most checks load the settings in a fresh interpreter, because the settings
module reads the environment once at import time and the test process has
already imported it (with pytest loaded, which counts as a test run).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from heritage.settings import get_bool_from_env, get_int_from_env, get_list_from_env

BASE_DIR = Path(__file__).resolve().parent.parent

# Every variable heritage/settings.py reads; cleared so the developer's or CI's
# own environment cannot leak into these checks.
SETTINGS_VARIABLES = {
    "API_ANON_RATE",
    "API_USER_RATE",
    "ALLOWED_HOSTS",
    "CONN_MAX_AGE",
    "CSRF_COOKIE_SECURE",
    "CSRF_TRUSTED_ORIGINS",
    "DATA_UPLOAD_MAX_MEMORY_SIZE",
    "DATABASE_URL",
    "DEBUG",
    "HERITAGE_TESTING",
    "LOG_LEVEL",
    "MAP_TILE_ATTRIBUTION",
    "MAP_TILE_URL",
    "REDIS_URL",
    "REGISTRY_BASE_URI",
    "SECRET_KEY",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_SECONDS",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
}

DUMP_SETTINGS = """
import json
import django
from django.conf import settings

django.setup()
database = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "TESTING": settings.TESTING,
    "SECRET_KEY": settings.SECRET_KEY,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "CSRF_TRUSTED_ORIGINS": settings.CSRF_TRUSTED_ORIGINS,
    "ENGINE": database["ENGINE"],
    "NAME": str(database["NAME"]),
    "USER": database.get("USER"),
    "HOST": database.get("HOST"),
    "PORT": database.get("PORT"),
    "CONN_MAX_AGE": database["CONN_MAX_AGE"],
    "CACHE_BACKEND": settings.CACHES["default"]["BACKEND"],
    "CACHE_LOCATION": settings.CACHES["default"].get("LOCATION"),
    "STATICFILES_BACKEND": settings.STORAGES["staticfiles"]["BACKEND"],
    "WHITENOISE_USE_FINDERS": settings.WHITENOISE_USE_FINDERS,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SECURE_PROXY_SSL_HEADER": getattr(settings, "SECURE_PROXY_SSL_HEADER", None),
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "DATA_UPLOAD_MAX_MEMORY_SIZE": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
    "ANON_RATE": settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"],
    "MAP_TILE_URL": settings.MAP_TILE_URL,
    "REGISTRY_BASE_URI": settings.REGISTRY_BASE_URI,
    "pytest_loaded": "pytest" in __import__("sys").modules,
}))
"""


def run_settings(**env_overrides):
    """Import the settings and run django.setup() in a new interpreter."""
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    env["DJANGO_SETTINGS_MODULE"] = "heritage.settings"
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", DUMP_SETTINGS],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def load_settings(**env_overrides):
    result = run_settings(**env_overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("debug", ["0", "false", None])
def test_missing_secret_key_is_refused_when_debug_is_off(debug):
    env = {} if debug is None else {"DEBUG": debug}
    result = run_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_secret_key_from_environment_gives_production_settings():
    values = load_settings(DEBUG="0", SECRET_KEY="a-key-for-this-test-only-" + "x" * 40)
    assert values["pytest_loaded"] is False
    assert values["TESTING"] is False
    assert values["DEBUG"] is False
    assert values["SECRET_KEY"] == "a-key-for-this-test-only-" + "x" * 40
    assert (
        values["STATICFILES_BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert values["WHITENOISE_USE_FINDERS"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["DATA_UPLOAD_MAX_MEMORY_SIZE"] == 1048576
    assert values["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]"]
    assert values["CSRF_TRUSTED_ORIGINS"] == []
    assert values["ANON_RATE"] == "600/hour"
    assert values["REGISTRY_BASE_URI"] == "http://localhost:8000"


def test_debug_without_secret_key_generates_a_fresh_key_per_process():
    first = load_settings(DEBUG="1")
    second = load_settings(DEBUG="1")
    assert first["DEBUG"] is True
    assert len(first["SECRET_KEY"]) >= 50
    assert first["SECRET_KEY"] != second["SECRET_KEY"]
    assert first["STATICFILES_BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    assert first["WHITENOISE_USE_FINDERS"] is True
    assert first["SESSION_COOKIE_SECURE"] is False


def test_heritage_testing_flag_allows_a_server_without_secret_key():
    values = load_settings(DEBUG="0", HERITAGE_TESTING="1")
    assert values["DEBUG"] is False
    assert values["TESTING"] is True
    assert len(values["SECRET_KEY"]) >= 50
    assert values["STATICFILES_BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    assert values["SESSION_COOKIE_SECURE"] is False


def test_invalid_boolean_is_a_configuration_error():
    result = run_settings(DEBUG="maybe", SECRET_KEY="k" * 50)
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a valid boolean value" in result.stderr


def test_sqlite_is_the_default_database():
    values = load_settings(DEBUG="1")
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["NAME"] == str(BASE_DIR / "db.sqlite3")
    assert values["CONN_MAX_AGE"] == 60


def test_postgres_database_url_selects_the_postgresql_backend():
    values = load_settings(
        DEBUG="1",
        DATABASE_URL="postgres://curator:s3cret@db.internal:5433/heritage",
        CONN_MAX_AGE="0",
    )
    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert values["NAME"] == "heritage"
    assert values["USER"] == "curator"
    assert values["HOST"] == "db.internal"
    assert values["PORT"] == 5433
    assert values["CONN_MAX_AGE"] == 0


def test_host_lists_cache_proxy_and_map_come_from_the_environment():
    values = load_settings(
        DEBUG="0",
        SECRET_KEY="k" * 50,
        ALLOWED_HOSTS=" heritage.example.org, www.heritage.example.org ,",
        CSRF_TRUSTED_ORIGINS="https://heritage.example.org",
        REDIS_URL="redis://127.0.0.1:6379/2",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        SECURE_HSTS_SECONDS="31536000",
        SESSION_COOKIE_SECURE="0",
        DATA_UPLOAD_MAX_MEMORY_SIZE="2097152",
        API_ANON_RATE="10/minute",
        MAP_TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png",
        REGISTRY_BASE_URI="https://heritage.example.org/",
    )
    assert values["ALLOWED_HOSTS"] == ["heritage.example.org", "www.heritage.example.org"]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://heritage.example.org"]
    assert values["CACHE_BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert values["CACHE_LOCATION"] == "redis://127.0.0.1:6379/2"
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["DATA_UPLOAD_MAX_MEMORY_SIZE"] == 2097152
    assert values["ANON_RATE"] == "10/minute"
    assert values["MAP_TILE_URL"] == "https://tiles.example.org/{z}/{x}/{y}.png"
    assert values["REGISTRY_BASE_URI"] == "https://heritage.example.org"


def test_without_redis_url_the_cache_is_per_process():
    values = load_settings(DEBUG="1")
    assert values["CACHE_BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_the_test_run_itself_uses_plain_static_storage():
    assert settings.TESTING is True
    assert (
        settings.STORAGES["staticfiles"]["BACKEND"]
        == "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    assert settings.WHITENOISE_USE_FINDERS is True
    assert settings.REGISTRY_SENSITIVE_COORDINATE_DECIMALS == 1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("TRUE", True),
        (" yes ", True),
        ("on", True),
        ("0", False),
        ("False", False),
        ("no", False),
        ("off", False),
        ("", False),
    ],
)
def test_get_bool_from_env_parses_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("HERITAGE_FLAG", raw)
    assert get_bool_from_env("HERITAGE_FLAG", not expected) is expected


def test_get_bool_from_env_falls_back_to_default_and_rejects_junk(monkeypatch):
    monkeypatch.delenv("HERITAGE_FLAG", raising=False)
    assert get_bool_from_env("HERITAGE_FLAG", True) is True
    assert get_bool_from_env("HERITAGE_FLAG", False) is False
    monkeypatch.setenv("HERITAGE_FLAG", "sometimes")
    with pytest.raises(ImproperlyConfigured):
        get_bool_from_env("HERITAGE_FLAG", False)


def test_get_list_and_int_from_env(monkeypatch):
    monkeypatch.delenv("HERITAGE_LIST", raising=False)
    assert get_list_from_env("HERITAGE_LIST", ["a"]) == ["a"]
    monkeypatch.setenv("HERITAGE_LIST", "a, b,,c ")
    assert get_list_from_env("HERITAGE_LIST") == ["a", "b", "c"]
    monkeypatch.setenv("HERITAGE_LIST", "")
    assert get_list_from_env("HERITAGE_LIST", ["a"]) == []
    monkeypatch.setenv("HERITAGE_INT", "42")
    assert get_int_from_env("HERITAGE_INT", 1) == 42
    monkeypatch.setenv("HERITAGE_INT", "many")
    with pytest.raises(ImproperlyConfigured):
        get_int_from_env("HERITAGE_INT", 1)


def test_leaflet_files_are_served_from_the_installed_package_without_geodjango():
    from django.contrib.staticfiles import finders

    found = finders.find("leaflet/leaflet.js")

    assert found is not None and "site-packages" in str(found)
    assert "django.contrib.gis.forms" not in sys.modules


@pytest.mark.django_db
def test_database_from_environment_is_the_one_in_use():
    from django.db import connection

    database_url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if database_url.startswith("postgres") else "sqlite"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert connection.vendor == expected
