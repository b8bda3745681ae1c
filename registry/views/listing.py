"""The machinery every public list shares: filters, cheap pagination, exports.

Lists can grow to a million damage reports, so no page ever asks the database
for an exact count: a page fetches one row more than it shows, which is enough
to know whether a "next" link is needed. Counting would scan the whole filtered
table on every request and is the slowest thing such a page could do.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db.models import F, QuerySet
from django.forms import ModelChoiceField
from django.http import Http404
from django_filters.views import FilterView

from registry.selectors.search import reading_everything
from registry.templatetags.registry_tags import term_label
from registry.widgets import quicken

from .exports import EXPORT_FORMATS, stream_export

PAGE_SIZE = 50
# Deep pages are rare for readers; the cap keeps OFFSET scans bounded for crawlers.
MAX_PAGE = 2000


class Page:
    """One page of results, and whether there are pages either side of it."""

    def __init__(self, rows: list, number: int, has_next: bool):
        self.object_list = rows
        self.number = number
        self.has_next = has_next
        self.has_previous = number > 1
        self.next_page_number = number + 1
        self.previous_page_number = number - 1
        self.start_index = (number - 1) * PAGE_SIZE + 1 if rows else 0
        self.end_index = (number - 1) * PAGE_SIZE + len(rows)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def stable_order(queryset: QuerySet) -> QuerySet:
    """Append the primary key to the ordering: without a total order, rows could
    repeat or go missing between one page and the next."""
    ordering = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
    if not any(item in ("pk", "-pk", "id", "-id") for item in ordering if isinstance(item, str)):
        # The tie-break runs the same way as the first key, so that one index serves both.
        first = ordering[0] if ordering else None
        descending = first.startswith("-") if isinstance(first, str) else getattr(first, "descending", False)
        ordering.append(F("pk").desc() if descending else F("pk").asc())
    return queryset.order_by(*ordering)


class RecordListView(FilterView):
    """A filtered list of published records, paged without counting, exportable.

    Subclasses give ``filterset_class``, ``template_name`` and ``export`` (the
    name of a row layout in ``exports.EXPORT_FORMATS`` terms), and say in
    ``get_queryset`` which related rows a page row needs.
    """

    paginate_by = None  # our own paging, see ``page_of``
    export = ""

    def get_queryset(self) -> QuerySet:
        raise ImproperlyConfigured("RecordListView needs get_queryset()")

    def export_queryset(self) -> QuerySet:
        """Rows for a download; defaults to the page queryset."""
        return self.get_queryset()

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        # Term choices are vocabulary terms: show them in the reader's language.
        for field in filterset.form.fields.values():
            if isinstance(field, ModelChoiceField):
                field.label_from_instance = term_label
        quicken(filterset.form)  # the same HTML, written without a template per option, input and label
        return filterset

    def get(self, request, *args, **kwargs):
        export_format = kwargs.get("format") or request.GET.get("format", "")
        if export_format:
            return self.download(export_format)
        return super().get(request, *args, **kwargs)

    def download(self, export_format: str):
        if export_format not in EXPORT_FORMATS.get(self.export, ()):
            raise Http404("No such export format")
        filterset = self.get_filterset_class()(self.request.GET or None, queryset=self.export_queryset(), request=self.request)
        # An invalid filter exports nothing rather than everything: a reader
        # who mistyped a date should not get the whole registry unawares.
        # An unbound filterset (no parameters at all) is never "valid": that is the whole list.
        with reading_everything():  # a search's matches are all read: the index collects them
            valid = not filterset.is_bound or filterset.is_valid()
            rows = filterset.qs if valid else filterset.queryset.none()
        return stream_export(self.export, export_format, stable_order(rows), request=self.request)

    def page_of(self, queryset: QuerySet) -> Page:
        try:
            number = max(1, min(int(self.request.GET.get("page", 1)), MAX_PAGE))
        except ValueError:
            number = 1
        start = (number - 1) * PAGE_SIZE
        rows = list(stable_order(queryset)[start:start + PAGE_SIZE + 1])
        return Page(rows[:PAGE_SIZE], number, has_next=len(rows) > PAGE_SIZE)

    def get_context_data(self, **kwargs):
        page = self.page_of(self.object_list)
        kwargs.update(page=page, object_list=page.object_list, export_formats=EXPORT_FORMATS.get(self.export, ()))
        return super().get_context_data(**kwargs)
