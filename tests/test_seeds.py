"""The Palmyra seed records and ``manage.py load_seeds`` (registry/seeding.py)."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction

from registry.models import (
    Actor, Artefact, Attribution, DamageEvent, DamageReport, HeritageSite, Lifecycle,
    PledgeStatus, PledgeStatusChange, QuantityPrecision, Record, RestorationPledge, Source,
)
from registry.seeding import QUOTE_MAX_WORDS, SEEDS_DIR

pytestmark = pytest.mark.django_db

# CI checks the project out next to the shared material, as ../shared.
SEED_DOCUMENT = SEEDS_DIR.parent.parent / "shared" / "seeds" / "000_17474be93732817c.txt"
CLAIM_MODELS = (DamageEvent, Attribution, DamageReport, RestorationPledge, PledgeStatusChange)


def run_load_seeds(**options) -> str:
    out = StringIO()
    call_command("load_seeds", stdout=out, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The seeds, loaded once for this module inside a transaction that is then
    rolled back; each test runs in a savepoint within it, so none sees another's
    changes and loading (several seconds) is not repeated for every test."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            yield run_load_seeds()
            transaction.set_rollback(True)


def seed_quotes(node):
    """Every ``quote`` value anywhere in a parsed seed file."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "quote":
                yield value
            else:
                yield from seed_quotes(value)
    elif isinstance(node, list):
        for item in node:
            yield from seed_quotes(item)


def registry_row_counts() -> dict[str, int]:
    """Rows of every registry table, history tables included."""
    return {model.__name__: model._default_manager.count() for model in apps.get_app_config("registry").get_models()}


def record_versions() -> dict[tuple[str, str], int]:
    versions = {}
    for model in apps.get_app_config("registry").get_models():
        if issubclass(model, Record):
            versions.update({(model.__name__, slug): v for slug, v in model.objects.values_list("slug", "version")})
    return versions


def test_palmyra_has_its_names_coordinates_and_unesco_listings(seeded):
    palmyra = HeritageSite.objects.published().get(slug="palmyra")

    assert palmyra.country == "SY"
    assert palmyra.kind.slug == "archaeological-site"
    assert (palmyra.latitude, palmyra.longitude) == (Decimal("34.551"), Decimal("38.268"))
    names = {(name.name, name.language) for name in palmyra.names.all()}
    assert {("تدمر", "ar"), ("Tadmur", "ar-Latn"), ("Tadmor", "en")} <= names
    listings = {d.kind.slug: d for d in palmyra.designations.all()}
    assert listings["unesco-world-heritage"].reference == "23"
    assert listings["unesco-world-heritage"].since == "1980"
    assert listings["unesco-in-danger"].since_lower == 20130101
    assert [(i.scheme, i.value) for i in palmyra.identifiers.all()] == [("unesco", "23")]


def test_museum_and_citadel_are_parts_of_palmyra(seeded):
    palmyra = HeritageSite.objects.get(slug="palmyra")

    assert HeritageSite.objects.get(slug="palmyra-museum").parent == palmyra
    assert HeritageSite.objects.get(slug="palmyra-museum").kind.slug == "museum"
    assert HeritageSite.objects.get(slug="palmyra-citadel").parent == palmyra
    assert HeritageSite.objects.get(slug="palmyra-citadel").kind.slug == "fortification"


def test_unnamed_objects_are_vague_groups(seeded):
    cases = Artefact.objects.get(slug="palmyra-museum-smashed-display-cases")
    temples = Artefact.objects.get(slug="palmyra-temples-dynamited-2015")

    assert cases.is_group and cases.quantity_precision == QuantityPrecision.VAGUE
    assert cases.quantity_phrase == "several"
    assert cases.quantity is None
    assert cases.site.slug == "palmyra-museum"
    assert temples.is_group and temples.kind.slug == "temple"
    assert temples.quantity_precision == QuantityPrecision.VAGUE


def test_every_seeded_record_is_published(seeded):
    for model in apps.get_app_config("registry").get_models():
        if issubclass(model, Record) and model.objects.exists():
            assert set(model.objects.values_list("lifecycle", flat=True)) == {Lifecycle.PUBLISHED}, model


def test_every_published_claim_cites_a_short_located_phrase(seeded):
    claims = [claim for model in CLAIM_MODELS for claim in model.objects.published()]
    assert len(claims) >= 10

    for claim in claims:
        citations = list(claim.citations.published())
        assert citations, f"{claim} has no citation"
        for citation in citations:
            assert citation.quote.strip(), f"{claim}: empty quote"
            assert len(citation.quote.split()) <= QUOTE_MAX_WORDS, citation.quote
            assert re.fullmatch(r"para\. \d+", citation.locator), citation.locator
            assert citation.speaker is not None, f"{claim}: no speaker"


def test_wire_report_relays_its_sources(seeded):
    wire = Source.objects.get(slug="aap-wire-palmyra-retaken-2016-03-27")
    page = Source.objects.get(slug="sbs-news-palmyra-retaken-2016-03-27")

    relayed = {source.kind.slug for source in wire.relays.all()}
    assert {"state-media-broadcast", "interview", "ngo-statement", "official-statement"} <= relayed
    assert {s.publisher.slug for s in wire.relays.all()} >= {
        "syrian-state-television", "reuters", "syrian-observatory-for-human-rights",
        "syrian-arab-army-general-command",
    }
    assert list(page.relays.all()) == [wire]
    assert (page.publisher.slug, page.published, page.url, page.reliability) == ("sbs-news", "2016-03-27", "", "B")


def test_temples_were_dynamited_in_2015_by_islamic_state(seeded):
    event = DamageEvent.objects.get(slug="palmyra-temples-dynamited-2015")

    assert event.occurred == "2015"
    assert (event.occurred_lower, event.occurred_upper) == (20150101, 20151231)
    assert event.cause_type.slug == "explosion-heavy-weaponry"
    attribution = event.attributions.published().get()
    assert attribution.actor == Actor.objects.get(slug="islamic-state")
    assert attribution.citations.filter(quote="IS militants dynamited several monuments").exists()


def test_museum_damage_is_dated_between_seizure_and_broadcast(seeded):
    event = DamageEvent.objects.get(slug="palmyra-museum-damaged-2015-2016")

    assert (event.occurred_lower, event.occurred_upper) == (20150101, 20160327)
    assert not event.attributions.exists()  # the report names no perpetrator
    report = DamageReport.objects.get(slug="state-tv-palmyra-museum-display-cases")
    assert report.source.kind.slug == "state-media-broadcast"
    assert report.citations.get().speaker.slug == "syrian-state-television"


def test_pledge_by_the_antiquities_chief_is_pledged(seeded):
    pledge = RestorationPledge.objects.published().get(slug="dgam-pledge-restore-palmyra-monuments-2016")

    assert pledge.pledger == Actor.objects.get(slug="mamoun-abdelkarim")
    assert pledge.pledger.affiliation.slug == "dgam"
    assert pledge.status == PledgeStatus.PLEDGED
    assert (pledge.pledged_lower, pledge.pledged_upper) == (20160321, 20160327)
    assert pledge.target == ""
    change = pledge.status_changes.published().get()
    assert change.status == PledgeStatus.PLEDGED
    assert change.citations.get().quote == "pledged to restore the damaged monuments"


def test_seed_quotes_appear_verbatim_in_the_seed_document():
    if not SEED_DOCUMENT.exists():
        pytest.skip(f"seed document not found at {SEED_DOCUMENT} (shared/ is not beside the project)")
    text = " ".join(SEED_DOCUMENT.read_text(encoding="utf-8").split())
    quotes = [
        quote for path in sorted(SEEDS_DIR.rglob("*.yaml"))
        for quote in seed_quotes(yaml.safe_load(path.read_text(encoding="utf-8")))
    ]

    assert len(quotes) >= 15
    missing = [quote for quote in quotes if " ".join(quote.split()) not in text]
    assert missing == []


def test_second_run_changes_nothing(seeded):
    counts, versions = registry_row_counts(), record_versions()

    output = run_load_seeds()

    assert registry_row_counts() == counts
    assert record_versions() == versions
    assert output.startswith("Seeds: 0 created, 0 updated,")


def test_an_edited_seed_updates_only_that_record(tmp_path, seeded):
    root = shutil.copytree(SEEDS_DIR, tmp_path / "seeds")
    path = root / "palmyra-2016" / "sites.yaml"
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    content["sites"][2]["description"] = "Castle on the hill above the ruins."
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    citadel = HeritageSite.objects.get(slug="palmyra-citadel")
    versions = record_versions()

    output = run_load_seeds(path=root)

    citadel.refresh_from_db()
    assert citadel.description == "Castle on the hill above the ruins."
    assert citadel.version == versions[("HeritageSite", "palmyra-citadel")] + 1
    assert citadel.history.first().history_change_reason == "Loaded from seeds/palmyra-2016/sites.yaml"
    assert output.startswith("Seeds: 0 created, 1 updated,")
    assert {k: v for k, v in record_versions().items() if k != ("HeritageSite", "palmyra-citadel")} == {
        k: v for k, v in versions.items() if k != ("HeritageSite", "palmyra-citadel")
    }


def _prepend_actor(root: Path, *, slug: str, name: str) -> None:
    path = root / "palmyra-2016" / "actors.yaml"
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    content["actors"].insert(0, {"slug": slug, "name": name, "kind": "organisation"})
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")


def _break(root: Path, filename: str, section: str, index: int, change) -> None:
    path = root / "palmyra-2016" / filename
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(content[section][index])
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(("filename", "section", "change", "slug", "field"), [
    ("damage.yaml", "events", lambda e: e.update(occurred="2015-13-45"), "palmyra-temples-dynamited-2015", "occurred"),
    ("artefacts.yaml", "artefacts", lambda e: e.update(kind="pyramid"), "palmyra-temples-dynamited-2015", "kind"),
    ("pledges.yaml", "pledges", lambda e: e["citations"][0].update(quote=" ".join(["word"] * 20)),
     "dgam-pledge-restore-palmyra-monuments-2016", "citations[0].quote"),
    ("sites.yaml", "sites", lambda e: e["designations"][1].update(since="2013-14"), "palmyra",
     "designations[1].since"),
])
def test_a_broken_seed_names_file_record_and_field_and_stores_nothing(
    tmp_path, seeded, filename, section, change, slug, field,
):
    root = shutil.copytree(SEEDS_DIR, tmp_path / "seeds")
    entries = yaml.safe_load((root / "palmyra-2016" / filename).read_text(encoding="utf-8"))[section]
    _break(root, filename, section, next(i for i, e in enumerate(entries) if e["slug"] == slug), change)
    # A new record listed first proves that records loaded before the error are dropped too.
    _prepend_actor(root, slug="unesco", name="UNESCO")
    counts = registry_row_counts()

    with pytest.raises(CommandError) as raised:
        run_load_seeds(path=root)

    message = str(raised.value)
    assert f"seeds/palmyra-2016/{filename}" in message
    assert f"“{slug}”" in message
    assert f"“{field}”" in message
    assert registry_row_counts() == counts
    assert not Actor.objects.filter(slug="unesco").exists()
