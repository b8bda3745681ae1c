"""Images on the public pages: what is shown, pairs and their warnings, and the queries it costs."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from PIL import Image

from registry import services
from registry.models import Lifecycle, MediaPair
from tests import factories as f
from tests.media_fixtures import jpeg_bytes, make_image, media_root  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def palmyra():
    site = f.HeritageSiteFactory(
        name="Palmyra",
        slug="palmyra",
        is_sensitive=True,
        latitude="34.551234",
        longitude="38.268765",
    )
    event = f.DamageEventFactory(
        title="Temple of Bel destroyed", occurred="2015-08-27/2015-09-02", sites=[site]
    )
    provider = f.ActorFactory(name="Orbital Imaging", kind="organisation")
    before = make_image(
        site,
        data=jpeg_bytes(gps=True),
        caption="Temple of Bel, 2014",
        kind="satellite",
        taken="",
        acquired="2014-08-27",
        provider=provider,
        licence="CC-BY-4.0",
    )
    after = make_image(
        site,
        caption="Temple of Bel, August 2015",
        kind="satellite",
        taken="",
        acquired="2015-08-20",
        provider=provider,
        licence="CC-BY-NC-4.0",
    )
    make_image(site, caption="Draft photo", lifecycle=Lifecycle.DRAFT)
    pair = services.record_create(
        model=MediaPair,
        fields={
            "title": "Temple of Bel from orbit",
            "before": before,
            "after": after,
            "damage_event": event,
            "lifecycle": Lifecycle.PUBLISHED,
        },
    )
    return {"site": site, "event": event, "before": before, "after": after, "pair": pair}


def test_site_page_shows_published_images_and_the_pair_with_its_warning(client, palmyra):
    html = client.get(reverse("registry:site-detail", kwargs={"slug": "palmyra"})).content.decode()
    section = html[
        html.index('<section class="media"') : html.index(
            "</section>", html.index('<section class="media"')
        )
    ]
    assert "Temple of Bel from orbit" in section and "Draft photo" not in section
    assert "predates the damage event" in section and "2015-08-27" in section
    assert 'type="range"' in section and "Orbital Imaging" in section
    assert 'href="https://creativecommons.org/licenses/by-nc/4.0/"' in section
    assert "/api/v1/iiif/sites/palmyra/manifest.json" in section
    # Nothing inline: a strict Content-Security-Policy allows this section as it is.
    assert not re.search(r"<script(?![^>]*\bsrc=)", section) and " style=" not in section
    assert "<style" not in section and not re.search(r"\son[a-z]+\s*=", section)
    assert "34.551234" not in html and "38.268765" not in html


def test_event_page_shows_the_pair_compared_for_it(client, palmyra):
    html = client.get(
        reverse("registry:event-detail", kwargs={"slug": palmyra["event"].slug})
    ).content.decode()
    assert "Before and after" in html and "Temple of Bel from orbit" in html and "predates" in html


def test_pair_with_an_unpublished_image_is_not_shown(client, palmyra):
    services.record_transition(record=palmyra["after"], to=Lifecycle.RETRACTED)
    html = client.get(reverse("registry:site-detail", kwargs={"slug": "palmyra"})).content.decode()
    assert "Temple of Bel from orbit" not in html and "Temple of Bel, 2014" in html


def test_images_on_report_artefact_and_intervention_pages(client):
    report, artefact, intervention = (
        f.DamageReportFactory(),
        f.ArtefactFactory(),
        f.InterventionFactory(),
    )
    for record in (report, artefact, intervention):
        make_image(record, caption=f"Photo of {record}")
        html = client.get(record.get_absolute_url()).content.decode()
        assert f"Photo of {record}" in html


def test_served_copy_carries_no_metadata(client, palmyra):
    for name in (palmyra["before"].image.name, palmyra["before"].web_image.name):
        response = client.get(f"/media/{name}")
        assert response.status_code == 200
        image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
        assert not image.getexif() and "comment" not in image.info


@pytest.mark.parametrize("count", [2, 12])
def test_query_count_with_images_does_not_grow(
    client, django_assert_max_num_queries, palmyra, count
):
    site = palmyra["site"]
    for number in range(count):
        make_image(site, caption=f"View {number}", taken_by=f.ActorFactory())
    artefact = f.ArtefactFactory(site=site)
    for number in range(count):
        make_image(artefact, caption=f"Detail {number}")
    with django_assert_max_num_queries(29):
        assert client.get(site.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(22):
        assert client.get(artefact.get_absolute_url()).status_code == 200
