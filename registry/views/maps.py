"""The map of all sites, and the map data every page with a map shares.

Only public coordinates ever reach a page: a sensitive site's marker sits on
its coarsened position, never on the stored one.
"""

from __future__ import annotations

from django.conf import settings
from django.views.generic import TemplateView

from registry.models import HeritageSite
from registry.templatetags.registry_tags import local_name


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
    template_name = "registry/map.html"

    def get_context_data(self, **kwargs):
        sites = list(HeritageSite.objects.published().with_coordinates().select_related("kind").prefetch_related("names")
                     .order_by("name", "pk"))
        kwargs.update(sites=sites, **map_context(sites))
        return super().get_context_data(**kwargs)
