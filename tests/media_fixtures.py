"""Images made for the tests, and fixtures that keep each test's files in its own folder.

Imported by name into each test module that uploads images.
"""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from registry import services
from registry.models import Lifecycle, MediaItem, MediaPair
from tests import factories as f

# Where the test camera claims to have stood: somewhere near Palmyra.
GPS_LATITUDE = (34.0, 33.0, 45.21)
GPS_LONGITUDE = (38.0, 16.0, 12.34)
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="34,33.0754N" '
    b'exif:GPSLongitude="38,16.2057E"/></rdf:RDF></x:xmpmeta>'
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test stores its images under its own temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return settings.MEDIA_ROOT


def gps_exif(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Test camera"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.DateTime] = "2015:08:30 10:00:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = GPS_LONGITUDE
    return exif.tobytes()


def jpeg_bytes(
    size=(1200, 800),
    colour=(180, 150, 110),
    *,
    gps: bool = False,
    orientation: int = 1,
    band: tuple[int, int, int] | None = (90, 60, 40),
) -> bytes:
    image = Image.new("RGB", size, colour)
    if band is not None:
        # A band on the left third, so that orientation and slider position can be seen.
        image.paste(band, (0, 0, size[0] // 3, size[1]))
    out = io.BytesIO()
    extra = (
        {"exif": gps_exif(orientation), "xmp": XMP, "comment": b"GPS 34.5512N 38.2701E"}
        if gps
        else {}
    )
    image.save(out, format="JPEG", quality=90, **extra)
    return out.getvalue()


def png_bytes(size=(300, 200), *, alpha: bool = False) -> bytes:
    image = Image.new(
        "RGBA" if alpha else "RGB", size, (20, 120, 200, 128) if alpha else (20, 120, 200)
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A valid PNG header announcing ``width`` × ``height`` pixels, in a few kilobytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    row = b"\x00" + b"\x00" * (width // 8 + 1)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(64)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def upload(
    data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def image_fields(**overrides) -> dict:
    fields = {
        "caption": "Temple of Bel, cella",
        "credit": "© Test Agency",
        "licence": "CC-BY-4.0",
        "taken": "2014-03",
    }
    return fields | overrides


def make_image(
    target, *, data: bytes | None = None, lifecycle: str = Lifecycle.PUBLISHED, **fields
) -> MediaItem:
    item = services.media_services.media_upload(
        file=upload(data or jpeg_bytes()), fields=image_fields(**fields), target=target
    )
    if lifecycle != Lifecycle.DRAFT:
        services.record_transition(record=item, to=lifecycle)
    return item


def stored_files(root) -> list:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def media_item(lifecycle: str = Lifecycle.PUBLISHED, **fields) -> MediaItem:
    """An image of a new site, for tests that need any image."""
    target = fields.pop("target", None) or f.HeritageSiteFactory()
    return make_image(target, lifecycle=lifecycle, **fields)


def media_pair(lifecycle: str = Lifecycle.PUBLISHED, **fields) -> MediaPair:
    """A pair of two published images of a new site, 2014 and 2016."""
    site = f.HeritageSiteFactory()
    pair = MediaPair(
        title=fields.pop("title", "North gate, 2014 and 2016"),
        lifecycle=lifecycle,
        before=make_image(site, taken="2014"),
        after=make_image(site, taken="2016"),
        **fields,
    )
    return services.record_save(record=pair)
