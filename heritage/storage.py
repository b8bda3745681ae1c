"""Where uploaded images are stored, from one setting: ``MEDIA_STORAGE_URL``.

- unset or empty: local disk under ``MEDIA_ROOT`` (default ``media/`` beside manage.py);
- ``file:///var/lib/heritage/media``: local disk at that path;
- ``s3://bucket/prefix?endpoint_url=https://s3.example.org&region_name=eu-west-1``: any
  S3-compatible service, through django-storages. Credentials come from the
  usual ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` variables (or the
  instance's role), never from the URL.

Query options of an ``s3://`` URL, all optional: ``endpoint_url``, ``region_name``,
``custom_domain`` (a CDN in front of the bucket), ``addressing_style``
(``path`` or ``virtual``), ``signature_version``, ``default_acl``, and
``querystring_auth`` (``false`` for a public bucket: plain URLs instead of
signed ones that expire).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

S3_TEXT_OPTIONS = {
    "endpoint_url",
    "region_name",
    "custom_domain",
    "addressing_style",
    "signature_version",
    "default_acl",
}
S3_BOOLEAN_OPTIONS = {"querystring_auth"}


def _boolean(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"MEDIA_STORAGE_URL: {name}={value!r} is not a valid boolean value")


def media_storage(url: str) -> dict:
    """The ``STORAGES["default"]`` entry for ``url``."""
    url = (url or "").strip()
    if not url:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    parts = urlsplit(url)
    if parts.scheme == "file":
        if not parts.path:
            raise ImproperlyConfigured(
                "MEDIA_STORAGE_URL: a file:// URL needs a path, e.g. file:///srv/media"
            )
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": unquote(parts.path)},
        }
    if parts.scheme != "s3":
        raise ImproperlyConfigured(
            f"MEDIA_STORAGE_URL: unknown scheme {parts.scheme!r}; use file:// or s3://"
        )
    if not parts.hostname:
        raise ImproperlyConfigured(
            "MEDIA_STORAGE_URL: an s3:// URL needs a bucket, e.g. s3://heritage-media"
        )
    if parts.username or parts.password:
        raise ImproperlyConfigured(
            "MEDIA_STORAGE_URL: put credentials in AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, not in the URL"
        )
    options: dict = {
        "bucket_name": parts.hostname,
        "location": parts.path.strip("/"),
        "file_overwrite": False,
    }
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name in S3_TEXT_OPTIONS:
            options[name] = value
        elif name in S3_BOOLEAN_OPTIONS:
            options[name] = _boolean(name, value)
        else:
            known = ", ".join(sorted(S3_TEXT_OPTIONS | S3_BOOLEAN_OPTIONS))
            raise ImproperlyConfigured(
                f"MEDIA_STORAGE_URL: unknown option {name!r}; known: {known}"
            )
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


def is_local(storage_entry: dict) -> bool:
    return storage_entry["BACKEND"] == "django.core.files.storage.FileSystemStorage"
