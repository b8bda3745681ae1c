"""Linked Art JSON-LD (the CIDOC CRM profile museums publish in) for public records.

Documents are built with ``cromulent``, the Linked Art community's Python
library, so that every class and property is checked against the CRM profile
as it is set.  They follow the Linked Art API 1.0 JSON Schemas: a site is a
``Place``, an artefact a ``HumanMadeObject``, a damage event and a pledge an
``Activity``.

Concepts: a vocabulary term with a Getty AAT URI is published under that URI;
any other term, and the registry's fixed scales (certainty, severity, pledge
status), under the registry's own concept URIs
``{base}/api/v1/terms/<vocabulary>/<slug>/``, so nothing is ever dropped and
no AAT number is guessed.

Only published records are linked: a reference to a draft would point at a
page that the public cannot open.
"""

from __future__ import annotations

import copy
import json
import threading
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import cromulent
import rdflib
from cromulent import model, vocab
from django.conf import settings
from pyld import jsonld

from registry.dates import format_day_key
from registry.models import Actor, Certainty, Severity
from registry.selectors import visibility

LINKED_ART_CONTEXT_URI = "https://linked.art/ns/v1/linked-art.json"
# cromulent ships the Linked Art context; the API must not fetch it at run time.
CONTEXT_PATH = Path(cromulent.__file__).resolve().parent / "data" / "linked-art.json"
AAT = "http://vocab.getty.edu/aat/"

RECORD_PATHS = {
    "site": "sites", "artefact": "artefacts", "damage_event": "damage-events",
    "pledge": "pledges", "actor": "actors",
}
# Entity URIs (not web pages) of the registries a site's identifiers point to.
EQUIVALENT_URIS = {
    "wikidata": "http://www.wikidata.org/entity/{}",
    "pleiades": "https://pleiades.stoa.org/places/{}",
    "geonames": "https://sws.geonames.org/{}/",
}
# Attributions the registry holds with less confidence are published only as
# "possibly" assignments, never as a plain ``carried_out_by`` fact.
ASSERTED_CERTAINTIES = {Certainty.DEFINITE, Certainty.HIGH}

_setup_lock = threading.Lock()
_configured = False


def _factory() -> model.CromulentFactory:
    """cromulent's factory is process-global: configure it once, then only read it."""
    global _configured
    if not _configured:
        with _setup_lock:
            if not _configured:
                factory = model.factory
                factory.auto_assign_id = False  # every id is a stable registry URI or none
                factory.json_serializer = "fast"
                factory.context_uri = LINKED_ART_CONTEXT_URI
                factory.validate_properties = True
                factory.validate_profile = True
                factory.validate_range = True
                factory.debug_level = "error"  # profile warnings would only clutter server logs
                _configured = True
    return model.factory


@lru_cache(maxsize=1)
def _coded_instances() -> dict[tuple[str, str], tuple[str, str]]:
    """(class, ISO code) -> (AAT URI, label) for the languages and currencies cromulent knows."""
    found = {}
    for instance in vocab.instances.values():
        code = getattr(instance, "notation", None)
        if code:
            found[(type(instance).__name__, code)] = (instance.id, instance._label)
    return found


def _base(base_uri: str | None) -> str:
    return (base_uri or settings.REGISTRY_BASE_URI).rstrip("/")


def record_uri(kind: str, slug: str, *, base_uri: str | None = None) -> str:
    """Stable URI of a record, the same path the API serves it under."""
    return f"{_base(base_uri)}/api/v1/{RECORD_PATHS[kind]}/{slug}/"


def concept_uri(vocabulary: str, slug: str, *, base_uri: str | None = None) -> str:
    return f"{_base(base_uri)}/api/v1/terms/{vocabulary.replace('_', '-')}/{slug}/"


def _concept(base: str, vocabulary: str, slug: str, label: str, cls=model.Type):
    return cls(concept_uri(vocabulary, slug, base_uri=base), label=str(label))


def _choice(base: str, vocabulary: str, record, field: str):
    """A registry concept for the value of one of ``record``'s choice fields."""
    label = getattr(record, f"get_{field}_display")()
    return _concept(base, vocabulary, getattr(record, field), label)


def _term(base: str, term, cls=model.Type):
    if term.aat_uri:
        return cls(term.aat_uri, label=term.label)
    return _concept(base, term.vocabulary, term.slug, term.label, cls)


def _language(code: str):
    """The AAT language of a BCP 47 tag; ``ar-Latn`` is still Arabic."""
    primary = (code or "").split("-")[0].lower()
    found = _coded_instances().get(("Language", primary))
    return model.Language(found[0], label=found[1]) if found else None


def _statement(content: str, cls=vocab.Note, language: str = "en"):
    statement = cls(content=content)
    if lang := _language(language):
        statement.language = lang
    return statement


def _timespan(lower: int | None, upper: int | None, text: str = ""):
    """A TimeSpan from day-key bounds; BCE years keep their sign ("-0099-01-01T00:00:00Z")."""
    if lower is None and upper is None:
        return None
    span = model.TimeSpan()
    if text:
        span.identified_by = model.Name(content=text)
    if lower is not None:
        span.begin_of_the_begin = f"{format_day_key(lower)}T00:00:00Z"
    if upper is not None:
        span.end_of_the_end = f"{format_day_key(upper)}T23:59:59Z"
    return span


def _site_ref(base: str, site):
    return model.Place(record_uri("site", site.slug, base_uri=base), label=site.name)


def _artefact_ref(base: str, artefact):
    uri = record_uri("artefact", artefact.slug, base_uri=base)
    return model.HumanMadeObject(uri, label=artefact.name)


def _actor_ref(base: str, actor):
    cls = model.Person if actor.kind == Actor.Kind.PERSON else model.Group
    return cls(record_uri("actor", actor.slug, base_uri=base), label=actor.name)


def _is_public(record) -> bool:
    # Linked Art is a public export: it names only what the public may see.
    return visibility.may_see(record, visibility.PUBLIC)


def _add_names(base: str, entity, record) -> None:
    primary = vocab.PrimaryName(content=record.name)
    primary.language = _language("en")
    entity.identified_by = primary
    for name in record.names.all():
        appellation = vocab.AlternateName(content=name.name)
        if lang := _language(name.language):
            appellation.language = lang
        appellation.classified_as = _choice(base, "name_type", name, "name_type")
        entity.identified_by = appellation


def _add_identifiers(base: str, entity, record, *, equivalents: bool) -> None:
    for identifier in record.identifiers.all():
        ident = model.Identifier(content=identifier.value)
        ident.classified_as = _choice(base, "identifier_scheme", identifier, "scheme")
        entity.identified_by = ident
        if equivalents and identifier.scheme in EQUIVALENT_URIS:
            uri = EQUIVALENT_URIS[identifier.scheme].format(identifier.value)
            entity.equivalent = model.Place(uri)


def _wkt_point(latitude: Decimal, longitude: Decimal) -> str:
    # WKT puts x (longitude) before y (latitude).
    return f"POINT({format(longitude, 'f')} {format(latitude, 'f')})"


def site_to_linked_art(site, *, base_uri: str | None = None) -> dict:
    """A heritage site as a Linked Art Place (validates against place.json)."""
    _factory()
    base = _base(base_uri)
    place = model.Place(record_uri("site", site.slug, base_uri=base), label=site.name)
    place.classified_as = _term(base, site.kind)
    _add_names(base, place, site)
    _add_identifiers(base, place, site, equivalents=True)
    if coordinates := site.public_coordinates():
        place.defined_by = _wkt_point(*coordinates)
        if site.is_sensitive:
            place.referred_to_by = _statement(
                "Coordinates are coarsened to protect this site; the exact location is withheld."
            )
    if site.description:
        place.referred_to_by = _statement(site.description, vocab.Description)
    for designation in site.designations.all():
        place.referred_to_by = _statement(_designation_text(designation))
    if _is_public(site.parent):
        place.part_of = _site_ref(base, site.parent)
    return _factory().toJSON(place)


def _designation_text(designation) -> str:
    parts = [
        str(designation.kind), designation.reference and f"no. {designation.reference}",
        designation.since and f"since {designation.since}",
        designation.until and f"until {designation.until}",
    ]
    return " ".join(part for part in parts if part)


def artefact_to_linked_art(artefact, *, base_uri: str | None = None) -> dict:
    """An artefact as a Linked Art HumanMadeObject (validates against object.json).

    A group whose members are unknown ("several display cases") stays one
    HumanMadeObject rather than becoming a ``Set``: CRM's E22 Human-Made
    Object covers aggregates made for a purpose (its scope note's "set of
    chessmen"), and only an object can carry the location, materials,
    production and destruction the registry records.  Its size is a count
    Dimension (unit "numbers") classified by the estimate's precision, and a
    statement keeps the source's wording.
    """
    _factory()
    base = _base(base_uri)
    thing = _artefact_ref(base, artefact)
    thing.classified_as = _term(base, artefact.kind)
    _add_names(base, thing, artefact)
    _add_identifiers(base, thing, artefact, equivalents=False)
    for material in artefact.materials.all():
        thing.made_of = _term(base, material, model.Material)
    if span := _timespan(artefact.made_lower, artefact.made_upper, artefact.made):
        production = model.Production()
        production.timespan = span
        thing.produced_by = production
    if _is_public(artefact.site):
        thing.current_location = _site_ref(base, artefact.site)
    if _is_public(artefact.parent):
        thing.part_of = _artefact_ref(base, artefact.parent)
    if artefact.description:
        thing.referred_to_by = _statement(artefact.description, vocab.Description)
    if artefact.is_group:
        _add_group_count(base, thing, artefact)
    if destruction := _known_destruction(base, artefact):
        thing.destroyed_by = destruction
    return _factory().toJSON(thing)


def _add_group_count(base: str, thing, artefact) -> None:
    thing.classified_as = _concept(base, "artefact_form", "group", "Group of objects")
    wording = artefact.quantity_phrase or artefact.quantity_display
    thing.referred_to_by = _statement(
        f"Stands for a group of objects whose members are not individually known: {wording} "
        f"({artefact.quantity_precision} count)."
    )
    if artefact.quantity is None:
        return
    count = model.Dimension(value=artefact.quantity, label=f"count: {artefact.quantity_display}")
    count.unit = model.MeasurementUnit(f"{AAT}300055665", label="numbers")
    count.classified_as = _concept(base, "dimension", "count", "Number of objects")
    count.classified_as = _choice(base, "quantity_precision", artefact, "quantity_precision")
    thing.dimension = count


def _known_destruction(base: str, artefact):
    """A Destruction only when the artefact's current condition is an established "destroyed".

    The condition is the registry's own (``selectors.condition``): a report
    still unconfirmed, or a destruction since undone by rebuilding, is none.
    """
    from registry.selectors.condition import condition_of

    current = condition_of(artefact).current
    if current is None or current.is_intervention or current.severity != Severity.DESTROYED:
        return None
    report = current.record
    destruction = model.Destruction(label=f"Destruction of {artefact.name}")
    if span := _timespan(report.occurred_lower, report.occurred_upper, report.occurred):
        destruction.timespan = span
    if _is_public(report.damage_event):
        event = report.damage_event
        destruction.caused_by = model.Activity(
            record_uri("damage_event", event.slug, base_uri=base), label=event.title
        )
    destruction.referred_to_by = _statement(
        f"Recorded as destroyed by the {report.get_claim_status_display().lower()} report “{report.title}”."
    )
    return destruction


def damage_event_to_linked_art(event, *, base_uri: str | None = None) -> dict:
    """A damage event as a Linked Art Activity (validates against event.json).

    One Activity may damage many objects; the objects are linked through
    ``attributed_by`` assignments of CRM P12 "occurred in the presence of"
    (``involved``), since event.json offers no direct property for them.
    """
    _factory()
    base = _base(base_uri)
    uri = record_uri("damage_event", event.slug, base_uri=base)
    activity = model.Activity(uri, label=event.title)
    activity.classified_as = _concept(base, "event_kind", "damage", "Damage to cultural heritage")
    for term in (event.cause_category, event.cause_type, *event.effects.all()):
        if term is not None:
            activity.classified_as = _term(base, term)
    activity.classified_as = _choice(base, "severity", event, "severity")
    if span := _timespan(event.occurred_lower, event.occurred_upper, event.occurred):
        activity.timespan = span
    for site in event.sites.published():
        activity.took_place_at = _site_ref(base, site)
    attributions = visibility.visible(event.attributions.all()).select_related("actor", "damage_event")
    for attribution in attributions:
        if attribution.certainty in ASSERTED_CERTAINTIES:
            activity.carried_out_by = _actor_ref(base, attribution.actor)
        activity.attributed_by = _responsibility(base, attribution)
    artefacts = list(event.artefacts.published())
    if artefacts:
        involved = model.AttributeAssignment(label="Objects affected")
        for artefact in artefacts:
            involved.assigned = _artefact_ref(base, artefact)
        _set_assigned_property(involved, "involved")
        activity.attributed_by = involved
    if event.description:
        activity.referred_to_by = _statement(event.description, vocab.Description)
    activity.referred_to_by = _statement(f"Extent of damage: {event.get_extent_display()}.")
    from .linked_art_accounts import add_accounts  # builds on this module's helpers

    add_accounts(base, activity, event)
    return _factory().toJSON(activity)


def _responsibility(base: str, attribution):
    """Who the registry holds responsible, and how sure it is."""
    possible = attribution.certainty not in ASSERTED_CERTAINTIES
    cls = vocab.PossibleAssignment if possible else model.AttributeAssignment
    assignment = cls(label=f"Responsibility of {attribution.actor.name}")
    assignment.assigned = _actor_ref(base, attribution.actor)
    assignment.classified_as = _choice(base, "certainty", attribution, "certainty")
    note = f"Certainty: {attribution.get_certainty_display().lower()}."
    if attribution.note:
        note = f"{note} {attribution.note}"
    assignment.referred_to_by = _statement(note)
    _set_assigned_property(assignment, "carried_out_by")
    return assignment


def _set_assigned_property(assignment, prop: str) -> None:
    # cromulent 1.0.1 types assigned_property as a Type, but the Linked Art 1.0
    # API (and its context, "@type": "@vocab") wants the property's name.
    object.__setattr__(assignment, "assigned_property", prop)


def pledge_to_linked_art(pledge, *, base_uri: str | None = None) -> dict:
    """A restoration pledge as an Activity classified as a Promise (event.json).

    The sites and artefacts it concerns are ``influenced_by`` (CRM P15, the
    parent of P17 "was motivated by"): event.json has no ``about``.
    """
    _factory()
    base = _base(base_uri)
    promise = vocab.Promise(record_uri("pledge", pledge.slug, base_uri=base), label=pledge.title)
    promise.classified_as = _term(base, pledge.action)
    if _is_public(pledge.pledger):
        promise.carried_out_by = _actor_ref(base, pledge.pledger)
    if _is_public(pledge.beneficiary):
        promise.participant = _actor_ref(base, pledge.beneficiary)
    if span := _timespan(pledge.pledged_lower, pledge.pledged_upper, pledge.pledged):
        promise.timespan = span
    for site in pledge.sites.published():
        promise.influenced_by = _site_ref(base, site)
    for artefact in pledge.artefacts.published():
        promise.influenced_by = _artefact_ref(base, artefact)
    if pledge.description:
        promise.referred_to_by = _statement(pledge.description, vocab.Description)
    if pledge.conditions:
        promise.referred_to_by = _statement(f"Conditions: {pledge.conditions}")
    if pledge.target:
        promise.referred_to_by = _statement(f"Target date: {pledge.target}")
    if pledge.amount is not None:
        promise.attributed_by = _pledged_amount(base, pledge)
    promise.attributed_by = _status(base, pledge)
    return _factory().toJSON(promise)


def _pledged_amount(base: str, pledge):
    label = f"{pledge.amount} {pledge.currency}"
    amount = model.MonetaryAmount(value=float(pledge.amount), label=label)
    found = _coded_instances().get(("Currency", pledge.currency))
    if found:
        amount.currency = model.Currency(found[0], label=found[1])
    else:
        code = pledge.currency
        amount.currency = _concept(base, "currency", code, code, model.Currency)
    assignment = model.AttributeAssignment(label="Amount pledged")
    assignment.classified_as = _concept(base, "pledge_attribute", "amount", "Amount pledged")
    assignment.assigned = amount
    return assignment


def _status(base: str, pledge):
    """The pledge's current status, dated by its latest published status change."""
    assignment = model.AttributeAssignment(label=f"Status: {pledge.get_status_display()}")
    assignment.classified_as = _concept(base, "pledge_attribute", "status", "Pledge status")
    assignment.assigned = _choice(base, "pledge_status", pledge, "status")
    change = pledge.status_changes.published().filter(status=pledge.status).latest_first().first()
    if change is not None:
        if span := _timespan(change.date_lower, change.date_upper, change.date):
            assignment.timespan = span
        if change.note:
            assignment.referred_to_by = _statement(change.note)
    return assignment


# --- Reading the documents back as RDF, offline -------------------------------------


@lru_cache(maxsize=1)
def linked_art_context() -> dict:
    """The Linked Art JSON-LD context document, from cromulent's bundled copy."""
    return json.loads(CONTEXT_PATH.read_text(encoding="utf-8"))


def linked_art_document_loader():
    """A PyLD document loader that serves the Linked Art context locally and fetches nothing."""

    def load(url: str, options=None) -> dict:
        if url.rstrip("/") != LINKED_ART_CONTEXT_URI:
            raise jsonld.JsonLdError(
                f"Refusing to fetch {url}: only the bundled Linked Art context is offline.",
                "jsonld.LoadDocumentError", code="loading document failed",
            )
        document = copy.deepcopy(linked_art_context())
        return {"contextUrl": None, "documentUrl": url, "document": document}

    return load


def to_rdf_graph(document: dict) -> rdflib.Graph:
    """Parse a Linked Art JSON-LD document into an rdflib Graph without network access."""
    nquads = jsonld.to_rdf(
        document, {"format": "application/n-quads", "documentLoader": linked_art_document_loader()}
    )
    graph = rdflib.Graph()
    graph.bind("crm", "http://www.cidoc-crm.org/cidoc-crm/")
    graph.parse(data=nquads, format="nt")
    return graph
