"""ETag / Last-Modified for lists and details, answered with 304 when nothing changed.

Validators are computed without serializing anything: a detail from its
version and ``updated_at``; a list from the filtered queryset's latest
``updated_at`` and row count.  Both include who is asking and in which format,
because anonymous readers, partners and curators see different rows and
coordinates for the same URL.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe

from .access import variant_key

VARY = ("Accept", "Accept-Language", "Authorization", "X-API-Key", "Cookie")


def make_etag(request, *parts) -> str:
    renderer = getattr(request, "accepted_renderer", None)
    language = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    seed = repr((*parts, renderer.format if renderer else "", variant_key(request), language))
    return '"' + hashlib.sha256(seed.encode()).hexdigest()[:32] + '"'


def not_modified(request, etag: str, last_modified: datetime | None) -> bool:
    """RFC 9110: If-None-Match wins over If-Modified-Since when both are sent."""
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag in tags
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    if since is None or last_modified is None:
        return False
    return int(last_modified.timestamp()) <= since


def set_validators(response, etag: str, last_modified: datetime | None):
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    patch_vary_headers(response, VARY)
    return response
