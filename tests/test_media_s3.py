"""Images kept in S3-compatible object storage, through django-storages and boto3 over real HTTP.

moto's server stands in for the object store (MinIO, Ceph, a cloud bucket):
it answers the S3 protocol on a local port, so the registry's upload path,
django-storages' S3 backend and boto3's requests all run as in production.
"""

from __future__ import annotations

import io
import socket
import urllib.request

import pytest
from PIL import Image

from heritage.storage import media_storage
from registry import services
from tests import factories as f
from tests.media_fixtures import image_fields, jpeg_bytes, upload

pytestmark = pytest.mark.django_db
BUCKET = "heritage-media"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def s3_endpoint(monkeypatch):
    from moto.server import ThreadedMotoServer

    for name, value in {
        "AWS_ACCESS_KEY_ID": "registry-test",
        "AWS_SECRET_ACCESS_KEY": "registry-test-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    # The server keeps its buckets in the test process: start each test from none.
    urllib.request.urlopen(
        urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10
    )
    yield endpoint
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings):
    import boto3

    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": media_storage(
            f"s3://{BUCKET}/images?endpoint_url={s3_endpoint}&region_name=us-east-1&addressing_style=path"
        ),
    }
    return client


def test_upload_goes_to_the_bucket_without_metadata(bucket, s3_endpoint):
    item = services.media_services.media_upload(
        file=upload(jpeg_bytes(gps=True)), fields=image_fields(), target=f.HeritageSiteFactory()
    )
    keys = sorted(entry["Key"] for entry in bucket.list_objects_v2(Bucket=BUCKET)["Contents"])
    assert keys == sorted(
        f"images/{name}" for name in (item.image.name, item.web_image.name, item.thumbnail.name)
    )
    stored = Image.open(
        io.BytesIO(bucket.get_object(Bucket=BUCKET, Key=f"images/{item.image.name}")["Body"].read())
    )
    assert stored.size == (1200, 800) and not stored.getexif() and "comment" not in stored.info
    assert item.web_image.url.startswith(f"{s3_endpoint}/{BUCKET}/images/")


def test_refused_upload_leaves_the_bucket_empty(bucket):
    with pytest.raises(Exception, match="not an image"):
        services.media_services.media_upload(
            file=upload(b"<svg/>"), fields=image_fields(), target=f.HeritageSiteFactory()
        )
    assert bucket.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
