"""Settings for the heritage damage registry.

One file for every environment: everything that differs between a laptop, CI and
production is read from environment variables (see README.md for the full list).
"""

import importlib.util
import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

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
    "django.contrib.admin",
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
    "registry",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "heritage.db_routers.PrimaryPinMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "registry.caching.AnonymousCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
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
STATIC_ROOT = BASE_DIR / "staticfiles"
# Leaflet's own files come from the django-leaflet wheel, served as leaflet/*.
# The package is not an installed app: its admin module needs GeoDjango and
# GDAL, and the registry keeps plain latitude/longitude.
# (find_spec locates it without importing: its __init__ reads settings.)
_LEAFLET_PACKAGE = Path(importlib.util.find_spec("leaflet").submodule_search_locations[0])
STATICFILES_DIRS = [("leaflet", _LEAFLET_PACKAGE / "static" / "leaflet")]
_USE_MANIFEST_STORAGE = not (DEBUG or TESTING)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if _USE_MANIFEST_STORAGE
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# Security. Secure cookies are on by default outside development and tests;
# set SESSION_COOKIE_SECURE=0 / CSRF_COOKIE_SECURE=0 to serve over plain HTTP.

_SECURE_DEFAULT = not (DEBUG or TESTING)
SESSION_COOKIE_SECURE = get_bool_from_env("SESSION_COOKIE_SECURE", _SECURE_DEFAULT)
CSRF_COOKIE_SECURE = get_bool_from_env("CSRF_COOKIE_SECURE", _SECURE_DEFAULT)
SECURE_SSL_REDIRECT = get_bool_from_env("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = get_int_from_env("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = get_bool_from_env("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
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

# REST API

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
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
}

# Maps

MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors")

MAP_DEFAULT_CENTER = (34.55, 38.27)
MAP_DEFAULT_ZOOM = 5

# Registry

# Public coordinates of sites marked sensitive are rounded to this many decimals
# (1 decimal is roughly 11 km).
REGISTRY_SENSITIVE_COORDINATE_DECIMALS = 1

# Base of the stable URIs used in Linked Art exports. Must not change once
# records have been published.
REGISTRY_BASE_URI = os.environ.get("REGISTRY_BASE_URI", "http://localhost:8000").rstrip("/")

# Logging

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}
