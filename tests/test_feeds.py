"""The Atom feed of newly published damage reports."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from registry import services
from registry.models import Lifecycle
from tests.factories import CitationFactory, DamageReportFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def publish_report(title: str):
    report = DamageReportFactory(title=title, lifecycle=Lifecycle.DRAFT)
    CitationFactory(damage_report=report, lifecycle=Lifecycle.DRAFT)
    return services.record_publish(record=report)


def test_feed_lists_published_reports_newest_first(client):
    publish_report("Temple of Bel destroyed")
    publish_report("Arch of Triumph destroyed")
    DamageReportFactory(title="Draft rumour", lifecycle=Lifecycle.DRAFT)
    response = client.get(reverse("registry:report-feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")]
    assert titles == ["Arch of Triumph destroyed", "Temple of Bel destroyed"]


def test_feed_entries_link_to_report_pages(client):
    report = publish_report("Museum looted")
    feed = ET.fromstring(client.get(reverse("registry:report-feed")).content)
    [entry] = feed.findall(f"{ATOM}entry")
    link = entry.find(f"{ATOM}link").get("href")
    assert link.endswith(report.get_absolute_url())
    assert "Severe damage" in entry.findtext(f"{ATOM}summary")


def test_archived_report_leaves_the_feed(client):
    report = publish_report("Retracted claim")
    publish_report("Standing claim")
    services.record_archive(record=report)
    feed = ET.fromstring(client.get(reverse("registry:report-feed")).content)
    assert [entry.findtext(f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")] == ["Standing claim"]
