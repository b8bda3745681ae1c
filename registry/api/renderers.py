"""Formats besides JSON: CSV for lists, GeoJSON for sites, JSON-LD (Linked Art)."""

from __future__ import annotations

import csv
import io
import json

from rest_framework.renderers import BaseRenderer, JSONRenderer


def _cell(value) -> str:
    """A CSV cell: lists of plain values joined with "; ", anything nested as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(not isinstance(item, (dict, list)) for item in value):
        return "; ".join(str(item) for item in value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


class CSVRenderer(BaseRenderer):
    """One row per record of the current page; the next page is in the ``Link`` header."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if isinstance(data, dict) and "results" in data:
            rows = data["results"]
        elif isinstance(data, list):
            rows = data
        else:
            rows = [data]
        header: list[str] = []
        for row in rows:
            header.extend(key for key in row if key not in header)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(row.get(key)) for key in header])
        return out.getvalue().encode(self.charset)


def site_feature(site: dict) -> dict:
    properties = {key: value for key, value in site.items() if key not in ("latitude", "longitude")}
    lat, lon = site.get("latitude"), site.get("longitude")
    geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
    return {"type": "Feature", "id": site.get("url"), "geometry": geometry, "properties": properties}


class GeoJSONRenderer(JSONRenderer):
    """Sites as GeoJSON (RFC 7946); coordinates are those the reader may see."""

    media_type = "application/geo+json"
    format = "geojson"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if data is None or (response is not None and response.status_code >= 400):
            return super().render(data, accepted_media_type, renderer_context)
        if isinstance(data, dict) and "results" in data:
            data = {
                "type": "FeatureCollection",
                "features": [site_feature(site) for site in data["results"]],
                "next": data.get("next"),
                "previous": data.get("previous"),
            }
        else:
            data = site_feature(data)
        return super().render(data, accepted_media_type, renderer_context)


class JSONLDRenderer(JSONRenderer):
    """Linked Art JSON-LD; the view hands it the document built by ``linked_art``."""

    media_type = "application/ld+json"
    format = "jsonld"
