"""Cursor pagination that honours the FilterSets' ``ordering`` parameter."""

from __future__ import annotations

from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination

# Sorts records with an open (unknown) date bound before every real date.
OPEN_BOUND = -(10**12)


class RecordCursorPagination(CursorPagination):
    """Newest change first by default; ``?ordering=name`` etc. as on the public pages.

    Cursor pagination needs a value on every row for the field it pages by, so
    an ordering on a nullable field (a date bound) pages by that field with
    open bounds replaced by a sentinel; the primary key breaks ties. (On
    PostgreSQL an index on that expression serves the damage reports' list by
    date: migration 0013 holds a copy of ``OPEN_BOUND``.)
    """

    ordering = ("-updated_at", "-pk")
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        requested = self._requested_ordering(request, view)
        if requested:
            descending = requested.startswith("-")
            name = requested.lstrip("-")
            field = queryset.model._meta.get_field(name)
            if field.null:
                queryset = queryset.annotate(sort_key=Coalesce(F(name), Value(OPEN_BOUND)))
                name = "sort_key"
            sign = "-" if descending else ""
            self.ordering = (f"{sign}{name}", f"{sign}pk")
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param, "")
        if value and (not value.isdigit() or not 1 <= int(value) <= self.max_page_size):
            raise ValidationError({self.page_size_query_param: [
                _("A whole number from 1 to %(max)d.") % {"max": self.max_page_size}]})
        return super().get_page_size(request)

    def get_ordering(self, request, queryset, view):
        return self.ordering

    def _requested_ordering(self, request, view) -> str | None:
        filterset_class = getattr(view, "filterset_class", None)
        value = request.query_params.get("ordering", "").split(",")[0].strip()
        if not value or filterset_class is None or "ordering" not in filterset_class.base_filters:
            return None
        param_map = filterset_class.base_filters["ordering"].param_map
        descending = value.startswith("-")
        field = param_map.get(value.lstrip("-"))
        if field is None:
            return None
        return f"-{field}" if descending else field

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        links = [f'<{url}>; rel="{rel}"' for rel, url in (("next", response.data.get("next")),
                                                             ("prev", response.data.get("previous"))) if url]
        if links:
            response["Link"] = ", ".join(links)
        return response
