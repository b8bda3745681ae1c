"""A site's page: its newest reports, looked for among the registry's newest first.

``newest_report_keys`` looks for a site's newest reports among the newest of the whole
registry and asks for them in full when too few are there; either way it must give the
keys the plain query gives. On PostgreSQL the registry's newest are read from the top of
``report_life_chrono_idx``, which must be in exactly the order of the list.
"""

from __future__ import annotations

import json
import random

import pytest
from django.db import connection
from django.urls import reverse

from registry.models import DamageReport, Lifecycle
from registry.views import site as site_view
from tests.factories import DamageReportFactory, HeritageSiteFactory, SourceFactory

pytestmark = pytest.mark.django_db

# Dates that tie on their lower bound and differ on their upper one, open bounds included.
DATES = ["", "2015", "2015-08", "2015-08-30", "2015/2016", "2015/..", "../2015", "2016-04~", "-0050"]


def _plain_keys(site) -> list[int]:
    return list(
        DamageReport.objects.published().for_site(site).chronological().reverse()
        .values_list("pk", flat=True)[: site_view.TIMELINE_LIMIT + 1]
    )


@pytest.fixture
def sites():
    rng = random.Random(7)
    source = SourceFactory()
    busy = HeritageSiteFactory()
    part = HeritageSiteFactory(parent=busy)
    quiet = HeritageSiteFactory()
    for number in range(90):
        where = rng.choice([[busy], [busy], [part], [busy, part], [quiet]])
        lifecycle = Lifecycle.PUBLISHED if number % 7 else Lifecycle.DRAFT
        DamageReportFactory(source=source, sites=where, occurred=rng.choice(DATES), lifecycle=lifecycle)
    return busy, part, quiet


@pytest.mark.parametrize("searched", [1, 12, 40, 10_000])
def test_newest_keys_are_those_of_the_plain_query(sites, monkeypatch, searched):
    """However many of the registry's newest are searched first, found there or not."""
    monkeypatch.setattr(site_view, "NEWEST_SEARCHED", searched)
    for site in sites:
        assert list(site_view.newest_report_keys(site)) == _plain_keys(site)


def test_site_page_lists_the_newest_reports(sites, client, monkeypatch):
    monkeypatch.setattr(site_view, "NEWEST_SEARCHED", 40)
    busy = sites[0]
    response = client.get(reverse("registry:site-detail", kwargs={"slug": busy.slug}))
    assert response.status_code == 200
    shown = [report.pk for report in response.context["reports"]]
    assert shown == _plain_keys(busy)[: site_view.TIMELINE_LIMIT][::-1]
    assert response.context["timeline_truncated"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="index order is PostgreSQL's")
def test_registry_newest_reports_are_read_from_the_top_of_an_index(sites):
    """Without a sort: the index is in the list's order, NULLs included (a sort left in the
    plan, though made to look dear, says no index is)."""
    newest = DamageReport.objects.published().chronological().reverse().values("pk")[: site_view.NEWEST_SEARCHED]
    sql, params = newest.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        # A few rows: the planner would rather sort them, in full or from another index's order.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    nodes = []

    def walk(node):
        nodes.append(node)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    assert not [node for node in nodes if "Sort" in node["Node Type"]], plan
    assert any(node.get("Index Name") == "report_life_chrono_idx" for node in nodes), plan
