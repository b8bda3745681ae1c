"""Real cases, recorded from public facts in the registry's own words.

Each case asserts what the registry's rules decide (is it disputed, and in
what; in which order the states come; what the condition is now) and that
the site or artefact page, the API and the downloads all say the same.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from registry import services
from registry.api.linked_art import damage_event_to_linked_art
from registry.selectors.condition import artefact_conditions, condition_of, site_conditions
from registry.selectors.disputes import event_verdicts, report_verdicts
from registry.templatetags.registry_tags import money
from tests.factories import (
    ActorFactory,
    ArtefactFactory,
    CitationFactory,
    DamageEventFactory,
    DamageReportFactory,
    HeritageSiteFactory,
    InterventionFactory,
    RestorationPledgeFactory,
    SourceFactory,
    term,
)

pytestmark = pytest.mark.django_db


def _report(event, asset, **fields):
    """A published report of ``event`` about ``asset`` (an artefact, or a site as a whole)."""
    site = asset.site if hasattr(asset, "site") else asset
    report = DamageReportFactory(damage_event=event, sites=[site], **fields)
    if asset is not site:
        report.artefacts.set([asset])
    return report


def _csv(client, name: str, **params) -> list[dict]:
    response = client.get(reverse(f"registry:{name}-export", kwargs={"format": "csv"}), params)
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def _geojson(client, name: str) -> list[dict]:
    response = client.get(reverse(f"registry:{name}-export", kwargs={"format": "geojson"}))
    return [
        feature["properties"]
        for feature in json.loads(b"".join(response.streaming_content))["features"]
    ]


def _api(path: str) -> dict:
    return APIClient().get(path, HTTP_ACCEPT="application/json").json()


@pytest.fixture
def palmyra():
    return HeritageSiteFactory(name="Palmyra", slug="palmyra")


def test_baalshamin_dates_that_cannot_overlap_are_a_dispute(client, palmyra):
    temple = ArtefactFactory(
        name="Temple of Baalshamin",
        slug="baalshamin",
        site=palmyra,
        kind=term("artefact_kind", "temple"),
        is_movable=False,
    )
    event = DamageEventFactory(
        title="Baalshamin blown up",
        slug="baalshamin-blown-up",
        sites=[palmyra],
        occurred="2015-07/2015-08",
    )
    # The directorate gave the day; activists said a month before.
    official = _report(
        event,
        temple,
        title="Directorate: blown up on 23 August",
        slug="dgam-baalshamin",
        occurred="2015-08-23",
        severity="destroyed",
        claim_status="confirmed",
    )
    activists = _report(
        event,
        temple,
        title="Activists: destroyed in July",
        slug="activists-baalshamin",
        occurred="2015-07~",
        severity="destroyed",
    )

    verdicts = report_verdicts([official, activists])
    assert verdicts[official.pk].disputed and verdicts[activists.pk].disputed
    [difference] = verdicts[official.pk].differences
    assert (difference.kind, difference.message) == (
        "date",
        "dates differ: 23 August 2015 vs about July 2015",
    )
    assert event_verdicts([event])[event.pk].kinds == {"date"}
    condition = condition_of(temple)
    assert [state.record for state in condition.timeline] == [activists, official]
    assert condition.current.record == official and condition.severity == "destroyed"

    html = client.get(temple.get_absolute_url()).content.decode()
    assert "Disputed: dates differ: 23 August 2015 vs about July 2015" in html
    assert "Current condition:" in html and 'severity-destroyed">Destroyed</strong>' in html
    body = _api(f"/api/v1/damage-reports/{official.slug}/")
    assert body["disputed"] is True
    assert body["differences"] == [
        {
            "kind": "date",
            "message": "dates differ: 23 August 2015 vs about July 2015",
            "values": ["23 August 2015", "about July 2015"],
            "reports": [official.slug, activists.slug],
        }
    ]
    event_body = _api(f"/api/v1/damage-events/{event.slug}/")
    assert event_body["disputed"] is True and [d["kind"] for d in event_body["differences"]] == [
        "date"
    ]
    assert (
        _api(f"/api/v1/artefacts/{temple.slug}/")["condition"]["current"]["record"] == official.slug
    )
    rows = {row["slug"]: row for row in _csv(client, "report")}
    assert rows[official.slug]["disputed"] == "True"
    assert rows[official.slug]["differences"] == "dates differ: 23 August 2015 vs about July 2015"
    assert {row["slug"]: row["condition"] for row in _csv(client, "artefact")}[
        temple.slug
    ] == "Destroyed"


def test_three_or_seven_tower_tombs_is_a_dispute_of_numbers(client, palmyra):
    tombs = ArtefactFactory(
        name="Tower tombs of the Valley of the Tombs",
        slug="tower-tombs",
        site=palmyra,
        kind=term("artefact_kind", "tower-tomb"),
        is_movable=False,
        is_group=True,
        quantity_precision="vague",
        quantity_phrase="dozens",
    )
    event = DamageEventFactory(
        title="Tower tombs blown up",
        slug="tower-tombs-blown-up",
        sites=[palmyra],
        occurred="2015-08/2015-09",
    )
    first = _report(
        event,
        tombs,
        title="Three tombs blown up",
        slug="three-tombs",
        occurred="2015-08/2015-09",
        quantity=3,
        quantity_precision="exact",
        severity="destroyed",
    )
    later = _report(
        event,
        tombs,
        title="Satellite images show seven",
        slug="seven-tombs",
        occurred="2015-08/2015-09",
        quantity=7,
        quantity_precision="exact",
        severity="destroyed",
        claim_status="corroborated",
    )
    verdict = report_verdicts([first, later])[first.pk]
    assert [(d.kind, d.values) for d in verdict.differences] == [("quantity", ("3", "7"))]
    assert verdict.summary == "numbers differ: 3 vs 7"
    # Corroborated counts as established: the group's condition is the satellite count's.
    assert condition_of(tombs).current.record == later

    html = client.get(palmyra.get_absolute_url()).content.decode()
    assert "Disputed: numbers differ: 3 vs 7" in html
    assert 'class="differs"><th scope="row">How many' in html
    # Each report's own value comes first.
    assert (
        _api(f"/api/v1/damage-reports/{later.slug}/")["differences"][0]["message"]
        == "numbers differ: 7 vs 3"
    )
    assert {row["slug"]: row["differences"] for row in _geojson(client, "report")}[
        first.slug
    ] == "numbers differ: 3 vs 7"
    feed = client.get(reverse("registry:report-feed")).content.decode()
    assert "Disputed: numbers differ: 3 vs 7." in feed
    # "About 6" could be seven; "about 3" could not.
    services.record_update(
        record=first, fields={"quantity": 6, "quantity_precision": "approximate"}
    )
    assert not report_verdicts([first])[first.pk].disputed


def test_bel_still_standing_then_destroyed_is_a_timeline(client, palmyra):
    bel = ArtefactFactory(
        name="Temple of Bel",
        slug="temple-of-bel",
        site=palmyra,
        kind=term("artefact_kind", "temple"),
        is_movable=False,
    )
    event = DamageEventFactory(
        title="Temple of Bel dynamited",
        slug="bel-dynamited",
        sites=[palmyra],
        occurred="2015-08-30",
    )
    unosat = SourceFactory(
        title="Satellite imagery analysis of the Temple of Bel",
        slug="unosat-bel",
        kind=term("source_kind", "satellite-imagery-analysis"),
        published="2015-09-01",
    )
    standing = _report(
        event,
        bel,
        title="Director: the temple is still standing",
        slug="bel-standing",
        occurred="2015-08-30",
        observed="2015-08-30",
        severity="moderate",
    )
    destroyed = _report(
        event,
        bel,
        title="Satellite: the main building is gone",
        slug="bel-gone",
        source=unosat,
        occurred="2015-08-30",
        observed="2015-08-31",
        severity="destroyed",
        claim_status="confirmed",
    )
    verdicts = report_verdicts([standing, destroyed])
    assert not verdicts[standing.pk].disputed and not verdicts[destroyed.pk].disputed
    condition = condition_of(bel)
    assert [state.record.slug for state in condition.timeline] == ["bel-standing", "bel-gone"]
    assert condition.current.record == destroyed
    # Two sightings on the same day that disagree are a dispute, though.
    services.record_update(record=standing, fields={"observed": "2015-08-31"})
    assert report_verdicts([standing])[standing.pk].kinds == {"severity"}
    services.record_update(record=standing, fields={"observed": "2015-08-30"})

    html = client.get(bel.get_absolute_url()).content.decode()
    assert "Disputed" not in html and "The accounts do not contradict each other" in html
    timeline_html = html[html.index('class="condition-timeline"') :]
    assert timeline_html.index("Director: the temple is still") < timeline_html.index(
        "Satellite: the main building"
    )
    assert (
        "Satellite imagery analysis of the Temple of Bel</a>." in html
    )  # the evidence of the condition
    condition_body = _api(f"/api/v1/artefacts/{bel.slug}/")["condition"]
    assert [state["record"] for state in condition_body["timeline"]] == ["bel-standing", "bel-gone"]
    assert condition_body["current"]["sources"] == ["unosat-bel"]
    assert _api(f"/api/v1/damage-events/{event.slug}/")["disputed"] is False


def test_lion_of_al_lat_destroyed_then_recoverable_then_restored(client, palmyra):
    museum = HeritageSiteFactory(name="Palmyra Museum", slug="palmyra-museum", parent=palmyra)
    lion = ArtefactFactory(name="Lion of Al-lat", slug="lion-of-al-lat", site=museum, made="-00XX")
    event = DamageEventFactory(
        title="Lion of Al-lat smashed",
        slug="lion-smashed",
        sites=[museum],
        occurred="2015-05/2015-07",
    )
    smashed = _report(
        event,
        lion,
        title="The lion is smashed",
        slug="lion-smashed-report",
        occurred="2015-05/2015-07",
        observed="2015-07",
        severity="destroyed",
        claim_status="confirmed",
    )
    found = _report(
        event,
        lion,
        title="The lion's pieces can be put together",
        slug="lion-recoverable",
        occurred="2015-05/2015-07",
        observed="2016-04",
        severity="severe",
        claim_status="confirmed",
    )
    restored = InterventionFactory(
        title="The lion restored and shown in Damascus",
        slug="lion-restored",
        sites=[museum],
        date="2017",
        claim_status="confirmed",
        severity_after="slight",
    )
    restored.artefacts.set([lion])
    CitationFactory(damage_report=None, intervention=restored, quote="restored")

    assert not any(v.disputed for v in report_verdicts([smashed, found]).values())
    condition = condition_of(lion)
    assert [state.record.slug for state in condition.timeline] == [
        "lion-smashed-report",
        "lion-recoverable",
        "lion-restored",
    ]
    assert condition.current.record == restored and condition.severity == "slight"

    html = client.get(lion.get_absolute_url()).content.decode()
    assert (
        "Current condition:" in html
        and '<strong class="severity severity-slight">Restored/repaired</strong>' in html
    )
    assert "Accounts of the same event" in html and "Disputed" not in html
    current = _api(f"/api/v1/artefacts/{lion.slug}/")["condition"]["current"]
    assert (current["kind"], current["record"], current["label"]) == (
        "intervention",
        "lion-restored",
        "Restored/repaired",
    )
    assert {row["slug"]: row["condition"] for row in _csv(client, "artefact")}[
        lion.slug
    ] == "Restored/repaired"
    assert "destroyed_by" not in _api(f"/api/v1/artefacts/{lion.slug}/?format=jsonld")


def test_timbuktu_mausoleums_destroyed_then_rebuilt(client):
    timbuktu = HeritageSiteFactory(
        name="Mausoleums of Timbuktu",
        slug="timbuktu-mausoleums",
        country="ML",
        kind=term("site_kind", "monument-complex"),
    )
    ansar_dine = ActorFactory(name="Ansar Dine", slug="ansar-dine", kind="group")
    event = DamageEventFactory(
        title="Mausoleums of Timbuktu demolished",
        slug="timbuktu-demolished",
        sites=[timbuktu],
        occurred="2012-06/2012-07",
    )
    demolished = _report(
        event,
        timbuktu,
        title="Mausoleums demolished",
        slug="timbuktu-demolished-report",
        occurred="2012-06/2012-07",
        severity="destroyed",
        claim_status="confirmed",
        cause_type=term("cause_type", "demolition-destruction"),
        responsible=ansar_dine,
    )
    rebuilt = InterventionFactory(
        title="Mausoleums rebuilt by local masons",
        slug="timbuktu-rebuilt",
        sites=[timbuktu],
        date="2015-07",
        kind=term("intervention_kind", "reconstructed"),
        claim_status="confirmed",
        severity_after="intact",
    )
    condition = site_conditions([timbuktu])[timbuktu.pk]
    assert [state.record.slug for state in condition.timeline] == [demolished.slug, rebuilt.slug]
    assert condition.current.record == rebuilt and condition.severity == "intact"

    html = client.get(timbuktu.get_absolute_url()).content.decode()
    assert (
        'Current condition: <strong class="severity severity-intact">Reconstructed</strong>' in html
    )
    assert "Held responsible: <a" in html and "Ansar Dine" in html
    assert (
        _api(f"/api/v1/sites/{timbuktu.slug}/")["condition"]["current"]["label"] == "Reconstructed"
    )
    sites = {row["slug"]: row for row in _csv(client, "site")}
    assert (sites[timbuktu.slug]["condition"], sites[timbuktu.slug]["condition_evidence"]) == (
        "Reconstructed",
        rebuilt.slug,
    )


def test_notre_dame_pledges_with_several_parties_and_amounts(client):
    notre_dame = HeritageSiteFactory(
        name="Notre-Dame de Paris",
        slug="notre-dame",
        country="FR",
        kind=term("site_kind", "structural-heritage"),
    )
    fire = _report(
        DamageEventFactory(
            title="Fire at Notre-Dame",
            slug="notre-dame-fire",
            sites=[notre_dame],
            occurred="2019-04-15",
        ),
        notre_dame,
        title="Roof and spire burnt",
        slug="notre-dame-burnt",
        occurred="2019-04-15",
        severity="severe",
        claim_status="confirmed",
        cause_type=term("cause_type", "accidental-fire"),
    )
    state = ActorFactory(name="French state", slug="french-state")
    pinault = ActorFactory(name="Pinault family", slug="pinault-family")
    arnault = ActorFactory(name="Arnault family", slug="arnault-family")
    pledge = RestorationPledgeFactory(
        title="Rebuild Notre-Dame",
        slug="rebuild-notre-dame",
        pledger=state,
        sites=[notre_dame],
        pledged="2019-04",
        target="2024",
        amount=Decimal("300000000"),
        currency="EUR",
        action=term("pledge_action", "rebuild"),
    )
    services.pledge_party_add(pledge=pledge, actor=state, role="implementer")
    services.pledge_party_add(
        pledge=pledge, actor=pinault, role="funder", amount=Decimal("100000000")
    )
    services.pledge_party_add(
        pledge=pledge, actor=arnault, role="funder", amount=Decimal("200000000")
    )
    InterventionFactory(
        title="Cathedral reopened",
        slug="notre-dame-reopened",
        sites=[notre_dame],
        date="2024-12-07",
        claim_status="confirmed",
        severity_after="slight",
    )

    condition = site_conditions([notre_dame])[notre_dame.pk]
    assert [s.record.slug for s in condition.timeline] == [fire.slug, "notre-dame-reopened"]
    html = client.get(notre_dame.get_absolute_url()).content.decode()
    assert "Accidental fire" in html and "Restored/repaired</strong>" in html
    assert 'Pinault family</a> (funder, <span class="amount">€100,000,000</span>)' in html
    assert 'Amount: <span class="amount">€300,000,000</span>' in html
    assert "0 of 1 pledge kept, 1 still open." in html
    with translation.override("fr"):
        assert money(Decimal("100000000"), "EUR") == "100\u202f000\u202f000\xa0€"
    assert money(Decimal("1500.50"), "USD") == "$1,500.50"
    parties = _api(f"/api/v1/pledges/{pledge.slug}/")["parties"]
    assert [(p["actor"], p["role"], p["amount"]) for p in parties] == [
        ("pinault-family", "funder", "100000000.00"),
        ("arnault-family", "funder", "200000000.00"),
        ("french-state", "implementer", None),
    ]


def test_retracted_claim_is_struck_through_and_disputes_nothing(client, palmyra):
    temple = ArtefactFactory(name="Temple of Nabu", slug="temple-of-nabu", site=palmyra)
    event = DamageEventFactory(title="Temple of Nabu damaged", slug="nabu-damaged", sites=[palmyra])
    agency = ActorFactory(name="News agency", slug="news-agency")
    confirmed = _report(
        event,
        temple,
        title="Nabu damaged",
        slug="nabu-damaged-report",
        occurred="2015-09",
        severity="severe",
        claim_status="confirmed",
    )
    wrong = _report(
        event,
        temple,
        title="Nabu flattened in 2014",
        slug="nabu-flattened",
        occurred="2014",
        severity="destroyed",
        claim_status="retracted",
        retracted_by=agency,
    )
    verdicts = report_verdicts([confirmed, wrong])
    assert not verdicts[confirmed.pk].disputed and verdicts[wrong.pk].retracted
    assert [s.record for s in condition_of(temple).timeline if not s.retracted] == [confirmed]
    html = client.get(temple.get_absolute_url()).content.decode()
    assert "<del>Nabu flattened in 2014</del>" in html and "Retracted by News agency" in html
    assert "Disputed" not in html
    # A source that disputes the confirmed account does dispute it, and says who.
    CitationFactory(
        damage_report=confirmed, stance="disputes", source=SourceFactory(title="Later survey")
    )
    assert report_verdicts([confirmed])[confirmed.pk].summary == "disputed by Later survey"


def test_the_seed_statues_and_display_cases_are_not_disputed(client):
    from registry.models import DamageEvent, DamageReport, HeritageSite
    from registry.seeding import load_seeds

    load_seeds()
    event = DamageEvent.objects.get(slug="palmyra-museum-damaged-2015-2016")
    reports = list(DamageReport.objects.filter(damage_event=event))
    assert len(reports) == 2
    assert not any(verdict.disputed for verdict in report_verdicts(reports).values())
    assert not event_verdicts([event])[event.pk].disputed
    museum = HeritageSite.objects.get(slug="palmyra-museum")
    html = client.get(museum.get_absolute_url()).content.decode()
    assert "Disputed" not in html and "The accounts do not contradict each other" in html
    # Palmyra's own condition is reported, not confirmed, and the page says by whom.
    palmyra_html = client.get(
        HeritageSite.objects.get(slug="palmyra").get_absolute_url()
    ).content.decode()
    assert "Reported, not confirmed:" in palmyra_html
    assert artefact_conditions(list(event.artefacts.all()))  # both groups have a timeline
    document = damage_event_to_linked_art(event)
    accounts = [a for a in document["attributed_by"] if a.get("_label", "").startswith("Account:")]
    assert len(accounts) == 2


def test_the_openapi_schema_documents_disputes_and_conditions():
    document = json.loads(APIClient().get("/api/schema/?format=json").content)
    components = document["components"]["schemas"]
    for name in ("DamageReport", "DamageEvent"):
        properties = components[name]["properties"]
        assert properties["disputed"]["type"] == "boolean"
        assert properties["differences"]["items"]["$ref"].endswith("/Difference")
    difference = components["Difference"]["properties"]
    assert {"kind", "message", "values", "reports"} <= difference.keys()
    assert "numbers differ" in difference["message"]["description"]
    with_condition = {
        name for name, schema in components.items() if "condition" in schema.get("properties", {})
    }
    assert {"Site", "Artefact"} <= with_condition
    assert components["Site"]["properties"]["condition"]["allOf"][0]["$ref"].endswith("/Condition")
    assert "current" in components["Condition"]["properties"]


def test_linked_art_keeps_every_account_of_a_disputed_event_as_valid_linked_art(palmyra):
    from tests.test_linked_art import SCHEMA_DIR

    if not (SCHEMA_DIR / "event.json").is_file():
        pytest.skip(f"Linked Art JSON Schemas not found at {SCHEMA_DIR}")
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    schemas = [json.loads(path.read_text()) for path in SCHEMA_DIR.glob("*.json")]
    registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas
    )
    event = DamageEventFactory(title="Tower tombs blown up", slug="tombs", sites=[palmyra])
    for slug, count in [("three", 3), ("seven", 7)]:
        _report(event, palmyra, slug=slug, quantity=count, quantity_precision="exact")
    document = damage_event_to_linked_art(event, base_uri="https://heritage.example.org")
    accounts = [a for a in document["attributed_by"] if a["_label"].startswith("Account:")]
    assert [a["identified_by"][0]["content"] for a in accounts] == [
        "https://heritage.example.org/api/v1/damage-reports/three/",
        "https://heritage.example.org/api/v1/damage-reports/seven/",
    ]
    assert all("numbers differ" in a["referred_to_by"][0]["content"] for a in accounts)
    assert any("disagree: numbers differ" in note["content"] for note in document["referred_to_by"])
    validator = Draft202012Validator(
        next(s for s in schemas if s["$id"].endswith("event.json")), registry=registry
    )
    assert [error.message for error in validator.iter_errors(document)] == []
