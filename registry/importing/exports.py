"""Rows of an admin list, for CSV and XLSX downloads.

Kinds of record that can be imported are exported in their import columns
(references by slug, several values joined with ``|``), so that a downloaded
file imports back as the same records. Other lists are exported field by
field. Rows are read in chunks, with one query per related model and chunk,
so a list of any length streams in constant memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from django.db import models

from registry.models import Citation, Term

from .columns import LIST_SEPARATOR, SPEC_BY_MODEL, RecordSpec, citation_field_for

CHUNK = 2000


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (date, Decimal)):
        return str(value) if not isinstance(value, date) else value.isoformat()
    return str(value)


def _slugs(model: type[models.Model], pks: set[int]) -> dict[int, str]:
    if not pks:
        return {}
    key = "slug" if any(f.name == "slug" for f in model._meta.fields) else "pk"
    return dict(model._default_manager.filter(pk__in=pks).values_list("pk", key))


def _pk_chunks(queryset: models.QuerySet) -> Iterator[list[int]]:
    pks = queryset.values_list("pk", flat=True)
    chunk: list[int] = []
    for pk in pks.iterator(chunk_size=CHUNK):
        chunk.append(pk)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _m2m_slugs(model, name: str, pks: list[int]) -> dict[int, list[str]]:
    m2m_field = model._meta.get_field(name)
    through = m2m_field.remote_field.through
    own, other = m2m_field.m2m_field_name() + "_id", m2m_field.m2m_reverse_field_name() + "_id"
    links = list(
        through.objects.filter(**{f"{own}__in": pks}).order_by("pk").values_list(own, other)
    )
    slugs = _slugs(m2m_field.related_model, {target for _owner, target in links})
    result: dict[int, list[str]] = defaultdict(list)
    for owner, target in links:
        result[owner].append(slugs[target])
    return result


def _first_citations(model, pks: list[int]) -> dict[int, Citation]:
    target = citation_field_for(model)
    citations: dict[int, Citation] = {}
    for citation in (
        Citation.objects.filter(**{f"{target}__in": pks}).select_related("source").order_by("pk")
    ):
        citations.setdefault(getattr(citation, f"{target}_id"), citation)
    return citations


def _spec_rows(spec: RecordSpec, pks: list[int], term_slugs: dict[int, str]) -> Iterator[list[str]]:
    model = spec.model
    records = model._default_manager.filter(pk__in=pks).order_by()
    by_pk = {record.pk: record for record in records}
    refs = {
        c.name: _slugs(
            c.related_model, {getattr(r, c.model_field.attname) for r in by_pk.values()} - {None}
        )
        for c in spec.columns
        if c.kind == "ref" and c.name not in spec.citation_columns
    }
    many = {
        c.name: _m2m_slugs(model, c.name, pks) for c in spec.columns if c.kind in ("refs", "terms")
    }
    citations = _first_citations(model, pks) if spec.is_claim else {}
    targets = _citation_targets(by_pk.values()) if model is Citation else {}
    for pk in pks:
        record = by_pk[pk]
        row = []
        for column in spec.columns:
            if column.name in spec.citation_columns:
                citation = citations.get(pk)
                row.append(_citation_cell(citation, column.name))
            elif column.kind == "term":
                row.append(term_slugs.get(getattr(record, column.model_field.attname), ""))
            elif column.kind == "ref":
                row.append(refs[column.name].get(getattr(record, column.model_field.attname), ""))
            elif column.kind in ("refs", "terms"):
                row.append(LIST_SEPARATOR.join(many[column.name].get(pk, [])))
            elif column.name in ("target_type", "target"):
                row.append(targets.get(pk, ("", ""))[0 if column.name == "target_type" else 1])
            else:
                row.append(_cell(getattr(record, column.name)))
        yield row


def _citation_cell(citation: Citation | None, name: str) -> str:
    if citation is None:
        return ""
    if name == "citation_source":
        return citation.source.slug
    return getattr(citation, name.removeprefix("citation_"))


def _citation_targets(citations) -> dict[int, tuple[str, str]]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for citation in citations:
        if citation.target_field:
            wanted[citation.target_field].add(getattr(citation, f"{citation.target_field}_id"))
    slugs = {
        name: _slugs(Citation._meta.get_field(name).related_model, pks)
        for name, pks in wanted.items()
    }
    return {
        c.pk: (c.target_field, slugs[c.target_field][getattr(c, f"{c.target_field}_id")])
        for c in citations
        if c.target_field
    }


def _plain_columns(model: type[models.Model]) -> list[models.Field]:
    # Columns the database works out itself (the map's public coordinates) are not data to import.
    return [f for f in model._meta.concrete_fields if not f.generated]


def _plain_rows(model: type[models.Model], pks: list[int]) -> Iterator[list[str]]:
    fields = _plain_columns(model)
    records = {r.pk: r for r in model._default_manager.filter(pk__in=pks).order_by()}
    refs = {
        f.name: _slugs(f.related_model, {getattr(r, f.attname) for r in records.values()} - {None})
        for f in fields
        if isinstance(f, models.ForeignKey)
    }
    for pk in pks:
        record = records[pk]
        yield [
            refs[f.name].get(getattr(record, f.attname), "")
            if f.name in refs
            else _cell(getattr(record, f.attname))
            for f in fields
        ]


def export_header(model: type[models.Model]) -> list[str]:
    spec = SPEC_BY_MODEL.get(model)
    return spec.header if spec else [f.name for f in _plain_columns(model)]


def export_rows(queryset: models.QuerySet) -> Iterator[list[str]]:
    """Every row of ``queryset`` in the columns of ``export_header``, in the list's order."""
    model = queryset.model
    spec = SPEC_BY_MODEL.get(model)
    term_slugs = dict(Term.objects.values_list("pk", "slug")) if spec else {}
    for pks in _pk_chunks(queryset):
        yield from (_spec_rows(spec, pks, term_slugs) if spec else _plain_rows(model, pks))
