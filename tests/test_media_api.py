"""Images in the partner API: uploads for review, what each reader sees, feed, IIIF."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.storage import default_storage
from iiif_prezi3 import Manifest
from PIL import Image

from registry import services
from registry.models import Lifecycle, MediaItem, MediaPair
from tests import factories as f
from tests.api_fixtures import api, curator, fresh_throttles, partner_a, partner_b  # noqa: F401
from tests.media_fixtures import image_fields, jpeg_bytes, make_image, media_root, stored_files  # noqa: F401

pytestmark = pytest.mark.django_db
MEDIA = "/api/v1/media/"


def multipart(client, data: bytes, **fields):
    payload = image_fields() | fields
    payload["file"] = io.BytesIO(data)
    payload["file"].name = "upload.jpg"
    return client.post(MEDIA, data=payload, format="multipart")


def test_partner_uploads_an_image_that_waits_for_review(partner_a, api, curator, media_root):
    site = f.HeritageSiteFactory(
        slug="palmyra", is_sensitive=True, latitude="34.551234", longitude="38.268765"
    )
    response = multipart(partner_a.client, jpeg_bytes(gps=True), site="palmyra")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["lifecycle"] == "in_review" and body["submitted_by"] == partner_a.institution.slug
    assert body["target"] == {"type": "site", "slug": "palmyra"} and body["licence"] == "CC-BY-4.0"
    assert body["copies"]["thumbnail"]["width"] == 400
    assert response["Location"] == body["url"]
    item = MediaItem.objects.get(slug=body["slug"])
    assert item.submitted_by == partner_a.institution and item.site == site
    with default_storage.open(item.image.name) as handle:
        stored = Image.open(io.BytesIO(handle.read()))
        assert not stored.getexif() and "34.551234" not in json.dumps(body)

    assert api.get(MEDIA).json()["results"] == []  # not public yet
    assert [row["slug"] for row in partner_a.client.get(MEDIA).json()["results"]] == [item.slug]
    published = curator.post(f"{MEDIA}{item.slug}/transition/", {"to": "published", "version": item.version},
                             format="json")
    assert published.status_code == 200, published.content
    listed = api.get(MEDIA, {"site": "palmyra"}).json()["results"]
    assert [row["slug"] for row in listed] == [item.slug] and "file" not in listed[0]


@pytest.mark.parametrize(
    "data, fields, field",
    [
        (b"%PDF-1.4 not an image", {"site": "palmyra"}, "file"),
        (jpeg_bytes(), {}, "target"),
        (jpeg_bytes(), {"site": "palmyra", "artefact": "lion"}, "target"),
        (jpeg_bytes(), {"site": "palmyra", "licence": "free to use"}, "licence"),
        (jpeg_bytes(), {"site": "nowhere"}, "site"),
    ],
)
def test_bad_uploads_are_refused_naming_the_field(partner_a, media_root, data, fields, field):
    f.HeritageSiteFactory(slug="palmyra")
    f.ArtefactFactory(slug="lion")
    response = multipart(partner_a.client, data, **fields)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert MediaItem.objects.count() == 0 and stored_files(media_root) == []


def test_oversized_upload_is_refused_before_it_is_read(partner_a, settings, media_root):
    f.HeritageSiteFactory(slug="palmyra")
    settings.MEDIA_UPLOAD_MAX_BYTES = 1000
    response = multipart(partner_a.client, jpeg_bytes() + b"\0" * 300_000, site="palmyra")
    assert response.status_code == 413
    assert "at most 1000 bytes" in response.json()["errors"]["file"][0]
    assert stored_files(media_root) == []


def test_json_upload_without_a_file_and_anonymous_upload(partner_a, api):
    f.HeritageSiteFactory(slug="palmyra")
    response = partner_a.client.post(MEDIA, image_fields(site="palmyra"), format="json")
    assert response.status_code == 400 and "file" in response.json()["errors"]
    assert multipart(api, jpeg_bytes(), site="palmyra").status_code == 401


def test_partner_edits_its_own_image_only_and_never_its_file(partner_a, partner_b):
    f.HeritageSiteFactory(slug="palmyra")
    slug = multipart(partner_a.client, jpeg_bytes(), site="palmyra").json()["slug"]
    edit = partner_a.client.patch(
        f"{MEDIA}{slug}/", {"caption": "Cella, east wall", "version": 1}, format="json"
    )
    assert edit.status_code == 200 and edit.json()["caption"] == "Cella, east wall"
    assert MediaItem.objects.get(slug=slug).history.count() == 2
    other = partner_b.client.patch(f"{MEDIA}{slug}/", {"caption": "x", "version": 2}, format="json")
    assert other.status_code in (403, 404)
    replace = partner_a.client.patch(
        f"{MEDIA}{slug}/", {"file": io.BytesIO(jpeg_bytes()), "version": 2}, format="multipart"
    )
    assert replace.status_code == 400 and "file" in replace.json()["errors"]


def test_changes_feed_lists_images_and_pairs(api):
    site = f.HeritageSiteFactory()
    before, after = make_image(site, taken="2014"), make_image(site, taken="2016")
    services.record_create(
        model=MediaPair,
        fields={
            "title": "Cella",
            "before": before,
            "after": after,
            "lifecycle": Lifecycle.PUBLISHED,
        },
    )
    make_image(site, lifecycle=Lifecycle.DRAFT)
    entries = api.get("/api/v1/changes/").json()["results"]
    kinds = [entry["type"] for entry in entries if entry["type"].startswith("media")]
    assert sorted(kinds) == ["media", "media", "media_pair"]
    pair_entry = next(entry for entry in entries if entry["type"] == "media_pair")
    assert api.get(pair_entry["url"]).status_code == 200


def test_pair_in_the_api_carries_its_warning(api):
    site = f.HeritageSiteFactory()
    event = f.DamageEventFactory(occurred="2015-08-27/2015-09-02", sites=[site])
    before = make_image(site, taken="2014-06")
    after = make_image(site, taken="2015-06")
    pair = services.record_create(
        model=MediaPair,
        fields={
            "title": "Temple of Bel",
            "before": before,
            "after": after,
            "damage_event": event,
            "lifecycle": Lifecycle.PUBLISHED,
        },
    )
    body = api.get(f"/api/v1/media-pairs/{pair.slug}/").json()
    assert body["before"] == before.slug and body["damage_event"] == event.slug
    assert len(body["warnings"]) == 1 and "predates" in body["warnings"][0]
    services.record_transition(record=after, to=Lifecycle.RETRACTED)
    assert api.get("/api/v1/media-pairs/").json()["results"] == []


def check_language_map(value) -> None:
    assert isinstance(value, dict) and value
    assert all(
        isinstance(texts, list) and all(isinstance(t, str) for t in texts)
        for texts in value.values()
    )


def check_manifest(document: dict) -> None:
    """IIIF Presentation 3: the library's model, plus the rules it leaves to the publisher."""
    Manifest(**document)
    assert document["@context"] == "http://iiif.io/api/presentation/3/context.json"
    assert document["type"] == "Manifest" and document["id"].startswith("http")
    check_language_map(document["label"])
    for canvas in document["items"]:
        assert canvas["type"] == "Canvas" and canvas["width"] > 0 and canvas["height"] > 0
        check_language_map(canvas["label"])
        for entry in canvas["metadata"] + [canvas["requiredStatement"]]:
            check_language_map(entry["label"])
            check_language_map(entry["value"])
        (page,) = canvas["items"]
        assert page["type"] == "AnnotationPage"
        (annotation,) = page["items"]
        assert annotation["type"] == "Annotation" and annotation["motivation"] == "painting"
        assert annotation["target"] == canvas["id"]
        body = annotation["body"]
        assert body["type"] == "Image" and body["format"].startswith("image/")
        assert (body["width"], body["height"]) == (canvas["width"], canvas["height"])
        if "rights" in canvas:
            assert canvas["rights"].startswith(
                ("http://creativecommons.org/", "http://rightsstatements.org/")
            )


def test_manifest_validator_refuses_a_broken_manifest():
    with pytest.raises(Exception):  # noqa: B017 - any validation error will do
        check_manifest(
            {"@context": "x", "id": "https://x/m", "type": "Collection", "label": {}, "items": []}
        )


def test_iiif_manifest_of_a_sites_published_images(api, client):
    site = f.HeritageSiteFactory(
        slug="palmyra",
        name="Palmyra",
        is_sensitive=True,
        latitude="34.551234",
        longitude="38.268765",
    )
    make_image(
        site, data=jpeg_bytes((900, 600), gps=True), caption="Colonnade", licence="CC-BY-SA-3.0-IGO"
    )
    make_image(site, caption="Theatre", licence="LicenseRef-used-with-permission", taken="2016-04")
    make_image(site, caption="Unreviewed", lifecycle=Lifecycle.IN_REVIEW)
    url = "/api/v1/iiif/sites/palmyra/manifest.json"
    response = api.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    assert response["Access-Control-Allow-Origin"] == "*"
    document = response.json()
    check_manifest(document)
    assert document["id"] == f"http://testserver{url}"
    labels = [canvas["label"]["none"][0] for canvas in document["items"]]
    assert labels == ["Colonnade", "Theatre"]  # by date taken; the unreviewed image is left out
    rights = {canvas["label"]["none"][0]: canvas.get("rights") for canvas in document["items"]}
    assert rights == {
        "Colonnade": "http://creativecommons.org/licenses/by-sa/3.0/igo/",
        "Theatre": None,
    }
    assert "34.55" not in response.content.decode() and "38.26" not in response.content.decode()
    # Each painted image is served, and is what the manifest says it is.
    for canvas in document["items"]:
        body = canvas["items"][0]["items"][0]["body"]
        served = client.get(body["id"].removeprefix("http://testserver"))
        assert served.status_code == 200
        image = Image.open(io.BytesIO(b"".join(served.streaming_content)))
        assert image.size == (body["width"], body["height"]) and not image.getexif()
    assert api.get("/api/v1/iiif/sites/nowhere/manifest.json").status_code == 404
    assert api.get("/api/v1/iiif/pledges/palmyra/manifest.json").status_code == 404
    media = api.get(MEDIA).json()["results"][0]
    assert media["iiif_manifest"] == f"http://testserver{url}"
