"""CSV and GeoJSON downloads of any filtered list, streamed row by row.

An export of a million reports must not sit in memory: rows are read with
``QuerySet.iterator()`` in chunks and written out as they come. Coordinates are
always the public ones, so a sensitive site is as coarse in a download as on
its page.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import islice

from django.db import transaction
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from registry.models import Actor, DamageEvent, DamageReport, HeritageSite, Source
from registry.models.base import quantity_text
from registry.selectors import visibility
from registry.selectors.condition import artefact_conditions, site_conditions
from registry.selectors.disputes import event_verdicts, report_verdicts, row_verdicts

CHUNK_SIZE = 1000
# Where an export queryset leaves a record's published sites (a prefetch with ``to_attr``).
EXPORT_SITES = "export_sites"
# What the registry's rules decide about each row, asked once per chunk of rows. A download
# writes the current condition alone, so only the states it can rest on are read.
DECISIONS: dict[str, tuple[str, Callable]] = {
    "sites": ("condition", partial(site_conditions, current_only=True)),
    "artefacts": ("condition", partial(artefact_conditions, current_only=True)),
    "reports": ("verdict", report_verdicts), "events": ("verdict", event_verdicts),
}
CONDITION_COLUMNS = ["condition", "condition_severity", "condition_observed", "condition_claim_status",
                     "condition_evidence"]
VERDICT_COLUMNS = ["disputed", "differences"]


class _Echo:
    """A file-like object whose write() hands the line back to the csv writer's caller."""

    def write(self, value: str) -> str:
        return value


def _label(term) -> str:
    return term.label if term is not None else ""


def _slug(record) -> str:
    # A published record may point at a draft (a pledger not yet reviewed): name only public ones.
    return visibility.visible_slug(record) or ""


def _slugs(records) -> str:
    return " ".join(record.slug for record in records if visibility.may_see(record))


def _sites_of(record) -> list:
    """A record's published sites: the export's plain list, or the related manager's prefetch."""
    sites = getattr(record, EXPORT_SITES, None)
    return sites if sites is not None else list(record.sites.all())


def _coordinates(site) -> tuple[str, str]:
    coordinates = site.public_coordinates()
    return (str(coordinates[0]), str(coordinates[1])) if coordinates else ("", "")


def _condition_cells(record) -> list:
    """The current condition (latest established state) and what establishes it."""
    current = record.condition.current
    if current is None:
        return ["", "", "", "", ""]
    return [current.label, record.condition.severity, current.observed, current.claim_status,
            current.record.slug]


def _verdict_cells(record) -> list:
    verdict = record.verdict
    return [verdict.disputed, "; ".join(difference.message for difference in verdict.differences)]


def _site_row(site, url: Callable) -> list:
    return [site.slug, site.name, _label(site.kind), site.country.code, *_coordinates(site),
            site.is_sensitive, *_condition_cells(site), url(site)]


def _artefact_row(artefact, url: Callable) -> list:
    return [artefact.slug, artefact.name, _label(artefact.kind), _slug(artefact.site), artefact.made,
            artefact.quantity_display if artefact.is_group else "", artefact.is_movable,
            *_condition_cells(artefact), url(artefact)]


def _report_row(report, url: Callable) -> list:
    return [report.slug, report.title, report.occurred, report.observed, report.severity, report.extent,
            report.claim_status, report.certainty, _label(report.cause_category), _label(report.cause_type),
            report.quantity_display, _slug(report.responsible), _slug(report.source), _slug(report.damage_event),
            _slugs(_sites_of(report)), *_verdict_cells(report), url(report)]


def _event_row(event, url: Callable) -> list:
    return [event.slug, event.title, event.occurred, event.severity, event.extent,
            _label(event.cause_category), _label(event.cause_type),
            _slugs(_sites_of(event)), *_verdict_cells(event), url(event)]


def _pledge_row(pledge, url: Callable) -> list:
    return [pledge.slug, pledge.title, _slug(pledge.pledger), _label(pledge.action), pledge.pledged,
            pledge.target, pledge.status, pledge.amount if pledge.amount is not None else "", pledge.currency,
            url(pledge)]


def _source_row(source, url: Callable) -> list:
    return [source.slug, source.title, _label(source.kind), _slug(source.publisher), source.published,
            source.reliability, source.language, source.url, source.archive_url, url(source)]


def _intervention_row(intervention, url: Callable) -> list:
    return [intervention.slug, intervention.title, _label(intervention.kind), _slug(intervention.performed_by),
            intervention.date, _slugs(_sites_of(intervention)), url(intervention)]


def _actor_row(actor, url: Callable) -> list:
    return [actor.slug, actor.name, actor.kind, actor.role, actor.country, url(actor)]


LAYOUTS: dict[str, tuple[list[str], Callable]] = {
    "sites": (["slug", "name", "kind", "country", "latitude", "longitude", "sensitive", *CONDITION_COLUMNS,
               "url"], _site_row),
    "artefacts": (["slug", "name", "kind", "site", "made", "quantity", "movable", *CONDITION_COLUMNS, "url"],
                  _artefact_row),
    "reports": (["slug", "title", "occurred", "observed", "severity", "extent", "claim_status", "certainty",
                 "cause_category", "cause_type", "quantity", "responsible", "source", "event", "sites",
                 *VERDICT_COLUMNS, "url"], _report_row),
    "events": (["slug", "title", "occurred", "severity", "extent", "cause_category", "cause_type",
                "sites", *VERDICT_COLUMNS, "url"], _event_row),
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
        return [record.site] if visibility.may_see(record.site) else []
    return [site for site in _sites_of(record) if visibility.may_see(site)]


def decided(layout: str, rows: Iterable) -> Iterator:
    """``rows`` as they come, each with what the rules decide about it, a chunk at a time."""
    if layout not in DECISIONS:
        yield from rows
        return
    attribute, decide = DECISIONS[layout]
    rows = iter(rows)
    while chunk := list(islice(rows, CHUNK_SIZE)):
        decisions = decide(chunk)
        for record in chunk:
            setattr(record, attribute, decisions[record.pk])
            yield record


def _csv_lines(layout: str, rows: Iterable, url: Callable) -> Iterator[str]:
    header, row_of = LAYOUTS[layout]
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for record in rows:
        yield writer.writerow(row_of(record, url))


# What a report's CSV row is made of, read as plain rows: building a model instance for
# each report and for what it names, datetimes parsed, was most of a download's time.
REPORT_COLUMNS = (
    "pk", "slug", "title", "occurred", "observed", "severity", "extent", "claim_status", "certainty",
    "cause_category__label", "cause_type__label", "quantity", "quantity_precision", "quantity_phrase",
    "responsible__slug", "responsible__lifecycle", "source__slug", "source__lifecycle",
    "damage_event_id", "damage_event__slug", "damage_event__lifecycle",
)


def _named(model, row: dict, name: str) -> str:
    """The slug of what ``row`` names in ``name``, if the public may see it."""
    return row[f"{name}__slug"] if visibility.public_from_lifecycle(model, row[f"{name}__lifecycle"]) else ""


def _published_site_slugs(report_ids: list[int]) -> dict[int, str]:
    """Each report's published sites, their slugs in the order of the sites' names."""
    link = DamageReport.sites.through
    slugs: dict[int, list[str]] = {}
    for report_id, slug in (
        link.objects.filter(visibility.visibility_rule(HeritageSite, visibility.PUBLIC, "heritagesite__"),
                            damagereport_id__any_of=report_ids)
        .order_by("heritagesite__name", "heritagesite_id").values_list("damagereport_id", "heritagesite__slug")
    ):
        slugs.setdefault(report_id, []).append(slug)
    return {report_id: " ".join(names) for report_id, names in slugs.items()}


def _report_csv_lines(queryset: QuerySet, url: Callable[[str], str]) -> Iterator[str]:
    """The reports layout of ``_csv_lines``, from rows of columns a chunk at a time."""
    header, _row_of = LAYOUTS["reports"]
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    unknown = str(_("unknown number"))
    rows = queryset.prefetch_related(None).values(*REPORT_COLUMNS).iterator(chunk_size=CHUNK_SIZE)
    while chunk := list(islice(rows, CHUNK_SIZE)):
        verdicts = row_verdicts(chunk)
        sites = _published_site_slugs([row["pk"] for row in chunk])
        for row in chunk:
            verdict = verdicts[row["pk"]]
            yield writer.writerow([
                row["slug"], row["title"], row["occurred"], row["observed"], row["severity"], row["extent"],
                row["claim_status"], row["certainty"], row["cause_category__label"] or "",
                row["cause_type__label"] or "",
                quantity_text(row["quantity"], row["quantity_precision"], row["quantity_phrase"], unknown),
                _named(Actor, row, "responsible"), _named(Source, row, "source"),
                _named(DamageEvent, row, "damage_event"), sites.get(row["pk"], ""),
                verdict.disputed, "; ".join(difference.message for difference in verdict.differences),
                url(row["slug"]),
            ])


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
    properties = dict(zip(header, row_of(record, url), strict=False))
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


def _slug_url_maker(request, model) -> Callable[[str], str]:
    """Detail URLs differ only by slug, and slugs need no escaping: one reverse() per download."""
    marker = "export-slug-marker"
    prefix, _marker, suffix = request.build_absolute_uri(model(slug=marker).get_absolute_url()).partition(marker)
    return lambda slug: f"{prefix}{slug}{suffix}"


def _url_maker(request, model) -> Callable:
    url = _slug_url_maker(request, model)
    return lambda record: url(record.slug)


def _in_one_transaction(lines: Iterator[str], using: str) -> Iterator[str]:
    """Stream ``lines`` inside one read transaction. PostgreSQL reads a cursor declared in a
    transaction as it is fetched; outside one (``WITH HOLD``) it first makes the whole result,
    which for a million reports took ten seconds before the first line, and one snapshot keeps
    every chunk consistent with the others."""
    with transaction.atomic(using=using):
        # Lines go out a chunk at a time: one write to the client per line cost more than making it.
        while batch := list(islice(lines, CHUNK_SIZE)):
            yield "".join(batch)


def stream_export(layout: str, export_format: str, queryset: QuerySet, *, request) -> StreamingHttpResponse:
    url = _url_maker(request, queryset.model)
    if export_format == "csv" and layout == "reports":
        lines = _report_csv_lines(queryset, _slug_url_maker(request, queryset.model))
    else:
        rows = decided(layout, queryset.iterator(chunk_size=CHUNK_SIZE))
        lines = (_csv_lines if export_format == "csv" else _geojson_chunks)(layout, rows, url)
    content_type = "text/csv; charset=utf-8" if export_format == "csv" else "application/geo+json"
    response = StreamingHttpResponse(_in_one_transaction(lines, queryset.db), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{layout}.{export_format}"'
    return response
