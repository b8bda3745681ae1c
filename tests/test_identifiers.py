"""Slugs: readable for names in any script, and the partner's own when it asks for one."""

from __future__ import annotations

import json

import pytest

from registry import services
from registry.models import Citation, HeritageSite, PledgeStatusChange
from tests import factories as f
from tests.api_fixtures import api, fresh_throttles, partner_a  # noqa: F401

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


@pytest.mark.parametrize(
    "name,slug",
    [
        ("تدمر", "tdmr"),  # Palmyra, in Arabic only
        ("Храм Бела", "khram-bela"),
        ("Πάλμυρα", "palmyra"),
    ],
)
def test_a_name_in_another_script_gets_a_transliterated_slug(name, slug):
    site = services.record_create(
        model=HeritageSite,
        fields={"name": name, "kind": f.term("site_kind", "archaeological-site"), "country": "SY"},
    )
    assert site.slug == slug
    again = services.record_create(
        model=HeritageSite,
        fields={"name": name, "kind": f.term("site_kind", "archaeological-site"), "country": "SY"},
    )
    assert again.slug == f"{slug}-2"


def test_partner_slug_is_kept_for_a_pledge_status_change_and_its_citations(partner_a):  # noqa: F811
    pledge, source = f.RestorationPledgeFactory(), f.SourceFactory()
    response = post(
        partner_a.client,
        "/api/v1/pledge-status-changes/",
        {
            "slug": "museum-north-pledge-update-7",
            "pledge": pledge.slug,
            "status": "in_progress",
            "date": "2017-02",
            "citations": [
                {
                    "slug": "museum-north-evidence-7",
                    "source": source.slug,
                    "quote": "work has begun",
                }
            ],
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "museum-north-pledge-update-7"
    change = PledgeStatusChange.objects.get(slug="museum-north-pledge-update-7")
    assert Citation.objects.get(slug="museum-north-evidence-7").pledge_status == change


def test_a_requested_slug_already_taken_is_refused_on_the_slug_field(partner_a):  # noqa: F811
    pledge, source = f.RestorationPledgeFactory(), f.SourceFactory()
    f.PledgeStatusChangeFactory(pledge=pledge, slug="taken")
    response = post(
        partner_a.client,
        "/api/v1/pledge-status-changes/",
        {
            "slug": "taken",
            "pledge": pledge.slug,
            "status": "in_progress",
            "date": "2017",
            "citations": [{"source": source.slug, "quote": "work has begun"}],
        },
    )
    assert response.status_code == 400
    assert "slug" in json.dumps(response.json())


@pytest.mark.parametrize(
    "path,payload",
    [
        ("sources", lambda: {"title": "Field notes", "kind": "field-mission-report"}),
        (
            "damage-reports",
            lambda: {
                "title": "Cases smashed",
                "source": f.SourceFactory().slug,
                "sites": [f.HeritageSiteFactory().slug],
                "citations": [{"source": f.SourceFactory().slug, "quote": "smashed"}],
            },
        ),
        (
            "citations",
            lambda: {
                "source": f.SourceFactory().slug,
                "quote": "smashed",
                "target": {"type": "damage_report", "slug": f.DamageReportFactory().slug},
            },
        ),
    ],
)
def test_partner_slug_is_kept_on_every_kind_it_may_submit(partner_a, path, payload):  # noqa: F811
    response = post(
        partner_a.client, f"/api/v1/{path}/", {"slug": f"partner-chosen-{path}", **payload()}
    )
    assert response.status_code == 201, response.content
    assert response.json()["slug"] == f"partner-chosen-{path}"
