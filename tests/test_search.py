"""Search by name in every script: the selector, then the pages, API and admin that use it.

Runs on SQLite (FTS5) and on PostgreSQL (full text and trigrams); the tests for
spellings that only trigrams find, and for the plans, run on PostgreSQL alone.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from registry import services
from registry.models import Artefact, ArtefactName, DamageReport, HeritageSite, Lifecycle, SiteName
from registry.selectors.search import fold, fts5_query

from .factories import ArtefactFactory, DamageReportFactory, HeritageSiteFactory, SourceFactory

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL search only")


@pytest.fixture
def palmyra():
    site = HeritageSiteFactory(name="Palmyra", slug="palmyra", description="An oasis city of the desert.")
    SiteName.objects.create(owner=site, name="تَدْمُر", language="ar")
    SiteName.objects.create(owner=site, name="Tadmur", language="ar-Latn")
    return site


@pytest.fixture
def aleppo():
    site = HeritageSiteFactory(name="Citadel of Aleppo", slug="aleppo-citadel", description="")
    SiteName.objects.create(owner=site, name="قلعة حلب", language="ar")
    SiteName.objects.create(owner=site, name="Qal'at Ḥalab", language="ar-Latn")
    return site


def names(queryset) -> list[str]:
    return sorted(queryset.values_list("name", flat=True))


def test_fold_makes_spellings_meet():
    assert fold("Qal'at Ḥalab") == fold("qalat halab") == "qalat halab"
    assert fold("أثرية") == fold("اثرية") == fold("آثريَّة")
    assert fold("مدينة") == fold("مدينه")
    assert fts5_query("Qal'at  Ḥalab!") == '"qalat"* "halab"*'
    assert fts5_query("' - ") == ""


@pytest.mark.parametrize("query", [
    "Palmyra", "palm", "PALMYRA", "Tadmur", "tadmur", "تدمر", "تَدْمُر", "oasis",
])
def test_sites_are_found_by_every_name_and_script(palmyra, aleppo, query):
    assert names(HeritageSite.objects.search(query)) == ["Palmyra"]


@pytest.mark.parametrize("query", ["Qalat Halab", "qal'at ḥalab", "قلعه حلب", "حلب", "citadel aleppo"])
def test_accents_apostrophes_and_arabic_letter_forms_are_folded(palmyra, aleppo, query):
    assert names(HeritageSite.objects.search(query)) == ["Citadel of Aleppo"]


def test_nothing_to_search_finds_nothing(palmyra):
    assert not HeritageSite.objects.search("' ").exists()
    assert not HeritageSite.objects.search("Nineveh").exists()


@postgres_only
@pytest.mark.parametrize("query", ["Palmira", "Tadmor", "Palmyra ancient"])
def test_postgres_finds_other_spellings_by_trigrams(palmyra, aleppo, query):
    assert names(HeritageSite.objects.search(query)) == ["Palmyra"]


def test_renamed_and_removed_names_are_searched_as_they_are_now(palmyra):
    name = palmyra.names.get(language="ar-Latn")
    name.name = "Tudmur"
    services.history_save(instance=name, reason="spelling")
    assert names(HeritageSite.objects.search("Tudmur")) == ["Palmyra"]
    assert not HeritageSite.objects.search("Tadmur").exists()
    name.delete()
    assert not HeritageSite.objects.search("Tudmur").exists()
    services.record_update(record=palmyra, fields={"name": "Tadmor oasis"})
    assert names(HeritageSite.objects.search("oasis")) == ["Tadmor oasis"]


def test_artefacts_by_their_names_and_their_site_names(palmyra, aleppo):
    lion = ArtefactFactory(name="Lion of Al-lat", site=palmyra)
    ArtefactName.objects.create(owner=lion, name="أسد اللات", language="ar")
    gate = ArtefactFactory(name="Entrance gate", site=aleppo)
    assert names(Artefact.objects.search("اسد")) == ["Lion of Al-lat"]
    assert names(Artefact.objects.search("تدمر")) == ["Lion of Al-lat"]
    assert names(Artefact.objects.search("gate")) == [gate.name]


@pytest.fixture
def reports(palmyra, aleppo):
    source = SourceFactory()
    lion = ArtefactFactory(name="Lion of Al-lat", site=palmyra)
    ArtefactName.objects.create(owner=lion, name="أسد اللات", language="ar")
    hidden = HeritageSiteFactory(name="Unpublished tell", lifecycle=Lifecycle.DRAFT)
    made = {
        "temple": DamageReportFactory(title="Temple dynamited", source=source, sites=[palmyra]),
        "lion": DamageReportFactory(title="Statue smashed", source=source, sites=[palmyra]),
        "gate": DamageReportFactory(title="Gate shelled", description="Mortar fire.", source=source,
                                    sites=[aleppo]),
        "tell": DamageReportFactory(title="Looting pits", source=source, sites=[aleppo, hidden]),
    }
    made["lion"].artefacts.set([lion])
    return {key: report.pk for key, report in made.items()}


def found(text: str, **options) -> set[int]:
    return set(DamageReport.objects.search(text, **options).values_list("pk", flat=True))


def test_reports_by_title_description_site_and_artefact_names(reports):
    assert found("dynamited") == {reports["temple"]}
    assert found("mortar") == {reports["gate"]}
    assert found("تدمر") == {reports["temple"], reports["lion"]}
    assert found("Qalat Halab") == {reports["gate"], reports["tell"]}
    assert found("أسد") == {reports["lion"]}


def test_unpublished_sites_lend_their_names_only_in_the_admin(reports):
    assert found("Unpublished tell") == set()
    assert found("Unpublished tell", public=False) == {reports["tell"]}


def test_report_list_page_finds_reports_by_their_sites_names(client, reports):
    response = client.get(reverse("registry:report-list"), {"q": "Tadmur"})
    assert {report.pk for report in response.context["object_list"]} == {reports["temple"], reports["lion"]}


def test_api_finds_reports_and_sites_by_arabic_names(client, reports):
    body = client.get("/api/v1/damage-reports/", {"q": "قلعة حلب"}).json()
    assert {row["title"] for row in body["results"]} == {"Gate shelled", "Looting pits"}
    body = client.get("/api/v1/sites/", {"q": "حلب"}).json()
    assert [row["slug"] for row in body["results"]] == ["aleppo-citadel"]
    body = client.get("/api/v1/artefacts/", {"q": "اسد"}).json()
    assert [row["name"] for row in body["results"]] == ["Lion of Al-lat"]


@pytest.mark.parametrize("query", ["حلب", "aleppo-citadel", "Qal'at Ḥalab"])
def test_admin_search_by_name_or_slug(admin_client, reports, query, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = admin_client.get("/admin/registry/damagereport/", {"q": query})
    assert response.status_code == 200
    cl = response.context["cl"]
    assert {row.pk for row in cl.result_list} == {reports["gate"], reports["tell"]}
    assert cl.show_full_result_count is False
    sites = admin_client.get("/admin/registry/heritagesite/", {"q": query}).context["cl"].result_list
    assert [site.slug for site in sites] == ["aleppo-citadel"]


def test_admin_changelist_query_count(admin_client, reports, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = admin_client.get("/admin/registry/damagereport/")
    assert len(response.context["cl"].result_list) == len(reports)


@postgres_only
@pytest.mark.parametrize("kind", ["sites", "artefacts", "reports"])
@pytest.mark.parametrize("text", ["palmyra", "Palmira"])
def test_postgres_search_reads_the_gin_indexes(reports, kind, text):
    """With sequential scans priced out, every branch of the search uses an index, which
    shows that the query's expressions are the indexed ones."""
    functions = [f"registry_words_{kind}"] + ([f"registry_spelling_{kind}"] if kind != "reports" else [])
    plan = ""
    with connection.cursor() as cursor:
        bodies = []
        for function in functions:
            bodies.append(cursor.execute(
                "SELECT prosrc FROM pg_proc WHERE oid = %s::regprocedure", [f"{function}(text)"]
            ).fetchone()[0])
        # Over a few rows, or statistics left by earlier tests, the planner may rather walk
        # another index in full. Only the search indexes and primary keys are left to it;
        # the test's transaction puts the others back.
        tables = sorted(set(re.findall(r"\bregistry_[a-z_]+\b", " ".join(bodies))) - set(functions))
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no checks left pending on the tables altered
        cursor.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint"
            " WHERE conrelid::regclass::text = ANY(%s) AND contype = 'u'", [tables])
        for table, name in cursor.fetchall():
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s)"
            " AND indexname NOT SIMILAR TO '%%(\\_fts\\_idx|\\_trgm\\_idx|\\_pkey)'", [tables])
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        for body in bodies:
            body = re.sub(r"\bquery\b", "%s", body.replace("%", "%%"))
            cursor.execute("EXPLAIN " + body, [text] * body.count("%s"))
            plan += "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan" not in plan
    assert "_fts_idx" in plan
    # Names are also matched by spelling; reports by their words only.
    assert ("_trgm_idx" in plan) == (kind != "reports")


@postgres_only
def test_postgres_reads_a_rare_words_reports_first_when_another_word_is_common():
    """Every report holds "damage"; "42" is in a few. With the index's statistics the
    search reads the rare word's reports and keeps those holding both words, which are
    the reports the index finds for both words at once."""
    source = SourceFactory()
    DamageReport.objects.bulk_create(
        DamageReport(title=f"Damage seen {n}", slug=f"seen-{n}", source=source, lifecycle=Lifecycle.PUBLISHED)
        for n in range(400)
    )
    DamageReportFactory(title="Cracked lintel", description="Number 42 of the survey.", source=source)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_damagereport")
        rare = cursor.execute(
            "SELECT registry_rare_word('registry_damagereport_fts_idx', %s)", ["Damage 42"]).fetchone()[0]
        both = cursor.execute(
            "SELECT id FROM registry_damagereport WHERE to_tsvector('simple', registry_fold(title) || ' ' "
            "|| registry_fold(description)) @@ registry_tsquery(%s)", ["Damage 42"]).fetchall()
    assert rare == "42"
    expected = set(DamageReport.objects.filter(title__regex=r"^Damage seen 42[0-9]*$").values_list("pk", flat=True))
    assert len(expected) == 1 and found("Damage 42") == expected == {pk for (pk,) in both}
    assert found("42") == expected | {DamageReport.objects.get(title="Cracked lintel").pk}
    assert len(found("damage")) == 400  # common words alone: the index, as before


@postgres_only
def test_postgres_walks_the_page_order_when_every_word_is_common(monkeypatch):
    """Every report holds "damage" and half hold "wall": no word is rare, so the search keeps
    the reports of the page's order that match, rather than collecting them all first. It
    finds what collecting finds, by the reports' own words and by their sites' names, in the
    page's order; a query with a rare word still goes to the index."""
    from registry.selectors import search

    source = SourceFactory()
    DamageReport.objects.bulk_create(
        DamageReport(title=f"Damage seen {n}" + (" on the wall" if n % 2 else ""), slug=f"seen-{n}",
                     source=source, lifecycle=Lifecycle.PUBLISHED, occurred_lower=n)
        for n in range(400)
    )
    lintel = DamageReportFactory(title="Cracked lintel", description="", source=source,
                                 sites=[HeritageSiteFactory(name="Damage Hill", description="")])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_damagereport")
    search.forget_statistics()
    every = set(DamageReport.objects.values_list("pk", flat=True))
    walls = set(DamageReport.objects.filter(title__endswith="wall").values_list("pk", flat=True))
    queries = ["damage", "damage wall", "wall", "damage 42", "lintel"]
    monkeypatch.setattr(search, "PAGE_ROWS", 10**9)
    collected = {query: found(query) for query in queries}
    assert collected["damage"] == every and lintel.pk in every
    assert collected["wall"] == walls and len(walls) == 200
    # Its site's name is close in spelling to "damage wall": sites are also found by spelling.
    assert collected["damage wall"] == walls | {lintel.pk}
    assert collected["lintel"] == {lintel.pk}

    monkeypatch.setattr(search, "PAGE_ROWS", 10)
    reports = DamageReport.objects.all()
    assert search._worth_walking(reports, "damage wall") and search._worth_walking(reports, "damage")
    assert not search._worth_walking(reports, "damage 42") and not search._worth_walking(reports, "lintel")
    assert "registry_words_reports" not in str(DamageReport.objects.search("damage").query)
    assert "registry_words_reports" in str(DamageReport.objects.search("damage 42").query)
    assert {query: found(query) for query in queries} == collected
    # In a subquery (a filter across a join) the words are those of the subquery's own rows.
    inner = DamageReport.objects.filter(pk__in=DamageReport.objects.search("wall").values("pk"))
    assert set(inner.values_list("pk", flat=True)) == walls
    newest = DamageReport.objects.search("wall").order_by("-occurred_lower").values_list("occurred_lower", flat=True)
    assert list(newest[:3]) == [399, 397, 395]
    # An export reads every match: the index collects them, the page walks.
    with search.reading_everything():
        assert not search._worth_walking(reports, "damage wall")
    assert search._worth_walking(reports, "damage wall")
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        export = Client().get(reverse("registry:report-export", kwargs={"format": "csv"}), {"q": "wall"})
        assert export.status_code == 200
        lines = b"".join(export.streaming_content).decode().strip().splitlines()
    assert len(lines) == 1 + len(walls)
    assert any("registry_words_reports" in query["sql"] for query in queries.captured_queries)
    page = Client().get(reverse("registry:report-list"), {"q": "wall"})
    assert page.status_code == 200 and page.context["page"].has_next is True
    assert [report.pk for report in page.context["object_list"]] == list(
        DamageReport.objects.filter(pk__in=walls).order_by("occurred_lower", "pk").values_list("pk", flat=True)[:50])


def test_admin_paginator_estimates_long_lists_and_counts_short_ones(reports, monkeypatch):
    from django.test.utils import CaptureQueriesContext

    from registry.admin import paginator

    queryset = DamageReport.objects.all()
    with CaptureQueriesContext(connection) as short:
        assert paginator.EstimatedCountPaginator(queryset, 50).count == len(reports)
    assert any("COUNT(" in query["sql"].upper() for query in short.captured_queries)
    if connection.vendor != "postgresql":
        return
    monkeypatch.setattr(paginator, "EXACT_UP_TO", 0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_damagereport")
    with CaptureQueriesContext(connection) as long:
        estimate = paginator.EstimatedCountPaginator(queryset, 50).count
    assert estimate >= 1
    assert not any("COUNT(" in query["sql"].upper() for query in long.captured_queries)
