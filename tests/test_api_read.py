"""Reading the partner API: visibility, filters, pagination, formats, conditional requests."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
import rdflib
from django.db.models import F
from rest_framework.throttling import SimpleRateThrottle

from registry import services
from registry.api import linked_art
from registry.models import Actor, Lifecycle
from tests import factories as f
from tests.api_fixtures import api, curator, fresh_throttles, partner_a, partner_b  # noqa: F401

pytestmark = pytest.mark.django_db


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content[:500]
    return response.json()["results"]


def slugs(response) -> set[str]:
    return {row["slug"] for row in results(response)}


# One builder per list endpoint: makes ``n`` published rows sharing their related records.
def build_sites(n):
    for _ in range(n):
        site = f.HeritageSiteFactory()
        f.SiteNameFactory(owner=site)
        f.DesignationFactory(site=site)


def build_artefacts(n):
    site = f.HeritageSiteFactory()
    for _ in range(n):
        f.ArtefactFactory(site=site)


def build_actors(n):
    f.ActorFactory.create_batch(n)


def build_sources(n):
    publisher = f.ActorFactory()
    f.SourceFactory.create_batch(n, publisher=publisher)


def build_citations(n):
    report = f.DamageReportFactory()
    f.CitationFactory.create_batch(n, damage_report=report, source=report.source)


def build_events(n):
    site = f.HeritageSiteFactory()
    for _ in range(n):
        f.AttributionFactory(damage_event=f.DamageEventFactory(sites=[site]))


def build_reports(n):
    site, source = f.HeritageSiteFactory(), f.SourceFactory()
    for _ in range(n):
        f.CitationFactory(damage_report=f.DamageReportFactory(sites=[site], source=source), source=source)


def build_pledges(n):
    site, pledger = f.HeritageSiteFactory(), f.ActorFactory()
    for _ in range(n):
        f.PledgeStatusChangeFactory(pledge=f.RestorationPledgeFactory(sites=[site], pledger=pledger))


def build_status_changes(n):
    pledge = f.RestorationPledgeFactory()
    f.PledgeStatusChangeFactory.create_batch(n, pledge=pledge)


def build_interventions(n):
    site = f.HeritageSiteFactory()
    for _ in range(n):
        f.InterventionFactory(sites=[site])


LISTS = {
    "sites": build_sites, "artefacts": build_artefacts, "actors": build_actors, "sources": build_sources,
    "citations": build_citations, "damage-events": build_events, "damage-reports": build_reports,
    "pledges": build_pledges, "pledge-status-changes": build_status_changes, "interventions": build_interventions,
}


@pytest.mark.parametrize("endpoint", sorted(LISTS))
def test_query_count_does_not_grow_with_rows(api, endpoint, django_assert_max_num_queries):
    LISTS[endpoint](10)
    with django_assert_max_num_queries(12):
        assert len(results(api.get(f"/api/v1/{endpoint}/?page_size=200"))) >= 10
    LISTS[endpoint](90)
    with django_assert_max_num_queries(12):
        assert len(results(api.get(f"/api/v1/{endpoint}/?page_size=200"))) >= 100


def test_vocabularies_list_filters_by_vocabulary(api):
    rows = results(api.get("/api/v1/vocabularies/?vocabulary=site_kind&page_size=200"))
    assert rows and {row["vocabulary"] for row in rows} == {"site_kind"}
    assert "museum" in {row["slug"] for row in rows}
    detail = api.get("/api/v1/vocabularies/site_kind/museum/")
    assert detail.json()["label"] == "Museum"
    redirect = api.get("/api/v1/terms/site-kind/museum/")
    assert redirect.status_code == 301 and redirect["Location"].endswith("/api/v1/vocabularies/site-kind/museum/")
    assert api.get(redirect["Location"]).json()["slug"] == "museum"


def test_anonymous_reads_published_records_only(api, partner_a):
    published = f.DamageReportFactory()
    draft = f.DamageReportFactory(lifecycle=Lifecycle.DRAFT)
    in_review = f.DamageReportFactory(lifecycle=Lifecycle.IN_REVIEW, submitted_by=partner_a.institution)
    assert slugs(api.get("/api/v1/damage-reports/")) == {published.slug}
    assert api.get(f"/api/v1/damage-reports/{draft.slug}/").status_code == 404
    assert api.get(f"/api/v1/damage-reports/{in_review.slug}/").status_code == 404
    assert api.get(f"/api/v1/damage-reports/{published.slug}/").json()["title"] == published.title


def test_related_records_the_reader_may_not_see_are_left_out(api, partner_a, curator):
    public_site = f.HeritageSiteFactory()
    draft_site = f.HeritageSiteFactory(lifecycle=Lifecycle.DRAFT, submitted_by=partner_a.institution)
    draft_publisher = f.ActorFactory(lifecycle=Lifecycle.DRAFT)
    report = f.DamageReportFactory(sites=[public_site, draft_site])
    source = f.SourceFactory(publisher=draft_publisher)
    assert api.get(f"/api/v1/damage-reports/{report.slug}/").json()["sites"] == [public_site.slug]
    assert api.get(f"/api/v1/sources/{source.slug}/").json()["publisher"] is None
    assert set(partner_a.client.get(f"/api/v1/damage-reports/{report.slug}/").json()["sites"]) == {
        public_site.slug, draft_site.slug}
    assert curator.get(f"/api/v1/sources/{source.slug}/").json()["publisher"] == draft_publisher.slug


def test_partner_sees_its_own_submissions_but_never_another_partners(partner_a, partner_b):
    published = f.SourceFactory()
    own = f.SourceFactory(lifecycle=Lifecycle.IN_REVIEW, submitted_by=partner_a.institution)
    others = f.SourceFactory(lifecycle=Lifecycle.DRAFT, submitted_by=partner_b.institution)
    listed = slugs(partner_a.client.get("/api/v1/sources/"))
    assert published.slug in listed and own.slug in listed and others.slug not in listed
    assert partner_a.client.get(f"/api/v1/sources/{own.slug}/").json()["submitted_by"] == partner_a.institution.slug
    assert partner_a.client.get(f"/api/v1/sources/{others.slug}/").status_code == 404
    assert partner_b.client.get(f"/api/v1/sources/{own.slug}/").status_code == 404


def test_curator_sees_everything(curator):
    draft = f.ActorFactory(lifecycle=Lifecycle.DRAFT)
    archived = f.ActorFactory(lifecycle=Lifecycle.ARCHIVED)
    assert {draft.slug, archived.slug} <= slugs(curator.get("/api/v1/actors/"))


def test_sensitive_coordinates_are_coarsened_except_for_curators(api, partner_a, curator):
    site = f.HeritageSiteFactory(is_sensitive=True, latitude="34.551234", longitude="38.268765")
    for client in (api, partner_a.client):
        body = client.get(f"/api/v1/sites/{site.slug}/").json()
        assert (body["latitude"], body["longitude"], body["coordinates_coarsened"]) == (34.6, 38.3, True)
        listed = results(client.get("/api/v1/sites/"))[0]
        assert (listed["latitude"], listed["longitude"]) == (34.6, 38.3)
    exact = curator.get(f"/api/v1/sites/{site.slug}/").json()
    assert (exact["latitude"], exact["longitude"], exact["coordinates_coarsened"]) == (34.551234, 38.268765, False)


def test_detail_shows_record_metadata_and_readable_edtf_bounds(api):
    report = f.DamageReportFactory(occurred="2015", observed="-0099/-0001")
    body = api.get(f"/api/v1/damage-reports/{report.slug}/").json()
    assert body["url"].endswith(f"/api/v1/damage-reports/{report.slug}/")
    assert {"slug", "version", "lifecycle", "updated_at"} <= body.keys()
    assert (body["occurred"], body["occurred_earliest"], body["occurred_latest"]) == ("2015", "2015-01-01", "2015-12-31")
    assert (body["observed_earliest"], body["observed_latest"]) == ("-0099-01-01", "-0001-12-31")
    assert body["source"] == report.source.slug and body["sites"] == [s.slug for s in report.sites.all()]


def test_event_detail_includes_published_attributions_only(api):
    event = f.DamageEventFactory()
    shown = f.AttributionFactory(damage_event=event)
    f.AttributionFactory(damage_event=event, lifecycle=Lifecycle.DRAFT)
    body = api.get(f"/api/v1/damage-events/{event.slug}/").json()
    assert [a["actor"] for a in body["attributions"]] == [shown.actor.slug]


def test_pledge_detail_nests_its_published_status_history(api):
    pledge = f.RestorationPledgeFactory()
    change = f.PledgeStatusChangeFactory(pledge=pledge, status="in_progress", date="2017-02")
    f.PledgeStatusChangeFactory(pledge=pledge, status="fulfilled", lifecycle=Lifecycle.DRAFT)
    history = api.get(f"/api/v1/pledges/{pledge.slug}/").json()["status_history"]
    assert [(h["slug"], h["status"], h["date_earliest"]) for h in history] == [(change.slug, "in_progress", "2017-02-01")]


def test_lists_use_the_public_filtersets(api):
    damascus = f.HeritageSiteFactory(name="Damascus citadel", country="SY")
    f.HeritageSiteFactory(name="Hatra", country="IQ")
    assert slugs(api.get("/api/v1/sites/?q=citadel")) == {damascus.slug}
    assert slugs(api.get("/api/v1/sites/?country=SY")) == {damascus.slug}
    bad = api.get("/api/v1/sites/?country=XX")
    assert bad.status_code == 400 and "country" in bad.json()["errors"]


def test_a_filter_across_related_rows_pages_the_api_without_distinct(api):
    """As on the pages: a report about two Syrian sites is one row, and no query sorts every
    match with DISTINCT before the first page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    syrian = [f.HeritageSiteFactory(country="SY") for _ in range(2)]
    both = f.DamageReportFactory(title="Both Syrian sites", sites=syrian)
    one = f.DamageReportFactory(title="One Syrian site", sites=syrian[:1])
    f.DamageReportFactory(title="Hatra", sites=[f.HeritageSiteFactory(country="IQ")])
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/v1/damage-reports/?country=SY&ordering=-date")
    assert [row["slug"] for row in results(response)] == [row.slug for row in sorted(
        [both, one], key=lambda report: (report.occurred_lower or 0, report.pk), reverse=True)]
    assert not any("SELECT DISTINCT" in query["sql"].upper() for query in queries.captured_queries)
    paged = api.get("/api/v1/damage-reports/?country=SY&page_size=1")
    assert len(results(paged)) == 1 and paged.json()["next"]


def test_a_yes_no_filter_refuses_any_other_value(api):
    movable = f.ArtefactFactory(is_movable=True)
    fixed = f.ArtefactFactory(is_movable=False)
    assert slugs(api.get("/api/v1/artefacts/?is_movable=true")) == {movable.slug}
    assert slugs(api.get("/api/v1/artefacts/?is_movable=false")) == {fixed.slug}
    assert slugs(api.get("/api/v1/artefacts/?is_movable=")) == {movable.slug, fixed.slug}
    bad = api.get("/api/v1/artefacts/?is_movable=ture")
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["is_movable"]
    assert api.get("/api/v1/vocabularies/?is_active=yes").json()["errors"].keys() == {"is_active"}


def test_unknown_addresses_answer_json_404_even_with_a_newline(api):
    for address in ("/api/v1/no-such-list/", "/api/v1/vocabularies/a.b%0A/", "/api/v1/sites/%0A/x"):
        response = api.get(address)
        assert response.status_code == 404, address
        assert response["Content-Type"] == "application/json" and "detail" in response.json(), address


def test_ordering_and_cursor_pages_cover_every_record_once(api):
    made = [f.ActorFactory(name=name).slug for name in ("Delta", "Alpha", "Echo", "Charlie", "Bravo")]
    seen, url = [], "/api/v1/actors/?ordering=name&page_size=2"
    while url:
        body = api.get(url).json()
        seen += [row["name"] for row in body["results"]]
        url = body["next"]
    assert seen == ["Alpha", "Bravo", "Charlie", "Delta", "Echo"] and len(made) == 5
    descending = [row["name"] for row in results(api.get("/api/v1/actors/?ordering=-name"))]
    assert descending == sorted(descending, reverse=True)


def test_ordering_by_a_date_with_open_bounds_pages_through_all(api):
    for made in ("", "2001", "-0099", "1900", ""):
        f.ArtefactFactory(made=made)
    seen, url = [], "/api/v1/artefacts/?ordering=date&page_size=2"
    while url:
        body = api.get(url).json()
        seen += [row["made"] for row in body["results"]]
        url = body["next"]
    assert seen == ["", "", "-0099", "1900", "2001"]


def test_csv_format_gives_one_row_per_record(api):
    actors = [f.ActorFactory(name=name) for name in ("Directorate of Antiquities", "Heritage Watch", "Museum")]
    f.ActorFactory(name="Draft actor", lifecycle=Lifecycle.DRAFT)
    response = api.get("/api/v1/actors/?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted((row["slug"], row["name"]) for row in rows) == sorted((a.slug, a.name) for a in actors)
    assert all(row["url"].endswith("/api/v1/actors/" + row["slug"] + "/") for row in rows)


def test_geojson_for_sites_list_and_detail(api):
    site = f.HeritageSiteFactory(is_sensitive=True, latitude="34.551234", longitude="38.268765")
    collection = json.loads(api.get("/api/v1/sites/?format=geojson").content)
    assert collection["type"] == "FeatureCollection"
    assert collection["features"][0]["geometry"] == {"type": "Point", "coordinates": [38.3, 34.6]}
    detail = api.get(f"/api/v1/sites/{site.slug}/?format=geojson")
    assert detail["Content-Type"].startswith("application/geo+json")
    assert json.loads(detail.content)["properties"]["slug"] == site.slug


@pytest.mark.parametrize("endpoint,factory", [
    ("sites", f.HeritageSiteFactory), ("artefacts", f.ArtefactFactory),
    ("damage-events", f.DamageEventFactory), ("pledges", f.RestorationPledgeFactory),
])
def test_jsonld_is_linked_art_that_parses_as_rdf(api, settings, endpoint, factory):
    settings.REGISTRY_BASE_URI = "https://registry.example.org"
    record = factory()
    response = api.get(f"/api/v1/{endpoint}/{record.slug}/?format=jsonld")
    assert response["Content-Type"].startswith("application/ld+json")
    document = json.loads(response.content)
    subject = rdflib.URIRef(f"https://registry.example.org/api/v1/{endpoint}/{record.slug}/")
    assert document["id"] == str(subject)
    assert (subject, None, None) in linked_art.to_rdf_graph(document)
    # rdflib's own JSON-LD parser too, given the bundled context instead of the remote one.
    offline = dict(document, **{"@context": linked_art.linked_art_context()["@context"]})
    graph = rdflib.Graph().parse(data=json.dumps(offline), format="json-ld")
    assert (subject, rdflib.RDF.type, None) in graph


def test_jsonld_is_offered_on_details_only(api):
    f.ActorFactory()
    assert api.get("/api/v1/sites/?format=jsonld").status_code == 404
    actor = f.ActorFactory()
    assert api.get(f"/api/v1/actors/{actor.slug}/?format=jsonld").status_code == 404


def test_conditional_get_on_detail(api):
    site = f.HeritageSiteFactory()
    first = api.get(f"/api/v1/sites/{site.slug}/")
    assert first["ETag"] and first["Last-Modified"]
    assert {"Authorization", "Accept-Language"} <= {v.strip() for v in first["Vary"].split(",")}
    again = api.get(f"/api/v1/sites/{site.slug}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    since = api.get(f"/api/v1/sites/{site.slug}/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    services.record_update(record=site, fields={"description": "Changed."})
    changed = api.get(f"/api/v1/sites/{site.slug}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_conditional_get_on_list_and_variants(api, partner_a):
    f.ActorFactory()
    first = api.get("/api/v1/actors/")
    assert api.get("/api/v1/actors/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    # A partner may see other rows for the same URL: never the anonymous validator.
    assert partner_a.client.get("/api/v1/actors/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    assert api.get("/api/v1/actors/?format=csv", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    f.ActorFactory()
    assert api.get("/api/v1/actors/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_list_validators_follow_the_rows_of_the_page(api):
    """An edit or an archive on the page changes the page's ETag; rows elsewhere do not."""
    actors = {name: f.ActorFactory(name=name) for name in ("Alpha", "Bravo", "Charlie", "Delta")}
    url = "/api/v1/actors/?ordering=name&page_size=2"

    first = api.get(url)
    assert [row["name"] for row in results(first)] == ["Alpha", "Bravo"]
    assert first["ETag"] and first["Last-Modified"]
    services.record_update(record=actors["Delta"], fields={"description": "Off the first page."})
    assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    second = api.get(first.json()["next"])
    assert second["ETag"] != first["ETag"]

    services.record_update(record=actors["Bravo"], fields={"description": "Edited on the page."})
    edited = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert edited.status_code == 200 and edited["ETag"] != first["ETag"]
    assert [row["description"] for row in results(edited)] == [actors["Alpha"].description, "Edited on the page."]

    # Every change so far an hour back, so that Last-Modified (whole seconds)
    # can tell them from the archiving below.
    Actor.objects.update(updated_at=F("updated_at") - timedelta(hours=1))
    before = api.get(url)
    assert api.get(url, HTTP_IF_MODIFIED_SINCE=before["Last-Modified"]).status_code == 304

    services.record_transition(record=actors["Alpha"], to=Lifecycle.ARCHIVED)
    archived = api.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert archived.status_code == 200 and archived["ETag"] not in (first["ETag"], before["ETag"])
    assert [row["name"] for row in results(archived)] == ["Bravo", "Charlie"]
    # The archived record left the page, whose rows are all an hour old:
    # If-Modified-Since must still not call the list unchanged.
    assert api.get(url, HTTP_IF_MODIFIED_SINCE=before["Last-Modified"]).status_code == 200
    assert api.get(url, HTTP_IF_NONE_MATCH=archived["ETag"]).status_code == 304


def test_list_etag_tells_the_last_page_from_one_with_more_after_it(api):
    f.ActorFactory(name="Alpha")
    f.ActorFactory(name="Bravo")
    url = "/api/v1/actors/?ordering=name&page_size=2"
    alone = api.get(url)
    assert alone.json()["next"] is None
    f.ActorFactory(name="Charlie")  # a third row, past this page
    more = api.get(url, HTTP_IF_NONE_MATCH=alone["ETag"])
    assert more.status_code == 200 and more.json()["next"] and more["ETag"] != alone["ETag"]


def test_list_304_reads_one_page_and_serializes_nothing(api, django_assert_num_queries):
    build_sites(30)
    url = "/api/v1/sites/?page_size=5"
    # The page, the newest change, names, designations and their kinds, identifiers, and the
    # sites' conditions (their reports and their interventions, for the whole page at once).
    with django_assert_num_queries(8):
        first = api.get(url)
    assert len(results(first)) == 5
    with django_assert_num_queries(2):  # the page's rows and the newest change, nothing related
        assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_anonymous_reads_are_throttled(api, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "100/min"})
    codes = [api.get("/api/v1/actors/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "detail" in api.get("/api/v1/actors/").json()


def test_changes_feed_and_vocabularies_query_counts_do_not_grow(api, django_assert_max_num_queries):
    build_reports(5)
    with django_assert_max_num_queries(14):
        first = len(api.get("/api/v1/changes/?page_size=500").json()["results"])
    with django_assert_max_num_queries(4):
        assert len(results(api.get("/api/v1/vocabularies/?page_size=200"))) > 20
    build_reports(40)
    with django_assert_max_num_queries(14):
        assert len(api.get("/api/v1/changes/?page_size=500").json()["results"]) > first


@pytest.mark.parametrize("endpoint", sorted(LISTS))
def test_detail_query_count_is_bounded(api, endpoint, django_assert_max_num_queries):
    LISTS[endpoint](3)
    slug = results(api.get(f"/api/v1/{endpoint}/"))[0]["slug"]
    with django_assert_max_num_queries(12):
        assert api.get(f"/api/v1/{endpoint}/{slug}/").status_code == 200


def test_errors_are_json_whatever_format_was_asked_for(api):
    response = api.get("/api/v1/sites/?format=csv&country=XX")
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
    assert "country" in response.json()["errors"]
    missing = api.get("/api/v1/sites/nowhere/?format=geojson")
    assert missing.status_code == 404 and missing.json()["errors"] == {}


def test_unknown_api_addresses_answer_json_404_and_missing_slash_redirects(api):
    response = api.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail", "errors"}
    assert api.get("/api/v1/sources/not.a.slug/").json()["errors"] == {}
    redirect = api.get("/api/v1/sites?country=SY")
    assert redirect.status_code == 301 and redirect["Location"] == "/api/v1/sites/?country=SY"


@pytest.mark.parametrize("value", ["null", "0", "-3", "ten"])
def test_page_size_must_be_a_positive_whole_number(api, value):
    response = api.get(f"/api/v1/actors/?page_size={value}")
    assert response.status_code == 400 and "page_size" in response.json()["errors"]


@pytest.mark.parametrize("size", ["201", "100000", "0", "-1", "ten", "1.5"])
def test_page_size_out_of_range_is_refused(api, size):
    f.ActorFactory.create_batch(3)
    response = api.get(f"/api/v1/actors/?page_size={size}")
    assert response.status_code == 400
    assert response.json()["errors"]["page_size"] == ["A whole number from 1 to 200."]


def test_page_size_at_the_maximum_is_served(api):
    f.ActorFactory.create_batch(201)
    assert len(results(api.get("/api/v1/actors/?page_size=200"))) == 200
