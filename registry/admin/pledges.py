"""Restoration pledges, their status over time, and work actually done."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from registry import services
from registry.models import Intervention, PledgeParty, PledgeStatusChange, RestorationPledge

from .base import RecordAdmin, RecordAdminForm, citation_inline, list_select
from .media import media_inline


class PledgeStatusChangeInline(admin.TabularInline):
    """The pledge's status history. A change needs its evidence, so it is added on its own page."""

    model = PledgeStatusChange
    fields = ["status", "date", "note", "lifecycle"]
    readonly_fields = fields
    show_change_link = True
    extra = 0
    can_delete = False
    verbose_name_plural = _("status history (add a change on its own page, with its evidence)")

    def has_add_permission(self, request, obj=None):
        return False


class PledgePartyInline(admin.TabularInline):
    """Everyone who takes part in the pledge, and how; saved with who and why, never removed."""

    model = PledgeParty
    fields = ["actor", "role", "amount", "note"]
    autocomplete_fields = ["actor"]
    can_delete = False
    extra = 0


class RestorationPledgeAdminForm(RecordAdminForm):
    def field_rules(self, cleaned):
        if cleaned.get("amount") is not None and not cleaned.get("currency"):
            return [("currency", _("An amount needs a currency, e.g. USD or EUR."))]
        return []


@admin.register(RestorationPledge)
class RestorationPledgeAdmin(RecordAdmin):
    form = RestorationPledgeAdminForm
    list_display = ["title", "pledger", "action", "pledged", "target", "status", "lifecycle", "updated_at"]
    list_filter = ["lifecycle", "status", "action", "submitted_by"]
    list_select_related = list_select(RestorationPledge, "pledger", "action")
    search_fields = [
        "title", "slug", "pledger__name", "pledger__names__name", "beneficiary__name", "beneficiary__names__name",
        "sites__name", "sites__names__name", "artefacts__name", "artefacts__names__name",
    ]
    autocomplete_fields = ["pledger", "beneficiary", "action", "sites", "artefacts"]
    readonly_fields = [*RecordAdmin.readonly_fields, "status", "record_status_change"]
    fieldsets = [
        (None, {"fields": ["title", "pledger", "beneficiary", "action", "sites", "artefacts", "pledged", "target",
                           "status", "record_status_change"]}),
        (_("Amount and conditions"), {
            "classes": ["collapse"], "fields": ["amount", "currency", "conditions", "description"],
        }),
    ]
    inlines = [PledgePartyInline, PledgeStatusChangeInline, citation_inline("pledge")]

    @admin.display(description=_("new status"))
    def record_status_change(self, obj):
        if obj is None or obj.pk is None:
            return _("Save the pledge first; then record its status changes, each with its evidence.")
        add = reverse(f"{self.admin_site.name}:registry_pledgestatuschange_add")
        return format_html('<a href="{}?pledge={}">{}</a>', add, obj.pk, _("Record a status change, with its evidence"))


@admin.register(PledgeStatusChange)
class PledgeStatusChangeAdmin(RecordAdmin):
    list_display = ["__str__", "pledge", "status", "date", "lifecycle", "updated_at"]
    list_filter = ["lifecycle", "status", "submitted_by"]
    list_select_related = list_select(PledgeStatusChange, "pledge")
    search_fields = ["slug", "pledge__title", "pledge__slug", "note"]
    autocomplete_fields = ["pledge"]
    fieldsets = [(None, {"fields": ["pledge", "status", "date", "note"]})]
    inlines = [citation_inline("pledge_status")]

    def save_related(self, request, form, formsets, change):
        # The pledge's status follows its latest published change (see pledge_refresh_status).
        super().save_related(request, form, formsets, change)
        services.pledge_refresh_status(pledge=form.instance.pledge, user=request.user)


@admin.register(Intervention)
class InterventionAdmin(RecordAdmin):
    list_display = ["title", "kind", "performed_by", "date", "lifecycle", "updated_at"]
    list_filter = ["lifecycle", "kind", "submitted_by"]
    list_select_related = list_select(Intervention, "kind", "performed_by")
    search_fields = [
        "title", "slug", "performed_by__name", "performed_by__names__name", "sites__name", "sites__names__name",
        "artefacts__name", "artefacts__names__name",
    ]
    autocomplete_fields = ["kind", "performed_by", "sites", "artefacts", "pledges"]
    fieldsets = [
        (None, {"fields": ["title", "kind", "sites", "artefacts", "performed_by", "date", "pledges",
                           "claim_status", "severity_after", "extent_after"]}),
        (_("Description"), {"classes": ["collapse"], "fields": ["description"]}),
    ]
    inlines = [citation_inline("intervention"), media_inline("intervention")]
