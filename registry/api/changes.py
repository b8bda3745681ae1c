"""The changes feed: every record changed since a moment, across all kinds.

A mirror polls ``/api/v1/changes/?since=<last updated_at it saw>`` and, for
each entry, fetches the record again (``url``) or, when its lifecycle is
retracted or archived, removes or flags its copy.  Entries are ordered by
``updated_at`` and paged with an opaque cursor; each page costs one query per
kind of record, whatever the size of the registry.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import json
from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from registry.dates import parse_moment
from registry.models import (
    Actor, Artefact, Attribution, Citation, DamageEvent, DamageReport, HeritageSite, Intervention,
    Lifecycle, MediaItem, MediaPair, PledgeStatusChange, RestorationPledge, Source,
)
from registry.selectors import visibility

from .access import AUTHENTICATION_CLASSES, reader_of
from .conditional import VARY
from .errors import JSONErrorsMixin
from .schema import RegistryAutoSchema

# type in the feed → (model, route basename of its detail, field whose slug the URL uses)
FEED_TYPES = {
    "actor": (Actor, "actor", "slug"),
    "artefact": (Artefact, "artefact", "slug"),
    "attribution": (Attribution, "damage-event", "damage_event__slug"),
    "citation": (Citation, "citation", "slug"),
    "damage_event": (DamageEvent, "damage-event", "slug"),
    "damage_report": (DamageReport, "damage-report", "slug"),
    "intervention": (Intervention, "intervention", "slug"),
    "media": (MediaItem, "media", "slug"),
    "media_pair": (MediaPair, "media-pair", "slug"),
    "pledge": (RestorationPledge, "pledge", "slug"),
    "pledge_status_change": (PledgeStatusChange, "pledge-status-change", "slug"),
    "site": (HeritageSite, "site", "slug"),
    "source": (Source, "source", "slug"),
}
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500

class ChangeSerializer(serializers.Serializer):
    """The shape of one feed entry, for the schema."""

    type = serializers.ChoiceField(choices=sorted(FEED_TYPES))
    slug = serializers.SlugField()
    lifecycle = serializers.ChoiceField(choices=Lifecycle.choices)
    version = serializers.IntegerField()
    updated_at = serializers.DateTimeField()
    url = serializers.URLField()


def feed_visibility(request, model) -> Q:
    """Rows of ``model`` the feed lists for ``request`` (see ``visibility.changes_rule``)."""
    return visibility.changes_rule(model, reader_of(request))


def _encode(position: tuple[str, str, int]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode()


def _decode(cursor: str) -> tuple[datetime, str, int]:
    try:
        moment, kind, pk = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        parsed = parse_moment(moment)
        if parsed is None or kind not in FEED_TYPES or not 0 <= int(pk) < 2**62:
            raise ValueError
        return parsed, kind, int(pk)
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError, binascii.Error):
        raise ValidationError({"cursor": [_("Invalid cursor; follow the next link as given.")]}) from None


def _after(kind: str, position: tuple[datetime, str, int]) -> Q:
    """Rows of ``kind`` strictly after ``position`` in (updated_at, type, pk) order."""
    moment, position_kind, pk = position
    if kind > position_kind:
        return Q(updated_at__gte=moment)
    if kind < position_kind:
        return Q(updated_at__gt=moment)
    return Q(updated_at__gt=moment) | Q(updated_at=moment, pk__gt=pk)


class ChangesView(JSONErrorsMixin, APIView):
    authentication_classes = AUTHENTICATION_CLASSES
    renderer_classes = [JSONRenderer]
    schema = RegistryAutoSchema()


    @extend_schema(
        summary="Records changed since a moment, withdrawn ones included",
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATETIME, description="ISO 8601 date-time; omit for everything."),
            OpenApiParameter("cursor", OpenApiTypes.STR, description="From the previous page's next link."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description=f"At most {MAX_PAGE_SIZE}."),
        ],
        responses={200: inline_serializer("ChangesPage", fields={
            "next": serializers.URLField(allow_null=True),
            "results": ChangeSerializer(many=True),
        })},
    )
    def get(self, request):
        position = self._position(request)
        size = self._page_size(request)
        streams = []
        for kind, (model, _basename, slug_path) in FEED_TYPES.items():
            rows = (model._default_manager.filter(feed_visibility(request, model))
                    .annotate(feed_lifecycle=visibility.changes_lifecycle(model, reader_of(request)))
                    .values("pk", "slug", "feed_lifecycle", "version", "updated_at",
                            *{slug_path} - {"slug"})
                    .order_by("updated_at", "pk"))
            if position is not None:
                rows = rows.filter(_after(kind, position))
            streams.append([(row["updated_at"], kind, row["pk"], row) for row in rows[: size + 1]])
        merged = list(heapq.merge(*streams, key=lambda item: item[:3]))
        page, more = merged[:size], len(merged) > size
        results = [self._entry(request, kind, row) for _moment, kind, _pk, row in page]
        next_url = None
        if more and page:
            last = page[-1]
            next_url = replace_query_param(request.build_absolute_uri(), "cursor",
                                           _encode((last[0].isoformat(), last[1], last[2])))
        response = Response({"next": next_url, "results": results})
        response["Vary"] = ", ".join(VARY)
        if next_url:
            response["Link"] = f'<{next_url}>; rel="next"'
        return response

    def _position(self, request):
        cursor = request.query_params.get("cursor")
        if cursor:
            return _decode(cursor)
        since = request.query_params.get("since")
        if not since:
            return None
        moment = parse_moment(since.replace(" ", "+"))
        if moment is None:
            raise ValidationError({"since": [_("Give an ISO 8601 date-time with a UTC offset under a day, "
                                               "e.g. 2016-03-27T00:00:00Z.")]})
        # Everything changed strictly after ``since``: the last kind sorts after no real row.
        return moment, max(FEED_TYPES), 2**62

    def _page_size(self, request) -> int:
        value = request.query_params.get("page_size", "")
        if not value:
            return DEFAULT_PAGE_SIZE
        if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE_SIZE:
            raise ValidationError({"page_size": [_("A whole number from 1 to %(max)d.") % {"max": MAX_PAGE_SIZE}]})
        return int(value)

    def _entry(self, request, kind: str, row: dict) -> dict:
        _model, basename, slug_path = FEED_TYPES[kind]
        return {
            "type": kind, "slug": row["slug"], "lifecycle": row["feed_lifecycle"], "version": row["version"],
            "updated_at": row["updated_at"], "url": reverse(f"api:{basename}-detail", kwargs={"slug": row[slug_path]},
                                                            request=request),
        }
