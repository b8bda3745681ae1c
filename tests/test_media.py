"""Uploading images: checks by content, stored copies without metadata, pairs and their warnings."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.storage import default_storage
from PIL import ExifTags, Image

from heritage.storage import media_storage
from registry import services
from registry.licences import canonical_licence
from registry.models import Lifecycle, MediaItem, MediaPair
from tests import factories as f
from tests.media_fixtures import (  # noqa: F401
    image_fields,
    jpeg_bytes,
    make_image,
    media_root,
    png_bomb,
    png_bytes,
    stored_files,
    upload,
)

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parent.parent
media_upload = services.media_services.media_upload


def open_stored(name: str) -> Image.Image:
    with default_storage.open(name) as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def test_upload_stores_three_copies_without_any_metadata(media_root):
    site = f.HeritageSiteFactory(is_sensitive=True)
    item = media_upload(
        file=upload(jpeg_bytes((2400, 1600), gps=True)), fields=image_fields(), target=site
    )
    assert (item.width, item.height) == (2400, 1600)
    assert (item.web_width, item.thumbnail_width) == (1600, 400)
    assert len(stored_files(media_root)) == 3
    for name in (item.image.name, item.web_image.name, item.thumbnail.name):
        image = open_stored(name)
        assert image.format == "JPEG"
        exif = image.getexif()
        assert len(exif) == 0 and not exif.get_ifd(ExifTags.IFD.GPSInfo)
        assert "exif" not in image.info and "xmp" not in image.info and "comment" not in image.info
        raw = default_storage.open(name).read()
        assert b"GPS" not in raw and b"Test camera" not in raw and b"xmpmeta" not in raw
    assert item.site == site and item.lifecycle == Lifecycle.DRAFT
    assert item.history.count() == 1


def test_exif_orientation_is_applied_before_the_tags_go():
    item = media_upload(
        file=upload(jpeg_bytes((600, 300), gps=True, orientation=6)),
        fields=image_fields(),
        target=f.HeritageSiteFactory(),
    )
    assert (item.width, item.height) == (300, 600)  # turned upright, as the camera meant
    assert open_stored(item.image.name).size == (300, 600)


def test_png_with_transparency_stays_png():
    item = media_upload(
        file=upload(png_bytes(alpha=True), "plan.png", "image/png"),
        fields=image_fields(),
        target=f.ArtefactFactory(),
    )
    image = open_stored(item.web_image.name)
    assert image.format == "PNG" and image.mode == "RGBA" and not image.text
    assert item.content_type == "image/png"


def test_type_is_read_from_the_bytes_not_the_name(media_root):
    html = b"<html><script>alert(1)</script></html>"
    with pytest.raises(ValidationError) as error:
        media_upload(
            file=upload(html, "photo.jpg", "image/jpeg"),
            fields=image_fields(),
            target=f.HeritageSiteFactory(),
        )
    assert "not an image" in error.value.message_dict["file"][0]
    # A real PNG named .txt is accepted: the name does not matter either way.
    media_upload(
        file=upload(png_bytes(), "notes.txt", "text/plain"),
        fields=image_fields(),
        target=f.HeritageSiteFactory(),
    )
    assert MediaItem.objects.count() == 1 and len(stored_files(media_root)) == 3


@pytest.mark.parametrize(
    "data, needle",
    [
        (b"", "empty"),
        (b"GIF89a" + b"\x00" * 100, "not an image"),
        (png_bomb(), "megapixels"),
        (jpeg_bytes()[:2000], "damaged or truncated"),
    ],
)
def test_bad_files_are_refused_naming_the_field_and_nothing_is_stored(data, needle, media_root):
    site = f.HeritageSiteFactory()
    with pytest.raises(ValidationError) as error:
        media_upload(file=upload(data), fields=image_fields(), target=site)
    assert needle in " ".join(error.value.message_dict["file"])
    assert MediaItem.objects.count() == 0 and stored_files(media_root) == []


def test_bomb_is_refused_from_its_header_alone():
    data = png_bomb(40000, 40000)
    assert len(data) < 100_000  # 1.6 gigapixels announced in a few kilobytes
    with pytest.raises(ValidationError, match="decompression bomb"):
        media_upload(file=upload(data), fields=image_fields(), target=f.HeritageSiteFactory())


def test_oversized_file_is_refused(settings, media_root):
    settings.MEDIA_UPLOAD_MAX_BYTES = 50_000
    with pytest.raises(ValidationError) as error:
        media_upload(
            file=upload(jpeg_bytes((3000, 3000), colour=(1, 2, 3)) + b"\x00" * 60_000),
            fields=image_fields(),
            target=f.HeritageSiteFactory(),
        )
    assert error.value.message_dict["file"] == [
        "The file is 201 KB; the largest accepted is 49 KB."
    ]
    assert stored_files(media_root) == []


def test_every_field_error_is_reported_with_the_file_error(media_root):
    with pytest.raises(ValidationError) as error:
        media_upload(
            file=upload(b"not an image"),
            fields=image_fields(licence="free", taken="last summer"),
            target=f.HeritageSiteFactory(),
        )
    errors = error.value.message_dict
    assert set(errors) >= {"file", "licence", "taken"}
    assert "SPDX" in errors["licence"][0]
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    "value, expected",
    [
        ("cc-by-sa-4.0", "CC-BY-SA-4.0"),
        ("CC0-1.0", "CC0-1.0"),
        ("CC-PDM-1.0", "CC-PDM-1.0"),
        ("MIT", "MIT"),
        ("LicenseRef-used-with-permission", "LicenseRef-used-with-permission"),
        ("CC-BY-5.0", None),
        ("public domain", None),
        ("LicenseRef-", None),
        ("LicenseRef-a b", None),
    ],
)
def test_licence_identifiers(value, expected):
    assert canonical_licence(value) == expected


def test_licence_is_stored_in_its_spdx_spelling():
    item = make_image(f.HeritageSiteFactory(), licence="cc-by-nc-4.0")
    assert MediaItem.objects.get(pk=item.pk).licence == "CC-BY-NC-4.0"


def test_satellite_images_need_an_acquisition_date_and_only_they_have_one(media_root):
    site, provider = f.HeritageSiteFactory(), f.ActorFactory(kind="organisation")
    with pytest.raises(ValidationError, match="acquisition date"):
        media_upload(file=upload(jpeg_bytes()), fields=image_fields(kind="satellite"), target=site)
    with pytest.raises(ValidationError, match="Only satellite images"):
        media_upload(
            file=upload(jpeg_bytes()), fields=image_fields(acquired="2015-08-27"), target=site
        )
    assert stored_files(media_root) == []
    item = media_upload(
        file=upload(jpeg_bytes()),
        target=site,
        fields=image_fields(kind="satellite", acquired="2015-08-31", provider=provider),
    )
    assert item.date_bounds == (20150831, 20150831)


def test_failed_database_write_removes_the_stored_copies(media_root):
    site = f.HeritageSiteFactory()
    make_image(site, slug="same-slug")
    before = stored_files(media_root)
    with pytest.raises(ValidationError):
        media_upload(file=upload(jpeg_bytes()), fields=image_fields(slug="same-slug"), target=site)
    assert stored_files(media_root) == before


def satellite(site, date: str, **fields):
    provider = fields.pop("provider", None) or f.ActorFactory(kind="organisation")
    return make_image(site, kind="satellite", acquired=date, provider=provider, taken="", **fields)


def test_pair_warns_when_the_after_image_predates_the_event():
    site = f.HeritageSiteFactory()
    event = f.DamageEventFactory(occurred="2015-08-27/2015-09-02", sites=[site])
    before, after = satellite(site, "2014-06-01"), satellite(site, "2015-08-20")
    pair = services.record_create(
        model=MediaPair,
        fields={"title": "Temple of Bel", "before": before, "after": after, "damage_event": event},
    )
    assert len(pair.warnings) == 1 and "predates the damage event" in pair.warnings[0]
    assert "2015-08-27" in pair.warnings[0]
    later = satellite(site, "2015-09-10")
    services.record_update(record=pair, fields={"after": later})
    assert MediaPair.objects.get(pk=pair.pk).warnings == []


def test_pair_of_images_of_two_records_or_in_the_wrong_order_is_refused():
    site = f.HeritageSiteFactory()
    one, other = make_image(site), make_image(f.HeritageSiteFactory())
    with pytest.raises(ValidationError, match="same record"):
        services.record_create(
            model=MediaPair, fields={"title": "x", "before": one, "after": other}
        )
    early, late = satellite(site, "2014"), satellite(site, "2016")
    with pytest.raises(ValidationError, match="taken after"):
        services.record_create(
            model=MediaPair, fields={"title": "x", "before": late, "after": early}
        )
    with pytest.raises(ValidationError, match="two different images"):
        services.record_create(
            model=MediaPair, fields={"title": "x", "before": early, "after": early}
        )


def test_pairs_are_public_only_with_both_images_published():
    site = f.HeritageSiteFactory()
    before, after = (
        make_image(site, taken="2014"),
        make_image(site, taken="2016", lifecycle=Lifecycle.IN_REVIEW),
    )
    pair = services.record_create(
        model=MediaPair,
        fields={
            "title": "Museum hall",
            "before": before,
            "after": after,
            "lifecycle": Lifecycle.PUBLISHED,
        },
    )
    assert list(MediaPair.objects.shown_publicly().for_record(site)) == []
    services.record_publish(record=after)
    assert list(MediaPair.objects.shown_publicly().for_record(site)) == [pair]


def test_media_storage_url():
    assert media_storage("")["BACKEND"].endswith("FileSystemStorage")
    assert media_storage("file:///srv/media")["OPTIONS"] == {"location": "/srv/media"}
    s3 = media_storage(
        "s3://heritage-media/images?endpoint_url=https://s3.example.org&querystring_auth=false"
    )
    assert s3 == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "heritage-media",
            "location": "images",
            "file_overwrite": False,
            "endpoint_url": "https://s3.example.org",
            "querystring_auth": False,
        },
    }
    for bad in ("ftp://x", "s3://key:secret@bucket", "s3://bucket?colour=red", "s3://"):
        with pytest.raises(ImproperlyConfigured):
            media_storage(bad)


MEDIA_SETTINGS = """
import json
import django
from django.conf import settings
from django.core.files.storage import default_storage

django.setup()
print(json.dumps({"default": settings.STORAGES["default"], "serve": settings.MEDIA_SERVE,
                  "class": type(default_storage._setup() or default_storage._wrapped).__name__,
                  "limit": settings.MEDIA_UPLOAD_MAX_BYTES}))
"""


def load_media_settings(**env):
    """The settings as a server would load them: in a new interpreter, from the environment."""
    variables = {key: value for key, value in os.environ.items() if not key.startswith("MEDIA_")}
    variables |= {"DJANGO_SETTINGS_MODULE": "heritage.settings", "DEBUG": "1", **env}
    return subprocess.run(
        [sys.executable, "-c", MEDIA_SETTINGS],
        env=variables,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_settings_pick_s3_storage_from_the_environment():
    result = load_media_settings(
        MEDIA_STORAGE_URL="s3://heritage-media/img?region_name=eu-west-1",
        MEDIA_UPLOAD_MAX_BYTES="5000000",
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert loaded["default"]["OPTIONS"]["bucket_name"] == "heritage-media"
    assert (
        loaded["class"] == "S3Storage" and loaded["serve"] is False and loaded["limit"] == 5_000_000
    )


def test_settings_refuse_a_bad_storage_url():
    result = load_media_settings(MEDIA_STORAGE_URL="s3://key:secret@heritage-media")
    assert result.returncode != 0
    assert "put credentials in AWS_ACCESS_KEY_ID" in result.stderr
