"""The OpenAPI schema: error answers, anonymous reads, and examples for the docs."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

ErrorSerializer = inline_serializer("Error", fields={
    "detail": serializers.CharField(help_text="A sentence for a person."),
    "errors": serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages by field; nested fields as `citations[0].source`. Empty when not about a field.",
    ),
    "current_version": serializers.IntegerField(
        required=False, help_text="Only on 409: the version now stored; fetch the record again."),
})

ERRORS = {
    "400": "Invalid input or query parameter; `errors` names each field and the problem.",
    "401": "No key where one is needed, or an invalid or revoked key.",
    "403": "The key or account may not do this.",
    "404": "No such record, or not visible to this client.",
    "406": "The requested format is not offered here.",
    "409": "The record changed since the version sent; `current_version` says which is stored.",
    "413": "The request body is larger than the server accepts.",
    "415": "The body is not JSON.",
    "429": "Too many requests; retry after the number of seconds in `Retry-After`.",
}
READ_ERRORS = ("400", "401", "404", "406", "429")

# Bodies in the other formats: not the JSON serializer's shape, so described on their own.
GEOJSON = {
    "type": "object", "required": ["type"],
    "description": "GeoJSON (RFC 7946): a Feature for a site, a FeatureCollection for a list; "
                   "the JSON fields are the feature's properties.",
    "properties": {"type": {"type": "string", "enum": ["Feature", "FeatureCollection"]}},
}
FORMAT_SCHEMAS = {
    "text/csv": {"type": "string", "description": "CSV, one row per record, with a header row."},
    "application/ld+json": {
        "type": "object", "required": ["@context", "id", "type"],
        "description": "Linked Art JSON-LD (CIDOC CRM); see https://linked.art/api/1.0/.",
    },
    "application/geo+json": GEOJSON,
}


class RegistryAutoSchema(AutoSchema):
    """Every operation documents the error answers it can give, in the API's one error shape.

    Reads need no credentials, which the security requirements say with ``{}``.
    """

    def get_auth(self):
        auths = super().get_auth()
        if self.method in SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths

    def _get_parameters(self):
        parameters = super()._get_parameters()
        for parameter in parameters:
            # Filters and feed parameters treat an empty value as not given.
            if parameter["in"] == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        return parameters

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        for media_type, content in response.get("content", {}).items():
            if media_type in FORMAT_SCHEMAS:
                content["schema"] = FORMAT_SCHEMAS[media_type]
                content.pop("examples", None)
        return response

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = READ_ERRORS if self.method in SAFE_METHODS else tuple(ERRORS)
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, ["application/json"])
                responses[code]["description"] = ERRORS[code]
        if self.method in SAFE_METHODS and "304" not in responses and getattr(self.view, "conditional", False):
            responses["304"] = {"description": "Not modified since the ETag or Last-Modified date sent."}
        return responses


class APIKeyScheme(OpenApiAuthenticationExtension):
    """Describes partner keys in the schema (registered by being defined): either header will do."""

    target_class = "registry.api.access.APIKeyAuthentication"
    name = ["ApiKeyAuth", "ApiKeyHeader"]

    def get_security_requirement(self, auto_schema):
        return [{name: []} for name in self.name]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "apiKey", "in": "header", "name": "Authorization",
             "description": "`Api-Key <key>`. Keys are issued to partner institutions by curators."},
            {"type": "apiKey", "in": "header", "name": "X-API-Key",
             "description": "The key alone, for clients that cannot set `Authorization`."},
        ]


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
            "web_url": "https://news.example.org/palmyra-retaken",
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


class GuardedBasicScheme(OpenApiAuthenticationExtension):
    """Curators' HTTP Basic auth, as drf-spectacular describes DRF's own."""

    target_class = "registry.api.guard.GuardedBasicAuthentication"
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "basic"}
