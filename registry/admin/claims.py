"""Damage events, who is held responsible for them, and reports of damage."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.models import Attribution, DamageEvent, DamageReport

from .base import RecordAdmin, RecordInlineMixin, citation_inline, list_select
from .media import media_inline
from .places import QuantityAdminForm
from .search import IndexedSearchMixin

DAMAGE_FIELDS = ["cause_category", "cause_type", "effects", "severity", "extent"]


class AttributionInline(RecordInlineMixin, admin.TabularInline):
    """Who is held responsible; cite each attribution on its own page before publishing it."""

    model = Attribution
    fields = ["actor", "certainty", "note", "lifecycle", "loaded_version"]
    autocomplete_fields = ["actor"]
    show_change_link = True
    verbose_name_plural = _("attributions of responsibility (removing one archives it)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(DamageEvent)
class DamageEventAdmin(RecordAdmin):
    list_display = ["title", "occurred", "severity", "cause_category", "lifecycle", "updated_at"]
    list_filter = ["lifecycle", "severity", "extent", "cause_category", "sites__country", "submitted_by"]
    list_select_related = list_select(DamageEvent, "cause_category")
    search_fields = [
        "title", "slug", "sites__name", "sites__names__name", "artefacts__name", "artefacts__names__name",
        "attributions__actor__name", "attributions__actor__names__name",
    ]
    autocomplete_fields = ["sites", "artefacts", *DAMAGE_FIELDS[:3]]
    fieldsets = [
        (None, {"fields": ["title", "occurred", "sites", "artefacts", "description"]}),
        (_("Damage"), {"fields": DAMAGE_FIELDS}),
    ]
    inlines = [AttributionInline, citation_inline("damage_event")]


@admin.register(Attribution)
class AttributionAdmin(RecordAdmin):
    list_display = ["__str__", "certainty", "lifecycle", "updated_at"]
    list_filter = ["lifecycle", "certainty", "submitted_by"]
    list_select_related = list_select(Attribution, "actor", "damage_event")
    search_fields = ["slug", "actor__name", "actor__names__name", "damage_event__title"]
    autocomplete_fields = ["damage_event", "actor"]
    fieldsets = [(None, {"fields": ["damage_event", "actor", "certainty", "note"]})]
    inlines = [citation_inline("attribution")]


@admin.register(DamageReport)
class DamageReportAdmin(IndexedSearchMixin, RecordAdmin):
    form = QuantityAdminForm
    list_display = ["title", "source", "occurred", "severity", "claim_status", "certainty", "lifecycle", "updated_at"]
    list_filter = ["lifecycle", "claim_status", "severity", "certainty", "sites__country", "submitted_by"]
    list_select_related = list_select(DamageReport, "source")
    # Searched by IndexedSearchMixin: title, description, slug, every name of its sites and artefacts.
    search_fields = ["title"]
    search_options = {"public": False}
    autocomplete_fields = ["damage_event", "source", "sites", "artefacts", "responsible", "retracted_by",
                           *DAMAGE_FIELDS[:3]]
    fieldsets = [
        (None, {"fields": [
            "title", "source", "damage_event", "sites", "artefacts", "occurred", "observed",
            "certainty", "claim_status", "retracted_by", "responsible", "description",
        ]}),
        (_("Damage"), {"fields": DAMAGE_FIELDS}),
        (_("How many items"), {"classes": ["collapse"], "fields": ["quantity", "quantity_precision", "quantity_phrase"]}),
    ]
    inlines = [citation_inline("damage_report"), media_inline("damage_report")]
