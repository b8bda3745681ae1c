"""Background jobs on the Celery queue (see ``heritage/celery.py``)."""

from __future__ import annotations

from celery import shared_task

from registry.importing.jobs import run_step


@shared_task(name="registry.import_step")
def import_step(step: str, batch_id: int, user_id: int | None = None) -> None:
    """Check, apply or undo one import batch (``registry.importing.jobs``)."""
    run_step(step, batch_id, user_id)


def enqueue_import_step(step: str, batch_id: int, user_id: int | None = None) -> None:
    """Queue a step once the current transaction commits, so the worker sees the batch."""
    from django.db import transaction

    transaction.on_commit(lambda: import_step.delay(step, batch_id, user_id))
