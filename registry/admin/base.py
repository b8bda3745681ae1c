"""What every registry admin shares: writes through services, history, archive-not-delete.

A curator's save, inline save, lifecycle action or "delete" all end in
``registry.services``, so the admin keeps exactly the rules the API and the
seed loader keep, and every change lands in the history with who and why.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.widgets import AdminURLFieldWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from registry import services, workflow
from registry.models import Citation, Lifecycle, Record

from .versions import VersionsMixin
from .paginator import EstimatedCountPaginator

# Addresses typed without a scheme are taken as https:// (Django 6's default, chosen now).
URL_FORMFIELD = {models.URLField: {"widget": AdminURLFieldWidget, "assume_scheme": "https"}}

RECORD_READONLY_FIELDS = ("lifecycle", "version", "created_at", "updated_at", "published_at", "submitted_by")


class ChangeReasonForm(forms.ModelForm):
    """A model form with the optional "reason for this change" kept in the history."""

    change_reason = forms.CharField(
        label=_("Reason for this change"), required=False, max_length=100,
        help_text=_("Shown in the history next to your name, e.g. “corrected date from second source”."),
    )


class VersionCheckMixin:
    """Carries the version the record had when the form was loaded.

    If someone else saved the record since, ``clean()`` refuses the form: the
    curator sees the error above what they typed, and nothing is written.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["loaded_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        expected = cleaned.get("loaded_version")
        if self.instance.pk is not None and expected is not None:
            current = type(self.instance)._default_manager.filter(pk=self.instance.pk).values_list(
                "version", flat=True).first()
            if current is not None and current != expected:
                raise ValidationError(str(services.StaleVersionError(
                    record=self.instance, expected=expected, current=current)), code="stale")
        return cleaned


class RecordAdminForm(VersionCheckMixin, ChangeReasonForm):
    """The change form of a record: version check, change reason, optional slug.

    ``field_rules`` lets a model's form report a rule that spans two fields
    (kept in the database as a constraint) on the field the curator must fix,
    instead of above the form.
    """

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    public_note = forms.CharField(
        label=_("Public note (optional)"), required=False, max_length=300,
        help_text=_("Shown to the public in the record's history, beside this change; "
                    "the reason above is not."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = _("Leave empty to make one from the name or title.")

    def clean(self):
        cleaned = super().clean()
        for name, message in self.field_rules(cleaned):
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
        return cleaned

    def field_rules(self, cleaned: dict) -> list[tuple[str, str]]:
        """(field, message) for each broken rule; none by default."""
        return []


class RecordInlineForm(VersionCheckMixin, forms.ModelForm):
    """An inline row that is itself a record keeps the same stale-edit check.

    The check applies to every row on the page, changed or not: the admin
    compares what was posted with the stored row, so a row someone else changed
    meanwhile would look changed and be written back with the old values.
    """

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def change_reason(form: forms.Form | None, default: str) -> str:
    reason = (form.cleaned_data.get("change_reason") or "").strip() if form is not None else ""
    return reason or str(default)


class HistoryAdmin(SimpleHistoryAdmin):
    """History shows who, when and why; reverting from it is off.

    A revert would write an old version back past the lifecycle rules and the
    version check; a curator who wants old values back edits the record.
    """

    form = ChangeReasonForm
    formfield_overrides = URL_FORMFIELD

    def revert_disabled(self, request, obj=None):
        return True

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A save that loses the race with another curator's, after the form's own
        version check passed, rolls back (the view is atomic) and says so."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.StaleVersionError as error:
            self.message_user(request, _(
                "Nothing was saved: %(error)s The form below shows the newest version."
            ) % {"error": error}, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        names = {name for _title, options in fieldsets for name in options["fields"]}
        extra = [name for name in self.trailing_form_fields() if name not in names]
        if extra:
            fieldsets.append((_("Change"), {"fields": extra}))
        return fieldsets

    def trailing_form_fields(self) -> list[str]:
        return ["change_reason"]

    def save_model(self, request, obj, form, change):
        services.history_save(instance=obj, user=request.user, reason=change_reason(
            form, _("Changed in the admin") if change else _("Created in the admin")))

    def save_related(self, request, form, formsets, change):
        # A record's many-to-many values are written by record_save in save_model.
        if not isinstance(form.instance, Record):
            form.save_m2m()
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        """Inline rows go through services too; Record rows are archived, not deleted.

        Names, designations and identifiers are parts of the record they sit in;
        their inlines offer no "delete" (a wrong one is corrected in place, and
        its history keeps the old value), so no curator action removes a row.
        """
        reason = change_reason(form, _("Edited in the admin"))
        instances = formset.save(commit=False)
        versions = {
            id(inline_form.instance): inline_form.cleaned_data.get("loaded_version")
            for inline_form in formset.forms if hasattr(inline_form, "cleaned_data")
        }
        for obj in formset.deleted_objects:
            if not isinstance(obj, Record):
                # Only record inlines offer "delete", and for them it archives.
                raise PermissionDenied
            services.record_archive(record=obj, user=request.user, reason=reason)
        for obj in instances:
            if isinstance(obj, Record):
                self.save_inline_record(obj, request=request, reason=reason, expected_version=versions.get(id(obj)))
            else:
                services.history_save(instance=obj, user=request.user, reason=reason)
        formset.save_m2m()

    def save_inline_record(self, obj: Record, *, request, reason: str, expected_version: int | None = None) -> None:
        if isinstance(obj, Citation) and not obj.slug:
            obj.slug = services.unique_slug(model=type(obj), text=f"{obj.source.slug}-on-{obj.target.slug}")
        services.record_save(
            record=obj, user=request.user, reason=reason,
            expected_version=expected_version if obj.pk is not None else None,
        )


def _run_on_each(modeladmin, request, queryset, *, verb: str, service) -> None:
    """Apply ``service`` to each record; a refusal is reported and the others proceed."""
    done = 0
    for record in queryset:
        try:
            service(record=record, user=request.user, reason=str(verb))
        except (ValidationError, services.StaleVersionError, workflow.MoveRefused) as error:
            detail = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            modeladmin.message_user(
                request, _("“%(record)s” was not changed: %(detail)s") % {"record": record, "detail": detail},
                messages.ERROR,
            )
        else:
            done += 1
    if done:
        modeladmin.message_user(request, ngettext(
            "%(verb)s: %(count)d record.", "%(verb)s: %(count)d records.", done,
        ) % {"verb": verb, "count": done}, messages.SUCCESS)


@admin.action(description=_("Submit selected for review"), permissions=["change"])
def submit_for_review(modeladmin, request, queryset):
    _run_on_each(modeladmin, request, queryset, verb=_("Submitted for review"),
                 service=services.record_submit_for_review)


@admin.action(description=_("Publish selected"), permissions=["change"])
def publish(modeladmin, request, queryset):
    _run_on_each(modeladmin, request, queryset, verb=_("Published"), service=services.record_publish)


@admin.action(description=_("Retract selected"), permissions=["change"])
def retract(modeladmin, request, queryset):
    _run_on_each(modeladmin, request, queryset, verb=_("Retracted"), service=services.record_retract)


@admin.action(description=_("Archive selected (nothing is deleted)"), permissions=["change"])
def archive(modeladmin, request, queryset):
    _run_on_each(modeladmin, request, queryset, verb=_("Archived"), service=services.record_archive)


def _to_draft(*, record, user, reason):
    return services.record_transition(record=record, to=Lifecycle.DRAFT, user=user, reason=reason)


@admin.action(description=_("Return selected to draft"), permissions=["change"])
def return_to_draft(modeladmin, request, queryset):
    _run_on_each(modeladmin, request, queryset, verb=_("Returned to draft"), service=_to_draft)


class RecordAdmin(VersionsMixin, HistoryAdmin):
    """Admin of a lifecycle record: versioned saves, lifecycle actions, archive on delete,
    its review log, and restoring an old version."""

    form = RecordAdminForm
    actions = [submit_for_review, publish, retract, archive, return_to_draft]
    readonly_fields = (*RECORD_READONLY_FIELDS, "review_log")
    list_filter = ["lifecycle", "submitted_by"]
    list_per_page = 50
    # "N results (M total)" would count the whole table again on every filtered page,
    # and a list of a million rows is given the planner's estimate of its length.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    delete_confirmation_template = "admin/registry/archive_confirmation.html"

    record_fieldset = (_("Record"), {
        "classes": ["collapse"],
        "fields": ["slug", *RECORD_READONLY_FIELDS, "review_log"],
    })

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if self.fieldsets and self.record_fieldset not in fieldsets:
            fieldsets.insert(-1, self.record_fieldset)
        return fieldsets

    def trailing_form_fields(self) -> list[str]:
        return ["change_reason", "public_note", "loaded_version"]

    def get_readonly_fields(self, request, obj=None):
        # Partners and public links know a record by its slug: fixed once it exists.
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "slug"] if obj is not None and "slug" not in readonly else readonly

    def get_actions(self, request):
        # "Delete selected" would archive anyway; the archive action says what happens.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        m2m = {
            field.name: form.cleaned_data[field.name]
            for field in obj._meta.many_to_many if field.name in form.cleaned_data
        }
        services.record_save(
            record=obj, user=request.user, m2m=m2m,
            reason=change_reason(form, _("Changed in the admin") if change else _("Created in the admin")),
            expected_version=form.cleaned_data.get("loaded_version") if change else None,
            public_note=(form.cleaned_data.get("public_note") or "").strip(),
        )

    def delete_model(self, request, obj):
        services.record_archive(record=obj, user=request.user, reason=str(_("Deleted in the admin: archived")))

    def delete_queryset(self, request, queryset):
        for record in queryset:
            self.delete_model(request, record)

    def get_deleted_objects(self, objs, request):
        """Archiving touches only the records themselves: list them, and nothing blocks it."""
        records = list(objs)
        return [str(record) for record in records], {self.opts.verbose_name_plural: len(records)}, set(), []

    def log_deletions(self, request, queryset):
        for record in queryset:
            self.log_change(request, record, str(_("Archived")))

    def response_delete(self, request, obj_display, obj_id):
        if IS_POPUP_VAR in request.POST:
            return super().response_delete(request, obj_display, obj_id)
        self.message_user(request, _(
            "“%(record)s” was archived: it no longer appears in public, and it stays in the registry "
            "with its history."
        ) % {"record": obj_display}, messages.SUCCESS)
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist", current_app=self.admin_site.name)
        url = add_preserved_filters(
            {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}, url)
        return HttpResponseRedirect(url)


class RecordInlineMixin:
    """Inline rows that are Records: created as drafts, published with their claim.

    Removing one archives it (see ``HistoryAdmin.save_formset``); an edit made
    on a stale page is refused like any other.
    """

    form = RecordInlineForm
    readonly_fields = ("lifecycle",)
    extra = 0


class CitationInlineBase(RecordInlineMixin, admin.TabularInline):
    fields = ("source", "quote", "locator", "speaker", "stance", "lifecycle", "loaded_version")
    autocomplete_fields = ("source", "speaker")
    verbose_name_plural = _("citations (removing one archives it)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source", "speaker")


def citation_inline(target: str) -> type[admin.TabularInline]:
    """An inline of the citations backing one kind of record, linked through ``target``."""
    return type(f"{target.title().replace('_', '')}CitationInline", (CitationInlineBase,), {
        "model": Citation, "fk_name": target, "__module__": __name__,
    })


def list_select(model: type[models.Model], *names: str) -> list[str]:
    """``list_select_related`` checked against the model, so a renamed field fails loudly."""
    for name in names:
        model._meta.get_field(name.split("__")[0])
    return list(names)


__all__ = [
    "HistoryAdmin", "Lifecycle", "RecordAdmin", "RecordAdminForm", "RecordInlineForm", "RecordInlineMixin", "archive",
    "change_reason", "citation_inline", "list_select", "publish", "retract", "submit_for_review",
]
