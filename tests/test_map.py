"""Map data: clusters by zoom level within a box, public coordinates only, clear errors."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from registry.models import Lifecycle
from registry.selectors.maps import cell_size

from .factories import HeritageSiteFactory

pytestmark = pytest.mark.django_db
URL = reverse("registry:map-data")


def site(name: str, lat: str, lon: str, **fields):
    return HeritageSiteFactory(name=name, latitude=Decimal(lat), longitude=Decimal(lon), **fields)


def view(client, bbox: str, zoom: int) -> dict:
    response = client.get(URL, {"bbox": bbox, "zoom": str(zoom)})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def palmyra_area():
    """Three sites within a few kilometres of Palmyra, one far away in Aleppo."""
    return [
        site("Temple of Bel", "34.5476", "38.2743"),
        site("Valley of the Tombs", "34.5500", "38.2500"),
        site("Camp of Diocletian", "34.5600", "38.2650"),
        site("Citadel of Aleppo", "36.1993", "37.1626"),
    ]


def test_far_view_clusters_close_sites_and_a_near_view_shows_each(client, palmyra_area):
    far = view(client, "35,33,40,37", 6)
    counts = sorted(feature["properties"]["count"] for feature in far["features"])
    assert counts == [1, 3] and far["sites"] == 4
    lone = next(f for f in far["features"] if f["properties"]["count"] == 1)
    assert lone["properties"]["name"] == "Citadel of Aleppo"
    assert lone["properties"]["url"] == "/sites/" + palmyra_area[3].slug + "/"
    cluster = next(f for f in far["features"] if f["properties"]["count"] == 3)
    assert "name" not in cluster["properties"]
    near = view(client, "38.2,34.5,38.3,34.6", 15)
    assert sorted(f["properties"]["name"] for f in near["features"]) == [
        "Camp of Diocletian", "Temple of Bel", "Valley of the Tombs"]
    assert near["cell_degrees"] == cell_size(15) < far["cell_degrees"]


def test_only_the_box_and_only_published_sites(client, palmyra_area):
    site("Draft tell", "34.5550", "38.2600", lifecycle=Lifecycle.DRAFT)
    aleppo_only = view(client, "37,36,37.5,36.5", 10)
    assert [f["properties"]["name"] for f in aleppo_only["features"]] == ["Citadel of Aleppo"]
    assert view(client, "38.2,34.5,38.3,34.6", 15)["sites"] == 3


def test_sensitive_site_is_placed_boxed_and_clustered_at_its_coarsened_position(client):
    site("Hidden tell", "35.123456", "40.654321", is_sensitive=True)
    seen = view(client, "40,35,41,36", 18)["features"]
    assert [f["geometry"]["coordinates"] for f in seen] == [[40.7, 35.1]]
    assert seen[0]["properties"]["sensitive"] is True
    # A tight box around the stored position, away from the coarsened one, finds nothing.
    assert view(client, "40.65,35.12,40.66,35.13", 18)["features"] == []
    far = view(client, "30,30,50,40", 3)["features"]
    assert [f["geometry"]["coordinates"] for f in far] == [[40.7, 35.1]]


@pytest.mark.parametrize(("params", "field"), [
    ({"zoom": "5"}, "bbox"),
    ({"bbox": "1,2,3", "zoom": "5"}, "bbox"),
    ({"bbox": "west,2,3,4", "zoom": "5"}, "bbox"),
    ({"bbox": "40,30,35,35", "zoom": "5"}, "bbox"),
    ({"bbox": "35,30,40,35"}, "zoom"),
    ({"bbox": "35,30,40,35", "zoom": "99"}, "zoom"),
    ({"bbox": "35,30,40,35", "zoom": "2.5"}, "zoom"),
])
def test_bad_box_or_zoom_is_a_400_naming_the_field(client, params, field):
    response = client.get(URL, params)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_map_data_query_count_does_not_grow_with_the_sites(client, palmyra_area, django_assert_max_num_queries):
    for n in range(20):
        site(f"Tell {n}", f"33.{n:02d}", f"36.{n:02d}")
    with django_assert_max_num_queries(4):
        data = view(client, "30,30,42,38", 18)
    assert data["sites"] == 24 and len(data["features"]) == 24
    with django_assert_max_num_queries(4):
        assert view(client, "30,30,42,38", 2)["sites"] == 24
    # The same view again is answered from the cache, until a site changes.
    with django_assert_max_num_queries(1):
        assert view(client, "30,30,42,38", 2)["sites"] == 24
    site("Tell of the new road", "33.5", "36.5")
    assert view(client, "30,30,42,38", 2)["sites"] == 25


def test_map_page_box_says_no_more_than_the_coarsened_positions(client):
    site("Hidden tell", "35.123456", "40.654321", is_sensitive=True)
    html = client.get(reverse("registry:map")).content.decode()
    assert 'data-bounds="35.100000,40.600000,35.200000,40.700000"' in html
    assert "35.12" not in html and "40.65" not in html


@pytest.mark.parametrize(("lat", "lon"), [
    ("35.123456", "40.654321"), ("-33.850000", "-151.250000"), ("34.550000", "38.250000"), ("0.040000", "-0.040000"),
])
def test_stored_public_coordinates_are_the_ones_a_page_shows(lat, lon):
    """The database's rounding of a sensitive site is the model's, also half-way between steps."""
    from registry.models import HeritageSite

    plain, hidden = site("Open site", lat, lon), site("Hidden site", lat, lon, is_sensitive=True)
    for record in (plain, hidden):
        stored = HeritageSite.objects.values_list("public_latitude", "public_longitude").get(pk=record.pk)
        assert stored == tuple(float(value) for value in record.public_coordinates())


def test_stored_public_coordinates_follow_an_edit():
    from registry import services
    from registry.models import HeritageSite

    record = site("Tell that moved", "35.123456", "40.654321")
    record.latitude, record.is_sensitive = Decimal("36.987654"), True
    services.record_save(record=record, reason="corrected position")
    stored = HeritageSite.objects.values_list("public_latitude", "public_longitude").get(pk=record.pk)
    assert stored == (37.0, 40.7)


def test_a_deployment_rounding_to_other_decimals_is_rounded_as_the_map_reads(client, settings):
    """The stored column holds one decimal; a deployment that keeps two is not shown the stored one."""
    settings.REGISTRY_SENSITIVE_COORDINATE_DECIMALS = 2
    site("Hidden tell", "35.123456", "40.654321", is_sensitive=True)
    seen = view(client, "40,35,41,36", 18)["features"]
    assert [f["geometry"]["coordinates"] for f in seen] == [[40.65, 35.12]]
