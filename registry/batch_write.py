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

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from registry import services
from registry.batch import BatchContext, RowResult, assign_slugs, slug_base
from registry.dates import EDTFField
from registry.models import Citation, ImportBatch, ImportedRecord, Lifecycle, Record, Source

WRITE_BATCH_SIZE = 1000


@dataclass
class WriteOutcome:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, message)


def _through(model: type[models.Model], name: str):
    m2m_field = model._meta.get_field(name)
    through = m2m_field.remote_field.through
    return through, m2m_field.m2m_field_name() + "_id", m2m_field.m2m_reverse_field_name() + "_id"


def _write_m2m(model: type[models.Model], rows: list[tuple[int, dict[str, list[int]]]], *, replace: bool) -> None:
    by_field: dict[str, list] = defaultdict(list)
    owners: dict[str, list[int]] = defaultdict(list)
    for pk, m2m in rows:
        for name, ids in m2m.items():
            through, own, other = _through(model, name)
            owners[name].append(pk)
            by_field[name].extend(through(**{own: pk, other: target}) for target in dict.fromkeys(ids))
    for name in owners:
        through, own, _other = _through(model, name)
        if replace:
            through.objects.filter(**{f"{own}__in": owners[name]}).delete()
        through.objects.bulk_create(by_field[name], batch_size=WRITE_BATCH_SIZE)


def _history(model: type[Record], records: list[models.Model], *, user, reason: str, now, update: bool) -> None:
    """One history entry per record, with its many-to-many values, as record_save leaves."""
    if not records:
        return
    entries = model.history.bulk_history_create(
        records, batch_size=WRITE_BATCH_SIZE, update=update, default_user=user, default_change_reason=reason,
        default_date=now)
    history_model = model.history.model
    by_record = {entry.id: entry for entry in entries}
    for m2m_field in getattr(history_model, "_history_m2m_fields", []):
        through, own, _other = _through(model, m2m_field.name)
        snapshot_model = getattr(history_model, m2m_field.name).model
        names = [f.attname for f in through._meta.fields]
        links = through.objects.filter(**{f"{own}__in": list(by_record)}).values_list(*names)
        snapshot_model.objects.bulk_create([
            snapshot_model(history=by_record[values[names.index(own)]], **dict(zip(names, values, strict=True)))
            for values in links.iterator(chunk_size=5000)
        ], batch_size=WRITE_BATCH_SIZE)


def _publish_evidence(results: list[RowResult], *, user, reason: str, published: set[int]) -> None:
    """Draft sources of published new claims are published first, as record_publish does."""
    wanted = set()
    for result in results:
        if result.instance.lifecycle != Lifecycle.PUBLISHED:
            continue
        wanted.update(pk for pk in (getattr(result.instance, "source_id", None),
                                    result.citation.source_id if result.citation else None) if pk)
    for source in Source.objects.filter(pk__in=wanted - published).exclude(lifecycle=Lifecycle.PUBLISHED):
        services.record_publish(record=source, user=user, reason=reason)
    published.update(wanted)


def _create(context: BatchContext, results: list[RowResult], *, user, reason: str, now) -> list[ImportedRecord]:
    model = context.spec.model
    records = [result.instance for result in results]
    for record in records:
        record.version = 1
        if record.lifecycle == Lifecycle.PUBLISHED:
            record.published_at = now
    unslugged = [record for record in records if not record.slug]
    assign_slugs(model, unslugged, [slug_base(record) for record in unslugged])
    model._default_manager.bulk_create(records, batch_size=WRITE_BATCH_SIZE)
    _write_m2m(model, [(result.instance.pk, result.m2m) for result in results], replace=False)
    _history(model, records, user=user, reason=reason, now=now, update=False)
    touched = [ImportedRecord(model=model._meta.label, object_id=r.pk, created=True, version=1) for r in records]
    citations = [result.citation for result in results if result.citation is not None]
    if citations:
        target = services._citation_field(records[0])
        for result in results:
            citation = result.citation
            setattr(citation, target, result.instance)
            citation.version, citation.published_at = 1, now if citation.lifecycle == Lifecycle.PUBLISHED else None
            citation.slug_hint = f"{citation.cited_source_slug}-on-{result.instance.slug}"
        assign_slugs(Citation, citations, [slug_base(citation) for citation in citations])
        Citation.objects.bulk_create(citations, batch_size=WRITE_BATCH_SIZE)
        _history(Citation, citations, user=user, reason=reason, now=now, update=False)
        touched += [ImportedRecord(model=Citation._meta.label, object_id=c.pk, created=True, version=1)
                    for c in citations]
    return touched


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


def _update(context: BatchContext, results: list[RowResult], outcome: WriteOutcome, *, user, reason: str,
            now) -> list[ImportedRecord]:
    model = context.spec.model
    pks = [result.instance.pk for result in results]
    stored = dict(model._default_manager.select_for_update().filter(pk__in=pks).values_list("pk", "version"))
    fresh = []
    for result in results:
        record = result.instance
        if stored.get(record.pk) != record.version:
            outcome.errors.append((result.row, "slug", str(services.StaleVersionError(
                record=record, expected=record.version, current=stored.get(record.pk, 0)))))
            continue
        record.previous_version, record.version, record.updated_at = record.version, record.version + 1, now
        fresh.append(result)
    records = [result.instance for result in fresh]
    changed = {name for result in fresh for name in result.changed}
    if records and changed:
        model._default_manager.bulk_update(records, _update_fields(model, changed), batch_size=WRITE_BATCH_SIZE)
        _write_m2m(model, [(r.instance.pk, {n: ids for n, ids in r.m2m.items() if n in r.changed}) for r in fresh],
                   replace=True)
        _history(model, records, user=user, reason=reason, now=now, update=True)
    for result in fresh:
        if result.lifecycle and result.lifecycle != result.instance.lifecycle:
            _transition(result, outcome, user=user, reason=reason)
    return [ImportedRecord(model=model._meta.label, object_id=r.pk, created=False,
                           previous_version=r.previous_version, version=r.version) for r in records]


def _transition(result: RowResult, outcome: WriteOutcome, *, user, reason: str) -> None:
    record = result.instance
    try:
        with transaction.atomic():
            services.record_transition(record=record, to=result.lifecycle, user=user, reason=reason)
    except ValidationError as error:
        outcome.errors.extend((result.row, "lifecycle", message) for message in error.messages)
        record.refresh_from_db(fields=["lifecycle", "version"])


def write_rows(*, context: BatchContext, results: list[RowResult], batch: ImportBatch | None, user=None,
               reason: str = "", published_sources: set[int] | None = None) -> WriteOutcome:
    """Write the valid rows of one checked chunk, atomically; report rows refused at write time."""
    outcome = WriteOutcome()
    creates = [result for result in results if result.action == "create"]
    updates = [result for result in results if result.action == "update"]
    now = timezone.now()
    with transaction.atomic():
        _publish_evidence(creates, user=user, reason=reason, published=published_sources
                          if published_sources is not None else set())
        touched = _create(context, creates, user=user, reason=reason, now=now) if creates else []
        touched += _update(context, updates, outcome, user=user, reason=reason, now=now) if updates else []
        if batch is not None:
            for item in touched:
                item.batch = batch
            ImportedRecord.objects.bulk_create(touched, batch_size=WRITE_BATCH_SIZE)
    outcome.created = len(creates)
    outcome.updated = sum(1 for item in touched if not item.created)
    return outcome

