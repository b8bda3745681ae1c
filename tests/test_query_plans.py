"""PostgreSQL's plans for the busiest reads, over generated data: no full scan of a large table.

The pages and API calls are requested for real; every SELECT they send is
explained, and a sequential scan of one of the tables that grow with the
number of reports fails the test. The data is generated as for the
benchmarks, then vacuumed and analysed, so the planner sees what it would see
in production after a bulk load.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from registry.models import ConditionEntry, DamageReport, HeritageSite
from registry.selectors.condition import site_conditions

REPORTS = 60_000
LARGE_TABLES = {
    "registry_damagereport",
    "registry_damagereport_sites",
    "registry_damagereport_effects",
    "registry_citation",
    "registry_conditionentry",
}

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def generated():
    call_command(
        "generate_benchmark_data",
        reports=REPORTS,
        sites=600,
        no_progress=True,
        stdout=io.StringIO(),
    )


def sequential_scans(plan: dict) -> list[str]:
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in LARGE_TABLES:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found += sequential_scans(child)
    return found


def scans_of(path: str, **headers: str) -> dict[str, list[str]]:
    """Each SELECT a request sends, with the large tables it scans in full."""
    client = Client()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **headers)
        assert response.status_code == 200, path
    found = {}
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if not re.match(r"\s*SELECT", sql, re.IGNORECASE):
                continue
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            if scans := sequential_scans(plan[0]["Plan"]):
                found[sql[:300]] = scans
    return found


# A site with a usual share of the reports; the busiest one (bench-site-0) has a tenth of
# them at this size, where reading the whole table is the planner's right choice.
READS = [
    "/api/v1/damage-reports/?page_size=50",
    "/api/v1/damage-reports/?severity=destroyed&page_size=50",
    "/api/v1/damage-reports/?site=bench-site-50&page_size=50",
    "/api/v1/damage-reports/?ordering=-date&page_size=50",
    "/api/v1/damage-reports/?ordering=title&page_size=50",
    "/reports/",
    "/reports/?ordering=-date",
    "/reports/?site=bench-site-50",
    "/sites/bench-site-50/",
    "/",
]
SEARCHES = [
    "/api/v1/damage-reports/?q=report%2012345", "/reports/?q=report%2012345",
    # Every report's title holds this word: the page is read in its order, not collected.
    "/reports/?q=report", "/api/v1/damage-reports/?q=report&page_size=50",
]
# A partner sees published reports and its own submissions, whatever their state: its
# lists in the API's default order (newest change first, as a sync reads them).
PARTNER_READS = [
    "/api/v1/damage-reports/?page_size=50",
    "/api/v1/damage-reports/?q=report%2012345&page_size=50",
]


def test_lists_and_site_pages_use_indexes(generated):
    for path in READS:
        assert scans_of(path) == {}, path


def test_search_uses_indexes(generated):
    from registry.selectors import search

    search.forget_statistics()
    for path in SEARCHES:
        assert scans_of(path) == {}, path


def test_partner_reads_use_indexes(generated):
    from registry import services

    partner = services.partner_create(name="Plan partner")
    key = services.api_key_create(institution=partner, label="plans")[1]
    for path in PARTNER_READS:
        assert scans_of(path, HTTP_X_API_KEY=key) == {}, path


def test_counts_of_large_tables_are_estimates_close_to_the_truth(generated):
    estimate = DamageReport.objects.published().estimated_count()
    assert estimate % 100 == 0  # three significant figures: it does not pass for exact
    assert abs(estimate - REPORTS) <= REPORTS * 0.05


def _nodes(plan: dict) -> list[str]:
    return [plan["Node Type"], *(node for child in plan.get("Plans", []) for node in _nodes(child))]


def test_the_busiest_sites_condition_is_read_from_the_top_of_its_entry_index(generated):
    site = HeritageSite.objects.get(slug="bench-site-0")
    with CaptureQueriesContext(connection) as captured:
        condition = site_conditions([site])[site.pk]
    assert condition.count == ConditionEntry.objects.filter(site=site).count() > 1000
    picks = [query["sql"] for query in captured.captured_queries if "LIMIT" in query["sql"]]
    assert len(picks) == 4
    with connection.cursor() as cursor:
        for sql in picks:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            nodes = _nodes(plan[0]["Plan"])
            assert "Sort" not in nodes and "Incremental Sort" not in nodes, (sql, nodes)
            assert sequential_scans(plan[0]["Plan"]) == [], sql


def test_an_imports_slug_check_looks_each_slug_up_in_the_index(generated):
    """Each slug is a lookup of its own in the unique index, so that no statistics can make
    the planner read the table instead. As ``slug = ANY(array)`` it read all of it during
    an import into a new registry (short rows, never analysed, some 60,000 of them): a
    state this data, analysed and with long rows, does not reach, hence a test of the
    plan's shape."""
    from registry.bulk_insert import LOOKUP_SIZE, existing_slugs

    asked = [f"report-{n}-new" for n in range(LOOKUP_SIZE - 1)] + ["bench-report-7"]
    with CaptureQueriesContext(connection) as captured:
        found = existing_slugs(DamageReport, asked)
    (query,) = captured.captured_queries
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {query['sql']}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    top = plan[0]["Plan"]

    assert found == {"bench-report-7"}
    assert top["Node Type"] == "Nested Loop"
    outer, inner = top["Plans"]
    assert outer["Node Type"] == "Function Scan"
    assert any(node.startswith("Index") for node in _nodes(inner))
    assert sequential_scans(top) == []
