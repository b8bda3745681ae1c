"""What anonymous readers are served from the cache, and when it stops being valid.

Every cached entry's key carries the registry's *generation*, a number kept in
the cache that the services raise once a change to public data is committed
(``changed``). Raising it makes every earlier entry unreachable at once: a
published, edited or withdrawn record shows on the very next request, with no
list of keys to track. A change to one record can alter many pages (its site's
page, lists, the home page's counts, other reports it disputes), so nothing
finer would be both simple and right.

Two kinds of entries use it:

- whole anonymous responses, pages and API alike (``AnonymousCacheMiddleware``),
  for ``PAGE_CACHE_SECONDS``;
- the API's serialized records (``registry.api.representations``), kept while
  ``REPRESENTATION_CACHE`` is on, so a list page is one query and one cache read
  even when the page itself was never asked for before.

Both need a cache shared by every server process (``REDIS_URL``): a process's
own memory would not see the generation raised by another, so settings turn
them on by default only then.
"""

from __future__ import annotations

import hashlib
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token

GENERATION_KEY = "registry:generation"
# The one per-reader part of a public page: the CSRF token of the language form.
CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
CSRF_PLACEHOLDER = rb"\1@@csrf@@\2"
# Headers of the reader's own request that change what a public URL answers.
VARIES_WITH = ("HTTP_ACCEPT", "HTTP_HOST", "wsgi.url_scheme")
# Requests that are not anonymous, or that ask to validate what they already hold.
PERSONAL = ("HTTP_AUTHORIZATION", "HTTP_X_API_KEY", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
NOT_CACHED_PREFIXES = ("/admin/", "/i18n/", "/static/", "/media/")


def generation() -> int:
    """The current generation; a missing one (evicted, fresh cache) starts from the clock."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        value = cache.get(GENERATION_KEY, 0)
    return value


def _raise_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there: any new value is unlike every key made so far
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def changed() -> None:
    """Public data changed: cached answers stop counting once the change is committed."""
    transaction.on_commit(_raise_generation)


def key(*parts) -> str:
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:40]
    return f"registry:{parts[0]}:{digest}"


class AnonymousCacheMiddleware:
    """Serve anonymous GETs of pages and API from the cache, per generation.

    Placed after the authentication middleware. Anything personal goes past:
    a signed-in user, an API key, a conditional request (the view answers 304
    itself), the admin. The CSRF token of the language form is put back fresh
    for every reader, so a cached page never hands out someone else's token.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.PAGE_CACHE_SECONDS
        if not seconds or not self._cacheable(request):
            return self.get_response(request)
        entry_key = key(
            "page",
            generation(),
            request.get_full_path(),
            request.method,
            getattr(request, "LANGUAGE_CODE", ""),
            *(request.META.get(name, "") for name in VARIES_WITH),
        )
        entry = cache.get(entry_key)
        if entry is not None:
            return self._rebuild(request, *entry)
        response = self.get_response(request)
        if self._storable(response):
            content = CSRF_INPUT.sub(CSRF_PLACEHOLDER, response.content)
            headers = [
                (name, value) for name, value in response.items() if name.lower() != "set-cookie"
            ]
            cache.set(entry_key, (content, headers), seconds)
        return response

    @staticmethod
    def _cacheable(request) -> bool:
        return (
            request.method in ("GET", "HEAD")
            and not request.path.startswith(NOT_CACHED_PREFIXES)
            and not any(request.META.get(name) for name in PERSONAL)
            and not request.user.is_authenticated
        )

    @staticmethod
    def _storable(response) -> bool:
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "private" not in response.get("Cache-Control", "")
        )

    @staticmethod
    def _rebuild(request, content: bytes, headers: list) -> HttpResponse:
        if b"@@csrf@@" in content:
            content = content.replace(b"@@csrf@@", get_token(request).encode())
        response = HttpResponse(content)
        for name, value in headers:
            response[name] = value
        response["Content-Length"] = str(len(content))
        return response
