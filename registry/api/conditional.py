"""ETag / Last-Modified for lists and details, answered with 304 when nothing changed.

Validators are computed without serializing anything, from what one page or
one record costs to read:

- a detail: its version and ``updated_at``;
- a list: the rows of the requested page (primary key, version, ``updated_at``),
  whether a page follows or precedes it, and the full query string (filters,
  ordering, cursor, page size).  An edit changes a row's version; a record that
  is archived, retracted or newly published leaves or enters the page; either
  way the ETag changes, and nothing beyond the page is counted.

A list's Last-Modified is the newest change to any record of its kind (one
lookup in the ``updated_at`` index), not the newest row on the page: a record
that has just left the list is no longer on the page to speak for itself, and
``If-Modified-Since`` must not answer 304 after it left.

Every validator includes who is asking, in which format and language, because
anonymous readers, partners and curators see different rows and coordinates
for the same URL.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.db.models import Max
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe

from .access import variant_key

VARY = ("Accept", "Accept-Language", "Authorization", "X-API-Key", "Cookie")


def make_etag(request, *parts) -> str:
    renderer = getattr(request, "accepted_renderer", None)
    language = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    seed = repr((*parts, renderer.format if renderer else "", variant_key(request), language))
    return '"' + hashlib.sha256(seed.encode()).hexdigest()[:32] + '"'


def newest_change(model, page) -> datetime | None:
    """Last-Modified of a list page: the newest ``updated_at`` of its kind, at least the page's own."""
    newest = model._default_manager.order_by().aggregate(last=Max("updated_at"))["last"]
    on_page = [row.updated_at for row in page]
    return max([*on_page, newest] if newest else on_page, default=None)


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
