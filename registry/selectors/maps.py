"""Map data: sites in a bounding box, grouped on a grid that follows the zoom level.

The grid is computed in the database (one ``GROUP BY``), so a view of the whole
region with a hundred thousand sites sends a few hundred clusters, and a close
view sends the sites themselves. Everything is computed from the *public*
coordinates: a sensitive site is placed, filtered by the box and averaged into
its cluster at its coarsened position, so no answer (not even a box drawn around
its stored position) tells more than the coarsened coordinates do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import (
    Avg, Count, F, Max, Min, Q, QuerySet, Value,
)
from django.db.models.functions import Floor

# Grid cells per map tile edge: at 256-pixel tiles, a cell is 64 pixels wide.
CELLS_PER_TILE = 4
# Sites drawn one by one at most in one answer; past this, lone sites are sent as clusters of one.
MAX_POINTS = 1000
MAX_ZOOM = 20


@dataclass(frozen=True)
class BoundingBox:
    west: float
    south: float
    east: float
    north: float


def _public(field: str) -> Any:
    """The coordinate as the public sees it, as a float: rounded for sensitive sites.

    Read from the column the database keeps, unless the deployment rounds to other
    decimals than that column does; then rounded here, row by row."""
    from registry.models.places import STORED_PUBLIC_DECIMALS, public_coordinate

    decimals = settings.REGISTRY_SENSITIVE_COORDINATE_DECIMALS
    if decimals == STORED_PUBLIC_DECIMALS:
        return F(f"public_{field}")
    return public_coordinate(field, decimals)


def _public_coordinates(queryset: QuerySet[Any]) -> QuerySet[Any]:
    located: QuerySet[Any] = queryset.filter(latitude__isnull=False, longitude__isnull=False).annotate(
        public_lat=_public("latitude"), public_lon=_public("longitude"),
    )
    return located


def public_bounds(queryset: QuerySet[Any]) -> BoundingBox | None:
    """A box around every site of ``queryset``, its edges rounded outwards to the
    coarsening step, so that it tells no more of a sensitive site than its public
    position does. Read from the ends of the coordinate indexes."""
    box = queryset.aggregate(
        west=Min("longitude"), south=Min("latitude"), east=Max("longitude"), north=Max("latitude"),
    )
    if box["west"] is None:
        return None
    step = 10 ** settings.REGISTRY_SENSITIVE_COORDINATE_DECIMALS
    return BoundingBox(
        west=math.floor(box["west"] * step) / step, south=math.floor(box["south"] * step) / step,
        east=math.ceil(box["east"] * step) / step, north=math.ceil(box["north"] * step) / step,
    )


def cell_size(zoom: int) -> float:
    """Width in degrees of one grid cell at ``zoom``."""
    return 360.0 / float(2**zoom) / CELLS_PER_TILE


def snap_to_grid(box: BoundingBox, zoom: int) -> BoundingBox:
    """``box`` widened to whole grid cells, so that views a little apart ask the same question."""
    size = cell_size(zoom)
    return BoundingBox(
        west=max(-180.0, math.floor(box.west / size) * size), south=max(-90.0, math.floor(box.south / size) * size),
        east=min(180.0, math.ceil(box.east / size) * size), north=min(90.0, math.ceil(box.north / size) * size),
    )


def clustered(queryset: QuerySet[Any], box: BoundingBox, zoom: int) -> list[dict[str, Any]]:
    """Grid cells of ``box`` holding sites of ``queryset``: count, mean public position and,
    for a cell with one site, that site's id."""
    size = cell_size(zoom)
    # The stored coordinates, within a margin of the box, narrow the rows through the
    # indexes; the public ones then decide.
    margin = 10.0 ** -settings.REGISTRY_SENSITIVE_COORDINATE_DECIMALS
    near = queryset.filter(
        latitude__gte=box.south - margin, latitude__lte=box.north + margin,
        longitude__gte=box.west - margin, longitude__lte=box.east + margin,
    )
    inside = _public_coordinates(near).filter(
        Q(public_lat__gte=box.south, public_lat__lte=box.north,
          public_lon__gte=box.west, public_lon__lte=box.east)
    )
    cells = (
        inside.order_by()
        .annotate(cell_x=Floor(F("public_lon") / Value(size)), cell_y=Floor(F("public_lat") / Value(size)))
        .values("cell_x", "cell_y")
        .annotate(count=Count("pk"), lat=Avg("public_lat"), lon=Avg("public_lon"), site=Min("pk"))
    )
    return [
        {"count": row["count"], "lat": round(float(row["lat"]), 6), "lon": round(float(row["lon"]), 6),
         "site": row["site"] if row["count"] == 1 else None}
        for row in cells
    ]


def map_features(queryset: QuerySet[Any], box: BoundingBox, zoom: int, describe: Any) -> dict[str, Any]:
    """A GeoJSON FeatureCollection for one view of the map.

    A cell with several sites becomes a cluster (``count``); a lone site becomes a
    point with what ``describe(site)`` says of it (name, address), up to
    ``MAX_POINTS``. ``queryset`` must hold only sites the reader may see.
    """
    cells = clustered(queryset, box, zoom)
    lone = [cell["site"] for cell in cells if cell["site"] is not None][:MAX_POINTS]
    sites = {site.pk: site for site in queryset.filter(pk__in=lone)} if lone else {}
    features = []
    for cell in cells:
        site = sites.get(cell["site"])
        properties = {"count": cell["count"]}
        if site is not None:
            properties.update(describe(site), sensitive=site.is_sensitive)
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [cell["lon"], cell["lat"]]},
            "properties": properties,
        })
    return {
        "type": "FeatureCollection",
        "zoom": zoom,
        "cell_degrees": cell_size(zoom),
        "sites": sum(cell["count"] for cell in cells),
        "features": features,
    }
