"""The lifecycle through the API: transitions, the review log, the public history."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

from registry import services
from registry.models import DamageReport, HeritageSite, Lifecycle
from tests import factories as f
from tests.api_fixtures import api, curator, fresh_throttles, partner_a, partner_b  # noqa: F401

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


@pytest.fixture
def second_curator() -> APIClient:
    user = User.objects.create_user("curator-sam", password="pw-curator-sam", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="curator")[0])
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def submission(partner_a):
    """A partner's damage report, waiting for review, as the partner reads it."""
    site, source = f.HeritageSiteFactory(slug="palmyra-museum"), f.SourceFactory(slug="wire-2016")
    reply = post(
        partner_a.client,
        "/api/v1/damage-reports/",
        {
            "title": "Display cases smashed",
            "source": source.slug,
            "sites": [site.slug],
            "severity": "severe",
            "citations": [{"source": source.slug, "quote": "several smashed display cases"}],
        },
    )
    assert reply.status_code == 201, reply.content
    return reply.json()


def test_a_transition_without_a_version_is_a_400_naming_the_field(curator):
    site = f.HeritageSiteFactory(lifecycle=Lifecycle.DRAFT)

    reply = post(curator, f"/api/v1/sites/{site.slug}/transition/", {"to": "archived"})

    assert reply.status_code == 400
    assert (
        list(reply.json()["errors"]) == ["version"]
        and "version" in reply.json()["errors"]["version"][0]
    )
    assert HeritageSite.objects.get(pk=site.pk).lifecycle == Lifecycle.DRAFT


def test_a_transition_from_a_stale_version_is_a_409_and_keeps_the_newer_edit(curator):
    site = f.HeritageSiteFactory(lifecycle=Lifecycle.DRAFT)
    edited = curator.patch(
        f"/api/v1/sites/{site.slug}/", {"description": "Surveyed", "version": 1}, format="json"
    )
    assert edited.status_code == 200

    reply = post(
        curator, f"/api/v1/sites/{site.slug}/transition/", {"to": "archived", "version": 1}
    )

    assert reply.status_code == 409 and reply.json()["current_version"] == 2
    stored = HeritageSite.objects.get(pk=site.pk)
    assert (stored.lifecycle, stored.description) == (Lifecycle.DRAFT, "Surveyed")


def test_the_curator_who_submitted_does_not_publish_but_a_second_one_does(curator, second_curator):
    report = f.DamageReportFactory(lifecycle=Lifecycle.DRAFT)
    f.CitationFactory(damage_report=report, lifecycle=Lifecycle.DRAFT)
    url = f"/api/v1/damage-reports/{report.slug}/transition/"
    assert post(curator, url, {"to": "in_review", "version": 1}).status_code == 200

    refused = post(curator, url, {"to": "published", "version": 2})
    published = post(
        second_curator, url, {"to": "published", "version": 2, "public_note": "Checked."}
    )

    assert refused.status_code == 403 and "another curator" in refused.json()["detail"]
    assert published.status_code == 200 and published.json()["lifecycle"] == "published"


def test_a_partner_reads_the_return_reason_fixes_and_resubmits(partner_a, curator, submission):
    returned = post(
        curator,
        submission["url"] + "transition/",
        {
            "to": "draft",
            "version": submission["version"],
            "reason": "Give the paragraph of the quote.",
        },
    )
    assert returned.status_code == 200, returned.content

    log = partner_a.client.get(submission["url"] + "review/").json()
    assert [(m["from_state"], m["to_state"], m["by"], m["reason"]) for m in log][0] == (
        "in_review",
        "draft",
        "curator",
        "Give the paragraph of the quote.",
    )
    assert log[-1]["by"] == partner_a.institution.slug
    fixed = partner_a.client.patch(
        submission["url"],
        {"title": "Display cases smashed (para. 9)", "version": returned.json()["version"]},
        format="json",
    )
    assert fixed.status_code == 200
    resubmitted = post(
        partner_a.client,
        submission["url"] + "transition/",
        {"to": "in_review", "version": fixed.json()["version"]},
    )
    assert resubmitted.status_code == 200 and resubmitted.json()["lifecycle"] == "in_review"


def test_a_return_without_a_reason_is_refused_on_the_reason_field(curator, submission):
    reply = post(
        curator,
        submission["url"] + "transition/",
        {"to": "draft", "version": submission["version"]},
    )

    assert reply.status_code == 400 and list(reply.json()["errors"]) == ["reason"]


def test_the_review_log_is_for_the_submitter_and_curators_only(api, partner_b, curator, submission):
    report = DamageReport.objects.get(slug=submission["slug"])
    services.record_publish(record=report)  # now anyone reads the record itself

    assert curator.get(submission["url"] + "review/").status_code == 200
    assert partner_b.client.get(submission["url"] + "review/").status_code == 403
    assert api.get(submission["url"] + "review/").status_code == 403


def test_a_partner_moves_nothing_but_its_own_drafts_to_review(partner_a, partner_b, submission):
    refused = post(
        partner_a.client,
        submission["url"] + "transition/",
        {"to": "archived", "version": submission["version"]},
    )
    other = post(
        partner_b.client,
        submission["url"] + "transition/",
        {"to": "in_review", "version": submission["version"]},
    )

    assert refused.status_code == 403 and "curators" in refused.json()["detail"]
    assert other.status_code == 403
    assert DamageReport.objects.get(slug=submission["slug"]).lifecycle == Lifecycle.IN_REVIEW


@pytest.fixture
def reviewer() -> APIClient:
    from registry import services

    user = services.curator_create(username="reviewer-lina", password="a-long-reviewer-passphrase",
                                   reviewer=True)
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_reviewer_reads_submissions_publishes_them_and_edits_nothing(reviewer, submission):
    url = f"/api/v1/damage-reports/{submission['slug']}/"
    read = reviewer.get(url)
    assert read.status_code == 200 and read.json()["lifecycle"] == "in_review"
    assert reviewer.get(f"{url}review/").status_code == 200

    edit = reviewer.patch(url, {"title": "Rewritten", "version": submission["version"]}, format="json")
    assert edit.status_code == 403
    assert "Reviewers publish or return" in edit.json()["detail"]
    assert reviewer.get(url).json()["title"] == "Display cases smashed"
    created = post(reviewer, "/api/v1/sources/", {"title": "A new source"})
    assert created.status_code == 403

    archive = post(reviewer, f"{url}transition/", {"to": "archived", "version": submission["version"]})
    assert archive.status_code == 403
    published = post(reviewer, f"{url}transition/", {"to": "published", "version": submission["version"]})
    assert published.status_code == 200, published.content
    assert published.json()["lifecycle"] == "published"
