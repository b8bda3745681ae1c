"""Reads from read replicas, writes to the primary, and a writer reads its own writes.

With ``DATABASE_REPLICA_URLS`` set, settings add one database per replica
(``replica_0``, ``replica_1``…) and this router. Queries outside a transaction
read from a replica chosen at random; everything written goes to ``default``.

Replication lags behind the primary, so whoever has just written must not read
from a replica yet:

- within the request that wrote, and inside any transaction, every read goes to
  the primary (a service validates, saves and reads back in one request);
- the response to a request that wrote sets a short-lived cookie, and requests
  that bring it back read from the primary for ``REPLICA_PIN_SECONDS``, so the
  page a curator is redirected to after saving shows the change.

App servers keep no state of their own: the pin travels with the reader.
"""

from __future__ import annotations

import random
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

PRIMARY = "default"
PIN_COOKIE = "registry_primary"
_pinned: ContextVar[bool] = ContextVar("registry_primary_pinned", default=False)


def replicas() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


def pin_to_primary() -> None:
    _pinned.set(True)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if _pinned.get() or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        choices = replicas()
        return random.choice(choices) if choices else PRIMARY

    def db_for_write(self, model, **hints):
        pin_to_primary()
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replicas hold the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


class PrimaryPinMiddleware:
    """Pins a request to the primary when its reader wrote a moment ago; marks writers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _pinned.set(PIN_COOKIE in request.COOKIES)
        try:
            response = self.get_response(request)
            if _pinned.get() and PIN_COOKIE not in request.COOKIES and replicas():
                response.set_cookie(
                    PIN_COOKIE,
                    "1",
                    max_age=settings.REPLICA_PIN_SECONDS,
                    httponly=True,
                    samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                )
            return response
        finally:
            _pinned.reset(token)
