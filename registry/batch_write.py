"""Writing checked rows in bulk, with history, and undoing a whole import.

``write_rows`` takes the results of ``registry.batch.validate_rows`` and writes
the valid ones in one transaction per chunk: records with ``bulk_create`` (or
``bulk_update`` for rows that change an existing record, after the same
version check ``services.record_save`` makes), their many-to-many rows, the
citation each new claim needs, one history entry per record (who, when, why,
and the many-to-many values at that moment) and the list of what the import
touched, so that ``batch_undo`` can take it all back.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from registry import condition_entries, services
from registry.batch import BatchContext, RowResult, already_cited, existing_citations
from registry.bulk_insert import existing_slugs, field_values, insert_instances, insert_rows
from registry.dates import EDTFField
from registry.importing.columns import citation_field_for
from registry.models import Citation, DamageReport, ImportBatch, ImportedRecord, Lifecycle, Record, Source

WRITE_BATCH_SIZE = 1000


SLUG_TEXT = re.compile(r"[a-z0-9_]+(?:-[a-z0-9_]+)*")


def _slugify(text: str) -> str:
    """``slugify(text)``; text that is a slug already (a citation's hint joins two slugs)
    is its own slug, without the Unicode normalisation and the two substitutions."""
    if SLUG_TEXT.fullmatch(text) and text[0] != "_" and text[-1] != "_":
        return text
    return slugify(text)


def slug_base(record: Record) -> str:
    text = (
        getattr(record, "slug_hint", None)
        or getattr(record, "name", None)
        or getattr(record, "title", None)
        or type(record)._meta.model_name
    )
    return _slugify(str(text))[:104].strip("-") or type(record)._meta.model_name


def assign_slugs(model: type[models.Model], records: list[models.Model], bases: list[str]) -> None:
    """Give each record a slug no row uses yet: its base, or the base with the next free number."""
    taken = existing_slugs(model, bases)
    # No ordering: the model's own may join other tables, and a set of slugs needs none.
    manager = model._default_manager
    in_chunk: set[str] = set()
    crowded: dict[str, set[str]] = {}
    for record, base in zip(records, bases, strict=True):
        slug = base
        if slug in taken or slug in in_chunk:
            if base not in crowded:
                crowded[base] = set(
                    manager.filter(slug__startswith=f"{base}-")
                    .order_by()
                    .values_list("slug", flat=True)
                )
            n = 2
            while f"{base}-{n}" in crowded[base] or f"{base}-{n}" in in_chunk:
                n += 1
            slug = f"{base}-{n}"
        in_chunk.add(slug)
        record.slug = slug


class Touched(NamedTuple):
    """A row of ImportedRecord, before it is written."""

    model: str
    object_id: int
    last_object_id: int
    created: bool
    previous_version: int | None
    version: int


def _runs(label: str, pks: list[int]) -> list[Touched]:
    """New records as runs of consecutive ids: one row for each run."""
    runs: list[Touched] = []
    for pk in sorted(pks):
        if runs and runs[-1].last_object_id == pk - 1:
            runs[-1] = runs[-1]._replace(last_object_id=pk)
        else:
            runs.append(Touched(label, pk, pk, True, None, 1))
    return runs


@dataclass
class WriteOutcome:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, message)


def _through(model: type[models.Model], name: str):
    m2m_field = model._meta.get_field(name)
    through = m2m_field.remote_field.through
    return through, m2m_field.m2m_field_name() + "_id", m2m_field.m2m_reverse_field_name() + "_id"


Links = dict[str, list[tuple[int, int, int]]]  # m2m field → [(link pk, record pk, target pk)]


def _write_m2m(
    model: type[models.Model], rows: list[tuple[int, dict[str, list[int]]]], *, replace: bool
) -> Links:
    """Many-to-many rows of each record; returns them with their keys, for the history."""
    pairs: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for pk, m2m in rows:
        for name, ids in m2m.items():
            pairs[name].extend((pk, target) for target in dict.fromkeys(ids))
    links: Links = {}
    for name, values in pairs.items():
        through, own, other = _through(model, name)
        if replace:
            through.objects.filter(
                **{f"{own}__in": {pk for pk, _m2m in rows if name in _m2m}}
            ).delete()
        pks = insert_rows(through, [own, other], values, with_pks=True)
        links[name] = [
            (link, owner, target) for link, (owner, target) in zip(pks, values, strict=True)
        ]
    return links


def _history_rows(
    model: type[Record], records: list[models.Model], *, user, reason: str, now, update: bool
) -> tuple[list[str], list[tuple]]:
    """The columns of the model's history table and a row for each record: its tracked
    fields as they are now, then who, when and why."""
    history_model = model.history.model
    tracked = {field.attname for field in history_model.tracked_fields}
    extra = {
        "history_date": now,
        "history_change_reason": reason or None,
        "history_type": "~" if update else "+",
        "history_user_id": getattr(user, "pk", None),
        "history_public_note": "",
    }
    attnames = [
        field.attname for field in history_model._meta.concrete_fields
        if not field.primary_key and not field.generated
    ]
    own = [name for name in attnames if name in tracked]
    given = tuple(extra[name] for name in attnames if name not in tracked)
    values = field_values(own)
    return [*own, *(name for name in attnames if name not in tracked)], [
        (*values(record), *given) for record in records
    ]


def _history(
    model: type[Record],
    records: list[models.Model],
    *,
    user,
    reason: str,
    now,
    update: bool,
    links: Links | None = None,
) -> None:
    """One history entry per record, with its many-to-many values, as record_save leaves."""
    if not records:
        return
    history_model = model.history.model
    attnames, rows = _history_rows(model, records, user=user, reason=reason, now=now, update=update)
    entries = insert_rows(history_model, attnames, rows, with_pks=True)
    entry_of = {record.pk: entry for record, entry in zip(records, entries, strict=True)}
    for m2m_field in getattr(history_model, "_history_m2m_fields", []):
        through, own, other = _through(model, m2m_field.name)
        if links is not None:
            values = links.get(m2m_field.name, [])
        else:
            values = list(
                through.objects.filter(**{f"{own}__in": list(entry_of)}).values_list(
                    "pk", own, other
                )
            )
        snapshot = getattr(history_model, m2m_field.name).model
        insert_rows(
            snapshot,
            ["id", own, other, "history_id"],
            [(link, owner, target, entry_of[owner]) for link, owner, target in values],
        )


def _publish_evidence(results: list[RowResult], *, user, reason: str, published: set[int]) -> None:
    """Draft sources of published new claims are published first, as record_publish does."""
    wanted = set()
    for result in results:
        if result.instance.lifecycle != Lifecycle.PUBLISHED:
            continue
        wanted.update(
            pk
            for pk in (
                getattr(result.instance, "source_id", None),
                result.citation.source_id if result.citation else None,
            )
            if pk
        )
    for source in Source.objects.filter(pk__in=wanted - published).exclude(
        lifecycle=Lifecycle.PUBLISHED
    ):
        services.record_publish(record=source, user=user, reason=reason)
    published.update(wanted)


def _resolve_pending(
    context: BatchContext, results: list[RowResult], created: dict[str, int]
) -> list[str]:
    """Give rows that name records created above in the file those records' ids.

    ``created`` maps the slugs written in this chunk to their ids; records of
    earlier chunks are looked up. Returns the foreign keys that were set.
    """
    spec = context.spec
    wanted = {slug for r in results for slugs in r.pending.values() for slug in slugs}
    missing = wanted - created.keys()
    if missing:
        created = created | dict(
            spec.model._default_manager.filter(slug__in=missing).values_list("slug", "pk")
        )
    fields: set[str] = set()
    for result in results:
        for name, slugs in result.pending.items():
            column = spec.by_name[name]
            if column.kind == "refs":
                result.m2m[name] = [*result.m2m.get(name, []), *(created[s] for s in slugs)]
            else:
                setattr(result.instance, column.model_field.attname, created[slugs[0]])
                fields.add(column.model_field.name)
    return sorted(fields)


def _write_citations(
    model: type[Record], results: list[RowResult], *, user, reason: str, now
) -> list[Touched]:
    """The citation each row brings, backing the row's record."""
    citations = [result.citation for result in results if result.citation is not None]
    if not citations:
        return []
    target = citation_field_for(model)
    for result in results:
        citation = result.citation
        if citation is None:
            continue
        setattr(citation, target, result.instance)
        citation.version, citation.published_at = (
            1,
            now if citation.lifecycle == Lifecycle.PUBLISHED else None,
        )
        citation.slug_hint = f"{citation.cited_source_slug}-on-{result.instance.slug}"
    assign_slugs(Citation, citations, [slug_base(citation) for citation in citations])
    insert_instances(Citation, citations)
    _history(Citation, citations, user=user, reason=reason, now=now, update=False, links={})
    return _runs(Citation._meta.label, [citation.pk for citation in citations])


def _create(
    context: BatchContext, results: list[RowResult], *, user, reason: str, now
) -> tuple[list[Touched], dict[str, int]]:
    model = context.spec.model
    records = [result.instance for result in results]
    for record in records:
        record.version = 1
        if record.lifecycle == Lifecycle.PUBLISHED:
            record.published_at = now
    unslugged = [record for record in records if not record.slug]
    assign_slugs(model, unslugged, [slug_base(record) for record in unslugged])
    insert_instances(model, records)
    created = {record.slug: record.pk for record in records} if context.self_columns else {}
    pending = [result for result in results if result.pending]
    if pending:
        # Rows naming records created above them: their ids are known now.
        fields = _resolve_pending(context, pending, created)
        if fields:
            model._default_manager.bulk_update(
                [result.instance for result in pending], fields, batch_size=WRITE_BATCH_SIZE
            )
    links = _write_m2m(
        model, [(result.instance.pk, result.m2m) for result in results], replace=False
    )
    _history(model, records, user=user, reason=reason, now=now, update=False, links=links)
    touched = _runs(model._meta.label, [record.pk for record in records])
    touched += _write_citations(model, results, user=user, reason=reason, now=now)
    return touched, created


def _update_fields(model: type[models.Model], changed: set[str]) -> list[str]:
    names = {"version", "updated_at"}
    for name in changed:
        model_field = model._meta.get_field(name)
        if model_field.many_to_many:
            continue
        names.add(model_field.name)
        if isinstance(model_field, EDTFField):
            names.update({model_field.lower_field, model_field.upper_field})
    return sorted(names)


def _fresh(model, results: list[RowResult], outcome: WriteOutcome, now) -> list[RowResult]:
    """The rows whose record is still at the version they were checked against (record_save's rule)."""
    pks = [result.instance.pk for result in results]
    manager = model._default_manager
    stored = dict(manager.select_for_update().filter(pk__in=pks).values_list("pk", "version"))
    fresh = []
    for result in results:
        record = result.instance
        current = stored.get(record.pk, 0)
        if current != record.version:
            error = services.StaleVersionError(
                record=record, expected=record.version, current=current
            )
            outcome.errors.append((result.row, "slug", str(error)))
            continue
        record.previous_version, record.version, record.updated_at = (
            record.version,
            current + 1,
            now,
        )
        fresh.append(result)
    return fresh


def _moves(result: RowResult) -> bool:
    return bool(result.lifecycle) and result.lifecycle != result.instance.lifecycle


def _cite(
    context: BatchContext, results: list[RowResult], *, user, reason: str, now
) -> tuple[list[Touched], int]:
    """Citations that update rows add to their claims, unless cited meanwhile (as citation_add,
    with the claim locked); returns them and how many claims they went to."""
    model = context.spec.model
    pks = [result.instance.pk for result in results]
    list(model._default_manager.select_for_update().filter(pk__in=pks).values_list("pk"))
    cited = existing_citations(model, pks)
    for result in results:
        if already_cited(cited.get(result.instance.pk, set()), result.citation):
            result.citation = None
    results = [result for result in results if result.citation is not None]
    return _write_citations(model, results, user=user, reason=reason, now=now), len(results)


def _update(
    context: BatchContext,
    results: list[RowResult],
    outcome: WriteOutcome,
    *,
    user,
    reason: str,
    now,
    created: dict[str, int],
) -> list[Touched]:
    model = context.spec.model
    # Rows that only add a citation leave the claim itself as it is, as citation_add does.
    moving = [result for result in results if result.changed or _moves(result)]
    fresh = _fresh(model, moving, outcome, now)
    refused = {result.row for result in moving} - {result.row for result in fresh}
    records = [result.instance for result in fresh]
    changed = {name for result in fresh for name in result.changed}
    _resolve_pending(context, [result for result in fresh if result.pending], created)
    if records and changed:
        fields = _update_fields(model, changed)
        model._default_manager.bulk_update(records, fields, batch_size=WRITE_BATCH_SIZE)
        m2m = [
            (r.instance.pk, {n: ids for n, ids in r.m2m.items() if n in r.changed}) for r in fresh
        ]
        _write_m2m(model, m2m, replace=True)
        _history(model, records, user=user, reason=reason, now=now, update=True)
    citing = [r for r in results if r.citation is not None and r.row not in refused]
    citations, cited = (
        _cite(context, citing, user=user, reason=reason, now=now) if citing else ([], 0)
    )
    for result in fresh:
        if _moves(result):
            _transition(result, outcome, user=user, reason=reason)
    label = model._meta.label
    moved = {result.row for result in moving}
    outcome.updated = len(records) + sum(
        1 for r in citing if r.citation is not None and r.row not in moved
    )
    return [
        *(Touched(label, r.pk, r.pk, False, r.previous_version, r.version) for r in records),
        *citations,
    ]


def _transition(result: RowResult, outcome: WriteOutcome, *, user, reason: str) -> None:
    record = result.instance
    try:
        with transaction.atomic():
            services.record_transition(record=record, to=result.lifecycle, user=user, reason=reason)
    except ValidationError as error:
        outcome.errors.extend((result.row, "lifecycle", message) for message in error.messages)
        record.refresh_from_db(fields=["lifecycle", "version"])


TOUCHED_COLUMNS = [
    "batch_id",
    "model",
    "object_id",
    "last_object_id",
    "created",
    "previous_version",
    "version",
]


def _skip_flush_wait() -> None:
    """A bulk load need not wait for each chunk's WAL flush (PostgreSQL). A crash loses whole
    chunks at most, with their ImportedRecord rows, so the batch still knows what it wrote."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _refresh_condition_entries(touched: list[Touched]) -> None:
    """Rows written in bulk pass the signals that keep the condition entries: the entries
    of the reports written, and of the reports of the sources written, are written again."""
    # New records come as runs of consecutive keys, a range each rather than a parameter per
    # key; changed records are listed.
    new: dict[str, list[models.Q]] = defaultdict(list)
    changed: dict[str, list[int]] = defaultdict(list)
    for item in touched:
        if item.created:
            new[item.model].append(models.Q(pk__range=(item.object_id, item.last_object_id)))
        else:
            changed[item.model].extend(range(item.object_id, item.last_object_id + 1))
    report, source = DamageReport._meta.label, Source._meta.label
    if new[report]:  # inserted in this transaction, by this write alone: no entries yet
        condition_entries.refresh(DamageReport.objects.filter(_any(new[report])), fresh=True)
    if changed[report]:
        condition_entries.refresh(changed[report])
    sources = new[source] + ([models.Q(pk__in=changed[source])] if changed[source] else [])
    if sources:
        written = Source.objects.filter(_any(sources)).values("pk")
        condition_entries.refresh(DamageReport.objects.filter(source__in=written))


def _any(conditions: list[models.Q]) -> models.Q:
    return models.Q(*conditions, _connector=models.Q.OR)


def write_rows(
    *,
    context: BatchContext,
    results: list[RowResult],
    batch: ImportBatch | None,
    user=None,
    reason: str = "",
    published_sources: set[int] | None = None,
) -> WriteOutcome:
    """Write the valid rows of one checked chunk, atomically; report rows refused at write time."""
    outcome = WriteOutcome()
    creates = [result for result in results if result.action == "create"]
    updates = [result for result in results if result.action == "update"]
    now = timezone.now()
    with transaction.atomic():
        _skip_flush_wait()
        published = published_sources if published_sources is not None else set()
        _publish_evidence(creates, user=user, reason=reason, published=published)
        touched, created = (
            _create(context, creates, user=user, reason=reason, now=now) if creates else ([], {})
        )
        if updates:
            touched += _update(
                context, updates, outcome, user=user, reason=reason, now=now, created=created
            )
        if batch is not None:
            insert_rows(ImportedRecord, TOUCHED_COLUMNS, [(batch.pk, *item) for item in touched])
        _refresh_condition_entries(touched)
    outcome.created = len(creates)
    return outcome
