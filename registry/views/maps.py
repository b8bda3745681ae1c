"""The map of all sites, and the map data every page with a map shares.

Only public coordinates ever reach a page: a sensitive site's marker sits on
its coarsened position, never on the stored one.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from registry.models import HeritageSite
from registry.selectors.maps import MAX_ZOOM, BoundingBox, map_features, public_bounds, snap_to_grid
from registry.templatetags.registry_tags import local_name

MAP_CACHE_SECONDS = 600


def map_context(sites) -> dict:
    return {
        "points": map_points(sites),
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "map_center": settings.MAP_DEFAULT_CENTER,
        "map_zoom": settings.MAP_DEFAULT_ZOOM,
    }


def map_points(sites) -> list[dict]:
    """Markers for the map script; public (coarsened) coordinates only.

    Names are in the reader's language, read from the sites' prefetched ``names``.
    """
    points = []
    for site in sites:
        coordinates = site.public_coordinates()
        if coordinates is not None:
            points.append({
                "name": local_name(site), "url": site.get_absolute_url(), "lat": float(coordinates[0]),
                "lon": float(coordinates[1]), "sensitive": site.is_sensitive,
            })
    return points


class MapView(TemplateView):
    """The map page: the markers come from ``MapDataView``, one request per view of the map."""

    template_name = "registry/map.html"

    def get_context_data(self, **kwargs):
        box = public_bounds(HeritageSite.objects.published())
        kwargs.update(
            bounds=box and [box.south, box.west, box.north, box.east],
            data_url=reverse("registry:map-data"),
            **map_context([]),
        )
        return super().get_context_data(**kwargs)


class MapDataView(View):
    """GeoJSON for one view of the map: ``?bbox=west,south,east,north&zoom=N``.

    Sites are grouped on a grid that halves with each zoom level; a lone site
    comes with its name (in the reader's language) and address.
    """

    def get(self, request):
        errors = {}
        box = _parse_bbox(request.GET.get("bbox", ""), errors)
        zoom = _parse_zoom(request.GET.get("zoom", ""), errors)
        if errors:
            return JsonResponse({"errors": errors}, status=400)
        box = snap_to_grid(box, zoom)
        # Kept until any site changes (any change moves the newest updated_at), per language.
        newest = HeritageSite.objects.aggregate(newest=Max("updated_at"))["newest"]
        version = newest.timestamp() if newest else 0
        key = f"map-data:{version}:{get_language()}:{zoom}:{box.west},{box.south},{box.east},{box.north}"
        data = cache.get(key)
        if data is None:
            sites = HeritageSite.objects.published().prefetch_related("names")
            data = map_features(sites, box, zoom, describe=lambda site: {
                "name": local_name(site), "url": site.get_absolute_url(),
            })
            cache.set(key, data, MAP_CACHE_SECONDS)
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def _parse_bbox(text: str, errors: dict) -> BoundingBox | None:
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError:
        errors["bbox"] = _("Give four numbers: west,south,east,north (longitude, latitude in degrees).")
        return None
    west, east = max(west, -180.0), min(east, 180.0)
    south, north = max(south, -90.0), min(north, 90.0)
    if not (west <= east and south <= north):
        errors["bbox"] = _("West must not be east of east, nor south north of north.")
        return None
    return BoundingBox(west=west, south=south, east=east, north=north)


def _parse_zoom(text: str, errors: dict) -> int | None:
    try:
        zoom = int(text)
    except ValueError:
        zoom = -1
    if not 0 <= zoom <= MAX_ZOOM:
        errors["zoom"] = _("Give a whole number from 0 to %(max)s.") % {"max": MAX_ZOOM}
        return None
    return zoom
