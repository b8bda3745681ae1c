"""The images section of a record's public page: gallery, before/after pairs, IIIF link."""

from __future__ import annotations

from django import template
from django.urls import reverse

from registry.models import DamageEvent
from registry.models.media import public_gallery

register = template.Library()

MANIFEST_KINDS = {
    "heritagesite": "sites",
    "artefact": "artefacts",
    "damagereport": "damage-reports",
    "intervention": "interventions",
}


@register.inclusion_tag("registry/includes/media.html")
def media_section(record):
    """Everything the page shows of ``record``'s images, as ``public_gallery`` decides."""
    gallery = public_gallery(record)
    kind = MANIFEST_KINDS.get(record._meta.model_name)
    manifest = (
        reverse("api:iiif-manifest", kwargs={"kind": kind, "slug": record.slug})
        if kind and gallery.items
        else ""
    )
    return {"gallery": gallery, "manifest": manifest, "is_event": isinstance(record, DamageEvent)}
