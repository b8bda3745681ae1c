"""Guessing credentials on the API: failures counted per address, then refused unchecked.

Each failed API key or Basic-auth password from an address counts towards
``API_AUTH_FAILURE_LIMIT`` within ``API_AUTH_FAILURE_WINDOW`` seconds. Past the
limit, every request from that address that carries credentials is answered
429 before anything it sent is looked up or hashed, so guessing costs the
server a cache read, not a password hash. Basic-auth passwords are also
counted by django-axes, per user name and per address, like admin logins.
"""

from __future__ import annotations

import base64
import binascii
import logging

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from rest_framework.authentication import BasicAuthentication
from rest_framework.exceptions import AuthenticationFailed, Throttled

logger = logging.getLogger("registry.auth")


def _address(request) -> str:
    return get_client_ip_address(getattr(request, "_request", request)) or "unknown"


def _cache_key(request) -> str:
    return f"api-auth-failures:{_address(request)}"


def refuse_if_blocked(request) -> None:
    """Raise 429 when the caller's address has used up its failed attempts."""
    failures = cache.get(_cache_key(request), 0)
    if failures >= settings.API_AUTH_FAILURE_LIMIT:
        raise Throttled(
            wait=settings.API_AUTH_FAILURE_WINDOW,
            detail=_("Too many failed authentication attempts from this address."),
        )


def record_failure(request, what: str) -> None:
    key = _cache_key(request)
    cache.add(key, 0, timeout=settings.API_AUTH_FAILURE_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.API_AUTH_FAILURE_WINDOW)
        count = 1
    logger.warning(
        "API authentication failed: %s address=%s path=%s failures=%d",
        what,
        _address(request),
        request.path,
        count,
    )


def is_clean(value: str, limit: int = 256) -> bool:
    """Printable text of reasonable length: what a real credential looks like."""
    return 0 < len(value) <= limit and value.isprintable()


class GuardedBasicAuthentication(BasicAuthentication):
    """HTTP Basic for curators' scripts, behind the per-address failure limit."""

    def authenticate(self, request):
        scheme = request.META.get("HTTP_AUTHORIZATION", "").split(" ", 1)[0].lower()
        if scheme != "basic" or not settings.API_BASIC_AUTH:
            return None
        refuse_if_blocked(request)
        self._check_shape(request)
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            record_failure(request, "basic")
            raise

    def _check_shape(self, request) -> None:
        """Credentials no account can have are refused before they reach the database."""
        _scheme, _sep, encoded = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return  # DRF answers these itself, with a 401
        username, _colon, password = decoded.partition(":")
        if not (is_clean(username, 150) and len(password) <= 4096 and "\x00" not in password):
            record_failure(request, "basic")
            raise AuthenticationFailed(_("Invalid username/password."))
