"""Imports from spreadsheets, blank templates, and CSV/XLSX export of any admin list.

An upload becomes an ``ImportBatch``; the job queue checks it, the curator
reads the preview and the problems found, confirms, and the job queue writes
it. The batch page follows each step with a progress bar, and offers to undo
the whole import once written.
"""

from __future__ import annotations

import tempfile

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from registry.importing.columns import SPECS
from registry.importing.exports import export_header, export_rows
from registry.importing.files import FileProblem, check_content, csv_lines, file_format, write_xlsx
from registry.importing.templates import template_csv, template_workbook
from registry.models import ImportBatch
from registry.tasks import enqueue_import_step

S = ImportBatch.Status
SHOWN_PROBLEMS = 200


class ImportUploadForm(forms.ModelForm):
    class Meta:
        model = ImportBatch
        fields = ["record_type", "file"]
        help_texts = {
            "file": _(
                "A .csv (UTF-8) or .xlsx file whose first row names the columns, as in the template."
            )
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            check_content(upload, file_format(upload.name))
        except FileProblem as problem:
            raise forms.ValidationError(str(problem)) from None
        return upload


def progress_data(batch: ImportBatch) -> dict:
    return {
        "status": batch.status,
        "status_label": str(batch.get_status_display()),
        "running": batch.is_running,
        "percent": batch.progress_percent,
        "rows_total": batch.rows_total,
        "rows_done": batch.rows_done,
        "rows_invalid": batch.rows_invalid,
        "to_create": batch.to_create,
        "to_update": batch.to_update,
        "created": batch.created_count,
        "updated": batch.updated_count,
        "message": batch.message,
    }


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "record_type",
        "status",
        "progress",
        "rows_total",
        "rows_invalid",
        "created_count",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "record_type"]
    list_select_related = ["created_by"]
    search_fields = ["original_name"]
    form = ImportUploadForm
    add_form_template = "admin/registry/importbatch/add_form.html"

    @admin.display(description=_("progress"))
    def progress(self, batch: ImportBatch) -> str:
        return f"{batch.progress_percent} %"

    def has_delete_permission(self, request, obj=None):
        return False  # a batch is part of the history of the records it wrote

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/progress/", view(self.progress_view), name="registry_importbatch_progress"
            ),
            path(
                "<int:pk>/confirm/",
                view(require_POST(self.confirm_view)),
                name="registry_importbatch_confirm",
            ),
            path(
                "<int:pk>/undo/",
                view(require_POST(self.undo_view)),
                name="registry_importbatch_undo",
            ),
            path(
                "<int:pk>/problems.csv",
                view(self.problems_view),
                name="registry_importbatch_problems",
            ),
            path(
                "template/<str:record_type>.<str:fmt>",
                view(self.template_view),
                name="registry_importbatch_template",
            ),
            *super().get_urls(),
        ]

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        obj.created_by = request.user
        obj.original_name = form.cleaned_data["file"].name[:255]
        obj.save()
        enqueue_import_step("check", obj.pk, request.user.pk)

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request,
            _("The file is being checked; nothing is written until you confirm."),
            messages.INFO,
        )
        return HttpResponseRedirect(reverse("admin:registry_importbatch_change", args=[obj.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        batch = get_object_or_404(ImportBatch, pk=object_id)
        if not self.has_view_permission(request, batch):
            raise PermissionDenied
        problems = list(batch.issues.all()[:SHOWN_PROBLEMS])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "batch": batch,
            "title": str(batch),
            "problems": problems,
            "more_problems": batch.issues.count() > len(problems),
            "spec": SPECS[batch.record_type],
            "progress": progress_data(batch),
            "can_confirm": batch.status == S.VALIDATED
            and self.has_change_permission(request, batch),
            "can_undo": batch.status == S.APPLIED and self.has_change_permission(request, batch),
        }
        return TemplateResponse(request, "admin/registry/importbatch/detail.html", context)

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "record_types": ImportBatch.RecordType.choices}
        return super().add_view(request, form_url, extra_context)

    def progress_view(self, request, pk: int):
        batch = get_object_or_404(ImportBatch, pk=pk)
        if not self.has_view_permission(request, batch):
            raise PermissionDenied
        return JsonResponse(progress_data(batch))

    def _step(self, request, pk: int, *, step: str, allowed: str, status: str, done: str):
        batch = get_object_or_404(ImportBatch, pk=pk)
        if not self.has_change_permission(request, batch):
            raise PermissionDenied
        # One request moves the batch on; a second click finds it no longer waiting.
        moved = ImportBatch.objects.filter(pk=pk, status=allowed).update(status=status, rows_done=0)
        if moved:
            enqueue_import_step(step, batch.pk, request.user.pk)
            self.message_user(request, done, messages.SUCCESS)
        else:
            self.message_user(
                request,
                _("This import cannot do that now (it is “%(status)s”).")
                % {"status": batch.get_status_display()},
                messages.ERROR,
            )
        return HttpResponseRedirect(reverse("admin:registry_importbatch_change", args=[pk]))

    def confirm_view(self, request, pk: int):
        return self._step(
            request,
            pk,
            step="apply",
            allowed=S.VALIDATED,
            status=S.APPLYING,
            done=_("Import confirmed: the records are being written."),
        )

    def undo_view(self, request, pk: int):
        return self._step(
            request,
            pk,
            step="undo",
            allowed=S.APPLIED,
            status=S.UNDOING,
            done=_("Undoing the import: created records are archived, changed ones restored."),
        )

    def problems_view(self, request, pk: int):
        batch = get_object_or_404(ImportBatch, pk=pk)
        if not self.has_view_permission(request, batch):
            raise PermissionDenied
        rows = (
            [str(issue.row), issue.column, issue.message]
            for issue in batch.issues.iterator(chunk_size=2000)
        )
        response = StreamingHttpResponse(
            csv_lines(["row", "column", "problem"], rows), content_type="text/csv"
        )
        response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-problems.csv"'
        return response

    def template_view(self, request, record_type: str, fmt: str):
        spec = SPECS.get(record_type)
        if spec is None or fmt not in ("xlsx", "csv"):
            raise Http404
        if fmt == "csv":
            response = HttpResponse(template_csv(spec), content_type="text/csv")
        else:
            response = HttpResponse(template_workbook(spec), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{record_type}-template.{fmt}"'
        return response


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export_name(queryset, fmt: str) -> str:
    return f"{slugify(queryset.model._meta.verbose_name_plural)}.{fmt}"


@admin.action(description=_("Export selected to CSV"), permissions=["view"])
def export_csv(modeladmin, request, queryset):
    response = StreamingHttpResponse(
        csv_lines(export_header(queryset.model), export_rows(queryset)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(queryset, "csv")}"'
    return response


@admin.action(description=_("Export selected to Excel (XLSX)"), permissions=["view"])
def export_xlsx(modeladmin, request, queryset):
    # Written to a temporary file row by row, then sent: memory stays flat for long lists.
    handle = tempfile.TemporaryFile()
    write_xlsx(
        handle,
        export_header(queryset.model),
        export_rows(queryset),
        title=str(queryset.model._meta.verbose_name_plural),
    )
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=_export_name(queryset, "xlsx"), content_type=XLSX_TYPE
    )


admin.site.add_action(export_csv, "export_csv")
admin.site.add_action(export_xlsx, "export_xlsx")

__all__ = ["ImportBatchAdmin", "export_csv", "export_xlsx"]
