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
from django.urls import reverse

from registry import services
from registry.models import (
    Actor, Artefact, Attribution, Citation, DamageEvent, DamageReport, HeritageSite, Lifecycle,
    PledgeStatus, PledgeStatusChange, QuantityPrecision, Record, RestorationPledge, SiteName, Source,
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


def seed_paragraphs() -> dict[int, str]:
    """The document's paragraphs, numbered as seeds/README.md counts them.

    Blocks are separated by blank lines; the headline and the standfirst are
    not counted, and counting stops at the page's closing matter ("Share").
    """
    blocks = [" ".join(block.split()) for block in SEED_DOCUMENT.read_text(encoding="utf-8").split("\n\n")]
    blocks = [block for block in blocks if block]
    body = blocks[2:]
    end = next(i for i, block in enumerate(body) if block.startswith("Share"))
    return dict(enumerate(body[:end], start=1))


def test_every_paragraph_is_cited_and_every_quote_is_in_its_paragraph(seeded):
    if not SEED_DOCUMENT.exists():
        pytest.skip(f"seed document not found at {SEED_DOCUMENT} (shared/ is not beside the project)")
    paragraphs = seed_paragraphs()
    assert len(paragraphs) == 15
    assert paragraphs[15].startswith('"Palmyra has been liberated.')

    citations = list(Citation.objects.published().select_related("source"))
    misplaced = [
        (citation.locator, citation.quote) for citation in citations
        if " ".join(citation.quote.split()) not in paragraphs[int(citation.locator.removeprefix("para. "))]
    ]
    assert misplaced == []
    assert {c.source.slug for c in citations} == {"sbs-news-palmyra-retaken-2016-03-27"}
    uncited = set(paragraphs) - {int(c.locator.removeprefix("para. ")) for c in citations}
    assert uncited == set()


def test_every_actor_the_report_names_is_recorded(seeded):
    names = {
        actor.slug: {(n.name, n.language) for n in actor.names.all()}
        for actor in Actor.objects.published().prefetch_related("names")
    }
    assert {
        "islamic-state", "syrian-arab-army", "syrian-arab-army-general-command", "desert-falcons",
        "syrian-observatory-for-human-rights", "rami-abdulrahman", "bashar-al-assad", "syrian-state-television",
        "russian-armed-forces", "dgam", "mamoun-abdelkarim", "reuters", "australian-associated-press", "sbs-news",
    } <= set(names)
    assert ("صقور الصحراء", "ar") in names["desert-falcons"]
    assert ("ISIL", "en") in names["islamic-state"]
    assert Actor.objects.get(slug="syrian-arab-army-general-command").affiliation.slug == "syrian-arab-army"


@pytest.mark.parametrize(("locator", "quote", "speaker"), [
    ("para. 3", "seized the desert city last year", "australian-associated-press"),
    ("para. 3", "driven Islamic State fighters out of Palmyra", "syrian-arab-army-general-command"),
    ("para. 4", "restored security and stability to the city", "syrian-arab-army-general-command"),
    ("para. 5", "still clashes on the eastern edge of Palmyra", "syrian-observatory-for-human-rights"),
    ("para. 7", "hitting dozens of vehicles on the roads leading east", "syrian-state-television"),
    ("para. 9", "a three-week campaign by the army and its allies", "australian-associated-press"),
    ("para. 11", "400 IS fighters died in the battle for Palmyra", "rami-abdulrahman"),
    ("para. 12", "around 180 government soldiers and allied fighters were also killed",
     "syrian-observatory-for-human-rights"),
    ("para. 15", "Palmyra has been liberated", "mamoun-abdelkarim"),
])
def test_occupation_recapture_and_fighting_are_cited_on_palmyra(seeded, locator, quote, speaker):
    palmyra = HeritageSite.objects.get(slug="palmyra")
    citation = palmyra.citations.published().get(quote=quote)
    assert (citation.locator, citation.speaker.slug) == (locator, speaker)


def test_palmyra_description_keeps_the_reports_numbers_and_dates(seeded):
    description = HeritageSite.objects.get(slug="palmyra").description
    assert "seized the city in 2015" in description
    assert "27 March 2016" in description
    # The report gives 400 as a figure and 180 as "around": neither more nor less certain here.
    assert "at 400 IS fighters" in description and "around 180" in description


def test_sources_are_dated_no_more_precisely_than_the_report(seeded):
    dates = dict(Source.objects.values_list("slug", "published"))
    assert dates["syrian-state-tv-palmyra-2016-03-27"] == "2016-03-27"  # "on Sunday morning"
    assert dates["reuters-interview-abdelkarim-2016-03-27"] == "2016-03-27"  # "on Sunday"
    assert dates["dgam-director-statements-2016-03"] == "2016-03-21/2016-03-27"  # "this week"
    assert dates["sohr-statements-palmyra-2016-03-27"] == "2016-03-27?"  # not dated by the report


def test_citadel_photo_caption_is_cited(seeded):
    citadel = HeritageSite.objects.get(slug="palmyra-citadel")
    quotes = {c.quote: c.locator for c in citadel.citations.published()}
    assert quotes["Desert Falcons militia burn the ISIL flag"] == "para. 1"
    assert quotes["taken over from the terrorists"] == "para. 2"


def test_parts_of_records_are_saved_with_the_loaders_reason(seeded):
    name = SiteName.objects.get(owner__slug="palmyra", language="ar")
    assert name.history.get().history_change_reason == "Loaded from seeds/palmyra-2016/sites.yaml"


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


def test_every_seeded_record_opens_in_the_admin_for_a_curator(seeded, client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client.force_login(services.curator_create(username="hala", password="tower-tombs-of-the-valley"))
    opened = 0
    for model in apps.get_app_config("registry").get_models():
        if not issubclass(model, Record):
            continue
        for pk in model.objects.values_list("pk", flat=True):
            page = reverse(f"admin:registry_{model._meta.model_name}_change", args=[pk])
            assert client.get(page).status_code == 200, page
            opened += 1
    assert opened >= 60
