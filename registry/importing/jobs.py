"""The three steps of an import, each run in the background on the job queue.

1. ``check_batch`` reads the file in chunks and validates every row; it writes
   nothing but the batch's counts, its preview and the problems found.
2. ``apply_batch``, once the curator confirms, reads the file again, checks
   each chunk again (the registry may have changed since) and writes the valid
   rows; rows that fail are reported, the others are kept.
3. ``undo_batch`` takes back everything the batch wrote.

Progress is saved on the batch after each chunk, so the admin's progress bar
and the management command can follow it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import workflow
from registry.batch import BatchContext, RowResult, validate_rows
from registry.batch_undo import batch_undo
from registry.batch_write import write_rows
from registry.models import ImportBatch, ImportIssue

from .columns import SPECS
from .files import FileProblem, chunked, count_rows, file_format, read_rows

logger = logging.getLogger(__name__)
CHUNK_SIZE = 2000
PREVIEW_ROWS = 50
Progress = Callable[[ImportBatch], None]
S = ImportBatch.Status


def _rows(batch: ImportBatch):
    spec = SPECS[batch.record_type]
    required = [c.name for c in spec.columns if c.required]
    return read_rows(
        Path(batch.file.path),
        file_format(batch.original_name),
        known=spec.header,
        required=required,
    )


def _save(batch: ImportBatch, *fields: str) -> None:
    """A change of step: saved with its history entry."""
    batch.save(update_fields=[*fields, "updated_at"])


def _progress(batch: ImportBatch, *fields: str) -> None:
    """Progress within a step: written straight to the row, without a history entry per chunk."""
    batch.updated_at = timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(
        **{name: getattr(batch, name) for name in (*fields, "updated_at")}
    )


def _preview_row(result: RowResult) -> dict:
    record = result.instance
    cites = result.action == "update" and result.citation is not None
    return {
        "row": result.row,
        "action": result.action,
        "record": str(record),
        "slug": record.slug,
        "changes": [*result.changed, *(["citation_source"] if cites else [])],
    }


def _issues(batch: ImportBatch, results: list[RowResult]) -> list[ImportIssue]:
    return [
        ImportIssue(batch=batch, row=result.row, column=column, message=message)
        for result in results
        for column, message in result.errors
    ]


def _run(
    batch: ImportBatch, step: Callable[[BatchContext, list], None], progress: Progress | None,
    user=None,
) -> None:
    context = BatchContext(SPECS[batch.record_type], may_publish=workflow.publishes_own_work(user))
    for chunk in chunked(_rows(batch), CHUNK_SIZE):
        step(context, chunk)
        batch.rows_done += len(chunk)
        _progress(
            batch,
            "rows_done",
            "rows_invalid",
            "to_create",
            "to_update",
            "unchanged",
            "created_count",
            "updated_count",
            "preview",
        )
        if progress:
            progress(batch)


def _fail(batch: ImportBatch, message: str, status: str = S.FAILED) -> None:
    batch.status, batch.message = status, message
    _save(batch, "status", "message")


def _start(batch: ImportBatch, status: str) -> None:
    batch.status, batch.rows_done, batch.message = status, 0, ""
    batch.rows_total = count_rows(Path(batch.file.path), file_format(batch.original_name))
    ImportIssue.objects.filter(batch=batch).delete()
    _save(batch, "status", "rows_done", "rows_total", "message")


def check_batch(batch: ImportBatch, *, progress: Progress | None = None) -> ImportBatch:
    """Validate every row; write nothing but what the preview shows."""
    _start(batch, S.VALIDATING)
    batch.rows_invalid = batch.to_create = batch.to_update = batch.unchanged = 0
    batch.preview = []

    def step(context: BatchContext, chunk: list) -> None:
        results = validate_rows(context=context, rows=chunk)
        ImportIssue.objects.bulk_create(_issues(batch, results), batch_size=1000)
        for result in results:
            if result.errors:
                batch.rows_invalid += 1
            elif result.action == "create":
                batch.to_create += 1
            elif result.action == "update":
                batch.to_update += 1
            else:
                batch.unchanged += 1
            if not result.errors and len(batch.preview) < PREVIEW_ROWS:
                batch.preview.append(_preview_row(result))

    try:
        _run(batch, step, progress, user=batch.created_by)
    except FileProblem as problem:
        _fail(batch, str(problem))
        return batch
    batch.status = S.VALIDATED
    _save(batch, "status")
    return batch


def apply_batch(batch: ImportBatch, *, user=None, progress: Progress | None = None) -> ImportBatch:
    """Write the rows that pass the checks; report every one that does not."""
    _start(batch, S.APPLYING)
    batch.rows_invalid = batch.created_count = batch.updated_count = 0
    reason = _("Import #%(id)s (%(name)s)") % {"id": batch.pk, "name": batch.original_name}
    published: set[int] = set()

    def step(context: BatchContext, chunk: list) -> None:
        results = validate_rows(context=context, rows=chunk)
        outcome = write_rows(
            context=context,
            results=results,
            batch=batch,
            user=user,
            reason=reason,
            published_sources=published,
        )
        issues = _issues(batch, results) + [
            ImportIssue(batch=batch, row=row, column=column, message=message)
            for row, column, message in outcome.errors
        ]
        ImportIssue.objects.bulk_create(issues, batch_size=1000)
        batch.rows_invalid += len({issue.row for issue in issues})
        batch.created_count += outcome.created
        batch.updated_count += outcome.updated

    try:
        _run(batch, step, progress, user=user)
    except FileProblem as problem:
        _fail(batch, str(problem))
        return batch
    batch.status, batch.applied_at = S.APPLIED, timezone.now()
    _save(batch, "status", "applied_at")
    return batch


def undo_batch(batch: ImportBatch, *, user=None, progress: Progress | None = None) -> ImportBatch:
    batch.status, batch.rows_done = S.UNDOING, 0
    batch.rows_total = batch.records.aggregate(
        total=Coalesce(Sum(F("last_object_id") - F("object_id") + 1), 0)
    )["total"]
    _save(batch, "status", "rows_done", "rows_total")

    def report(done: int) -> None:
        batch.rows_done = done
        _progress(batch, "rows_done")
        if progress:
            progress(batch)

    outcome = batch_undo(batch=batch, user=user, progress=report)
    batch.status, batch.undone_at, batch.rows_done = S.UNDONE, timezone.now(), batch.rows_total
    batch.message = "\n".join(
        [
            _("Archived %(archived)s created records; restored %(reverted)s changed records.")
            % {"archived": outcome.archived, "reverted": outcome.reverted},
            *outcome.conflicts,
        ]
    )
    _save(batch, "status", "undone_at", "rows_done", "message")
    return batch


STEPS = {"check": check_batch, "apply": apply_batch, "undo": undo_batch}


def run_step(step: str, batch_id: int, user_id: int | None = None) -> None:
    """Entry point of the background job: run one step, record a crash on the batch."""
    from django.contrib.auth import get_user_model

    batch = ImportBatch.objects.get(pk=batch_id)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        if step == "check":
            check_batch(batch)
        else:
            STEPS[step](batch, user=user)
    except Exception as error:  # the batch must not stay "running" forever
        logger.exception("Import %s failed during %s", batch_id, step)
        _fail(
            ImportBatch.objects.get(pk=batch_id),
            _("The import stopped: %(error)s") % {"error": error},
        )
        raise
