"""The API's lean read path: records serialized once, kept in the cache as JSON bytes.

The serializers stay the only definition of what a record looks like. What is
kept is their output for the anonymous reader, rendered with orjson, keyed by
the record's primary key and version, the address the API is reached at and
the registry's generation (see ``registry.caching``). A list page is then the
page's own query, one ``get_many`` and a join of byte strings; only records
missing from the cache are prefetched and serialized, in one batch.

Partners and curators see drafts and their own submissions, so their reads
always take the full path.
"""

from __future__ import annotations

import orjson
from django.conf import settings
from django.core.cache import cache
from django.db.models import prefetch_related_objects
from django.utils.translation import get_language
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

from registry import caching

from .access import variant_key

_ENCODER = JSONEncoder()


def _default(value):
    """What orjson does not know (Decimal, lazy text, Hyperlink…), as DRF's encoder has it."""
    return _ENCODER.default(value)


class ORJSONRenderer(JSONRenderer):
    """DRF's JSON renderer, written by orjson; knows pre-rendered ``orjson.Fragment``s."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        indent = self.get_indent(accepted_media_type, renderer_context or {})
        option = orjson.OPT_INDENT_2 if indent else 0
        try:
            return orjson.dumps(data, default=_default, option=option)
        except TypeError:
            # orjson refuses strings that are not valid UTF-8 (a lone surrogate echoed back
            # in an error message, say); DRF's encoder escapes them instead.
            return super().render(data, accepted_media_type, renderer_context)


def dumps(data) -> bytes:
    return orjson.dumps(data, default=_default)


def applies(view) -> bool:
    """Anonymous JSON reads, when the representation cache is on."""
    request = view.request
    return (
        settings.REPRESENTATION_CACHE
        and isinstance(getattr(request, "accepted_renderer", None), ORJSONRenderer)
        and variant_key(request) == "public"
    )


def _keys(view, records, generation: int) -> list[str]:
    base = view.request.build_absolute_uri("/")
    label = view.model._meta.label_lower
    language = get_language()
    return [
        caching.key("record", generation, label, record.pk, record.version, base, language)
        for record in records
    ]


def page_queryset(view, queryset):
    """A list page's rows: with the cache in use, only what keys and cursors need."""
    if not applies(view):
        return queryset
    ordering = view.paginator._requested_ordering(view.request, view)
    columns = {"pk", "version", "updated_at", "slug", *([ordering.lstrip("-")] if ordering else [])}
    return queryset.select_related(None).only(*columns)


def serialized(view, records: list, *, complete: bool = True) -> list:
    """The representation of each record, in order: cached fragments when allowed, else dicts.

    ``complete=False`` says the records came without their related records
    (``page_queryset``, a detail's lean lookup): the ones missing from the cache
    are then read again in full, in one query.
    """
    if not records:
        return []
    if not applies(view):
        prefetch_related_objects(records, *view.get_prefetches())
        return view.get_serializer(records, many=True).data
    keys = _keys(view, records, caching.generation())
    found = cache.get_many(keys)
    missing = [
        (record, entry_key)
        for record, entry_key in zip(records, keys, strict=True)
        if entry_key not in found
    ]
    if missing:
        rows = [record for record, _key in missing]
        if not complete:
            full = (
                view.get_queryset().prefetch_related(None).in_bulk([record.pk for record in rows])
            )
            rows = [full[record.pk] for record in rows]
        prefetch_related_objects(rows, *view.get_prefetches())
        data = view.get_serializer(rows, many=True).data
        pairs = zip(missing, data, strict=True)
        fresh = {entry_key: dumps(item) for (_record, entry_key), item in pairs}
        cache.set_many(fresh, settings.REPRESENTATION_CACHE_SECONDS)
        found.update(fresh)
    return [orjson.Fragment(found[entry_key]) for entry_key in keys]
