"""Writing through the partner API: who may write what, and every refusal."""

from __future__ import annotations

import json

import pytest

from registry import services
from registry.models import Citation, DamageReport, HeritageSite, Lifecycle, PledgeStatusChange, Source
from tests import factories as f
from tests.api_fixtures import api, curator, fresh_throttles, partner_a, partner_b  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def evidence():
    """A published site and source that submissions can point at."""
    return {"site": f.HeritageSiteFactory(slug="palmyra-museum"), "source": f.SourceFactory(slug="wire-2016")}


def report_payload(**overrides) -> dict:
    payload = {
        "title": "Display cases smashed", "source": "wire-2016", "sites": ["palmyra-museum"],
        "occurred": "2015/2016-03", "cause_category": "vandalism", "cause_type": "breaking-smashing",
        "effects": ["cracked-broken-missing-parts"], "severity": "severe", "quantity_precision": "vague",
        "quantity_phrase": "several", "certainty": "medium",
        "citations": [{"source": "wire-2016", "quote": "several smashed display cases", "locator": "para. 9"}],
    }
    return payload | overrides


def post(client, url, data, **extra):
    return client.post(url, data=json.dumps(data), content_type="application/json", **extra)


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (DamageReport, Citation, Source, HeritageSite, PledgeStatusChange))


def error_fields(response) -> dict:
    body = response.json()
    assert set(body) >= {"detail", "errors"}, body
    return body["errors"]


# Partners


def test_partner_submits_a_report_that_waits_for_review(api, partner_a, partner_b, evidence):
    response = post(partner_a.client, "/api/v1/damage-reports/", report_payload())
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["lifecycle"], body["submitted_by"]) == (Lifecycle.IN_REVIEW, partner_a.institution.slug)
    assert response["Location"] == body["url"]
    assert body["citations"][0]["quote"] == "several smashed display cases"
    assert body["occurred_earliest"] == "2015-01-01" and body["occurred_latest"] == "2016-03-31"
    report = DamageReport.objects.get(slug=body["slug"])
    assert report.citations.get().lifecycle == Lifecycle.IN_REVIEW
    assert api.get(body["url"]).status_code == 404
    assert partner_b.client.get(body["url"]).status_code == 404
    assert partner_a.client.get(body["url"]).status_code == 200


def test_partner_key_also_works_in_x_api_key(api, partner_a, evidence):
    response = post(api, "/api/v1/damage-reports/", report_payload(), HTTP_X_API_KEY=partner_a.key)
    assert response.status_code == 201
    assert response.json()["submitted_by"] == partner_a.institution.slug


def test_partner_submits_a_source_in_review(partner_a):
    response = post(partner_a.client, "/api/v1/sources/", {
        "title": "Statement on Palmyra", "kind": "ngo-statement", "published": "2016-03~", "language": "en",
    })
    assert response.status_code == 201, response.content
    source = Source.objects.get(slug=response.json()["slug"])
    assert (source.lifecycle, source.submitted_by) == (Lifecycle.IN_REVIEW, partner_a.institution)


def test_partner_cites_an_existing_report(partner_a):
    report = f.DamageReportFactory()
    response = post(partner_a.client, "/api/v1/citations/", {
        "source": report.source.slug, "target": {"type": "damage_report", "slug": report.slug},
        "quote": "badly damaged", "stance": "disputes",
    })
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["target"] == {"type": "damage_report", "slug": report.slug}
    assert (body["lifecycle"], body["stance"]) == (Lifecycle.IN_REVIEW, "disputes")


def test_partner_updates_a_pledge_status_with_evidence(partner_a):
    pledge, source = f.RestorationPledgeFactory(), f.SourceFactory()
    response = post(partner_a.client, "/api/v1/pledge-status-changes/", {
        "pledge": pledge.slug, "status": "in_progress", "date": "2017-02",
        "citations": [{"source": source.slug, "quote": "restoration has begun"}],
    })
    assert response.status_code == 201, response.content
    assert response.json()["lifecycle"] == Lifecycle.IN_REVIEW
    pledge.refresh_from_db()
    assert pledge.status == "pledged"  # follows the new status only once a curator publishes it


def test_partner_edits_its_own_submission_with_its_version(partner_a, evidence):
    created = post(partner_a.client, "/api/v1/damage-reports/", report_payload()).json()
    response = partner_a.client.patch(created["url"], {"severity": "moderate", "version": created["version"]},
                                      format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["severity"], response.json()["version"]) == ("moderate", created["version"] + 1)
    stale = partner_a.client.patch(created["url"], {"severity": "slight", "version": created["version"]},
                                   format="json")
    assert stale.status_code == 409
    assert stale.json()["current_version"] == created["version"] + 1
    assert DamageReport.objects.get(slug=created["slug"]).severity == "moderate"


def test_update_without_version_is_refused(partner_a, evidence):
    created = post(partner_a.client, "/api/v1/damage-reports/", report_payload()).json()
    response = partner_a.client.patch(created["url"], {"severity": "slight"}, format="json")
    assert response.status_code == 400 and "version" in error_fields(response)


def test_partner_may_not_touch_another_partners_draft(partner_a, partner_b):
    theirs = f.SourceFactory(lifecycle=Lifecycle.DRAFT, submitted_by=partner_b.institution)
    response = partner_a.client.patch(f"/api/v1/sources/{theirs.slug}/", {"title": "Mine now", "version": 1},
                                      format="json")
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.title != "Mine now"


def test_partner_may_not_edit_published_records(partner_a):
    source = f.SourceFactory(submitted_by=partner_a.institution)  # published by a curator already
    response = partner_a.client.patch(f"/api/v1/sources/{source.slug}/", {"title": "x", "version": 1}, format="json")
    assert response.status_code == 403 and "review" in response.json()["detail"]


def test_partner_may_not_publish(partner_a, evidence):
    created = post(partner_a.client, "/api/v1/damage-reports/", report_payload()).json()
    response = post(partner_a.client, created["url"] + "transition/",
                    {"to": "published", "version": created["version"]})
    assert response.status_code == 403 and "curators" in response.json()["detail"]
    assert DamageReport.objects.get(slug=created["slug"]).lifecycle == Lifecycle.IN_REVIEW


@pytest.mark.parametrize("endpoint", ["sites", "artefacts", "actors", "damage-events", "pledges", "interventions"])
def test_partner_may_not_write_curated_records(partner_a, endpoint):
    before = counts()
    response = post(partner_a.client, f"/api/v1/{endpoint}/", {"name": "Anything", "title": "Anything"})
    assert response.status_code == 403 and "Partner institutions may submit" in response.json()["detail"]
    assert counts() == before


# Authentication


def test_anonymous_writes_need_a_key(api, evidence):
    before = counts()
    response = post(api, "/api/v1/damage-reports/", report_payload())
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Api-Key")
    assert counts() == before


def test_bad_and_revoked_keys_are_refused_with_a_clear_message(api, partner_a, evidence):
    response = post(api, "/api/v1/damage-reports/", report_payload(), HTTP_AUTHORIZATION="Api-Key nope.nope")
    assert response.status_code == 401 and "Invalid or revoked API key" in response.json()["detail"]
    key = partner_a.institution.api_keys.get()
    services.api_key_revoke(key=key)
    revoked = post(partner_a.client, "/api/v1/damage-reports/", report_payload())
    assert revoked.status_code == 401 and revoked["WWW-Authenticate"]
    assert partner_a.client.get("/api/v1/sites/").status_code == 401


def test_an_institution_may_hold_several_keys(partner_a, api, evidence):
    _key, second = services.api_key_create(institution=partner_a.institution, label="nightly sync")
    assert post(api, "/api/v1/damage-reports/", report_payload(), HTTP_AUTHORIZATION=f"Api-Key {second}").status_code == 201
    assert post(partner_a.client, "/api/v1/damage-reports/", report_payload(title="Another")).status_code == 201


# Curators


def test_curator_creates_updates_and_publishes(curator, api, settings):
    settings.REVIEW_SINGLE_CURATOR = True  # one curator creates and publishes
    created = post(curator, "/api/v1/sites/", {
        "name": "Temple of Bel", "kind": "archaeological-site", "country": "SY",
        "latitude": "34.547", "longitude": "38.275",
    })
    assert created.status_code == 201, created.content
    site = created.json()
    assert site["lifecycle"] == Lifecycle.DRAFT and api.get(site["url"]).status_code == 404
    updated = curator.patch(site["url"], {"description": "Dedicated AD 32.", "version": site["version"]},
                            format="json")
    assert updated.status_code == 200 and updated.json()["version"] == site["version"] + 1
    published = post(curator, site["url"] + "transition/", {"to": "published", "version": site["version"] + 1})
    assert published.status_code == 200 and published.json()["lifecycle"] == Lifecycle.PUBLISHED
    assert api.get(site["url"]).json()["description"] == "Dedicated AD 32."


def test_curator_publishes_a_partner_report_from_the_review_queue(curator, partner_a, api, evidence):
    created = post(partner_a.client, "/api/v1/damage-reports/", report_payload()).json()
    queue = curator.get("/api/v1/damage-reports/").json()["results"]
    assert created["slug"] in {row["slug"] for row in queue if row["lifecycle"] == "in_review"}
    response = post(curator, created["url"] + "transition/",
                    {"to": "published", "reason": "Checked", "version": created["version"]})
    assert response.status_code == 200 and response.json()["lifecycle"] == "published"
    assert api.get(created["url"]).json()["citations"][0]["lifecycle"] == "published"


def test_transition_refused_by_the_lifecycle_rules_is_a_400(curator):
    site = f.HeritageSiteFactory(lifecycle=Lifecycle.ARCHIVED)
    response = post(curator, f"/api/v1/sites/{site.slug}/transition/", {"to": "published", "version": site.version})
    assert response.status_code == 400 and "lifecycle" in error_fields(response)


def test_stale_transition_is_a_409(curator):
    site = f.HeritageSiteFactory()
    response = post(curator, f"/api/v1/sites/{site.slug}/transition/", {"to": "archived", "version": site.version + 5})
    assert response.status_code == 409 and response.json()["current_version"] == site.version
    site.refresh_from_db()
    assert site.lifecycle == Lifecycle.PUBLISHED


def test_nothing_is_deleted_through_the_api(curator):
    site = f.HeritageSiteFactory()
    assert curator.delete(f"/api/v1/sites/{site.slug}/").status_code == 405
    assert HeritageSite.objects.filter(pk=site.pk).exists()


# Bad input: 400 field by field, and nothing stored


@pytest.mark.parametrize("overrides,field,words", [
    ({"occurred": "2015-13-45"}, "occurred", "2015-08-27/2015-09-02"),
    ({"cause_type": "alien-attack"}, "cause_type", "cause_type vocabulary"),
    ({"effects": ["made-up"]}, "effects", "effect_type vocabulary"),
    ({"sites": ["atlantis"]}, "sites", "atlantis"),
    ({"source": "nowhere"}, "source", "nowhere"),
    ({"citations": []}, "citations", "citation"),
    ({"citations": [{"source": "nowhere"}]}, "citations[0].source", "nowhere"),
])
def test_invalid_report_is_refused_field_by_field(partner_a, evidence, overrides, field, words):
    before = counts()
    response = post(partner_a.client, "/api/v1/damage-reports/", report_payload(**overrides))
    assert response.status_code == 400, response.content
    errors = error_fields(response)
    assert field in errors and words in " ".join(errors[field]), errors
    assert counts() == before


def test_report_without_citations_key_is_refused(partner_a, evidence):
    payload = report_payload()
    del payload["citations"]
    response = post(partner_a.client, "/api/v1/damage-reports/", payload)
    assert response.status_code == 400 and "citations" in error_fields(response)


@pytest.mark.parametrize("latitude,longitude,field", [("91", "38", "latitude"), ("34", "-181", "longitude"),
                                                      ("north", "38", "latitude")])
def test_bad_coordinates_are_refused(curator, latitude, longitude, field):
    response = post(curator, "/api/v1/sites/", {"name": "Nowhere", "kind": "archaeological-site", "country": "SY",
                                                "latitude": latitude, "longitude": longitude})
    assert response.status_code == 400 and field in error_fields(response)
    assert not HeritageSite.objects.filter(name="Nowhere").exists()


def test_model_rules_come_back_as_field_errors(curator):
    response = post(curator, "/api/v1/sites/", {"name": "Half", "kind": "archaeological-site", "country": "SY",
                                                "latitude": "34.5"})
    assert response.status_code == 400
    # Both coordinates or neither, from the model's own rule: reported on the one missing.
    assert error_fields(response) == {"longitude": ["Give both latitude and longitude, or neither."]}
    assert not HeritageSite.objects.filter(name="Half").exists()


def test_citation_of_an_unknown_record_is_refused(partner_a):
    source = f.SourceFactory()
    response = post(partner_a.client, "/api/v1/citations/", {
        "source": source.slug, "target": {"type": "damage_report", "slug": "no-such-report"}})
    assert response.status_code == 400 and "no-such-report" in " ".join(error_fields(response)["target"])


def test_oversized_body_is_a_413_and_stores_nothing(partner_a, evidence, settings):
    before = counts()
    payload = report_payload(description="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10))
    response = post(partner_a.client, "/api/v1/damage-reports/", payload)
    assert response.status_code == 413 and response.json()["errors"] == {}
    assert counts() == before


def test_malformed_json_is_a_400(partner_a):
    response = partner_a.client.post("/api/v1/sources/", data="{not json", content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.json()["detail"]


@pytest.mark.parametrize("overrides,field", [
    ({"title": 42}, "title"), ({"quantity_phrase": True}, "quantity_phrase"),
    ({"citations": [{"source": "wire-2016", "quote": 7}]}, "citations[0].quote"),
])
def test_numbers_where_text_belongs_are_refused(partner_a, evidence, overrides, field):
    before = counts()
    response = post(partner_a.client, "/api/v1/damage-reports/", report_payload(**overrides))
    assert response.status_code == 400 and field in error_fields(response)
    assert counts() == before


def test_stale_put_is_a_409_and_keeps_the_stored_record(curator):
    site = f.HeritageSiteFactory(name="Temple of Nabu")
    body = {"name": "Temple of Nabu (east)", "kind": site.kind.slug, "country": "SY", "version": site.version}
    assert curator.put(f"/api/v1/sites/{site.slug}/", body, format="json").status_code == 200
    stale = curator.put(f"/api/v1/sites/{site.slug}/", body | {"name": "Stale"}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == site.version + 1
    site.refresh_from_db()
    assert site.name == "Temple of Nabu (east)"


def test_a_source_url_must_be_a_url_or_blank(partner_a):
    bad = post(partner_a.client, "/api/v1/sources/", {"title": "Statement", "kind": "ngo-statement",
                                                      "web_url": "not a url"})
    assert bad.status_code == 400 and "web_url" in error_fields(bad)
    good = post(partner_a.client, "/api/v1/sources/", {"title": "Statement", "kind": "ngo-statement",
                                                       "web_url": "https://news.example.org/palmyra"})
    assert good.status_code == 201 and good.json()["web_url"] == "https://news.example.org/palmyra"
    assert Source.objects.get(slug=good.json()["slug"]).url == "https://news.example.org/palmyra"
    blank = post(partner_a.client, "/api/v1/sources/", {"title": "Note", "kind": "ngo-statement", "web_url": ""})
    assert blank.status_code == 201 and blank.json()["url"].endswith("/api/v1/sources/note/")
