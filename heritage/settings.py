"""Settings for the heritage damage registry.

One file for every environment: everything that differs between a laptop, CI and
production is read from environment variables (see README.md for the full list).
"""

import importlib.util
import os
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

from heritage.storage import is_local, media_storage

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE_VALUES = {"1", "true", "yes", "on"}
_FALSE_VALUES = {"0", "false", "no", "off", ""}


def get_bool_from_env(name, default=False):
    """Read a boolean from the environment.

    Accepts 1/0, true/false, yes/no and on/off in any case; anything else is a
    configuration error rather than a silent False.
    """
    if name not in os.environ:
        return default
    value = os.environ[name].strip().lower()
    if value in _TRUE_VALUES:
        return True
    if value in _FALSE_VALUES:
        return False
    raise ImproperlyConfigured(f"{name}={os.environ[name]!r} is not a valid boolean value")


def get_list_from_env(name, default=None, separator=","):
    """Read a comma-separated list from the environment, dropping blanks."""
    if name not in os.environ:
        return list(default or [])
    return [item.strip() for item in os.environ[name].split(separator) if item.strip()]


def get_int_from_env(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from exc


# Running under pytest or `manage.py test`. HERITAGE_TESTING=1 does the same for
# server processes that a test suite starts itself.
TESTING = (
    "pytest" in sys.modules
    or (len(sys.argv) > 1 and sys.argv[1] == "test")
    or get_bool_from_env("HERITAGE_TESTING", False)
)

DEBUG = get_bool_from_env("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    # Local development and tests only: sessions do not survive a restart.
    SECRET_KEY = get_random_secret_key()

ALLOWED_HOSTS = get_list_from_env("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = get_list_from_env("CSRF_TRUSTED_ORIGINS", [])

# Application definition

INSTALLED_APPS = [
    "registry.apps.CuratorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_countries",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "registry",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "heritage.db_routers.PrimaryPinMiddleware",
    "registry.middleware.RejectNullCharactersMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "registry.middleware.PrivateCacheMiddleware",
    "registry.caching.AnonymousCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a lockout into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "heritage.urls"
WSGI_APPLICATION = "heritage.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite next to the code unless DATABASE_URL says otherwise, e.g.
# postgres://user:password@host:5432/dbname

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=get_int_from_env("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Pages join a report to up to ten related tables; past eight (the default) PostgreSQL
    # stops reordering joins, and a site filter's indexed lookup then comes after a scan
    # of every report.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", "-c join_collapse_limit=16")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes may write to the one file (the web server and an import worker):
    # a transaction takes the write lock when it starts, and a writer waits for it
    # instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 30, "transaction_mode": "IMMEDIATE"})

# Read replicas, comma-separated URLs: reads go to them, writes and the reads of
# whoever has just written to the primary (heritage/db_routers.py).
for _number, _url in enumerate(filter(None, (
        url.strip() for url in os.environ.get("DATABASE_REPLICA_URLS", "").split(",")))):
    DATABASES[f"replica_{_number}"] = dj_database_url.parse(
        _url, conn_max_age=get_int_from_env("CONN_MAX_AGE", 60), conn_health_checks=True,
    )
    DATABASES[f"replica_{_number}"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["heritage.db_routers.PrimaryReplicaRouter"]
REPLICA_PIN_SECONDS = get_int_from_env("REPLICA_PIN_SECONDS", 15)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: per-process memory unless REDIS_URL (or CACHE_URL) points at a shared Redis
# (needed for API throttling to be accurate across several server processes).

REDIS_URL = (os.environ.get("REDIS_URL") or os.environ.get("CACHE_URL") or "").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "heritage-registry",
        }
    }

# Anonymous pages and API answers, and the API's serialized records, are served from
# the cache until any public record changes (registry/caching.py). Only a shared cache
# sees a change made through another process, so both are off without REDIS_URL.
PAGE_CACHE_SECONDS = get_int_from_env("PAGE_CACHE_SECONDS", 300 if REDIS_URL else 0)
REPRESENTATION_CACHE = get_bool_from_env("REPRESENTATION_CACHE", bool(REDIS_URL))
REPRESENTATION_CACHE_SECONDS = get_int_from_env("REPRESENTATION_CACHE_SECONDS", 86400)

# Authentication

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "admin:login"

# Logins: django-axes checks every password login (admin and API Basic auth)
# before the password is hashed, and locks out a user name or an address after
# AXES_FAILURE_LIMIT failures, for AXES_COOLOFF_MINUTES.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = get_int_from_env("AXES_FAILURE_LIMIT", 5)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one alone locks
AXES_COOLOFF_TIME = timedelta(minutes=get_int_from_env("AXES_COOLOFF_MINUTES", 30))
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "registry.signals.client_ip"
# Behind a TLS proxy, the client address is what the last of these proxies
# appended to X-Forwarded-For; without one it is the connection's own.
REGISTRY_PROXY_COUNT = (get_int_from_env("AXES_PROXY_COUNT", 1)
                        if os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip() else 0)

# Failed API keys and Basic-auth passwords from one address within the window
# before that address is refused (429) without any check of what it sends.
API_AUTH_FAILURE_LIMIT = get_int_from_env("API_AUTH_FAILURE_LIMIT", 10)
API_AUTH_FAILURE_WINDOW = get_int_from_env("API_AUTH_FAILURE_WINDOW", 15 * 60)
# HTTP Basic auth on the API, for curators' scripts; 0 turns it off.
API_BASIC_AUTH = get_bool_from_env("API_BASIC_AUTH", True)

# A session ends after SESSION_IDLE_TIMEOUT seconds without a request.
SESSION_COOKIE_AGE = get_int_from_env("SESSION_IDLE_TIMEOUT", 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True

# Curators may add a TOTP authenticator (admin › TOTP devices); once they have
# one, the admin asks for its code at login. ADMIN_REQUIRE_OTP=1 requires one
# of every curator.
ADMIN_REQUIRE_OTP = get_bool_from_env("ADMIN_REQUIRE_OTP", False)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Heritage damage registry")

# Internationalisation

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# Static files, served by WhiteNoise. Hashed, compressed files in production
# (run collectstatic first); plain finders in development and tests.

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", "").strip() or BASE_DIR / "staticfiles")
# Leaflet's own files come from the django-leaflet wheel, served as leaflet/*.
# The package is not an installed app: its admin module needs GeoDjango and
# GDAL, and the registry keeps plain latitude/longitude.
# (find_spec locates it without importing: its __init__ reads settings.)
_LEAFLET_PACKAGE = Path(importlib.util.find_spec("leaflet").submodule_search_locations[0])
STATICFILES_DIRS = [("leaflet", _LEAFLET_PACKAGE / "static" / "leaflet")]
_USE_MANIFEST_STORAGE = not (DEBUG or TESTING)
STORAGES = {
    "default": media_storage(os.environ.get("MEDIA_STORAGE_URL", "")),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if _USE_MANIFEST_STORAGE
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
# Without collectstatic there is no STATIC_ROOT to index at start-up: development
# and tests look files up through the finders on each request instead.
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# Security. Secure cookies are on by default outside development and tests;
# set SESSION_COOKIE_SECURE=0 / CSRF_COOKIE_SECURE=0 to serve over plain HTTP.

_SECURE_DEFAULT = not (DEBUG or TESTING)
SESSION_COOKIE_SECURE = get_bool_from_env("SESSION_COOKIE_SECURE", _SECURE_DEFAULT)
CSRF_COOKIE_SECURE = get_bool_from_env("CSRF_COOKIE_SECURE", _SECURE_DEFAULT)
SECURE_SSL_REDIRECT = get_bool_from_env("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = get_int_from_env("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = get_bool_from_env("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = get_bool_from_env("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Behind a TLS-terminating proxy, e.g. SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto
# (the header the proxy sets to "https"). Only set this if the proxy strips the
# header from incoming requests.
_proxy_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip().upper().replace("-", "_")
if _proxy_header:
    if not _proxy_header.startswith("HTTP_"):
        _proxy_header = "HTTP_" + _proxy_header
    SECURE_PROXY_SSL_HEADER = (_proxy_header, "https")

DATA_UPLOAD_MAX_MEMORY_SIZE = get_int_from_env("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)

# Uploaded images (registry.images): only the copies the registry makes are stored,
# on local disk under MEDIA_ROOT or wherever MEDIA_STORAGE_URL points (heritage/storage.py).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
# Local files are served by the application unless a web server in front does it.
MEDIA_SERVE = get_bool_from_env("MEDIA_SERVE", is_local(STORAGES["default"]))
MEDIA_UPLOAD_MAX_BYTES = get_int_from_env("MEDIA_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
MEDIA_MAX_PIXELS = get_int_from_env("MEDIA_MAX_PIXELS", 60_000_000)
MEDIA_WEB_SIZE = get_int_from_env("MEDIA_WEB_SIZE", 1600)
MEDIA_THUMBNAIL_SIZE = get_int_from_env("MEDIA_THUMBNAIL_SIZE", 400)

# REST API

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The schema and docs views too: no unguarded password check anywhere.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "registry.api.access.APIKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "registry.api.guard.GuardedBasicAuthentication",
    ],
    # JSON bodies only (anything else is a 415); ?format= wins over Accept.
    "DEFAULT_PARSER_CLASSES": ["registry.api.parsers.StrictJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "registry.api.negotiation.FormatFirstNegotiation",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_ANON_RATE", "600/hour"),
        "user": os.environ.get("API_USER_RATE", "5000/hour"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Heritage Damage Registry API",
    "DESCRIPTION": (
        "Read access to heritage sites, artefacts, damage reports, restoration "
        "pledges and the sources behind them."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Reports' certainty and sites' location certainty share one scale, so one name.
    "ENUM_NAME_OVERRIDES": {
        "CertaintyEnum": "registry.models.base.Certainty",
        "SeverityEnum": "registry.models.base.Severity",
        "ExtentEnum": "registry.models.base.Extent",
        "LifecycleEnum": "registry.models.base.Lifecycle",
    },
}

# Maps

MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors")

MAP_DEFAULT_CENTER = (34.55, 38.27)
MAP_DEFAULT_ZOOM = 5

# Content Security Policy (django-csp): scripts and styles from the site's own
# static files only, never inline; map tiles from the tile server's origin.
_tiles = urlsplit(MAP_TILE_URL.replace("{s}", "a"))
_TILE_ORIGIN = f"{_tiles.scheme}://{_tiles.netloc}" if _tiles.netloc else None
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *([_TILE_ORIGIN.replace("//a.", "//*.")] if _TILE_ORIGIN else [])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Browser features no page of the registry uses (django-permissions-policy).
PERMISSIONS_POLICY = {
    feature: []
    for feature in ("accelerometer", "camera", "display-capture", "geolocation", "gyroscope",
                    "magnetometer", "microphone", "midi", "payment", "usb", "browsing-topics")
}

# Registry

# Public coordinates of sites marked sensitive are rounded to this many decimals
# (1 decimal is roughly 11 km).
REGISTRY_SENSITIVE_COORDINATE_DECIMALS = 1

# Base of the stable URIs used in Linked Art exports. Must not change once
# records have been published.
REGISTRY_BASE_URI = os.environ.get("REGISTRY_BASE_URI", "http://localhost:8000").rstrip("/")

# Review: a record a curator or partner submitted is published by another curator.
# Set REVIEW_SINGLE_CURATOR=1 on an installation run by one curator alone.
REVIEW_SINGLE_CURATOR = get_bool_from_env("REVIEW_SINGLE_CURATOR", False)

# Logging

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()

# Who hears of a server error: ADMINS="Ops <ops@example.org>,dev@example.org"
# mails them each 500 (through EMAIL_HOST); the console log has it either way.
ADMINS = [
    (address.partition("<")[0].strip() or address, address.partition("<")[2].rstrip(">") or address)
    for address in get_list_from_env("ADMINS")
]
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", "root@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = get_int_from_env("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = get_bool_from_env("EMAIL_USE_TLS", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "mail_admins": {"class": "django.utils.log.AdminEmailHandler", "level": "ERROR"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # Unhandled exceptions (500s): the console and, if ADMINS is set, a mail.
        "django.request": {"handlers": ["console", "mail_admins"], "level": "ERROR", "propagate": False},
        # Logins that succeed and fail, admin and API (see registry/signals.py).
        "registry.auth": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}


# Background jobs (spreadsheet imports) on Celery. CELERY_BROKER_URL names a Redis
# (redis://host:6379/5) or RabbitMQ (amqp://guest:guest@host:5672//) broker; without
# one, jobs run inside the process that starts them (local development only).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "").strip()
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "heritage").strip() or "heritage"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Uploaded import files; a worker on another machine needs the same directory.
IMPORTS_DIR = Path(os.environ.get("IMPORTS_DIR", "").strip() or BASE_DIR / "var" / "imports")
