"""Old versions and the review log of a record, in its admin pages.

Restoring an old version writes its values as a new version through
``services.record_restore``: the version check, the validation and the
history apply as to any edit, the lifecycle stays as it is, nothing is
deleted. simple-history's own revert stays off (see ``HistoryAdmin``).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import services
from registry.models import Lifecycle, LifecycleMove


class RestoreForm(forms.Form):
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    change_reason = forms.CharField(
        label=gettext_lazy("Reason for this change"), required=False, max_length=100
    )
    public_note = forms.CharField(
        label=gettext_lazy("Public note (optional)"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("Shown in the record's public history."),
    )


def _display(record, field, value) -> str:
    if value in (None, ""):
        return "—"
    if field.is_relation:
        return str(field.related_model._default_manager.filter(pk=value).first() or value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


class VersionsMixin:
    """For ``RecordAdmin``: a "Restore" link on each old version, and the review log."""

    history_list_display = ["restore"]

    def restore(self, version) -> str:
        url = reverse(
            f"{self.admin_site.name}:registry_{self.opts.model_name}_restore",
            args=[version.id, version.history_id],
        )
        return format_html('<a href="{}">{}</a>', url, _("Restore this version"))

    def get_urls(self):
        name = f"registry_{self.opts.model_name}_restore"
        return [
            path(
                "<int:object_id>/history/<int:history_id>/restore/",
                self.admin_site.admin_view(self.restore_view),
                name=name,
            ),
            *super().get_urls(),
        ]

    def restore_view(self, request, object_id: int, history_id: int):
        record = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_change_permission(request, record):
            raise PermissionDenied
        version = get_object_or_404(self.model.history.filter(id=record.pk), history_id=history_id)
        change_url = reverse(
            f"{self.admin_site.name}:registry_{self.opts.model_name}_change", args=[record.pk]
        )
        form = RestoreForm(request.POST or None, initial={"loaded_version": record.version})
        if request.method == "POST" and form.is_valid():
            try:
                services.record_restore(
                    record=record,
                    version=version,
                    user=request.user,
                    expected_version=form.cleaned_data["loaded_version"],
                    reason=form.cleaned_data["change_reason"],
                    public_note=form.cleaned_data["public_note"],
                )
            except (ValidationError, services.StaleVersionError) as error:
                detail = (
                    "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                )
                self.message_user(
                    request,
                    _("Nothing was restored: %(detail)s") % {"detail": detail},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    _("Version %(old)s is restored as version %(new)s.")
                    % {"old": version.version, "new": record.version},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
        changes = [
            (
                field.verbose_name,
                _display(record, field, getattr(record, field.attname)),
                _display(record, field, getattr(version, field.attname)),
            )
            for field in services.restorable_fields(self.model)
            if getattr(record, field.attname) != getattr(version, field.attname)
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "object": record,
            "version": version,
            "changes": changes,
            "form": form,
            "change_url": change_url,
            "title": _("Restore version %(version)s") % {"version": version.version},
        }
        return TemplateResponse(request, "admin/registry/restore_version.html", context)

    # The review log, on the change form

    def review_log(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "—"
        moves = (
            LifecycleMove.objects.for_record(obj)
            .select_related("moved_by", "partner")
            .newest_first()[:20]
        )
        if not moves:
            return _("No move yet.")
        rows = format_html_join(
            "",
            "<li>{} — {} → {}, {}{}</li>",
            (
                (
                    move.moved_at.strftime("%Y-%m-%d %H:%M"),
                    move.get_from_state_display(),
                    move.get_to_state_display(),
                    move.partner or move.moved_by or _("the registry"),
                    f": {move.reason}" if move.reason else "",
                )
                for move in moves
            ),
        )
        return format_html('<ul class="review-log">{}</ul>', rows)

    review_log.short_description = gettext_lazy("review log")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            record = self.get_object(request, object_id)
            if record is not None and record.lifecycle == Lifecycle.DRAFT:
                last = LifecycleMove.objects.for_record(record).newest_first().first()
                if last is not None and last.is_return:
                    self.message_user(
                        request,
                        _("Returned from review on %(date)s: %(reason)s")
                        % {"date": last.moved_at.strftime("%Y-%m-%d"), "reason": last.reason},
                        messages.WARNING,
                    )
        return super().change_view(request, object_id, form_url, extra_context)
