"""Anonymous answers from the cache: the same as without it, and never older than a change."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from registry import services
from registry.models import DamageReport, Lifecycle
from tests import factories as f

pytestmark = pytest.mark.django_db

LIST = "/api/v1/damage-reports/?page_size=50"


@pytest.fixture
def caches_on(settings):
    settings.PAGE_CACHE_SECONDS = 300
    settings.REPRESENTATION_CACHE = True


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the services leave for after the commit (a test's transaction never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def published_report(title: str) -> DamageReport:
    site, source = f.HeritageSiteFactory(), f.SourceFactory()
    return services.claim_create(
        model=DamageReport,
        fields={"title": title, "source": source, "occurred": "2015", "severity": "severe"},
        citations=[{"source": source, "quote": "was damaged"}],
        m2m={"sites": [site]},
        lifecycle=Lifecycle.PUBLISHED,
    )


def draft_report(title: str) -> DamageReport:
    source = f.SourceFactory()
    return services.claim_create(
        model=DamageReport,
        fields={"title": title, "source": source, "occurred": "2016"},
        citations=[{"source": source, "quote": "was hit"}],
        m2m={"sites": [f.HeritageSiteFactory()]},
    )


def test_cached_representations_are_what_the_serializers_say(
    settings, django_assert_max_num_queries
):
    report = published_report("Shelling of the citadel")
    f.CitationFactory(damage_report=report, lifecycle=Lifecycle.DRAFT)  # never shown in public
    client = Client()
    plain_list, plain_detail = (
        client.get(LIST).json(),
        client.get(f"/api/v1/damage-reports/{report.slug}/").json(),
    )
    settings.REPRESENTATION_CACHE = True
    first = client.get(LIST).json()
    with django_assert_max_num_queries(
        2
    ):  # the page's keys and Last-Modified; records from the cache
        second = client.get(LIST)
    assert plain_list == first == second.json()
    assert client.get(f"/api/v1/damage-reports/{report.slug}/").json() == plain_detail
    with CaptureQueriesContext(connection) as cached:
        again = client.get(f"/api/v1/damage-reports/{report.slug}/")
    assert again.json() == plain_detail
    # A cached detail looks up the report's own row, none of its related records.
    assert len(cached) == 1 and " JOIN " not in cached.captured_queries[0]["sql"]
    assert plain_list["results"][0]["citations"][0]["quote"] == "was damaged"
    assert len(plain_list["results"][0]["citations"]) == 1


def test_a_publish_is_visible_on_the_next_request(caches_on, committed):
    published_report("Looting of the museum")
    report = draft_report("Fire in the old souk")
    client = Client()
    assert "Fire in the old souk" not in client.get("/reports/").content.decode()
    assert report.slug not in {row["slug"] for row in client.get(LIST).json()["results"]}
    with committed():
        services.record_publish(record=report)
    assert "Fire in the old souk" in client.get("/reports/").content.decode()
    assert report.slug in {row["slug"] for row in client.get(LIST).json()["results"]}


def test_an_edit_and_a_withdrawal_are_visible_on_the_next_request(caches_on, committed):
    report = published_report("Damage to the minaret")
    client = Client()
    detail = f"/api/v1/damage-reports/{report.slug}/"
    assert client.get(detail).json()["severity"] == "severe"
    assert "Damage to the minaret" in client.get("/").content.decode()
    with committed():
        services.record_update(
            record=report, fields={"severity": "destroyed"}, expected_version=report.version
        )
    assert client.get(detail).json()["severity"] == "destroyed"
    with committed():
        services.record_archive(record=report)
    assert client.get(detail).status_code == 404
    assert "Damage to the minaret" not in client.get("/").content.decode()


def test_a_change_to_a_related_record_reaches_cached_reports(caches_on, committed):
    report = published_report("Collapse of the gate")
    site = report.sites.get()
    client = Client()
    assert client.get(LIST).json()["results"][0]["sites"] == [site.slug]
    with committed():
        services.record_archive(record=site)  # its slug must not be shown any more
    assert client.get(LIST).json()["results"][0]["sites"] == []


def test_each_reader_of_a_cached_page_gets_a_csrf_token_of_its_own(caches_on):
    published_report("Bombing of the library")
    first, second = Client(), Client()
    pages = [client.get("/reports/") for client in (first, second)]
    tokens = [
        re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
        for page in pages
    ]
    assert tokens[0] != tokens[1]
    # The cached page's token works with the cookie it came with: switching language succeeds.
    response = second.post(
        "/i18n/setlang/", {"language": "ar", "next": "/reports/", "csrfmiddlewaretoken": tokens[1]}
    )
    assert response.status_code == 302


def test_signed_in_readers_are_not_served_anonymous_pages(caches_on, admin_client):
    report = draft_report("Unreviewed damage")
    anonymous = Client().get(LIST).json()["results"]
    assert report.slug not in {row["slug"] for row in anonymous}
    staff = admin_client.get(LIST).json()["results"]
    assert report.slug in {row["slug"] for row in staff}
