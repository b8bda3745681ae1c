"""Vocabulary terms, heritage sites and the artefacts recorded at them."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry import services
from registry.models import (
    Artefact, ArtefactName, Designation, ExternalIdentifier, HeritageSite, SiteName, Term,
)

from .base import HistoryAdmin, RecordAdmin, RecordAdminForm, citation_inline, list_select
from .media import media_inline
from .search import IndexedSearchMixin


@admin.action(description=_("Deactivate selected terms (kept on old records)"), permissions=["change"])
def deactivate_terms(modeladmin, request, queryset):
    for term in queryset.filter(is_active=True):
        term.is_active = False
        services.history_save(instance=term, user=request.user, reason=str(_("Deactivated")))


@admin.register(Term)
class TermAdmin(HistoryAdmin):
    list_display = ["label", "vocabulary", "slug", "label_ar", "aat_uri", "is_active"]
    list_filter = ["vocabulary", "is_active"]
    search_fields = ["label", "label_ar", "slug"]
    autocomplete_fields = ["broader"]
    list_select_related = False
    actions = [deactivate_terms]
    fieldsets = [
        (None, {"fields": ["vocabulary", "label", "label_ar", "slug", "broader", "is_active"]}),
        (_("Scope and mapping"), {"classes": ["collapse"], "fields": ["description", "aat_uri"]}),
    ]
    readonly_fields = ["updated_at"]

    def has_delete_permission(self, request, obj=None):
        # Records point at terms; a term that is no longer wanted is deactivated.
        return False


class PartInline(admin.TabularInline):
    """Parts of a record (names, designations, identifiers): corrected in place, never removed.

    Each edit is saved with who and why (``HistoryAdmin.save_formset``), and the
    part's own history keeps every earlier value.
    """

    can_delete = False
    extra = 0


class NameInline(PartInline):
    fields = ["name", "language", "name_type"]
    extra = 1


class SiteNameInline(NameInline):
    model = SiteName


class ArtefactNameInline(NameInline):
    model = ArtefactName


class DesignationInline(PartInline):
    """A listing that ends is given an “until” date rather than removed."""

    model = Designation
    fields = ["kind", "reference", "since", "until", "note"]
    autocomplete_fields = ["kind"]


class SiteIdentifierInline(PartInline):
    model = ExternalIdentifier
    fk_name = "site"
    fields = ["scheme", "value"]


class ArtefactIdentifierInline(SiteIdentifierInline):
    fk_name = "artefact"


class ArtefactAtSiteInline(admin.TabularInline):
    """The site's artefacts, for overview; each is edited on its own page."""

    model = Artefact
    fk_name = "site"
    fields = ["name", "kind", "is_group", "quantity_display", "lifecycle"]
    readonly_fields = fields
    show_change_link = True
    extra = 0
    can_delete = False
    verbose_name_plural = _("artefacts at this site")

    def quantity_display(self, obj):
        return obj.quantity_display if obj.is_group else ""

    quantity_display.short_description = _("how many")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("kind")


class HeritageSiteAdminForm(RecordAdminForm):
    def field_rules(self, cleaned):
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if latitude is not None and longitude is None:
            return [("longitude", _("Give the longitude too, or clear the latitude."))]
        if longitude is not None and latitude is None:
            return [("latitude", _("Give the latitude too, or clear the longitude."))]
        return []


def quantity_rules(cleaned) -> list[tuple[str, str]]:
    """The rules of a quantity (see ``Quantified``), reported on the field to fill in."""
    precision = cleaned.get("quantity_precision")
    if precision == "exact" and cleaned.get("quantity") is None:
        return [("quantity", _("An exact quantity needs a number."))]
    if precision == "vague" and not cleaned.get("quantity_phrase"):
        return [("quantity_phrase", _("A vague quantity needs the source's wording, e.g. “several”."))]
    return []


class QuantityAdminForm(RecordAdminForm):
    def field_rules(self, cleaned):
        return quantity_rules(cleaned)


@admin.register(HeritageSite)
class HeritageSiteAdmin(IndexedSearchMixin, RecordAdmin):
    form = HeritageSiteAdminForm
    list_display = ["name", "kind", "country", "lifecycle", "updated_at"]
    list_filter = ["lifecycle", "kind", "country", "is_sensitive", "submitted_by"]
    list_select_related = list_select(HeritageSite, "kind")
    # Searched by IndexedSearchMixin: every name, the description, slug or identifier.
    search_fields = ["name"]
    identifier_field = "site"
    autocomplete_fields = ["kind", "parent"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "country", "parent", "description"]}),
        (_("Location"), {"fields": ["latitude", "longitude", "location_certainty", "is_sensitive"]}),
    ]
    inlines = [
        SiteNameInline, DesignationInline, SiteIdentifierInline, ArtefactAtSiteInline,
        citation_inline("site"), media_inline("site"),
    ]


@admin.register(Artefact)
class ArtefactAdmin(IndexedSearchMixin, RecordAdmin):
    form = QuantityAdminForm
    list_display = ["name", "site", "kind", "is_movable", "is_group", "lifecycle", "updated_at"]
    list_filter = ["lifecycle", "kind", "is_movable", "is_group", "site__country", "submitted_by"]
    list_select_related = list_select(Artefact, "site", "kind")
    # Searched by IndexedSearchMixin: every name of the artefact and its site, slug, identifier.
    search_fields = ["name"]
    search_options = {"public": False}
    identifier_field = "artefact"
    autocomplete_fields = ["site", "kind", "parent", "materials"]
    fieldsets = [
        (None, {"fields": ["name", "site", "kind", "parent", "is_movable", "made", "materials", "description"]}),
        (_("Group of objects"), {
            "classes": ["collapse"],
            "fields": ["is_group", "quantity", "quantity_precision", "quantity_phrase"],
        }),
    ]
    inlines = [ArtefactNameInline, ArtefactIdentifierInline, citation_inline("artefact"), media_inline("artefact")]


__all__ = ["ArtefactAdmin", "HeritageSiteAdmin", "QuantityAdminForm", "TermAdmin", "quantity_rules"]
