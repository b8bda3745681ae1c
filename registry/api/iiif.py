"""IIIF Presentation 3 manifests of a record's images, for viewers such as Mirador.

/api/v1/iiif/<kind>/<slug>/manifest.json, where kind is sites, artefacts,
damage-reports or interventions. One canvas per image the caller may see, in
the images' date order, each painted with the full-size copy and carrying the
credit, the licence and the date. Served with ``Access-Control-Allow-Origin: *``,
since viewers fetch manifests from other sites. See
https://iiif.io/api/presentation/3.0/.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.models import Artefact, DamageReport, HeritageSite, Intervention, MediaItem
from registry.licences import creative_commons_uri
from registry.selectors.visibility import may_see

from .access import AUTHENTICATION_CLASSES, visible
from .errors import JSONErrorsMixin
from .schema import RegistryAutoSchema

CONTEXT = "http://iiif.io/api/presentation/3/context.json"
KINDS = {
    "sites": HeritageSite,
    "artefacts": Artefact,
    "damage-reports": DamageReport,
    "interventions": Intervention,
}
API_BASENAMES = {
    HeritageSite: "site",
    Artefact: "artefact",
    DamageReport: "damage-report",
    Intervention: "intervention",
}


class IIIFRenderer(JSONRenderer):
    media_type = f'application/ld+json;profile="{CONTEXT}"'
    format = "iiif"


def manifest_url(request, record) -> str:
    kind = next(name for name, model in KINDS.items() if isinstance(record, model))
    path = reverse("api:iiif-manifest", kwargs={"kind": kind, "slug": record.slug})
    return request.build_absolute_uri(path) if request is not None else path


def _absolute(request, name: str) -> str:
    url = default_storage.url(name)
    return request.build_absolute_uri(url) if url.startswith("/") else url


def _text(value: str, language: str = "none") -> dict:
    return {language: [value]}


def _entry(label: str, value: str) -> dict:
    return {"label": _text(label, "en"), "value": _text(value)}


def _metadata(item: MediaItem) -> list[dict]:
    entries = [
        _entry("Kind", item.get_kind_display()),
        _entry("Credit", item.credit),
        _entry("Licence", item.licence),
    ]
    if item.taken:
        entries.append(_entry("Date taken (EDTF)", item.taken))
    if item.taken_by_id and may_see(item.taken_by):
        entries.append(_entry("Taken by", item.taken_by.name))
    if item.acquired:
        entries.append(_entry("Acquisition date (EDTF)", item.acquired))
    if item.provider_id and may_see(item.provider):
        entries.append(_entry("Imagery provider", item.provider.name))
    if item.source_id and may_see(item.source):
        entries.append(_entry("Source", item.source.title))
    return entries


def canvas(request, base: str, item: MediaItem) -> dict:
    canvas_id = f"{base}/canvas/{item.slug}"
    result = {
        "id": canvas_id,
        "type": "Canvas",
        "label": _text(item.caption),
        "width": item.width,
        "height": item.height,
        "metadata": _metadata(item),
        "requiredStatement": _entry("Credit", item.credit),
        "thumbnail": [
            {
                "id": _absolute(request, item.thumbnail.name),
                "type": "Image",
                "format": item.content_type,
                "width": item.thumbnail_width,
                "height": item.thumbnail_height,
            }
        ],
        "items": [
            {
                "id": f"{canvas_id}/page",
                "type": "AnnotationPage",
                "items": [
                    {
                        "id": f"{canvas_id}/page/painting",
                        "type": "Annotation",
                        "motivation": "painting",
                        "target": canvas_id,
                        "body": {
                            "id": _absolute(request, item.image.name),
                            "type": "Image",
                            "format": item.content_type,
                            "width": item.width,
                            "height": item.height,
                        },
                    }
                ],
            }
        ],
    }
    rights = creative_commons_uri(item.licence)
    if rights:
        result["rights"] = rights
    return result


def manifest(request, record, items: list[MediaItem]) -> dict:
    base = manifest_url(request, record).removesuffix("/manifest.json")
    name = getattr(record, "name", None) or record.title
    return {
        "@context": CONTEXT,
        "id": f"{base}/manifest.json",
        "type": "Manifest",
        "label": _text(f"Images of {name}", "en"),
        "summary": _text(f"{len(items)} image(s) recorded in the heritage damage registry.", "en"),
        "homepage": [
            {
                "id": request.build_absolute_uri(record.get_absolute_url()),
                "type": "Text",
                "label": _text(name, "en"),
                "format": "text/html",
            }
        ],
        "seeAlso": [
            {
                "id": request.build_absolute_uri(
                    reverse(
                        f"api:{API_BASENAMES[type(record)]}-detail", kwargs={"slug": record.slug}
                    )
                ),
                "type": "Dataset",
                "format": "application/json",
            }
        ],
        "items": [canvas(request, base, item) for item in items],
    }


class ManifestView(JSONErrorsMixin, APIView):
    authentication_classes = AUTHENTICATION_CLASSES
    renderer_classes = [IIIFRenderer]
    schema = RegistryAutoSchema()

    def perform_content_negotiation(self, request, force=False):
        # Viewers ask for application/json, application/ld+json or anything: all get the manifest.
        renderer = IIIFRenderer()
        return renderer, renderer.media_type

    @extend_schema(
        summary="IIIF Presentation 3 manifest of a record's images",
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(KINDS))
        ],
        responses={(200, IIIFRenderer.media_type): OpenApiTypes.OBJECT},
    )
    def get(self, request, kind: str, slug: str):
        model = KINDS.get(kind)
        if model is None:
            raise Http404
        record = visible(model._default_manager.filter(slug=slug), request).first()
        if record is None:
            raise Http404
        items = list(
            visible(MediaItem.objects.for_target(record), request).select_related(
                "taken_by", "provider", "source"
            )
        )
        response = Response(manifest(request, record, items))
        response["Access-Control-Allow-Origin"] = "*"
        return response
