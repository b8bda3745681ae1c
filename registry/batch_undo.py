"""Undoing a whole import: nothing that existed before it is deleted.

Records the import created are archived (they leave every public view, their
rows and history stay), in bulk, with one history entry each. Records it
changed get back the values they had before, through ``services.record_update``
(version check, validation, history), unless someone changed them again since:
those are left as they are and reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import condition_entries, services
from registry.batch_write import WRITE_BATCH_SIZE, _history
from registry.models import DamageReport, ImportBatch, ImportedRecord, Lifecycle, Record, Source

CHUNK = 2000
# Fields a revert leaves alone: bookkeeping kept by record_save itself.
KEEP_FIELDS = {
    "id",
    "slug",
    "version",
    "created_at",
    "updated_at",
    "published_at",
    "submitted_by",
    "lifecycle",
}


@dataclass
class UndoOutcome:
    archived: int = 0
    reverted: int = 0
    conflicts: list[str] = field(default_factory=list)


def archive_in_bulk(
    *,
    model: type[Record],
    pks: list[int] | None = None,
    first: int = 0,
    last: int = -1,
    user=None,
    reason: str = "",
) -> int:
    """Archive many records at once (``pks``, or the ids ``first``…``last``), as record_archive does."""
    now, done = timezone.now(), 0
    if pks is not None:
        ranges = [
            model._default_manager.filter(pk__in=pks[i : i + CHUNK])
            for i in range(0, len(pks), CHUNK)
        ]
    else:
        ranges = [
            model._default_manager.filter(pk__gte=start, pk__lte=min(last, start + CHUNK - 1))
            for start in range(first, last + 1, CHUNK)
        ]
    for queryset in ranges:
        with transaction.atomic():
            records = list(queryset.select_for_update().exclude(lifecycle=Lifecycle.ARCHIVED))
            for record in records:
                record.lifecycle, record.version, record.updated_at = (
                    Lifecycle.ARCHIVED,
                    record.version + 1,
                    now,
                )
            model._default_manager.bulk_update(
                records, ["lifecycle", "version", "updated_at"], batch_size=WRITE_BATCH_SIZE
            )
            _history(model, records, user=user, reason=reason, now=now, update=True)
            # Past the signals that keep the condition entries (``condition_entries``).
            if model is DamageReport:
                condition_entries.refresh([record.pk for record in records])
            elif model is Source:
                condition_entries.refresh(DamageReport.objects.filter(source__in=records))
            done += len(records)
    return done


def _values_before(model, before) -> tuple[dict, dict]:
    """A historical version's field values and many-to-many ids, as record_update takes them."""
    fields = {
        f.attname: getattr(before, f.attname)
        for f in model._meta.concrete_fields
        if f.name not in KEEP_FIELDS and not f.name.endswith(("_lower", "_upper")) and not f.generated
    }
    m2m = {
        f.name: list(
            getattr(before, f.name).values_list(f.m2m_reverse_field_name() + "_id", flat=True)
        )
        for f in getattr(before, "_history_m2m_fields", [])
    }
    return fields, m2m


def _revert(item: ImportedRecord, *, user, reason: str, outcome: UndoOutcome) -> None:
    model = apps.get_model(item.model)
    record = model._default_manager.filter(pk=item.object_id).first()
    if record is None:
        return
    if record.version != item.version:
        outcome.conflicts.append(
            _("%(record)s was changed again after the import (version %(version)s); left as it is.")
            % {"record": record, "version": record.version}
        )
        return
    before = record.history.filter(version=item.previous_version).order_by("-history_date").first()
    if before is None:
        outcome.conflicts.append(
            _("%(record)s has no history of its version before the import.") % {"record": record}
        )
        return
    fields, m2m = _values_before(model, before)
    try:
        with transaction.atomic():
            services.record_update(
                record=record,
                fields=fields,
                m2m=m2m,
                user=user,
                reason=reason,
                expected_version=item.version,
            )
            if before.lifecycle != record.lifecycle:
                services.record_transition(
                    record=record, to=before.lifecycle, user=user, reason=reason
                )
    except (ValidationError, services.StaleVersionError) as error:
        detail = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        outcome.conflicts.append(f"{record}: {detail}")
    else:
        outcome.reverted += 1


def batch_undo(*, batch: ImportBatch, user=None, progress=None) -> UndoOutcome:
    """Take back everything ``batch`` wrote; ``progress(done)`` is called as it goes."""
    reason = _("Undo of import #%(id)s") % {"id": batch.pk}
    outcome = UndoOutcome()
    done = 0
    for item in batch.records.filter(created=False).iterator(chunk_size=CHUNK):
        _revert(item, user=user, reason=reason, outcome=outcome)
        done += 1
        if progress and done % 500 == 0:
            progress(done)
    for run in batch.records.filter(created=True).iterator(chunk_size=CHUNK):
        outcome.archived += archive_in_bulk(
            model=apps.get_model(run.model),
            first=run.object_id,
            last=run.last_object_id,
            user=user,
            reason=reason,
        )
        done += run.count
        if progress:
            progress(done)
    return outcome
