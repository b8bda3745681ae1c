"""Writes of images: an upload is checked, copied without metadata, stored, and recorded.

Reached as ``registry.services.media_services`` as well; metadata edits,
lifecycle changes and before/after pairs use the generic record services
(``record_update``, ``record_transition``, ``record_create``), which keep the
version check and the history for images as for every record.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import images, services
from registry.models import Lifecycle, MediaItem, PartnerInstitution, Record
from registry.models.media import _target_field

FILE_FIELDS = ("image", "web_image", "thumbnail")
COPY_FIELDS = (
    *FILE_FIELDS,
    "content_type",
    "width",
    "height",
    "web_width",
    "web_height",
    "thumbnail_width",
    "thumbnail_height",
    "original_sha256",
)


def _store(processed: images.ProcessedImage) -> dict[str, str]:
    """Save the three copies under a random folder; return their storage names by field."""
    folder = f"images/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"
    copies = {
        "image": ("full", processed.full),
        "web_image": ("web", processed.web),
        "thumbnail": ("thumb", processed.thumbnail),
    }
    stored: dict[str, str] = {}
    try:
        for field, (stem, copy) in copies.items():
            stored[field] = default_storage.save(
                f"{folder}/{stem}.{copy.extension}", ContentFile(copy.data)
            )
    except Exception:
        _discard(stored.values())
        raise
    return stored


def _discard(names) -> None:
    for name in names:
        default_storage.delete(name)


def _copy_fields(processed: images.ProcessedImage) -> dict[str, Any]:
    return {
        "content_type": processed.full.content_type,
        "width": processed.full.width,
        "height": processed.full.height,
        "web_width": processed.web.width,
        "web_height": processed.web.height,
        "thumbnail_width": processed.thumbnail.width,
        "thumbnail_height": processed.thumbnail.height,
        "original_sha256": processed.original_sha256,
    }


def media_upload(
    *,
    file,
    fields: Mapping[str, Any],
    target: Record,
    user=None,
    reason: str = "",
    submitted_by: PartnerInstitution | None = None,
    lifecycle: str = Lifecycle.DRAFT,
) -> MediaItem:
    """Attach a new image to ``target`` (a site, artefact, damage report or intervention).

    Every problem, with the file or with the other fields, is reported at once
    as a ValidationError keyed by field; when there is one, no file is stored
    and no row is written.
    """
    errors: dict[str, list] = {}
    processed = None
    try:
        processed = images.process_upload(file, field="file")
    except ValidationError as error:
        errors.update(error.message_dict)
    item = MediaItem(**fields, **{_target_field(target): target})
    item.submitted_by, item.lifecycle = submitted_by, lifecycle
    if processed is not None:
        for name, value in _copy_fields(processed).items():
            setattr(item, name, value)
    try:
        item.full_clean(exclude=list(COPY_FIELDS) + ["slug"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    if not item.slug:
        item.slug = services.unique_slug(
            model=MediaItem, text=item.caption or "image", max_length=80
        )
    stored = _store(processed)
    for field, name in stored.items():
        getattr(item, field).name = name
    try:
        return services.record_save(record=item, user=user, reason=reason or _("Image uploaded"))
    except Exception:
        _discard(stored.values())
        raise


def media_submit(
    *,
    file,
    fields: Mapping[str, Any],
    target: Record,
    submitted_by: PartnerInstitution,
    user=None,
    reason: str = "",
) -> MediaItem:
    """A partner's image: in review, attributed to the institution, public once published."""
    return media_upload(
        file=file,
        fields=fields,
        target=target,
        user=user,
        submitted_by=submitted_by,
        lifecycle=Lifecycle.IN_REVIEW,
        reason=reason or _("Submitted by %(partner)s") % {"partner": submitted_by},
    )
