"""Actors, sources, and the citations that tie a source to a claim."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.models import CITATION_TARGETS, Actor, ActorName, Citation, Source

from .base import RecordAdmin, RecordAdminForm, list_select
from .places import NameInline


class ActorNameInline(NameInline):
    model = ActorName


@admin.register(Actor)
class ActorAdmin(RecordAdmin):
    list_display = ["name", "kind", "affiliation", "role", "country", "lifecycle", "updated_at"]
    list_filter = ["lifecycle", "kind", "country", "submitted_by"]
    list_select_related = list_select(Actor, "affiliation")
    search_fields = ["name", "names__name", "slug", "role", "affiliation__name", "affiliation__names__name"]
    autocomplete_fields = ["affiliation"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "affiliation", "role", "country"]}),
        (_("More"), {"classes": ["collapse"], "fields": ["description", "website"]}),
    ]
    inlines = [ActorNameInline]


class SourceCitationInline(admin.TabularInline):
    """What this source is cited for; each citation is edited on its own page or on its claim."""

    model = Citation
    fk_name = "source"
    fields = ["quote", "locator", "stance", "lifecycle"]
    readonly_fields = fields
    show_change_link = True
    extra = 0
    can_delete = False
    verbose_name_plural = _("cited for")

    def has_add_permission(self, request, obj=None):
        return False


class SourceAdminForm(RecordAdminForm):
    def field_rules(self, cleaned):
        if cleaned.get("archive_url") and not cleaned.get("url"):
            return [("url", _("An archived copy needs the original URL too."))]
        return []


@admin.register(Source)
class SourceAdmin(RecordAdmin):
    form = SourceAdminForm
    list_display = ["title", "kind", "publisher", "published", "reliability", "lifecycle", "updated_at"]
    list_filter = ["lifecycle", "kind", "reliability", "language", "submitted_by"]
    list_select_related = list_select(Source, "kind", "publisher")
    search_fields = [
        "title", "slug", "url", "publisher__name", "publisher__names__name", "author__name", "author__names__name",
    ]
    autocomplete_fields = ["kind", "publisher", "author", "relays"]
    fieldsets = [
        (None, {"fields": ["title", "kind", "publisher", "author", "published", "url", "language", "reliability"]}),
        (_("Archive and provenance"), {
            "classes": ["collapse"], "fields": ["accessed_on", "archive_url", "relays", "description"],
        }),
    ]
    inlines = [SourceCitationInline]


@admin.register(Citation)
class CitationAdmin(RecordAdmin):
    list_display = ["__str__", "target_display", "stance", "locator", "lifecycle", "updated_at"]
    list_filter = ["lifecycle", "stance", "submitted_by"]
    list_select_related = list_select(
        Citation, "source", *CITATION_TARGETS, "attribution__actor", "attribution__damage_event",
    )
    search_fields = ["quote", "slug", "source__title", "note", "speaker__name", "speaker__names__name"]
    autocomplete_fields = ["source", "speaker", *CITATION_TARGETS]
    fieldsets = [
        (None, {"fields": ["source", "quote", "locator", "speaker", "stance", "note"]}),
        (_("Cited for (exactly one)"), {"fields": list(CITATION_TARGETS)}),
    ]

    @admin.display(description=_("cited for"))
    def target_display(self, obj):
        target = obj.target
        return f"{target._meta.verbose_name}: {target}" if target is not None else "—"
