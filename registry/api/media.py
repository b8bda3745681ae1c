"""Images and before/after pairs in the partner API: /api/v1/media/ and /api/v1/media-pairs/.

Partners upload images as ``multipart/form-data`` (the file in ``file``, the
record it shows in one of ``site``, ``artefact``, ``damage_report`` or
``intervention``); the upload waits in review like every submission.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers, status
from .parsers import StrictJSONParser, StrictMultiPartParser

from registry import filters as registry_filters
from registry import media_services
from registry.models import (
    MEDIA_TARGETS,
    Actor,
    Artefact,
    DamageEvent,
    DamageReport,
    HeritageSite,
    Intervention,
    MediaItem,
    MediaPair,
    Source,
)

from .access import reads_everything, visible
from .base import RecordViewSet
from .fields import DayKeyField, RecordSlugField
from .iiif import manifest_url
from .serializers import RECORD_FIELDS, RecordSerializer, detail_url

TARGET_MODELS = {
    "site": HeritageSite,
    "artefact": Artefact,
    "damage_report": DamageReport,
    "intervention": Intervention,
}
# Slack for the form fields and multipart boundaries around the file itself.
MULTIPART_OVERHEAD = 256 * 1024


class FileTooLarge(exceptions.ValidationError):
    """A 413 that, like a 400, names the field: the file."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE


def file_url(request, name: str) -> str:
    url = default_storage.url(name)
    return request.build_absolute_uri(url) if request is not None and url.startswith("/") else url


COPY_SCHEMA = {
    "type": "object",
    "properties": {
        "url": {"type": "string", "format": "uri"},
        "width": {"type": "integer"},
        "height": {"type": "integer"},
        "content_type": {"type": "string"},
    },
}


@extend_schema_field(
    {
        "type": "object",
        "readOnly": True,
        "properties": {"full": COPY_SCHEMA, "web": COPY_SCHEMA, "thumbnail": COPY_SCHEMA},
        "description": "The stored copies: full size, web size and thumbnail, "
        "all without embedded metadata.",
    }
)
class CopiesField(serializers.ReadOnlyField):
    def get_attribute(self, instance):
        return instance

    def to_representation(self, item):
        request = self.context.get("request")
        return {
            "full": {
                "url": file_url(request, item.image.name),
                "width": item.width,
                "height": item.height,
                "content_type": item.content_type,
            },
            "web": {
                "url": file_url(request, item.web_image.name),
                "width": item.web_width,
                "height": item.web_height,
                "content_type": item.content_type,
            },
            "thumbnail": {
                "url": file_url(request, item.thumbnail.name),
                "width": item.thumbnail_width,
                "height": item.thumbnail_height,
                "content_type": item.content_type,
            },
        }


@extend_schema_field(
    {
        "type": "object",
        "readOnly": True,
        "nullable": True,
        "properties": {
            "type": {"type": "string", "enum": list(MEDIA_TARGETS)},
            "slug": {"type": "string"},
        },
    }
)
class MediaTargetField(serializers.ReadOnlyField):
    def get_attribute(self, instance):
        return instance

    def to_representation(self, item):
        name = item.target_field
        return {"type": name, "slug": getattr(item, name).slug} if name else None


def target_slug_field(name: str) -> RecordSlugField:
    model = TARGET_MODELS[name]
    return RecordSlugField(
        model,
        required=False,
        write_only=True,
        help_text=(
            f"On creation: slug of the {model._meta.verbose_name} the image shows; "
            f"give exactly one of "
            f"{', '.join(MEDIA_TARGETS)}."
        ),
    )


class MediaSerializer(RecordSerializer):
    url = detail_url("media")
    file = serializers.FileField(
        write_only=True,
        required=False,
        allow_empty_file=True,
        use_url=False,
        help_text="The image (JPEG, PNG, WebP or TIFF), on creation only. "
        "Its type is read from its bytes; "
        "every embedded tag (EXIF, GPS, XMP) is dropped from the stored copies.",
    )
    target = MediaTargetField(help_text="The record the image is attached to.")
    site = target_slug_field("site")
    artefact = target_slug_field("artefact")
    damage_report = target_slug_field("damage_report")
    intervention = target_slug_field("intervention")
    taken_by = RecordSlugField(Actor, required=False, allow_null=True)
    source = RecordSlugField(Source, required=False, allow_null=True)
    provider = RecordSlugField(Actor, required=False, allow_null=True)
    taken_lower, taken_upper = DayKeyField(), DayKeyField()
    acquired_lower, acquired_upper = DayKeyField(), DayKeyField()
    copies = CopiesField()
    iiif_manifest = serializers.SerializerMethodField(
        help_text="IIIF Presentation 3 manifest of the record's images."
    )

    class Meta(RecordSerializer.Meta):
        model = MediaItem
        fields = [
            *RECORD_FIELDS,
            "kind",
            "file",
            "target",
            *MEDIA_TARGETS,
            "caption",
            "credit",
            "licence",
            "taken",
            "taken_lower",
            "taken_upper",
            "taken_by",
            "source",
            "acquired",
            "acquired_lower",
            "acquired_upper",
            "provider",
            "copies",
            "iiif_manifest",
        ]

    def get_iiif_manifest(self, item) -> str | None:
        target = item.target
        return manifest_url(self.context.get("request"), target) if target is not None else None

    def validate(self, attrs):
        attrs = super().validate(attrs)
        targets = [name for name in MEDIA_TARGETS if attrs.get(name) is not None]
        if self.instance is None:
            if len(targets) != 1:
                raise serializers.ValidationError(
                    {
                        "target": _("Give exactly one of %(fields)s: the record the image shows.")
                        % {"fields": ", ".join(MEDIA_TARGETS)}
                    }
                )
            if attrs.get("file") is None:
                raise serializers.ValidationError({"file": _("Send the image in this field.")})
        else:
            if "file" in attrs:
                raise serializers.ValidationError(
                    {
                        "file": _(
                            "An image's file cannot be replaced; "
                            "upload a new image and archive this one."
                        )
                    }
                )
            if targets:
                raise serializers.ValidationError(
                    {
                        targets[0]: _(
                            "An image stays with the record it shows; "
                            "upload it anew for another one."
                        )
                    }
                )
        return attrs


class MediaFilter(registry_filters.RecordFilterSet):
    kind = filters.ChoiceFilter(choices=MediaItem.Kind.choices)
    site = filters.CharFilter(field_name="site__slug", label="Site (slug)")
    artefact = filters.CharFilter(field_name="artefact__slug", label="Artefact (slug)")
    damage_report = filters.CharFilter(
        field_name="damage_report__slug", label="Damage report (slug)"
    )
    intervention = filters.CharFilter(field_name="intervention__slug", label="Intervention (slug)")
    licence = filters.CharFilter(
        field_name="licence", lookup_expr="iexact", label="Licence (SPDX identifier)"
    )

    class Meta:
        model = MediaItem
        fields = [
            "q",
            "kind",
            "site",
            "artefact",
            "damage_report",
            "intervention",
            "licence",
            "updated_since",
        ]

    def search(self, queryset, name, value):
        return queryset.filter(caption__icontains=value) if value else queryset


class MediaViewSet(RecordViewSet):
    """Images of sites, artefacts, damage reports and interventions; partners upload for review."""

    model = MediaItem
    serializer_class = MediaSerializer
    filterset_class = MediaFilter
    select = ("taken_by", "provider", "source", *MEDIA_TARGETS)
    partner_writable = True
    parser_classes = [StrictMultiPartParser, StrictJSONParser]

    def initial(self, request, *args, **kwargs):
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.MEDIA_UPLOAD_MAX_BYTES
        if length.isdigit() and int(length) > limit + MULTIPART_OVERHEAD:
            raise FileTooLarge(
                {
                    "file": [
                        _(
                            "The request is %(size)d bytes; an image may have at most %(limit)d "
                            "bytes."
                        )
                        % {"size": int(length), "limit": limit}
                    ]
                }
            )
        # The body limit of other endpoints does not apply: it counts the file.
        super(RecordViewSet, self).initial(request, *args, **kwargs)

    def create_record(self, data: dict, *, partner):
        file = data.pop("file")
        target = next(data.pop(name) for name in MEDIA_TARGETS if data.get(name) is not None)
        for name in MEDIA_TARGETS:
            data.pop(name, None)
        if partner is not None:
            return media_services.media_submit(
                file=file, fields=data, target=target, submitted_by=partner, user=self.request.user
            )
        return media_services.media_upload(
            file=file, fields=data, target=target, user=self.request.user
        )


class MediaPairSerializer(RecordSerializer):
    url = detail_url("media-pair")
    before = RecordSlugField(MediaItem, help_text="Slug of the earlier image.")
    after = RecordSlugField(MediaItem, help_text="Slug of the later image, of the same record.")
    damage_event = RecordSlugField(
        DamageEvent,
        required=False,
        allow_null=True,
        help_text="The event compared; the images' dates are checked against its date.",
    )
    warnings = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=(
            "What a reader must know, e.g. that the “after” image predates the damage event."
        ),
    )

    class Meta(RecordSerializer.Meta):
        model = MediaPair
        fields = [*RECORD_FIELDS, "title", "before", "after", "damage_event", "note", "warnings"]


class MediaPairFilter(registry_filters.RecordFilterSet):
    damage_event = filters.CharFilter(field_name="damage_event__slug", label="Damage event (slug)")

    class Meta:
        model = MediaPair
        fields = ["q", "damage_event", "updated_since"]

    def search(self, queryset, name, value):
        return queryset.filter(title__icontains=value) if value else queryset


class MediaPairViewSet(RecordViewSet):
    """Before/after pairs of images of one record, with warnings about their dates."""

    model = MediaPair
    serializer_class = MediaPairSerializer
    filterset_class = MediaPairFilter
    select = ("before", "after", "damage_event")

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.method in ("GET", "HEAD", "OPTIONS") and not reads_everything(self.request):
            # A pair is shown only when the caller may see both of its images.
            images = visible(MediaItem.objects.all(), self.request).values("pk")
            queryset = queryset.filter(before__in=images, after__in=images)
        return queryset
