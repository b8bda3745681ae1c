"""Spreadsheet imports: one batch per uploaded file, its row errors and what it wrote.

A batch is validated in the background, shown to the curator as a preview, and
written only once confirmed. Every record it created or changed is listed in
``ImportedRecord``, so that the whole batch can be undone later: records it
created are archived, records it changed get their previous values back.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ImportFileStorage(FileSystemStorage):
    """Uploaded import files, kept apart from public media, in settings.IMPORTS_DIR.

    The directory is read from the settings on each use (not once at start-up),
    so a test or a deployment that changes IMPORTS_DIR is followed.
    """

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.IMPORTS_DIR)

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def import_file_storage() -> FileSystemStorage:
    return ImportFileStorage()


class ImportBatch(models.Model):
    class RecordType(models.TextChoices):
        SITES = "sites", _("Heritage sites")
        ARTEFACTS = "artefacts", _("Artefacts")
        SOURCES = "sources", _("Sources")
        DAMAGE_EVENTS = "damage_events", _("Damage events")
        DAMAGE_REPORTS = "damage_reports", _("Damage reports")
        PLEDGES = "pledges", _("Restoration pledges")
        CITATIONS = "citations", _("Citations")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be checked")
        VALIDATING = "validating", _("Checking rows")
        VALIDATED = "validated", _("Checked: waiting for confirmation")
        APPLYING = "applying", _("Writing records")
        APPLIED = "applied", _("Imported")
        UNDOING = "undoing", _("Undoing")
        UNDONE = "undone", _("Undone")
        FAILED = "failed", _("Failed")

    record_type = models.CharField(_("kind of record"), max_length=20, choices=RecordType.choices)
    file = models.FileField(
        _("file"), upload_to="%Y/%m/", storage=import_file_storage, max_length=300
    )
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    applied_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    rows_invalid = models.PositiveIntegerField(_("rows with errors"), default=0)
    to_create = models.PositiveIntegerField(_("records to create"), default=0)
    to_update = models.PositiveIntegerField(_("records to change"), default=0)
    unchanged = models.PositiveIntegerField(_("rows already up to date"), default=0)
    created_count = models.PositiveIntegerField(_("records created"), default=0)
    updated_count = models.PositiveIntegerField(_("records changed"), default=0)
    message = models.TextField(_("message"), blank=True)
    preview = models.JSONField(
        _("preview"),
        default=list,
        blank=True,
        editable=False,
        help_text=_("The first rows as they will be written; shown before confirmation only."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_record_type_display()}: {self.original_name} (#{self.pk})"

    def get_absolute_url(self) -> str:
        return reverse("admin:registry_importbatch_change", args=[self.pk])

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status in (self.Status.VALIDATED, self.Status.APPLIED) else 0
        return min(100, round(100 * self.rows_done / self.rows_total))

    @property
    def is_running(self) -> bool:
        return self.status in (
            self.Status.QUEUED,
            self.Status.VALIDATING,
            self.Status.APPLYING,
            self.Status.UNDOING,
        )


class ImportIssue(models.Model):
    """One problem in one cell (or row) of an imported file."""

    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="issues", verbose_name=_("import")
    )
    row = models.PositiveIntegerField(
        _("row"), help_text=_("Row number in the file; the header is row 1.")
    )
    column = models.CharField(_("column"), max_length=80, blank=True)
    message = models.TextField(_("problem"))

    class Meta:
        verbose_name = _("import problem")
        verbose_name_plural = _("import problems")
        ordering = ["batch", "row", "pk"]
        indexes = [models.Index(fields=["batch", "row"], name="import_issue_row_idx")]

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class ImportedRecord(models.Model):
    """Records an import created (a run of consecutive ids), or one record it changed.

    A chunk of new records takes its ids from the table's sequence at once, so
    they mostly form one run: one row here stands for the whole run.
    """

    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="records", verbose_name=_("import")
    )
    model = models.CharField(_("kind of record"), max_length=60)
    object_id = models.BigIntegerField(_("record id"), help_text=_("The first id of the run."))
    last_object_id = models.BigIntegerField(
        _("last record id"), help_text=_("The last id of the run.")
    )
    created = models.BooleanField(_("created by the import"))
    previous_version = models.PositiveIntegerField(
        _("version before the import"), null=True, blank=True
    )
    version = models.PositiveIntegerField(_("version written by the import"))

    class Meta:
        verbose_name = _("imported record")
        verbose_name_plural = _("imported records")
        ordering = ["batch", "pk"]
        indexes = [
            models.Index(fields=["batch", "model", "created"], name="imported_record_batch_idx")
        ]

    def __str__(self) -> str:
        if self.last_object_id != self.object_id:
            return f"{self.model} {self.object_id}–{self.last_object_id}"
        return f"{self.model} {self.object_id}"

    @property
    def count(self) -> int:
        return self.last_object_id - self.object_id + 1
