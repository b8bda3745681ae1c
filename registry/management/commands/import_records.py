"""Import a CSV or XLSX file of records, as the admin does, with a progress bar.

    manage.py import_records damage_reports reports.csv --user alice
    manage.py import_records sites sites.xlsx --check-only
    manage.py import_records --undo 42 --user alice

The same steps as an upload in the admin, run in this process: every row is
checked first (nothing written); the problems are listed with row and column;
then, unless ``--check-only`` or a refusal at the prompt, the valid rows are
written as one import batch, which the admin shows and can undo.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from registry.importing.files import FileProblem, check_content, file_format
from registry.importing.jobs import apply_batch, check_batch, undo_batch
from registry.models import ImportBatch

SHOWN_PROBLEMS = 50


class Command(BaseCommand):
    help = "Import sites, artefacts, sources, damage events, damage reports, pledges or citations from CSV/XLSX."

    def add_arguments(self, parser):
        parser.add_argument("record_type", nargs="?", choices=ImportBatch.RecordType.values)
        parser.add_argument("path", nargs="?", type=Path)
        parser.add_argument("--user", help="Username the history records the changes under.")
        parser.add_argument(
            "--check-only", action="store_true", help="Check every row; write nothing."
        )
        parser.add_argument(
            "--yes", action="store_true", help="Write without asking after the check."
        )
        parser.add_argument(
            "--undo", type=int, metavar="BATCH", help="Undo the import with this number."
        )

    def handle(self, *args, record_type, path, user, check_only, yes, undo, **options):
        account = self._user(user)
        if undo is not None:
            batch = ImportBatch.objects.filter(pk=undo, status=ImportBatch.Status.APPLIED).first()
            if batch is None:
                raise CommandError(f"No written import #{undo} to undo.")
            self._follow(undo_batch, batch, "Undoing", user=account)
            self.stdout.write(batch.message)
            return
        if not record_type or not path:
            raise CommandError("Give the kind of record and the file, or --undo BATCH.")
        batch = self._batch(record_type, path, account)
        self._follow(check_batch, batch, "Checking")
        self._report(batch)
        if batch.status != ImportBatch.Status.VALIDATED:
            raise CommandError(batch.message or "The file could not be checked.")
        if check_only or not (yes or self._confirm(batch)):
            self.stdout.write(
                f"Nothing written. Import #{batch.pk} stays in the admin, waiting for confirmation."
            )
            return
        self._follow(apply_batch, batch, "Importing", user=account)
        self.stdout.write(
            self.style.SUCCESS(
                f"Import #{batch.pk}: {batch.created_count} created, {batch.updated_count} changed, "
                f"{batch.rows_invalid} rows left out."
            )
        )

    def _user(self, username: str | None):
        if not username:
            return None
        account = get_user_model().objects.filter(username=username).first()
        if account is None:
            raise CommandError(f"No user named {username!r}.")
        return account

    def _batch(self, record_type: str, path: Path, account) -> ImportBatch:
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        try:
            fmt = file_format(path.name)
            with open(path, "rb") as handle:
                check_content(handle, fmt)
                return ImportBatch.objects.create(
                    record_type=record_type,
                    original_name=path.name,
                    created_by=account,
                    file=File(handle, name=path.name),
                )
        except FileProblem as problem:
            raise CommandError(str(problem)) from None

    def _follow(self, step, batch: ImportBatch, label: str, **kwargs) -> None:
        with tqdm(
            total=0, desc=label, unit=" rows", file=self.stderr._out, dynamic_ncols=True
        ) as bar:

            def progress(current: ImportBatch) -> None:
                bar.total = current.rows_total
                bar.n = current.rows_done
                bar.refresh()

            step(batch, progress=progress, **kwargs)
            progress(batch)

    def _report(self, batch: ImportBatch) -> None:
        self.stdout.write(
            f"{batch.rows_total} rows: {batch.to_create} to create, {batch.to_update} to change, "
            f"{batch.unchanged} unchanged, {batch.rows_invalid} with problems."
        )
        for issue in batch.issues.all()[:SHOWN_PROBLEMS]:
            column = f", column {issue.column}" if issue.column else ""
            self.stdout.write(f"  row {issue.row}{column}: {issue.message}")
        if batch.issues.count() > SHOWN_PROBLEMS:
            self.stdout.write(f"  … the admin lists all of them (import #{batch.pk}).")

    def _confirm(self, batch: ImportBatch) -> bool:
        answer = input(f"Write {batch.to_create + batch.to_update} records? [y/N] ")
        return answer.strip().lower() in ("y", "yes")
