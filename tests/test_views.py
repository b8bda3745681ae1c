"""The public pages: what a researcher or journalist sees, and what they never see."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry import services
from registry.models import DamageReport, ExternalIdentifier, HeritageSite, Lifecycle
from tests.factories import (
    ActorFactory, ArtefactFactory, AttributionFactory, CitationFactory, DamageEventFactory,
    DamageReportFactory, DesignationFactory, HeritageSiteFactory, InterventionFactory,
    PledgeStatusChangeFactory, RestorationPledgeFactory, SiteNameFactory, SourceFactory, term,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def palmyra():
    site = HeritageSiteFactory(
        name="Palmyra", slug="palmyra", latitude=Decimal("34.551500"), longitude=Decimal("38.268300"),
    )
    SiteNameFactory(owner=site, name="Tadmur", language="ar-Latn")
    SiteNameFactory(owner=site, name="تدمر", language="ar")
    DesignationFactory(site=site)
    ExternalIdentifier.objects.create(site=site, scheme="unesco", value="23")
    return site


@pytest.fixture
def record_set(palmyra):
    """One published record of every kind, all about Palmyra."""
    director = ActorFactory(name="Maamoun Abdulkarim", slug="maamoun-abdulkarim", kind="person",
                            role="director of antiquities")
    source = SourceFactory(title="Syrian troops retake Palmyra", slug="wire-report")
    artefact = ArtefactFactory(name="Lion of Al-lat", slug="lion-of-al-lat", site=palmyra)
    event = DamageEventFactory(title="Dynamiting of the Temple of Bel", slug="temple-of-bel", sites=[palmyra])
    report = DamageReportFactory(title="Temples dynamited", slug="temples-dynamited", source=source,
                                 damage_event=event, sites=[palmyra], claim_status="confirmed",
                                 severity="destroyed")
    report.artefacts.set([artefact])
    CitationFactory(source=source, damage_report=report, quote="dynamited its ancient temples",
                    locator="para. 4", speaker=director)
    attribution = AttributionFactory(damage_event=event)
    CitationFactory(source=source, damage_report=None, attribution=attribution, quote="IS militants")
    pledge = RestorationPledgeFactory(title="Restore the damaged monuments", slug="restore-monuments",
                                      pledger=director, sites=[palmyra], target="2021")
    CitationFactory(source=source, damage_report=None, pledge=pledge, quote="restore the damaged monuments",
                    speaker=director)
    intervention = InterventionFactory(title="Lion restored", slug="lion-restored", sites=[palmyra])
    intervention.pledges.set([pledge])
    return {"site": palmyra, "actor": director, "source": source, "artefact": artefact, "event": event,
            "report": report, "pledge": pledge, "intervention": intervention}


DETAIL_PAGES = [
    ("registry:site-detail", "site"), ("registry:artefact-detail", "artefact"),
    ("registry:event-detail", "event"), ("registry:report-detail", "report"),
    ("registry:pledge-detail", "pledge"), ("registry:source-detail", "source"),
    ("registry:actor-detail", "actor"), ("registry:intervention-detail", "intervention"),
]
LIST_PAGES = [
    "registry:home", "registry:map", "registry:pledge-tracker", "registry:site-list", "registry:artefact-list",
    "registry:event-list", "registry:report-list", "registry:pledge-list", "registry:source-list",
    "registry:actor-list", "registry:intervention-list",
]

# Which published record of ``record_set`` each list shows, and a factory for an unpublished one.
LIST_PAGE_ROWS = {
    "registry:home": ("report", DamageReportFactory), "registry:map": ("site", HeritageSiteFactory),
    "registry:pledge-tracker": ("pledge", RestorationPledgeFactory), "registry:site-list": ("site", HeritageSiteFactory),
    "registry:artefact-list": ("artefact", ArtefactFactory), "registry:event-list": ("event", DamageEventFactory),
    "registry:report-list": ("report", DamageReportFactory), "registry:pledge-list": ("pledge", RestorationPledgeFactory),
    "registry:source-list": ("source", SourceFactory), "registry:actor-list": ("actor", ActorFactory),
    "registry:intervention-list": ("intervention", InterventionFactory),
}


@pytest.mark.parametrize("url_name", LIST_PAGES)
def test_list_pages_show_published_records(client, record_set, url_name):
    shown, factory = LIST_PAGE_ROWS[url_name]
    hidden = factory(**{"title" if "title" in factory._meta.declarations else "name": "Unpublished zinnia",
                        "lifecycle": Lifecycle.DRAFT})
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    html = response.content.decode()
    if url_name == "registry:map":  # the page fetches its sites view by view from the map data
        whole_world = {"bbox": "-180,-90,180,90", "zoom": "18"}
        html += client.get(reverse("registry:map-data"), whole_world).content.decode()
    assert str(getattr(record_set[shown], "name", None) or record_set[shown].title) in html
    assert hidden.slug not in html and "Unpublished zinnia" not in html


@pytest.mark.parametrize(("url_name", "key"), DETAIL_PAGES)
def test_detail_page_of_each_published_record(client, record_set, url_name, key):
    record = record_set[key]
    response = client.get(record.get_absolute_url())
    assert response.status_code == 200
    assert str(getattr(record, "name", None) or record.title) in response.content.decode()


@pytest.mark.parametrize(("url_name", "key"), DETAIL_PAGES)
@pytest.mark.parametrize("lifecycle", [Lifecycle.DRAFT, Lifecycle.ARCHIVED])
def test_unpublished_record_is_not_found(client, record_set, url_name, key, lifecycle):
    record = record_set[key]
    services.record_update(record=record, fields={"lifecycle": lifecycle})
    assert client.get(reverse(url_name, kwargs={"slug": record.slug})).status_code == 404


def test_unpublished_records_stay_off_lists(client, record_set):
    draft = HeritageSiteFactory(name="Draft citadel", lifecycle=Lifecycle.DRAFT)
    html = client.get(reverse("registry:site-list")).content.decode()
    assert draft.name not in html and record_set["site"].name in html
    whole_world = {"bbox": "-180,-90,180,90", "zoom": "18"}
    assert draft.name not in client.get(reverse("registry:map-data"), whole_world).content.decode()


@pytest.mark.parametrize("query", ["Palmyra", "Tadmur", "تدمر", "tadmur"])
def test_search_finds_the_site_by_any_of_its_names(client, palmyra, query):
    HeritageSiteFactory(name="Aleppo citadel")
    response = client.get(reverse("registry:site-list"), {"q": query})
    assert [site.slug for site in response.context["object_list"]] == ["palmyra"]


def test_site_filters(client, palmyra):
    iraqi = HeritageSiteFactory(name="Nimrud", country="IQ", kind=term("site_kind", "urban-heritage"))
    url = reverse("registry:site-list")
    assert [s.name for s in client.get(url, {"country": "IQ"}).context["object_list"]] == ["Nimrud"]
    assert [s.name for s in client.get(url, {"kind": "urban-heritage"}).context["object_list"]] == [iraqi.name]
    designated = client.get(url, {"designation": "unesco-world-heritage"}).context["object_list"]
    assert [s.name for s in designated] == ["Palmyra"]


def test_report_filters(client, palmyra):
    source = SourceFactory()
    old = DamageReportFactory(title="Looting 2013", occurred="2013", severity="moderate", source=source,
                              cause_category=term("cause_category", "looting-illegal-activities"),
                              claim_status="corroborated", sites=[palmyra])
    new = DamageReportFactory(title="Blast 2015", occurred="2015-08~", severity="destroyed", source=source,
                              cause_type=term("cause_type", "explosion-heavy-weaponry"), sites=[palmyra])
    url = reverse("registry:report-list")

    def titles(**params):
        return [report.title for report in client.get(url, params).context["object_list"]]

    assert titles(severity="destroyed") == [new.title]
    assert titles(claim_status="corroborated") == [old.title]
    assert titles(cause="looting-illegal-activities") == [old.title]
    assert titles(cause="explosion-heavy-weaponry") == [new.title]
    assert titles(date_from="2014") == [new.title]
    assert titles(date_to="2013-12") == [old.title]
    assert titles(site="palmyra", ordering="-date") == [new.title, old.title]


def test_pledge_source_and_artefact_filters(client, palmyra):
    lapsed = RestorationPledgeFactory(title="Lapsed promise", sites=[palmyra])
    PledgeStatusChangeFactory(pledge=lapsed, status="lapsed")
    services.pledge_refresh_status(pledge=lapsed)
    RestorationPledgeFactory(title="Open promise", sites=[palmyra])
    assert [p.title for p in client.get(reverse("registry:pledge-list"), {"status": "lapsed"}).context["object_list"]] == [
        "Lapsed promise"]
    SourceFactory(title="Satellite analysis", kind=term("source_kind", "satellite-imagery-analysis"))
    SourceFactory(title="Newspaper")
    found = client.get(reverse("registry:source-list"), {"kind": "satellite-imagery-analysis"}).context["object_list"]
    assert [s.title for s in found] == ["Satellite analysis"]
    ArtefactFactory(name="Ancient lion", made="-0099/-0001", site=palmyra)
    ArtefactFactory(name="Modern case", made="1960", site=palmyra)
    found = client.get(reverse("registry:artefact-list"), {"date_to": "-0001"}).context["object_list"]
    assert [a.name for a in found] == ["Ancient lion"]


def test_invalid_filter_input_is_a_field_error_not_a_crash(client, record_set):
    response = client.get(reverse("registry:report-list"), {"date_from": "bogus"})
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["filter"].errors["date_from"]
    assert 'id="id_date_from_error"' in html
    assert "is not a date" in html or "not a valid EDTF date" in html
    assert list(response.context["object_list"]) == []


def test_sorting_by_name_both_ways(client):
    for name in ["Bosra", "Apamea", "Crac des Chevaliers"]:
        HeritageSiteFactory(name=name)
    url = reverse("registry:site-list")
    assert [s.name for s in client.get(url, {"ordering": "name"}).context["object_list"]] == [
        "Apamea", "Bosra", "Crac des Chevaliers"]
    assert [s.name for s in client.get(url, {"ordering": "-name"}).context["object_list"]] == [
        "Crac des Chevaliers", "Bosra", "Apamea"]


def test_pagination_links_without_counting_rows(client):
    for number in range(53):
        HeritageSiteFactory(name=f"Site {number:03d}")
    url = reverse("registry:site-list")
    with CaptureQueriesContext(connection) as queries:
        first = client.get(url, {"ordering": "name"})
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)
    assert len(first.context["object_list"]) == 50
    assert 'rel="next" href="?ordering=name&amp;page=2"' in first.content.decode()
    second = client.get(url, {"ordering": "name", "page": 2})
    assert [s.name for s in second.context["object_list"]] == ["Site 050", "Site 051", "Site 052"]
    assert 'rel="prev"' in second.content.decode() and 'rel="next"' not in second.content.decode()


@pytest.mark.parametrize(("url_name", "params"), [
    ("registry:report-list", {"country": "SY"}), ("registry:report-list", {"site": "palmyra"}),
    ("registry:event-list", {"country": "SY"}), ("registry:pledge-list", {"site": "palmyra"}),
    ("registry:site-list", {"designation": "unesco-world-heritage"}),
])
def test_filters_across_related_rows_page_without_count_or_distinct(client, record_set, url_name, params):
    """A filter through a many-to-many would need DISTINCT, which sorts every match
    before the first page; the page asks for ``pk IN (...)`` instead, and never counts."""
    nimrud_report = DamageReportFactory(title="Nimrud bulldozed", sites=[HeritageSiteFactory(country="IQ")])
    if url_name == "registry:report-list":
        # A report about two Syrian sites is still one row.
        record_set["report"].sites.add(HeritageSiteFactory(name="Bosra", country="SY"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(url_name), params)
    rows = list(response.context["object_list"])
    assert rows and len({row.pk for row in rows}) == len(rows)
    assert nimrud_report not in rows
    sql = [query["sql"].upper() for query in queries.captured_queries]
    assert not any("COUNT(" in query for query in sql)
    assert not any("SELECT DISTINCT" in query for query in sql)


def test_home_shows_counts_and_the_latest_published_reports(client, record_set):
    DamageReportFactory(title="Draft rumour", lifecycle=Lifecycle.DRAFT, sites=[record_set["site"]])
    newer = DamageReportFactory(title="Museum looted", sites=[record_set["site"]])
    response = client.get(reverse("registry:home"))
    counts = {str(label): count for label, count, _url in response.context["counts"]}
    assert counts == {"Heritage sites": 1, "Artefacts": 1, "Damage reports": 2, "Restoration pledges": 1,
                      "Sources": 3}
    assert [report.title for report in response.context["latest_reports"]] == [newer.title, "Temples dynamited"]
    # A report with a publication time comes before those published without one.
    DamageReport.objects.filter(pk=record_set["report"].pk).update(published_at=timezone.now())
    latest = client.get(reverse("registry:home")).context["latest_reports"]
    assert [report.title for report in latest] == ["Temples dynamited", newer.title]
    html = response.content.decode()
    assert "Draft rumour" not in html
    assert 'role="search"' in html and 'action="/sites/"' in html


def test_csv_export_honours_filters(client, palmyra):
    HeritageSiteFactory(name="Nimrud", country="IQ")
    response = client.get(reverse("registry:site-list"), {"country": "SY", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["name"] for row in rows] == ["Palmyra"]
    assert rows[0]["url"].endswith("/sites/palmyra/")
    slight = DamageReportFactory(severity="slight", sites=[palmyra])
    DamageReportFactory(severity="severe", sites=[palmyra])
    reports = client.get(reverse("registry:report-export", kwargs={"format": "csv"}), {"severity": "slight"})
    rows = list(csv.DictReader(io.StringIO(b"".join(reports.streaming_content).decode())))
    assert [row["slug"] for row in rows] == [slight.slug]


def test_geojson_export_of_sites_and_reports(client, record_set):
    response = client.get(reverse("registry:site-export", kwargs={"format": "geojson"}), {"q": "Tadmur"})
    data = json.loads(b"".join(response.streaming_content))
    assert data["type"] == "FeatureCollection"
    assert data["features"][0]["geometry"] == {"type": "Point", "coordinates": [38.2683, 34.5515]}
    reports = json.loads(b"".join(client.get(reverse("registry:report-list"), {"format": "geojson"}).streaming_content))
    assert [feature["id"] for feature in reports["features"]] == ["temples-dynamited"]
    assert reports["features"][0]["geometry"]["coordinates"] == [38.2683, 34.5515]


@pytest.mark.parametrize("layout", ["artefacts", "events", "pledges", "interventions"])
def test_geojson_of_every_list_with_places(client, record_set, layout):
    response = client.get(reverse(f"registry:{layout[:-1]}-export", kwargs={"format": "geojson"}))
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(b"".join(response.streaming_content))
    [feature] = data["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [38.2683, 34.5515]}
    assert feature["properties"]["url"].startswith("http://testserver/")
    rows = list(csv.DictReader(io.StringIO(b"".join(
        client.get(reverse(f"registry:{layout[:-1]}-export", kwargs={"format": "csv"})).streaming_content).decode())))
    assert [row["slug"] for row in rows] == [feature["id"]]


def test_unknown_export_format_is_not_found(client):
    assert client.get(reverse("registry:source-list"), {"format": "geojson"}).status_code == 404


def test_sensitive_site_coordinates_are_coarsened_everywhere(client):
    site = HeritageSiteFactory(name="Hidden tell", slug="hidden-tell", latitude=Decimal("35.123456"),
                               longitude=Decimal("40.654321"), is_sensitive=True)
    html = client.get(site.get_absolute_url()).content.decode()
    assert "35.1, 40.7" in html
    assert "35.123456" not in html and "35.12" not in html and "40.65" not in html
    map_data = client.get(reverse("registry:map-data"), {"bbox": "35,30,45,40", "zoom": "18"}).json()
    assert map_data["features"][0]["geometry"]["coordinates"] == [40.7, 35.1]
    assert "35.12" not in json.dumps(map_data) and "40.65" not in json.dumps(map_data)
    geojson = json.loads(b"".join(client.get(reverse("registry:site-list"), {"format": "geojson"}).streaming_content))
    assert geojson["features"][0]["geometry"]["coordinates"] == [40.7, 35.1]
    exported = b"".join(client.get(reverse("registry:site-list"), {"format": "csv"}).streaming_content).decode()
    assert "35.123456" not in exported


def test_pledge_tracker_flags_overdue_pledges_and_shows_the_rate(client, palmyra):
    overdue = RestorationPledgeFactory(title="Rebuild the arch", target="2019", sites=[palmyra])
    kept = RestorationPledgeFactory(title="Return the busts", target="2018", sites=[palmyra])
    PledgeStatusChangeFactory(pledge=kept, status="fulfilled", date="2018")
    services.pledge_refresh_status(pledge=kept)
    partly = RestorationPledgeFactory(title="Fund the museum", target="2999", sites=[palmyra])
    PledgeStatusChangeFactory(pledge=partly, status="partly_fulfilled")
    services.pledge_refresh_status(pledge=partly)
    response = client.get(reverse("registry:pledge-tracker"))
    flagged = {pledge.title for pledge in response.context["pledges"] if pledge.is_overdue}
    assert flagged == {overdue.title}
    html = response.content.decode()
    assert "Fulfilment rate: 33 % (1 of 3 pledges fulfilled)" in html
    assert "Partly fulfilled: 1 (33 %)" in html
    assert "Overdue" in html
    assert "Overdue" in client.get(overdue.get_absolute_url()).content.decode()


def test_site_page_shows_citations_with_their_words_and_speaker(client, record_set):
    html = client.get(record_set["site"].get_absolute_url()).content.decode()
    assert "dynamited its ancient temples" in html
    assert "para. 4" in html
    assert "Maamoun Abdulkarim" in html
    assert 'href="https://whc.unesco.org/en/list/23"' in html
    # The designation links to its register entry, the identifier to the same page.
    assert 'no. <a href="https://whc.unesco.org/en/list/23" rel="external">23</a>' in html
    assert "UNESCO World Heritage List" in html


def test_site_page_sets_disagreeing_reports_side_by_side(client, palmyra):
    event = DamageEventFactory(title="Tower tombs blown up", sites=[palmyra])
    three = DamageReportFactory(title="Three tombs", damage_event=event, sites=[palmyra], quantity=3,
                                quantity_precision="exact", severity="destroyed")
    seven = DamageReportFactory(title="Seven tombs", damage_event=event, sites=[palmyra], quantity=7,
                                quantity_precision="exact", severity="destroyed")
    response = client.get(palmyra.get_absolute_url())
    [group] = response.context["accounts"]
    assert group.disputed and {r.title for r in group.reports} == {three.title, seven.title}
    html = response.content.decode()
    assert "Disputed: numbers differ: 3 vs 7" in html
    assert "side by side" in html


def test_a_disputing_citation_marks_the_report_disputed(client, palmyra):
    report = DamageReportFactory(title="Still standing?", sites=[palmyra])
    CitationFactory(damage_report=report, stance="disputes", quote="the temple is still standing")
    response = client.get(palmyra.get_absolute_url())
    assert [r.verdict.disputed for r in response.context["reports"]] == [True]
    assert "Disputes this" in response.content.decode()


def test_condition_comes_from_confirmed_reports_only(client, palmyra):
    DamageReportFactory(title="Rumour", sites=[palmyra], severity="destroyed", occurred="2016",
                        claim_status="reported")
    response = client.get(palmyra.get_absolute_url())
    assert response.context["condition"].current is None
    html = response.content.decode()
    assert "no account of it is confirmed yet" in html
    assert "Reported, not confirmed: <strong>Destroyed</strong>" in html
    DamageReportFactory(title="Survey", sites=[palmyra], severity="moderate", occurred="2015",
                        claim_status="confirmed")
    response = client.get(palmyra.get_absolute_url())
    assert response.context["condition"].current.record.title == "Survey"
    assert 'class="severity severity-moderate">Moderate' in response.content.decode()


def test_site_page_pledges_with_status_history_and_evidence(client, record_set):
    pledge = record_set["pledge"]
    change = PledgeStatusChangeFactory(pledge=pledge, status="in_progress", date="2017-05")
    CitationFactory(damage_report=None, pledge_status=change, quote="work has begun")
    html = client.get(record_set["site"].get_absolute_url()).content.decode()
    assert "Restore the damaged monuments" in html
    assert "work has begun" in html and "In progress" in html
    assert "Lion restored" in html


def test_site_history_lists_fields_and_public_note_without_usernames_or_reasons(client, palmyra,
                                                                                django_user_model):
    curator = django_user_model.objects.create_user(username="curator.jane", password="x")
    services.record_update(record=palmyra, fields={"description": "Oasis city."}, user=curator,
                           reason="Description from the nomination file", public_note="Description added.")
    response = client.get(palmyra.get_absolute_url())
    html = response.content.decode()
    assert [(e.change, e.labels) for e in response.context["public_history"]][0] == ("changed", ["description"])
    assert "Description added." in html
    assert "Description from the nomination file" not in html
    assert "curator.jane" not in html


def test_timeline_shows_edtf_and_its_reading(client, palmyra):
    DamageReportFactory(title="Demolition", occurred="2015-08-27/2015-09-02", sites=[palmyra])
    html = client.get(palmyra.get_absolute_url()).content.decode()
    assert "2015-08-27/2015-09-02" in html
    assert "between 27 August 2015 and 2 September 2015" in html


def test_timeline_is_ordered_by_edtf_bounds_not_by_text(client, palmyra):
    # As text, "-0050" < "2015-08~" < "2015/.." < "2016" < "201X"; by bounds the
    # 1st century BC comes first, and an unspecified decade starts in 2010.
    for occurred in ["2016", "2015-08~", "-0050", "201X", "2015-08-27/2015-09-02"]:
        DamageReportFactory(title=f"Damage {occurred}", occurred=occurred, sites=[palmyra])
    response = client.get(palmyra.get_absolute_url())
    assert [report.occurred for report in response.context["reports"]] == [
        "-0050", "201X", "2015-08~", "2015-08-27/2015-09-02", "2016"]
    html = response.content.decode()
    assert html.index("Damage -0050") < html.index("Damage 201X") < html.index("Damage 2016")


def test_long_timeline_shows_the_latest_reports_in_date_order_and_links_to_all(client, palmyra, monkeypatch):
    monkeypatch.setattr("registry.views.site.TIMELINE_LIMIT", 3)
    for occurred in ["2016", "2013", "2015-08~", "-0050", "2015-05"]:
        DamageReportFactory(title=f"Damage {occurred}", occurred=occurred, sites=[palmyra])
    response = client.get(palmyra.get_absolute_url())
    assert [report.occurred for report in response.context["reports"]] == ["2015-05", "2015-08~", "2016"]
    html = response.content.decode()
    assert "Showing the latest 3 reports." in html
    assert f'{reverse("registry:report-list")}?site={palmyra.slug}' in html
    listed = client.get(reverse("registry:report-list"), {"site": palmyra.slug}).context["object_list"]
    assert len(listed) == 5


def test_short_timeline_has_no_link_to_more(client, palmyra):
    DamageReportFactory(title="Demolition", occurred="2015-08", sites=[palmyra])
    response = client.get(palmyra.get_absolute_url())
    assert response.context["timeline_truncated"] is False
    assert "Showing the latest" not in response.content.decode()


def test_sorting_a_list_by_date_descending_breaks_ties_the_same_way(client, palmyra):
    for title in ["A", "B", "C"]:
        DamageReportFactory(title=title, occurred="2015", sites=[palmyra])
    newest = [r.pk for r in client.get(reverse("registry:report-list"), {"ordering": "-date"}).context["object_list"]]
    oldest = [r.pk for r in client.get(reverse("registry:report-list"), {"ordering": "date"}).context["object_list"]]
    assert newest == sorted(newest, reverse=True)
    assert oldest == sorted(oldest)


def test_map_page_takes_its_tiles_from_settings_and_its_sites_from_the_map_data(client, settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "Example tiles"
    HeritageSiteFactory(name="Bosra", latitude=Decimal("32.518"), longitude=Decimal("36.481"))
    HeritageSiteFactory(name="Nowhere known", latitude=None, longitude=None)  # nothing to draw
    html = client.get(reverse("registry:map")).content.decode()
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in html
    assert 'data-tile-attribution="Example tiles"' in html
    assert "/static/leaflet/leaflet.js" in html and "unpkg" not in html and "cdn" not in html.lower()
    assert f'data-url="{reverse("registry:map-data")}"' in html
    # The page opens on the box around every site (edges on the coarsening step); no site is in it.
    assert 'data-bounds="32.500000,36.400000,32.600000,36.500000"' in html and "Bosra" not in html
    view = {"bbox": "30,30,40,40", "zoom": "12"}
    features = client.get(reverse("registry:map-data"), view).json()["features"]
    assert [(f["properties"]["name"], f["geometry"]["coordinates"]) for f in features] == [
        ("Bosra", [36.481, 32.518])]
    # Its download link, without any filter, holds every site; one without coordinates has no geometry.
    download = client.get(reverse("registry:site-export", kwargs={"format": "geojson"}))
    features = json.loads(b"".join(download.streaming_content))["features"]
    assert [(f["properties"]["name"], f["geometry"] is None) for f in features] == [
        ("Bosra", False), ("Nowhere known", True)]
    SiteNameFactory(owner=HeritageSite.objects.get(name="Bosra"), name="بصرى", language="ar")
    arabic = client.get(reverse("registry:map-data"), view, HTTP_ACCEPT_LANGUAGE="ar").json()
    assert [feature["properties"]["name"] for feature in arabic["features"]] == ["بصرى"]


def test_arabic_catalogue_translates_every_public_template_string():
    """Each {% translate %} string of the public templates has an Arabic translation
    in the compiled catalogue: a string added without one shows up here."""
    import re
    from pathlib import Path

    from django.utils import translation

    root = Path(__file__).resolve().parent.parent / "templates"
    tag = re.compile(r"""{%\s*translate\s+(["'])(.+?)\1""")
    templates = [root / "base.html", *sorted((root / "registry").rglob("*.html"))]
    strings = {match.group(2) for path in templates for match in tag.finditer(path.read_text())}
    assert len(strings) > 100
    with translation.override("ar"):
        untranslated = sorted(text for text in strings if translation.gettext(text) == text)
    assert untranslated == []


def test_event_page_lists_attributions_with_citations(client, record_set):
    html = client.get(record_set["event"].get_absolute_url()).content.decode()
    assert "IS militants" in html
    assert "Temples dynamited" in html


def test_source_page_groups_the_claims_it_backs(client, record_set):
    response = client.get(record_set["source"].get_absolute_url())
    labels = [str(label) for label, _citations in response.context["claim_groups"]]
    assert labels == ["attributions of responsibility", "damage reports", "restoration pledges"]


def test_actor_page_shows_what_they_said_and_pledged(client, record_set):
    html = client.get(record_set["actor"].get_absolute_url()).content.decode()
    assert "restore the damaged monuments" in html
    assert "dynamited its ancient temples" in html
    assert "Restore the damaged monuments" in html


def test_drafts_do_not_leak_through_published_records(client, record_set):
    draft_source = SourceFactory(title="Unverified blog", lifecycle=Lifecycle.DRAFT)
    CitationFactory(source=draft_source, damage_report=record_set["report"], quote="secret words")
    html = client.get(record_set["site"].get_absolute_url()).content.decode()
    assert "Unverified blog" not in html and "secret words" not in html
    # The published report and its published evidence are still there.
    assert record_set["report"].title in html and "dynamited its ancient temples" in html


def test_arabic_by_accept_language(client, palmyra):
    response = client.get(reverse("registry:home"), HTTP_ACCEPT_LANGUAGE="ar")
    html = response.content.decode()
    assert 'lang="ar" dir="rtl"' in html
    assert "سجل الأضرار التي لحقت بالتراث" in html
    site_html = client.get(palmyra.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "موقع أثري" in site_html  # the term's Arabic label
    assert "<h1>تدمر</h1>" in site_html


def test_arabic_after_choosing_it_in_the_switcher(client):
    response = client.post(reverse("set_language"), {"language": "ar", "next": "/"}, follow=True)
    assert 'dir="rtl"' in response.content.decode()
    assert 'dir="ltr"' in client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True).content.decode()


def _many_reports(count: int):
    site = HeritageSiteFactory(name="Palmyra", slug="palmyra")
    source = SourceFactory(slug="many-source")
    event = DamageEventFactory(sites=[site])
    speaker = ActorFactory(kind="person")
    artefact = ArtefactFactory(site=site)
    pledge = RestorationPledgeFactory(sites=[site], pledger=speaker)
    pledge.artefacts.add(artefact)
    intervention = InterventionFactory(sites=[site], performed_by=speaker)
    for number in range(count):
        report = DamageReportFactory(source=source, sites=[site], damage_event=event if number % 2 else None,
                                     quantity=number, quantity_precision="exact")
        report.artefacts.add(artefact)
        CitationFactory(source=source, damage_report=report, speaker=speaker)
        ArtefactFactory(site=site)
        HeritageSiteFactory()
    for _ in range(min(count, 20)):
        change = PledgeStatusChangeFactory(pledge=pledge)
        CitationFactory(source=source, damage_report=None, pledge_status=change)
        RestorationPledgeFactory(sites=[site], pledger=speaker)
        InterventionFactory(sites=[site], performed_by=speaker).pledges.add(pledge)
    return {"site": site, "source": source, "event": event, "pledge": pledge, "report": report,
            "artefact": artefact, "actor": speaker, "intervention": intervention}


# Home: five counts, then the latest reports with their sites: dated ones, and
# undated ones when too few are dated (two queries each at most). Pages that show
# pledges load their parties (one query); pages with reports add the dispute rule's
# accounts (four queries for all of them), and site and artefact pages the condition
# timelines of the record and of its artefacts (three each) and who is held responsible.
QUERY_BOUNDS = [
    ("registry:home", None, 12), ("registry:map", None, 2), ("registry:pledge-tracker", None, 9),
    ("registry:site-list", None, 4), ("registry:artefact-list", None, 4), ("registry:event-list", None, 2),
    ("registry:report-list", None, 2), ("registry:pledge-list", None, 3), ("registry:source-list", None, 2),
    ("registry:actor-list", None, 1), ("registry:intervention-list", None, 3),
    # Detail pages of records that can have images: one more for them (registry.models.media.public_gallery).
    # A condition is two queries: one ranks the reports, one reads those it rests on; one
    # record's condition is six: four picks from the top of its entry index, a count, the reports.
    # A site's page looks for its newest reports among the registry's newest first (one more).
    ("registry:site-detail", "site", 43), ("registry:event-detail", "event", 17),
    ("registry:source-detail", "source", 5), ("registry:pledge-detail", "pledge", 10),
    ("registry:report-detail", "report", 16), ("registry:artefact-detail", "artefact", 33),
    ("registry:actor-detail", "actor", 19), ("registry:intervention-detail", "intervention", 7),
]


@pytest.mark.parametrize("count", [10, 200])
def test_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries, count):
    """Every page has one bound, pinned with 10 rows and with 200 (slow to build, so once for all pages)."""
    records = _many_reports(count)
    for url_name, key, bound in QUERY_BOUNDS:
        url = reverse(url_name, kwargs={"slug": records[key].slug}) if key else reverse(url_name)
        with django_assert_max_num_queries(bound, info=url_name):
            assert client.get(url).status_code == 200


EXPORTS = [
    ("site-export", "csv"), ("site-export", "geojson"), ("artefact-export", "csv"), ("event-export", "csv"),
    ("report-export", "csv"), ("report-export", "geojson"), ("pledge-export", "csv"), ("source-export", "csv"),
    ("actor-export", "csv"), ("intervention-export", "geojson"),
]


def _export_queries(client) -> dict[tuple[str, str], int]:
    counts = {}
    for name, export_format in EXPORTS:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(f"registry:{name}", kwargs={"format": export_format}))
            assert response.status_code == 200
            b"".join(response.streaming_content)
        counts[name, export_format] = len(queries)
    return counts


def test_an_export_asks_the_same_queries_for_more_rows(client):
    """Rows come a chunk at a time with what they name: a row never asks a query of its own."""
    records = _many_reports(3)
    few = _export_queries(client)
    for _ in range(6):
        report = DamageReportFactory(source=records["source"], sites=[records["site"], HeritageSiteFactory()])
        report.artefacts.add(ArtefactFactory(site=records["site"]))
        CitationFactory(source=records["source"], damage_report=report, speaker=records["actor"])
        InterventionFactory(sites=[records["site"]], performed_by=records["actor"])
    assert _export_queries(client) == few
