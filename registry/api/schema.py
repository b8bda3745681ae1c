"""Examples shown in the OpenAPI schema and the interactive docs."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample


class APIKeyScheme(OpenApiAuthenticationExtension):
    """Describes partner keys in the schema (registered by being defined)."""

    target_class = "registry.api.access.APIKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "`Api-Key <key>` (or send the key alone in `X-API-Key`). "
                           "Keys are issued to partner institutions by curators.",
        }

REPORT_EXAMPLES = [
    OpenApiExample(
        "Partner submits a damage report",
        request_only=True,
        description="Stored in review, attributed to the partner, until a curator publishes it.",
        value={
            "title": "Museum display cases smashed",
            "source": "sbs-2016-03-27-palmyra-retaken",
            "sites": ["palmyra-museum"],
            "occurred": "2015/2016-03",
            "cause_category": "vandalism",
            "cause_type": "breaking-smashing",
            "effects": ["cracked-broken-missing-parts"],
            "severity": "severe",
            "quantity_precision": "vague",
            "quantity_phrase": "several",
            "certainty": "medium",
            "citations": [{
                "source": "sbs-2016-03-27-palmyra-retaken",
                "quote": "several smashed display cases",
                "locator": "para. 9",
            }],
        },
    ),
]

SOURCE_EXAMPLES = [
    OpenApiExample(
        "Partner submits a source",
        request_only=True,
        value={
            "title": "Syrian troops retake Palmyra",
            "kind": "wire-report",
            "published": "2016-03-27",
            "url": "https://news.example.org/palmyra-retaken",
            "language": "en",
            "reliability": "B",
        },
    ),
]

CITATION_EXAMPLES = [
    OpenApiExample(
        "Cite a source for an existing report",
        request_only=True,
        value={
            "source": "sbs-2016-03-27-palmyra-retaken",
            "target": {"type": "damage_report", "slug": "temple-of-bel-destroyed"},
            "quote": "dynamited its ancient temples",
            "locator": "para. 4",
            "stance": "supports",
        },
    ),
]

STATUS_EXAMPLES = [
    OpenApiExample(
        "Partner reports progress on a pledge",
        request_only=True,
        value={
            "pledge": "dgam-restore-palmyra-monuments",
            "status": "in_progress",
            "date": "2017-02",
            "note": "Restoration of the Lion of Al-lat under way in Damascus.",
            "citations": [{"source": "dgam-statement-2017-02", "quote": "restoration has begun"}],
        },
    ),
]

SITE_EXAMPLE = OpenApiExample(
    "A sensitive site, as the public sees it",
    response_only=True,
    value={
        "url": "https://registry.example.org/api/v1/sites/palmyra/",
        "slug": "palmyra",
        "lifecycle": "published",
        "version": 4,
        "updated_at": "2016-04-02T09:30:00Z",
        "name": "Palmyra",
        "names": [{"name": "تدمر", "language": "ar", "name_type": "toponym"}],
        "kind": "archaeological-site",
        "country": "SY",
        "latitude": 34.6,
        "longitude": 38.3,
        "coordinates_coarsened": True,
    },
)
