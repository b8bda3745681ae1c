"""CSV and GeoJSON downloads of any filtered list, streamed row by row.

An export of a million reports must not sit in memory: rows are read with
``QuerySet.iterator()`` in chunks and written out as they come. Coordinates are
always the public ones, so a sensitive site is as coarse in a download as on
its page.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from registry.models import DamageReport, Lifecycle
from registry.models.base import Quantified

CHUNK_SIZE = 1000
LINES_PER_CHUNK = 200


class _Echo:
    """A file-like object whose write() hands the line back to the csv writer's caller."""

    def write(self, value: str) -> str:
        return value


def _label(term) -> str:
    return term.label if term is not None else ""


def _slug(record) -> str:
    # A published record may point at a draft (a pledger not yet reviewed): name only public ones.
    return record.slug if record is not None and record.is_public else ""


def _coordinates(site) -> tuple[str, str]:
    coordinates = site.public_coordinates()
    return (str(coordinates[0]), str(coordinates[1])) if coordinates else ("", "")


def _site_row(site, url: Callable) -> list:
    return [site.slug, site.name, _label(site.kind), site.country.code, *_coordinates(site),
            site.is_sensitive, url(site)]


def _artefact_row(artefact, url: Callable) -> list:
    return [artefact.slug, artefact.name, _label(artefact.kind), _slug(artefact.site), artefact.made,
            artefact.quantity_display if artefact.is_group else "", artefact.is_movable, url(artefact)]


def _report_row(report, url: Callable) -> list:
    return [report.slug, report.title, report.occurred, report.severity, report.extent, report.claim_status,
            report.certainty, _label(report.cause_category), _label(report.cause_type),
            report.quantity_display, _slug(report.source), _slug(report.damage_event),
            " ".join(site.slug for site in report.sites.all()), url(report)]


def _event_row(event, url: Callable) -> list:
    return [event.slug, event.title, event.occurred, event.severity, event.extent,
            _label(event.cause_category), _label(event.cause_type),
            " ".join(site.slug for site in event.sites.all()), url(event)]


def _pledge_row(pledge, url: Callable) -> list:
    return [pledge.slug, pledge.title, _slug(pledge.pledger), _label(pledge.action), pledge.pledged,
            pledge.target, pledge.status, pledge.amount if pledge.amount is not None else "", pledge.currency,
            url(pledge)]


def _source_row(source, url: Callable) -> list:
    return [source.slug, source.title, _label(source.kind), _slug(source.publisher), source.published,
            source.reliability, source.language, source.url, source.archive_url, url(source)]


def _intervention_row(intervention, url: Callable) -> list:
    return [intervention.slug, intervention.title, _label(intervention.kind), _slug(intervention.performed_by),
            intervention.date, " ".join(site.slug for site in intervention.sites.all()), url(intervention)]


def _actor_row(actor, url: Callable) -> list:
    return [actor.slug, actor.name, actor.kind, actor.role, actor.country, url(actor)]


LAYOUTS: dict[str, tuple[list[str], Callable]] = {
    "sites": (["slug", "name", "kind", "country", "latitude", "longitude", "sensitive", "url"], _site_row),
    "artefacts": (["slug", "name", "kind", "site", "made", "quantity", "movable", "url"], _artefact_row),
    "reports": (["slug", "title", "occurred", "severity", "extent", "claim_status", "certainty",
                 "cause_category", "cause_type", "quantity", "source", "event", "sites", "url"], _report_row),
    "events": (["slug", "title", "occurred", "severity", "extent", "cause_category", "cause_type",
                "sites", "url"], _event_row),
    "pledges": (["slug", "title", "pledger", "action", "pledged", "target", "status", "amount", "currency",
                 "url"], _pledge_row),
    "sources": (["slug", "title", "kind", "publisher", "published", "reliability", "language", "source_url",
                 "archive_url", "url"], _source_row),
    "actors": (["slug", "name", "kind", "role", "country", "url"], _actor_row),
    "interventions": (["slug", "title", "kind", "performed_by", "date", "sites", "url"], _intervention_row),
}

# GeoJSON wherever records have a place: a site itself, an artefact's site, the
# sites of an event, report, pledge or intervention. Sources and actors have none.
PLACELESS = ("sources", "actors")
EXPORT_FORMATS: dict[str, tuple[str, ...]] = {
    name: ("csv",) if name in PLACELESS else ("csv", "geojson") for name in LAYOUTS
}


def _places(layout: str, record) -> list:
    if layout == "sites":
        return [record]
    if layout == "artefacts":
        return [record.site]
    return list(record.sites.all())


def _csv_lines(layout: str, rows: Iterable, url: Callable) -> Iterator[str]:
    header, row_of = LAYOUTS[layout]
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    lines = []
    for record in rows:
        lines.append(writer.writerow(row_of(record, url)))
        if len(lines) == LINES_PER_CHUNK:  # fewer, larger writes to the socket
            yield "".join(lines)
            lines = []
    yield "".join(lines)


def _geometry(sites) -> dict | None:
    # GeoJSON puts longitude first.
    coordinates = (site.public_coordinates() for site in sites)
    points = [[float(lon), float(lat)] for lat, lon in filter(None, coordinates)]
    if not points:
        return None
    if len(points) == 1:
        return {"type": "Point", "coordinates": points[0]}
    return {"type": "MultiPoint", "coordinates": points}


def _feature(layout: str, record, url: Callable) -> dict:
    header, row_of = LAYOUTS[layout]
    properties = dict(zip(header, row_of(record, url)))
    properties = {key: (value if isinstance(value, bool | int | float) else str(value)) for key, value in properties.items()}
    return {"type": "Feature", "id": record.slug, "geometry": _geometry(_places(layout, record)),
            "properties": properties}


def _geojson_chunks(layout: str, rows: Iterable, url: Callable) -> Iterator[str]:
    yield '{"type": "FeatureCollection", "features": ['
    separator = ""
    for record in rows:
        yield separator + json.dumps(_feature(layout, record, url), ensure_ascii=False)
        separator = ",\n"
    yield "]}\n"


class _Linked:
    """A related record as a download row needs it: slug and whether it is public."""

    __slots__ = ("slug", "is_public", "label")

    def __init__(self, slug, lifecycle=Lifecycle.PUBLISHED, label=""):
        self.slug, self.is_public, self.label = slug, lifecycle == Lifecycle.PUBLISHED, label


class _SiteSlugs(list):
    def all(self):
        return self


class _ReportRow:
    """A report's columns read with ``values_list``: no model instances per row.

    A million rows built as models, with their source, event, terms and sites,
    stream at a few thousand a second; plain tuples go several times faster.
    """

    COLUMNS = ("pk", "slug", "title", "occurred", "severity", "extent", "claim_status", "certainty",
               "quantity", "quantity_precision", "quantity_phrase", "cause_category__label",
               "cause_type__label", "source__slug", "source__lifecycle", "damage_event__slug",
               "damage_event__lifecycle")

    quantity_display = Quantified.quantity_display

    def __init__(self, values: tuple, sites: list[str]):
        (self.pk, self.slug, self.title, self.occurred, self.severity, self.extent, self.claim_status,
         self.certainty, self.quantity, self.quantity_precision, self.quantity_phrase, category, cause,
         source, source_state, event, event_state) = values
        self.cause_category = _Linked("", label=category) if category is not None else None
        self.cause_type = _Linked("", label=cause) if cause is not None else None
        self.source = _Linked(source, source_state) if source is not None else None
        self.damage_event = _Linked(event, event_state) if event is not None else None
        self.sites = _SiteSlugs(_Linked(slug) for slug in sites)


def _report_rows(queryset: QuerySet) -> Iterator[_ReportRow]:
    rows = queryset.prefetch_related(None).values_list(*_ReportRow.COLUMNS).iterator(chunk_size=CHUNK_SIZE)
    links = DamageReport.sites.through.objects
    while chunk := list(islice(rows, CHUNK_SIZE)):
        sites = defaultdict(list)
        published = links.filter(damagereport_id__in=[values[0] for values in chunk],
                                 heritagesite__lifecycle=Lifecycle.PUBLISHED)
        for report, slug in published.order_by("heritagesite__name", "heritagesite_id").values_list(
                "damagereport_id", "heritagesite__slug"):
            sites[report].append(slug)
        yield from (_ReportRow(values, sites[values[0]]) for values in chunk)


def _url_maker(request, model) -> Callable:
    """Detail URLs differ only by slug, and slugs need no escaping: one reverse() per download."""
    marker = "export-slug-marker"
    prefix, _marker, suffix = request.build_absolute_uri(model(slug=marker).get_absolute_url()).partition(marker)
    return lambda record: f"{prefix}{record.slug}{suffix}"


def stream_export(layout: str, export_format: str, queryset: QuerySet, *, request) -> StreamingHttpResponse:
    url = _url_maker(request, queryset.model)
    if layout == "reports" and export_format == "csv":  # GeoJSON needs the sites' coordinates
        rows = _report_rows(queryset)
    else:
        rows = queryset.iterator(chunk_size=CHUNK_SIZE)
    if export_format == "csv":
        response = StreamingHttpResponse(_csv_lines(layout, rows, url), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(_geojson_chunks(layout, rows, url), content_type="application/geo+json")
    response["Content-Disposition"] = f'attachment; filename="{layout}.{export_format}"'
    return response
