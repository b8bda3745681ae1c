"""Images and pairs in the curators' admin: upload, errors beside the field, inlines, history."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from registry import services
from registry.models import Lifecycle, MediaItem, MediaPair
from tests import factories as f
from tests.media_fixtures import jpeg_bytes, make_image, media_root, stored_files  # noqa: F401
from tests.test_admin import curator, curator_client, fast_password_hashing, form_data, url  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.admin_urls")]


def test_curator_group_may_edit_images_and_pairs():
    codenames = set(
        Group.objects.get(name="curator").permissions.values_list("codename", flat=True)
    )
    assert {
        "add_mediaitem",
        "change_mediaitem",
        "view_historicalmediaitem",
        "change_mediapair",
    } <= codenames
    assert "change_historicalmediaitem" not in codenames


def test_every_page_opens(curator_client):
    site = f.HeritageSiteFactory()
    item = make_image(site, taken="2014")
    pair = services.record_create(
        model=MediaPair,
        fields={"title": "Cella", "before": item, "after": make_image(site, taken="2016")},
    )
    for model_name, row in (("mediaitem", item), ("mediapair", pair)):
        for page in (
            url(model_name, "changelist"),
            url(model_name, "add"),
            url(model_name, "change", row.pk),
            url(model_name, "history", row.pk),
        ):
            assert curator_client.get(page).status_code == 200, page


def add_form(curator_client, data: bytes, **fields):
    page = curator_client.get(url("mediaitem", "add"))
    payload = form_data(
        page,
        caption="Temple of Bel",
        credit="© DGAM",
        licence="cc-by-4.0",
        taken="2014-03",
        change_reason="from the DGAM archive",
        **fields,
    )
    payload["file"] = SimpleUploadedFile("bel.jpg", data, content_type="image/jpeg")
    return curator_client.post(url("mediaitem", "add"), payload)


def test_upload_through_the_admin_strips_metadata_and_records_who_and_why(
    curator_client, curator, media_root
):
    site = f.HeritageSiteFactory()
    response = add_form(curator_client, jpeg_bytes(gps=True), site=str(site.pk))
    assert response.status_code == 302, (
        response.context and response.context["adminform"].form.errors
    )
    item = MediaItem.objects.get()
    assert item.site == site and item.licence == "CC-BY-4.0" and item.lifecycle == Lifecycle.DRAFT
    latest = item.history.first()
    assert (latest.history_user, latest.history_change_reason) == (curator, "from the DGAM archive")
    with default_storage.open(item.image.name) as handle:
        assert not Image.open(io.BytesIO(handle.read())).getexif()
    assert len(stored_files(media_root)) == 3


def test_bad_file_or_missing_target_is_shown_beside_the_field(curator_client, media_root):
    site = f.HeritageSiteFactory()
    response = add_form(curator_client, b"MZ\x90\x00 an executable", site=str(site.pk))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "not an image" in errors["file"][0]
    response = add_form(curator_client, jpeg_bytes())
    assert "exactly one" in str(response.context["adminform"].form.errors)
    assert MediaItem.objects.count() == 0 and stored_files(media_root) == []


def test_site_page_lists_its_images_inline_and_removing_one_archives_it(curator_client):
    site = f.HeritageSiteFactory()
    item = make_image(site, caption="North gate")
    page = curator_client.get(url("heritagesite", "change", site.pk))
    html = page.content.decode()
    assert "North gate" in html and item.thumbnail.url in html
    (inline,) = [i for i in page.context["inline_admin_formsets"] if i.formset.model is MediaItem]
    prefix = inline.formset.prefix
    response = curator_client.post(
        url("heritagesite", "change", site.pk), form_data(page, **{f"{prefix}-0-DELETE": "on"})
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.lifecycle == Lifecycle.ARCHIVED


def test_pair_page_shows_the_date_warning(curator_client):
    site = f.HeritageSiteFactory()
    event = f.DamageEventFactory(occurred="2015-08-27/2015-09-02", sites=[site])
    pair = services.record_create(
        model=MediaPair,
        fields={
            "title": "Temple of Bel",
            "before": make_image(site, taken="2014"),
            "after": make_image(site, taken="2015-05"),
            "damage_event": event,
        },
    )
    html = curator_client.get(url("mediapair", "change", pair.pk)).content.decode()
    assert "predates the damage event" in html


def test_changelist_query_count_does_not_grow_with_rows(
    curator_client, django_assert_max_num_queries
):
    site = f.HeritageSiteFactory()
    for _ in range(12):
        make_image(site)
    with django_assert_max_num_queries(16):
        response = curator_client.get(url("mediaitem", "changelist"))
    assert response.context["cl"].result_count == 12
