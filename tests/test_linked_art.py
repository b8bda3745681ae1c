"""Linked Art JSON-LD of sites, artefacts, damage events and pledges.

Each document is read back as RDF (offline, with the bundled context) and
validated against the official Linked Art API 1.0 JSON Schemas, which CI
keeps in ``shared/linked-art-schema/`` beside the repository.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from pyld import jsonld
from rdflib import RDF, Literal, Namespace, URIRef
from referencing import Registry, Resource

from registry.api.linked_art import (
    artefact_to_linked_art, damage_event_to_linked_art, linked_art_document_loader,
    pledge_to_linked_art, record_uri, site_to_linked_art, to_rdf_graph,
)
from registry.models import ExternalIdentifier, Lifecycle
from tests.factories import (
    ArtefactFactory, AttributionFactory, DamageEventFactory, DamageReportFactory,
    HeritageSiteFactory, PledgeStatusChangeFactory, RestorationPledgeFactory, SiteNameFactory, term,
)

CRM = Namespace("http://www.cidoc-crm.org/cidoc-crm/")
AAT = Namespace("http://vocab.getty.edu/aat/")
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "shared" / "linked-art-schema"
BASE = "https://heritage.example.org"

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema_errors():
    """Validate a document against one of the Linked Art schema files, offline."""
    if not (SCHEMA_DIR / "core.json").is_file():
        pytest.skip(
            f"Linked Art JSON Schemas not found at {SCHEMA_DIR} (CI clones shared/ beside the repo)"
        )
    schemas = {path.name: json.loads(path.read_text()) for path in SCHEMA_DIR.glob("*.json")}
    registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values()
    )

    def errors(document: dict, schema_name: str) -> list[str]:
        validator = Draft202012Validator(schemas[schema_name], registry=registry)
        return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]

    return errors


@pytest.fixture
def palmyra():
    site = HeritageSiteFactory(
        name="Palmyra", slug="palmyra",
        latitude=Decimal("34.551234"), longitude=Decimal("38.268765"),
    )
    SiteNameFactory(owner=site, name="تدمر", language="ar")
    ExternalIdentifier.objects.create(site=site, scheme="wikidata", value="Q5747")
    return site


def actor(record) -> URIRef:
    """URI of the actor behind an attribution, or of a pledge's pledger."""
    person = getattr(record, "actor", None) or record.pledger
    return URIRef(record_uri("actor", person.slug, base_uri=BASE))


def _literal_values(graph, subject, predicate) -> set[str]:
    return {str(value) for value in graph.objects(subject, predicate)}


def test_site_is_a_place_with_its_arabic_name(palmyra, schema_errors):
    document = site_to_linked_art(palmyra, base_uri=BASE)
    graph = to_rdf_graph(document)
    place = URIRef(f"{BASE}/api/v1/sites/palmyra/")

    assert (place, RDF.type, CRM.E53_Place) in graph
    arabic = [
        name for name in graph.objects(place, CRM.P1_is_identified_by)
        if (name, CRM.P190_has_symbolic_content, Literal("تدمر")) in graph
    ]
    assert len(arabic) == 1
    assert (arabic[0], CRM.P72_has_language, AAT["300387843"]) in graph  # AAT: Arabic
    wkt = _literal_values(graph, place, CRM.P168_place_is_defined_by)
    assert wkt == {"POINT(38.268765 34.551234)"}
    assert schema_errors(document, "place.json") == []


def test_site_links_its_published_parent_and_external_identity(palmyra, schema_errors):
    museum = HeritageSiteFactory(name="Palmyra Museum", slug="palmyra-museum", parent=palmyra)
    draft_child = HeritageSiteFactory(parent=HeritageSiteFactory(lifecycle=Lifecycle.DRAFT))

    document = site_to_linked_art(museum, base_uri=BASE)

    assert document["part_of"] == [
        {"id": f"{BASE}/api/v1/sites/palmyra/", "type": "Place", "_label": "Palmyra"}
    ]
    assert "part_of" not in site_to_linked_art(draft_child, base_uri=BASE)
    palmyra_document = site_to_linked_art(palmyra, base_uri=BASE)
    wikidata = {"id": "http://www.wikidata.org/entity/Q5747", "type": "Place"}
    assert wikidata in palmyra_document["equivalent"]
    assert any(i.get("content") == "Q5747" for i in palmyra_document["identified_by"])
    assert schema_errors(document, "place.json") == []


def test_sensitive_site_publishes_only_coarse_coordinates(palmyra, schema_errors):
    palmyra.is_sensitive = True
    palmyra.save()

    document = site_to_linked_art(palmyra, base_uri=BASE)

    assert document["defined_by"] == "POINT(38.3 34.6)"
    text = json.dumps(document)
    assert "38.268765" not in text and "34.551234" not in text
    assert schema_errors(document, "place.json") == []


def test_artefact_made_before_the_common_era_keeps_its_bce_timespan(palmyra, schema_errors):
    statue = ArtefactFactory(
        name="Lion of Al-lat", slug="lion-of-al-lat", site=palmyra, made="-00XX"
    )
    statue.materials.add(term("material", "limestone"))

    document = artefact_to_linked_art(statue, base_uri=BASE)
    graph = to_rdf_graph(document)
    thing = URIRef(f"{BASE}/api/v1/artefacts/lion-of-al-lat/")

    assert (thing, RDF.type, CRM["E22_Human-Made_Object"]) in graph
    production = graph.value(thing, CRM.P108i_was_produced_by)
    span = graph.value(production, CRM["P4_has_time-span"])
    begin = graph.value(span, CRM.P82a_begin_of_the_begin)
    assert str(begin) == "-0099-01-01T00:00:00Z"
    assert (thing, CRM.P55_has_current_location, URIRef(f"{BASE}/api/v1/sites/palmyra/")) in graph
    assert document["made_of"][0]["_label"] == "Limestone"
    assert schema_errors(document, "object.json") == []


def test_group_artefact_carries_a_vague_count(palmyra, schema_errors):
    cases = ArtefactFactory(
        name="Display cases", site=palmyra, kind=term("artefact_kind", "display-case"),
        is_group=True, quantity=3, quantity_precision="vague", quantity_phrase="several",
    )

    document = artefact_to_linked_art(cases, base_uri=BASE)

    [count] = document["dimension"]
    assert count["value"] == 3
    assert count["unit"]["id"] == "http://vocab.getty.edu/aat/300055665"  # AAT: numbers
    vague = f"{BASE}/api/v1/terms/quantity-precision/vague/"
    assert vague in {c["id"] for c in count["classified_as"]}
    assert any("several" in s["content"] for s in document["referred_to_by"])
    assert schema_errors(document, "object.json") == []


def test_artefact_is_destroyed_only_once_a_confirmed_report_says_so(palmyra, schema_errors):
    temple = ArtefactFactory(
        name="Temple of Bel", site=palmyra, kind=term("artefact_kind", "temple")
    )
    event = DamageEventFactory(sites=[palmyra])
    rumour = DamageReportFactory(
        sites=[palmyra], damage_event=event, severity="destroyed", claim_status="reported"
    )
    rumour.artefacts.add(temple)
    assert "destroyed_by" not in artefact_to_linked_art(temple, base_uri=BASE)

    confirmed = DamageReportFactory(
        sites=[palmyra], damage_event=event, severity="destroyed", claim_status="confirmed",
        occurred="2015-08-30",
    )
    confirmed.artefacts.add(temple)
    document = artefact_to_linked_art(temple, base_uri=BASE)

    destruction = document["destroyed_by"]
    event_uri = record_uri("damage_event", event.slug, base_uri=BASE)
    assert destruction["caused_by"][0]["id"] == event_uri
    assert destruction["timespan"]["begin_of_the_begin"] == "2015-08-30T00:00:00Z"
    temples = "http://vocab.getty.edu/aat/300007595"
    assert document["classified_as"][0]["id"] == temples
    assert schema_errors(document, "object.json") == []


def test_damage_event_is_an_activity_with_only_published_sure_perpetrators(palmyra, schema_errors):
    temple = ArtefactFactory(name="Temple of Bel", slug="temple-of-bel", site=palmyra)
    event = DamageEventFactory(
        slug="bel-dynamited", sites=[palmyra],
        cause_type=term("cause_type", "explosion-heavy-weaponry"),
    )
    event.artefacts.add(temple)
    sure = AttributionFactory(damage_event=event, certainty="definite")
    doubtful = AttributionFactory(damage_event=event, certainty="low")
    unpublished = AttributionFactory(
        damage_event=event, certainty="definite", lifecycle=Lifecycle.DRAFT
    )

    document = damage_event_to_linked_art(event, base_uri=BASE)
    graph = to_rdf_graph(document)
    activity = URIRef(f"{BASE}/api/v1/damage-events/bel-dynamited/")

    assert (activity, RDF.type, CRM.E7_Activity) in graph
    assert (activity, CRM.P7_took_place_at, URIRef(f"{BASE}/api/v1/sites/palmyra/")) in graph
    assert set(graph.objects(activity, CRM.P14_carried_out_by)) == {actor(sure)}
    assigned = set(graph.objects(None, CRM.P141_assigned))
    assert actor(doubtful) in assigned and actor(unpublished) not in assigned
    assert URIRef(f"{BASE}/api/v1/artefacts/temple-of-bel/") in assigned
    doubtful_uri = str(actor(doubtful))
    possibly = [a for a in document["attributed_by"] if a["assigned"][0]["id"] == doubtful_uri]
    assert "http://vocab.getty.edu/aat/300435722" in {c["id"] for c in possibly[0]["classified_as"]}
    end = graph.value(graph.value(activity, CRM["P4_has_time-span"]), CRM.P82b_end_of_the_end)
    assert end.toPython() == datetime(2015, 9, 2, 23, 59, 59, tzinfo=UTC)
    assert schema_errors(document, "event.json") == []


def test_pledge_is_an_activity_classified_as_a_promise(palmyra, schema_errors):
    pledge = RestorationPledgeFactory(
        slug="restore-palmyra", sites=[palmyra], amount=Decimal("250000"), currency="USD",
        conditions="Once the area is secure.", status="in_progress",
    )
    PledgeStatusChangeFactory(pledge=pledge, status="in_progress", date="2017-05")

    document = pledge_to_linked_art(pledge, base_uri=BASE)
    graph = to_rdf_graph(document)
    promise = URIRef(f"{BASE}/api/v1/pledges/restore-palmyra/")

    assert (promise, RDF.type, CRM.E7_Activity) in graph
    assert (promise, CRM.P2_has_type, AAT["300435599"]) in graph  # AAT: promises
    assert (promise, CRM.P14_carried_out_by, actor(pledge)) in graph
    assert (promise, CRM.P15_was_influenced_by, URIRef(f"{BASE}/api/v1/sites/palmyra/")) in graph
    amounts = list(graph.subjects(RDF.type, CRM.E97_Monetary_Amount))
    assert len(amounts) == 1 and float(graph.value(amounts[0], CRM.P90_has_value)) == 250000.0
    status = next(a for a in document["attributed_by"] if a["_label"].startswith("Status"))
    assert status["assigned"][0]["id"] == f"{BASE}/api/v1/terms/pledge-status/in_progress/"
    assert status["timespan"]["begin_of_the_begin"] == "2017-05-01T00:00:00Z"
    statements = {s["content"] for s in document["referred_to_by"]}
    assert "Conditions: Once the area is secure." in statements
    assert schema_errors(document, "event.json") == []


def test_uris_follow_the_api_paths_and_default_to_the_configured_base(palmyra, settings):
    settings.REGISTRY_BASE_URI = "https://registry.example.net"

    document = site_to_linked_art(palmyra)

    assert document["@context"] == "https://linked.art/ns/v1/linked-art.json"
    assert document["id"] == "https://registry.example.net/api/v1/sites/palmyra/"


def test_offline_loader_serves_only_the_linked_art_context():
    load = linked_art_document_loader()

    assert "crm" in load("https://linked.art/ns/v1/linked-art.json")["document"]["@context"]
    with pytest.raises(jsonld.JsonLdError):
        load("https://example.org/other-context.json")


@pytest.mark.parametrize("endpoint,schema_name", [
    ("sites", "place.json"), ("artefacts", "object.json"),
    ("damage-events", "event.json"), ("pledges", "event.json"),
])
def test_api_jsonld_parses_as_rdf_and_is_valid_linked_art(client, settings, palmyra, schema_errors,
                                                          endpoint, schema_name):
    """What a partner downloads, not just what the builders return."""
    settings.REGISTRY_BASE_URI = BASE
    temple = ArtefactFactory(name="Temple of Bel", slug="temple-of-bel", site=palmyra, made="0032")
    event = DamageEventFactory(slug="bel-dynamited", sites=[palmyra], occurred="2015-08-27/2015-09-02")
    event.artefacts.add(temple)
    AttributionFactory(damage_event=event, certainty="definite")
    pledge = RestorationPledgeFactory(slug="restore-palmyra", sites=[palmyra], amount=Decimal("1000"),
                                      currency="USD")
    PledgeStatusChangeFactory(pledge=pledge, status="in_progress", date="2017-05")
    slug = {"sites": palmyra.slug, "artefacts": temple.slug, "damage-events": event.slug,
            "pledges": pledge.slug}[endpoint]

    response = client.get(f"/api/v1/{endpoint}/{slug}/", HTTP_ACCEPT="application/ld+json")

    assert response.status_code == 200 and response["Content-Type"].startswith("application/ld+json")
    document = json.loads(response.content)
    subject = URIRef(f"{BASE}/api/v1/{endpoint}/{slug}/")
    graph = to_rdf_graph(document)
    assert (subject, RDF.type, None) in graph and len(graph) > 5
    assert schema_errors(document, schema_name) == []
