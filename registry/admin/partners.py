"""Partner institutions and their API keys. Keys are revoked, never deleted."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from registry import services
from registry.models import APIKey, PartnerInstitution

from .base import ChangeReasonForm, HistoryAdmin


def _adopt(obj: models.Model, saved: models.Model) -> None:
    """Give the admin's unsaved ``obj`` the row a service created.

    The admin goes on to log and redirect with the object it built from the
    form, so it must become the saved row.
    """
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


class PartnerAddForm(ChangeReasonForm):
    def clean_name(self):
        # partner_create derives the slug and the service account's name from the name.
        name = self.cleaned_data["name"]
        if PartnerInstitution.objects.filter(slug=slugify(name)).exists():
            raise forms.ValidationError(_("A partner with a name this close already exists."))
        return name


class APIKeyInline(admin.TabularInline):
    model = APIKey
    fields = ["prefix", "label", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    show_change_link = True
    extra = 0
    can_delete = False
    verbose_name_plural = _("API keys (create and revoke them under API keys)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PartnerInstitution)
class PartnerInstitutionAdmin(HistoryAdmin):
    list_display = ["name", "slug", "contact_email", "actor", "is_active", "created_at"]
    list_filter = ["is_active"]
    list_select_related = ["actor"]
    search_fields = ["name", "slug", "contact_email"]
    autocomplete_fields = ["actor"]
    inlines = [APIKeyInline]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["name", "contact_email", "actor", "change_reason"]})]
        return [
            (None, {"fields": ["name", "contact_email", "actor", "is_active"]}),
            (_("Account"), {"classes": ["collapse"], "fields": ["slug", "account", "created_at"]}),
            (_("Change"), {"fields": ["change_reason"]}),
        ]

    def get_inlines(self, request, obj):
        # A new partner has no keys yet; they are created under API keys once it exists.
        return self.inlines if obj is not None else []

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = PartnerAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # The slug names the service account; changing it would orphan that account.
        return ["slug", "account", "created_at"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        partner = services.partner_create(
            name=form.cleaned_data["name"], contact_email=form.cleaned_data.get("contact_email", ""),
            actor=form.cleaned_data.get("actor"), user=request.user,
        )
        _adopt(obj, partner)

    def has_delete_permission(self, request, obj=None):
        # Records keep pointing at the partner that submitted them: deactivate instead.
        return False


class RevokedFilter(admin.SimpleListFilter):
    title = _("revoked")
    parameter_name = "revoked"

    def lookups(self, request, model_admin):
        return [("yes", _("Revoked")), ("no", _("In use"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(revoked_at__isnull=self.value() == "no")
        return queryset


@admin.action(description=_("Revoke selected keys"), permissions=["revoke"])
def revoke_keys(modeladmin, request, queryset):
    keys = list(queryset.filter(revoked_at__isnull=True))
    for key in keys:
        services.api_key_revoke(key=key, user=request.user)
    modeladmin.message_user(request, _("Revoked %(count)d key(s).") % {"count": len(keys)}, messages.SUCCESS)


@admin.register(APIKey)
class APIKeyAdmin(HistoryAdmin):
    list_display = ["prefix", "institution", "label", "created_at", "created_by", "last_used_at", "revoked_at"]
    list_filter = [RevokedFilter, "institution"]
    list_select_related = ["institution", "created_by"]
    search_fields = ["prefix", "label", "institution__name"]
    autocomplete_fields = ["institution"]
    actions = [revoke_keys]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["institution", "label"]})]
        return [
            (None, {"fields": ["institution", "label", "prefix"]}),
            (_("Use"), {"fields": ["created_at", "created_by", "last_used_at", "revoked_at"]}),
            (_("Change"), {"fields": ["change_reason"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["institution", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        key, raw = services.api_key_create(
            institution=form.cleaned_data["institution"], label=form.cleaned_data["label"], user=request.user,
        )
        _adopt(obj, key)
        messages.warning(request, _(
            "The new key is %(raw)s — copy it now: only its digest is stored, and it will not be shown again."
        ) % {"raw": raw})

    def has_revoke_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    def has_delete_permission(self, request, obj=None):
        return False


__all__ = ["APIKeyAdmin", "PartnerInstitutionAdmin"]
