"""gunicorn settings for production (``make serve``), each overridable from the environment.

Timeouts: a worker silent for GUNICORN_TIMEOUT seconds is killed and
restarted (the longest request, a full CSV export, must finish within it); on
a restart or shutdown workers get GUNICORN_GRACEFUL_TIMEOUT seconds to finish
what they are serving; an idle keep-alive connection is closed after
GUNICORN_KEEPALIVE seconds. See docs/deploy.md.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{_int('PORT', 8000)}")
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8))
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 600)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Workers are replaced after this many requests (with jitter), so a slow leak cannot grow.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Headers a TLS-terminating proxy sets are trusted from these addresses only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The request line and headers: gunicorn's own limits, stated here to be seen.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
wsgi_app = "heritage.wsgi:application"
