"""Images and before/after pairs in the curators' workspace.

A new image is uploaded on its own add page (the file is checked, copied
without metadata and stored by ``media_services.media_upload``); the pages of
sites, artefacts, damage reports and interventions list their images inline,
where captions and credits can be corrected and an image archived.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from registry import images, media_services
from registry.models import MEDIA_TARGETS, MediaItem, MediaPair

from .base import RecordAdmin, RecordAdminForm, RecordInlineMixin, change_reason, list_select

DESCRIPTION_FIELDS = ["kind", "caption", "credit", "licence", "taken", "taken_by", "source"]
SATELLITE_FIELDS = ["acquired", "provider"]


class MediaItemAdminForm(RecordAdminForm):
    file = forms.FileField(
        label=_("Image file"),
        required=False,
        help_text=_(
            "JPEG, PNG, WebP or TIFF. Every embedded tag (EXIF, GPS position, XMP) is removed "
            "from the "
            "stored copies; a thumbnail and a web size are made from it."
        ),
    )

    class Meta:
        model = MediaItem
        fields = "__all__"

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if self.instance.pk is None:
            if upload is None:
                raise forms.ValidationError(_("Choose the image to upload."))
            try:
                images.process_upload(
                    upload
                )  # checked now, so that the error shows beside the field
            except forms.ValidationError as error:
                raise forms.ValidationError(error.message_dict["file"]) from None
            upload.seek(0)
        return upload


def preview(item: MediaItem) -> str:
    if not item.thumbnail:
        return "—"
    return format_html(
        '<a href="{}"><img src="{}" width="{}" height="{}" alt="{}"></a>',
        item.web_image.url,
        item.thumbnail.url,
        min(item.thumbnail_width, 160),
        round(item.thumbnail_height * min(item.thumbnail_width, 160) / item.thumbnail_width),
        item.caption,
    )


@admin.register(MediaItem)
class MediaItemAdmin(RecordAdmin):
    form = MediaItemAdminForm
    list_display = [
        "thumbnail_preview",
        "caption",
        "kind",
        "target_display",
        "licence",
        "lifecycle",
        "updated_at",
    ]
    list_filter = ["lifecycle", "kind", "licence", "submitted_by"]
    list_select_related = list_select(MediaItem, *MEDIA_TARGETS)
    search_fields = [
        "caption",
        "credit",
        "slug",
        "site__name",
        "artefact__name",
        "damage_report__title",
        "intervention__title",
    ]
    autocomplete_fields = ["taken_by", "source", "provider", *MEDIA_TARGETS]
    readonly_fields = [
        *RecordAdmin.readonly_fields,
        "thumbnail_preview",
        "dimensions",
        "original_sha256",
    ]

    def get_fieldsets(self, request, obj=None):
        # The file only on upload; afterwards its preview, since a file is never replaced.
        first = ["file"] if obj is None else ["thumbnail_preview", "dimensions"]
        return [
            (None, {"fields": first + DESCRIPTION_FIELDS}),
            (
                _("Shows"),
                {
                    "fields": list(MEDIA_TARGETS),
                    "description": _("Exactly one: the record the image is about."),
                },
            ),
            (_("Satellite image"), {"classes": ["collapse"], "fields": SATELLITE_FIELDS}),
            self.record_fieldset,
            (_("Change"), {"fields": self.trailing_form_fields()}),
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        # An image stays with the record it shows; its file is never replaced.
        return [*readonly, *MEDIA_TARGETS] if obj is not None else readonly

    @admin.display(description=_("preview"))
    def thumbnail_preview(self, obj):
        return preview(obj)

    @admin.display(description=_("size"))
    def dimensions(self, obj):
        return f"{obj.width} × {obj.height} px, {obj.content_type}" if obj.width else "—"

    @admin.display(description=_("shows"))
    def target_display(self, obj):
        return obj.target

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        fields = {
            name: form.cleaned_data[name]
            for name in [*DESCRIPTION_FIELDS, *SATELLITE_FIELDS, "slug"]
            if name in form.cleaned_data
        }
        target = next(
            form.cleaned_data[name] for name in MEDIA_TARGETS if form.cleaned_data.get(name)
        )
        saved = media_services.media_upload(
            file=form.cleaned_data["file"],
            fields=fields,
            target=target,
            user=request.user,
            reason=change_reason(form, _("Uploaded in the admin")),
        )
        # The admin's log entry and redirect follow the row the service saved.
        obj.pk, obj.slug, obj.version = saved.pk, saved.slug, saved.version
        obj._state.adding = False


class MediaPairAdminForm(RecordAdminForm):
    class Meta:
        model = MediaPair
        fields = "__all__"


@admin.register(MediaPair)
class MediaPairAdmin(RecordAdmin):
    form = MediaPairAdminForm
    list_display = ["title", "before", "after", "damage_event", "lifecycle", "updated_at"]
    list_select_related = list_select(MediaPair, "before", "after", "damage_event")
    search_fields = ["title", "slug", "before__caption", "after__caption"]
    autocomplete_fields = ["before", "after", "damage_event"]
    readonly_fields = [*RecordAdmin.readonly_fields, "date_warnings"]
    fieldsets = [
        (None, {"fields": ["title", "before", "after", "damage_event", "note", "date_warnings"]})
    ]

    @admin.display(description=_("warnings"))
    def date_warnings(self, obj):
        if obj.pk is None:
            return "—"
        return " ".join(str(message) for message in obj.warnings) or _(
            "None: the dates fit the event."
        )


class MediaInlineBase(RecordInlineMixin, admin.TabularInline):
    model = MediaItem
    fields = [
        "thumbnail_preview",
        "caption",
        "credit",
        "licence",
        "kind",
        "lifecycle",
        "loaded_version",
    ]
    readonly_fields = ["thumbnail_preview", "kind", "lifecycle"]
    show_change_link = True
    verbose_name_plural = _("images (upload new ones from Images › Add; removing one archives it)")

    def has_add_permission(self, request, obj=None):
        return False  # uploads need their own form, where the file is checked

    @admin.display(description=_("preview"))
    def thumbnail_preview(self, obj):
        return preview(obj)


def media_inline(target: str) -> type[admin.TabularInline]:
    """An inline of the images attached to one kind of record through ``target``."""
    return type(
        f"{target.title().replace('_', '')}MediaInline",
        (MediaInlineBase,),
        {
            "fk_name": target,
            "__module__": __name__,
        },
    )


__all__ = ["MediaItemAdmin", "MediaPairAdmin", "media_inline"]
