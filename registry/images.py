"""Checking an uploaded image and making the copies the registry stores.

The type is decided by the bytes (Pillow's own format detection), never by
the file name or the content type the client declares. The pixel count is
read from the header and refused before any pixel is decoded, so a
decompression bomb costs nothing. Every stored copy is encoded afresh from the
pixels alone: EXIF (GPS position, camera serial, date), XMP and comments stay
behind in the discarded upload.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Formats accepted, by what Pillow reads in the file's first bytes.
ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "TIFF": "TIFF"}
READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Copy:
    """One encoded copy: its bytes, file extension, content type and size in pixels."""

    data: bytes
    extension: str
    content_type: str
    width: int
    height: int


@dataclass(frozen=True)
class ProcessedImage:
    full: Copy
    web: Copy
    thumbnail: Copy
    original_sha256: str
    original_format: str


def _error(message: str, code: str, field: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def read_upload(upload, *, field: str = "file") -> bytes:
    """The upload's bytes, refusing it as soon as it passes the size limit."""
    limit = settings.MEDIA_UPLOAD_MAX_BYTES
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise _error(
            _("The file is %(size)s; the largest accepted is %(limit)s.")
            % {"size": _megabytes(declared), "limit": _megabytes(limit)},
            "too_large",
            field,
        )
    upload.seek(0)
    buffer = io.BytesIO()
    while chunk := upload.read(READ_CHUNK):
        buffer.write(chunk)
        if buffer.tell() > limit:
            raise _error(
                _("The file is larger than %(limit)s, the largest accepted.")
                % {"limit": _megabytes(limit)},
                "too_large",
                field,
            )
    data = buffer.getvalue()
    if not data:
        raise _error(_("The file is empty."), "empty", field)
    return data


def _open_checked(data: bytes, *, field: str) -> Image.Image:
    accepted = ", ".join(ACCEPTED_FORMATS.values())
    limit = settings.MEDIA_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
        width, height = image.size
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        width = height = None  # Pillow's own guard fired first: refused below as too large
    except (UnidentifiedImageError, OSError):
        raise _error(
            _(
                "The file is not an image in a format the registry accepts (%(formats)s), "
                "whatever its name says."
            )
            % {"formats": accepted},
            "invalid_type",
            field,
        ) from None
    if width is None:
        raise _error(
            _(
                "The image has more than %(limit).0f megapixels, the largest accepted; it may be a "
                "decompression bomb."
            )
            % {"limit": limit / 1e6},
            "too_many_pixels",
            field,
        )
    if width * height > limit:
        raise _error(
            _(
                "The image is %(width)d × %(height)d pixels (%(mp).0f megapixels); "
                "the largest accepted is %(limit).0f megapixels. Such a file may be a "
                "decompression bomb; if it is a real "
                "image, scale it down first."
            )
            % {"width": width, "height": height, "mp": width * height / 1e6, "limit": limit / 1e6},
            "too_many_pixels",
            field,
        )
    return image


def _decoded(image: Image.Image, *, field: str) -> Image.Image:
    """The first frame's pixels, upright, as RGB or RGBA; a damaged file is refused."""
    try:
        image.seek(0)
        image.load()
        upright = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _error(
            _("The image is damaged or truncated and cannot be read."), "damaged", field
        ) from None
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    )
    converted = upright.convert("RGBA" if has_alpha else "RGB")
    # A new image from the raw pixels alone: nothing of the upload's ``info``
    # (EXIF, XMP, comments, ICC profile, PNG text) can reach an encoder.
    return Image.frombytes(converted.mode, converted.size, converted.tobytes())


def _encode(pixels: Image.Image, *, max_side: int | None, quality: int) -> Copy:
    copy = pixels.copy()
    if max_side is not None:
        copy.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if copy.mode == "RGBA":
        # Only the pixels: no pnginfo, so no text chunks travel with them.
        copy.save(out, format="PNG", optimize=True)
        extension, content_type = "png", "image/png"
    else:
        # No exif=, no xmp=, no comment=: Pillow writes none of them unless asked.
        copy.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
        extension, content_type = "jpg", "image/jpeg"
    return Copy(out.getvalue(), extension, content_type, copy.width, copy.height)


def process_upload(upload, *, field: str = "file") -> ProcessedImage:
    """Check ``upload``; return the copies to store, or raise ValidationError naming ``field``."""
    data = read_upload(upload, field=field)
    image = _open_checked(data, field=field)
    original_format = image.format
    pixels = _decoded(image, field=field)
    return ProcessedImage(
        full=_encode(pixels, max_side=None, quality=92),
        web=_encode(pixels, max_side=settings.MEDIA_WEB_SIZE, quality=85),
        thumbnail=_encode(pixels, max_side=settings.MEDIA_THUMBNAIL_SIZE, quality=80),
        original_sha256=hashlib.sha256(data).hexdigest(),
        original_format=original_format,
    )
