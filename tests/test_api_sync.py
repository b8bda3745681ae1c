"""Keeping a mirror in step: updated_since on lists and the changes feed."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.utils import timezone

from registry import services
from registry.models import Lifecycle
from tests import factories as f
from tests.api_fixtures import api, curator, fresh_throttles, partner_a, partner_b  # noqa: F401

pytestmark = pytest.mark.django_db


def feed(client, url) -> list[dict]:
    """Every entry of the feed from ``url`` on, following next links."""
    entries = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        entries += response.json()["results"]
        url = response.json()["next"]
    return entries


def test_sync_round_trip_sees_changes_and_withdrawals(api, curator):
    changed, archived, untouched = f.HeritageSiteFactory(), f.DamageReportFactory(), f.ActorFactory()
    mark = quote(timezone.now().isoformat())
    response = curator.patch(f"/api/v1/sites/{changed.slug}/", {"description": "Now a ruin.", "version": 1},
                             format="json")
    assert response.status_code == 200
    assert curator.post(f"/api/v1/damage-reports/{archived.slug}/transition/",
                        {"to": "archived", "version": archived.version}, format="json").status_code == 200

    entries = feed(api, f"/api/v1/changes/?since={mark}")
    by_slug = {entry["slug"]: entry for entry in entries}
    assert by_slug[changed.slug]["lifecycle"] == "published" and by_slug[changed.slug]["version"] == 2
    assert by_slug[archived.slug]["lifecycle"] == "archived" and by_slug[archived.slug]["type"] == "damage_report"
    assert by_slug[archived.slug]["url"].endswith(f"/api/v1/damage-reports/{archived.slug}/")
    assert untouched.slug not in by_slug
    assert [e["updated_at"] for e in entries] == sorted(e["updated_at"] for e in entries)

    listed = api.get(f"/api/v1/sites/?updated_since={mark}").json()["results"]
    assert [row["slug"] for row in listed] == [changed.slug]
    assert api.get(f"/api/v1/damage-reports/?updated_since={mark}").json()["results"] == []
    assert curator.get(f"/api/v1/damage-reports/?updated_since={mark}").json()["results"][0]["lifecycle"] == "archived"


def test_withdrawing_a_report_reaches_mirrors_through_its_citations(api, curator):
    report = f.DamageReportFactory()
    citation = f.CitationFactory(damage_report=report, source=report.source)
    other = f.CitationFactory()
    f.CitationFactory(damage_report=report, source=report.source, lifecycle=Lifecycle.DRAFT)
    mark = quote(timezone.now().isoformat())
    assert curator.post(f"/api/v1/damage-reports/{report.slug}/transition/",
                        {"to": "archived", "version": report.version}, format="json").status_code == 200

    by_slug = {entry["slug"]: entry for entry in feed(api, f"/api/v1/changes/?since={mark}")}
    assert by_slug[citation.slug]["lifecycle"] == "archived"
    assert by_slug[citation.slug]["type"] == "citation"
    assert other.slug not in by_slug
    citation.refresh_from_db()
    assert (citation.version, citation.lifecycle) == (1, Lifecycle.PUBLISHED)

    mark = quote(timezone.now().isoformat())
    report.refresh_from_db()
    services.record_transition(record=report, to=Lifecycle.DRAFT, reason="Checked again")
    assert citation.slug not in {entry["slug"] for entry in feed(api, f"/api/v1/changes/?since={mark}")}


def test_feed_pages_cover_every_change_once(api):
    made = {f.ActorFactory().slug for _ in range(7)}
    entries = feed(api, "/api/v1/changes/?page_size=2")
    assert made <= {e["slug"] for e in entries}
    assert len(entries) == len({(e["type"], e["slug"]) for e in entries})


def test_feed_shows_partners_their_own_drafts_only(api, partner_a, partner_b):
    own = f.SourceFactory(lifecycle=Lifecycle.IN_REVIEW, submitted_by=partner_a.institution)
    never_public = f.SourceFactory(lifecycle=Lifecycle.DRAFT)
    withdrawn_draft = f.SourceFactory(lifecycle=Lifecycle.DRAFT, submitted_by=partner_b.institution)
    services.record_archive(record=withdrawn_draft)
    assert own.slug in {e["slug"] for e in feed(partner_a.client, "/api/v1/changes/")}
    assert withdrawn_draft.slug in {e["slug"] for e in feed(partner_b.client, "/api/v1/changes/")}
    for client in (api, partner_b.client):
        seen = {e["slug"] for e in feed(client, "/api/v1/changes/")}
        assert own.slug not in seen and never_public.slug not in seen
    assert withdrawn_draft.slug not in {e["slug"] for e in feed(partner_a.client, "/api/v1/changes/")}
    curators_draft = f.SourceFactory(lifecycle=Lifecycle.DRAFT)
    services.record_archive(record=curators_draft)
    assert curators_draft.slug not in {e["slug"] for e in feed(api, "/api/v1/changes/")}
    for client in (api, partner_b.client):
        assert not any(e["lifecycle"] in ("draft", "in_review") for e in feed(client, "/api/v1/changes/"))


def test_feed_rejects_bad_parameters(api):
    assert "since" in api.get("/api/v1/changes/?since=yesterday").json()["errors"]
    assert "cursor" in api.get("/api/v1/changes/?cursor=garbage").json()["errors"]
    assert api.get("/api/v1/changes/?page_size=0").status_code == 400


def test_updated_since_must_be_a_datetime(api):
    response = api.get("/api/v1/sites/?updated_since=last-week")
    assert response.status_code == 400 and "updated_since" in response.json()["errors"]
