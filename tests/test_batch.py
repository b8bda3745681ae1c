"""The batch write service: the same rules as the one-at-a-time services, in bulk."""

from __future__ import annotations

import pytest

from registry import services
from registry.batch import BatchContext, validate_rows
from registry.batch_undo import archive_in_bulk
from registry.batch_write import write_rows
from registry.importing.columns import SPECS
from registry.models import Citation, DamageReport, HeritageSite, Lifecycle, Source

from .factories import DamageEventFactory, HeritageSiteFactory, SourceFactory

pytestmark = pytest.mark.django_db


def report_row(site, source, **overrides) -> dict[str, str]:
    return {
        "title": "Colonnade toppled",
        "source": source.slug,
        "sites": site.slug,
        "occurred": "2015-08~",
        "severity": "severe",
        "certainty": "high",
        "effects": "collapse-structural-damage",
        "citation_quote": "toppled columns",
        "citation_locator": "para. 4",
    } | overrides


def check(record_type: str, rows: list[dict[str, str]]):
    context = BatchContext(SPECS[record_type])
    return context, validate_rows(context=context, rows=list(enumerate(rows, start=2)))


def test_valid_rows_are_checked_without_writing_anything():
    site, source = HeritageSiteFactory(), SourceFactory()
    _context, results = check("damage_reports", [report_row(site, source)] * 3)
    assert [result.action for result in results] == ["create"] * 3
    assert all(not result.errors for result in results)
    assert not DamageReport.objects.exists()


def test_each_problem_names_its_row_column_and_cause():
    site, source = HeritageSiteFactory(), SourceFactory()
    _context, results = check(
        "damage_reports",
        [
            report_row(site, source),
            report_row(site, source, severity="crushed"),
            report_row(site, source, occurred="last year", sites="nowhere"),
            report_row(site, source, quantity_precision="vague"),
        ],
    )
    assert results[0].errors == []
    assert results[1].row == 3 and results[1].errors[0][0] == "severity"
    assert "crushed" in results[1].errors[0][1] and "destroyed" in results[1].errors[0][1]
    assert {column for column, _message in results[2].errors} == {"occurred", "sites"}
    assert any("EDTF" in message for _column, message in results[2].errors)
    assert any("vague quantity" in message for _column, message in results[3].errors)


def test_a_new_claim_needs_a_citation_and_a_published_one_a_live_source():
    site = HeritageSiteFactory()
    withdrawn = SourceFactory(lifecycle=Lifecycle.RETRACTED)
    _context, results = check(
        "damage_events",
        [
            {"title": "Temple dynamited", "sites": site.slug, "occurred": "2015-08-30"},
            {
                "title": "Temple dynamited",
                "sites": site.slug,
                "citation_source": withdrawn.slug,
                "lifecycle": "published",
            },
        ],
    )
    assert results[0].errors[0][0] == "citation_source"
    assert "citation" in results[0].errors[0][1]
    assert results[1].errors == [("citation_source", results[1].errors[0][1])]
    assert "retracted" in results[1].errors[0][1]


def test_written_rows_match_what_the_one_at_a_time_service_writes():
    site, source = HeritageSiteFactory(), SourceFactory(lifecycle=Lifecycle.DRAFT)
    context, results = check("damage_reports", [report_row(site, source, lifecycle="published")])
    outcome = write_rows(context=context, results=results, batch=None, reason="bulk")
    assert outcome.created == 1
    bulk = DamageReport.objects.get()
    single = services.claim_create(
        model=DamageReport,
        lifecycle=Lifecycle.PUBLISHED,
        m2m={"sites": [site], "effects": bulk.effects.all()},
        fields={
            "title": "Colonnade toppled",
            "source": source,
            "occurred": "2015-08~",
            "severity": "severe",
            "certainty": "high",
        },
        citations=[{"source": source, "quote": "toppled columns", "locator": "para. 4"}],
    )
    for name in (
        "occurred_lower",
        "occurred_upper",
        "lifecycle",
        "severity",
        "certainty",
        "claim_status",
    ):
        assert getattr(bulk, name) == getattr(single, name), name
    assert (
        bulk.published_at is not None
        and bulk.slug == "colonnade-toppled"
        and single.slug == "colonnade-toppled-2"
    )
    assert list(bulk.sites.all()) == [site] and bulk.effects.count() == 1
    citation = Citation.objects.get(damage_report=bulk)
    assert citation.lifecycle == Lifecycle.PUBLISHED and citation.quote == "toppled columns"
    source.refresh_from_db()
    assert source.lifecycle == Lifecycle.PUBLISHED  # the evidence is published with the claim
    history = bulk.history.get()
    assert history.history_change_reason == "bulk" and list(
        history.sites.values_list("heritagesite", flat=True)
    ) == [site.pk]


def test_a_row_with_an_existing_slug_changes_that_record_with_a_new_version():
    site = HeritageSiteFactory(name="Old name")
    row = {
        "slug": site.slug,
        "name": "New name",
        "kind": "archaeological-site",
        "country": "SY",
        "latitude": str(site.latitude),
        "longitude": str(site.longitude),
    }
    context, results = check("sites", [row])
    assert results[0].action == "update" and results[0].changed == ["name"]
    write_rows(context=context, results=results, batch=None, reason="rename")
    site.refresh_from_db()
    assert site.name == "New name" and site.version == 2
    assert site.history.first().history_change_reason == "rename"
    _context, again = check("sites", [row | {"name": "New name"}])
    assert again[0].action == "unchanged"


def test_citations_attach_to_any_record_by_kind_and_slug():
    event, source = DamageEventFactory(), SourceFactory()
    context, results = check(
        "citations",
        [
            {
                "source": source.slug,
                "target_type": "damage_event",
                "target": event.slug,
                "quote": "dynamited",
            },
            {"source": source.slug, "target_type": "temple", "target": event.slug},
        ],
    )
    assert results[1].errors[0][0] == "target_type"
    write_rows(context=context, results=results[:1], batch=None)
    assert Citation.objects.get(damage_event=event).slug == f"{source.slug}-on-{event.slug}"


def test_archive_in_bulk_keeps_the_rows_and_records_history():
    sites = [HeritageSiteFactory() for _ in range(3)]
    assert archive_in_bulk(model=HeritageSite, pks=[s.pk for s in sites], reason="undo") == 3
    assert set(HeritageSite.objects.values_list("lifecycle", flat=True)) == {Lifecycle.ARCHIVED}
    assert sites[0].history.first().history_change_reason == "undo"
    assert Source.objects.count() == 0


SAMPLES = [
    (
        HeritageSite,
        [
            {"latitude": None, "longitude": None},
            {"latitude": 91, "longitude": 0},
            {"latitude": 10, "longitude": None},
            {"latitude": -90, "longitude": 180},
        ],
    ),
    (
        DamageReport,
        [
            {"quantity": None, "quantity_precision": "exact"},
            {"quantity": 3, "quantity_precision": "exact"},
            {"quantity_precision": "vague", "quantity_phrase": ""},
            {"quantity_precision": "vague", "quantity_phrase": "several"},
        ],
    ),
    (
        Source,
        [
            {"url": "", "archive_url": "https://archive.example.org/x"},
            {"url": "", "archive_url": ""},
        ],
    ),
    (Citation, [{}, {"damage_report_id": 1}, {"damage_report_id": 1, "site_id": 2}]),
]


@pytest.mark.parametrize("model, samples", SAMPLES, ids=[model.__name__ for model, _s in SAMPLES])
def test_constraints_evaluated_in_python_agree_with_the_database(model, samples):
    from django.core.exceptions import ValidationError

    from registry.constraints import check_in_python

    for values in samples:
        instance = model(**values)
        for constraint in model._meta.constraints:
            if not hasattr(constraint, "condition") or constraint.condition is None:
                continue
            try:
                constraint.validate(model, instance)
                database = []
            except ValidationError as error:
                database = error.messages
            assert check_in_python(constraint, instance) == database, (constraint.name, values)


def test_a_part_cannot_be_its_own_parent_in_python_either():
    from registry.constraints import evaluate
    from registry.models import Artefact

    condition = next(
        c for c in Artefact._meta.constraints if c.name == "artefact_not_own_parent"
    ).condition
    assert evaluate(condition, Artefact(pk=5, parent_id=5)) is False
    assert evaluate(condition, Artefact(pk=5, parent_id=6)) is True
    assert (
        evaluate(condition, Artefact(parent_id=6)) is None
    )  # unknown, as in SQL: the constraint holds


def test_a_source_may_relay_sources_that_rows_above_create():
    wire = SourceFactory()
    rows = [
        {"slug": "sana-footage", "title": "State TV footage", "kind": "news-article"},
        {"title": "Wire report", "kind": "news-article", "relays": f"sana-footage|{wire.slug}"},
        {"title": "Digest", "kind": "news-article", "relays": "sana-footage|later"},
        {"slug": "later", "title": "Later", "kind": "news-article"},
    ]
    context, results = check("sources", rows)
    assert [result.action for result in results] == ["create", "create", "", "create"]
    assert results[1].pending == {"relays": ["sana-footage"]}
    assert [column for column, _message in results[2].errors] == ["relays"]
    assert "row 5, below this one" in results[2].errors[0][1]
    assert not Source.objects.exclude(pk=wire.pk).exists()
    outcome = write_rows(context=context, results=results, batch=None, reason="bulk")
    assert outcome.created == 3
    footage, report = (
        Source.objects.get(slug="sana-footage"),
        Source.objects.get(title="Wire report"),
    )
    assert set(report.relays.all()) == {footage, wire}
    snapshot = report.history.get().relays.values_list("to_source", flat=True)
    assert set(snapshot) == {footage.pk, wire.pk}


def test_a_row_naming_an_invalid_row_above_is_refused_too():
    site = HeritageSiteFactory()
    rows = [
        {"slug": "gate", "name": "Gate", "kind": "archaeological-site", "country": "XX"},
        {"name": "Gate tower", "kind": "archaeological-site", "country": "SY", "parent": "gate"},
        {
            "name": "Tower stair",
            "kind": "archaeological-site",
            "country": "SY",
            "parent": "gate-tower",
        },
        {"slug": site.slug, "name": site.name, "parent": site.slug},
    ]
    _context, results = check("sites", rows)
    assert [column for column, _message in results[0].errors] == ["country"]
    assert results[1].errors == [("parent", results[1].errors[0][1])]
    assert "Row 2" in results[1].errors[0][1] and "gate" in results[1].errors[0][1]
    assert results[2].errors[0][0] == "parent"  # no row gives the slug gate-tower
    assert "cannot be part of itself" in results[3].errors[0][1]


def pledge_row(pledge, **cells) -> dict[str, str]:
    return {"slug": pledge.slug} | cells


def test_an_update_row_adds_its_citation_once_and_leaves_the_claim_as_it_is():
    from .factories import CitationFactory, RestorationPledgeFactory

    pledge, source = RestorationPledgeFactory(), SourceFactory()
    CitationFactory(damage_report=None, pledge=pledge, source=source, quote="will restore")
    fresh_source = SourceFactory()
    pledge.refresh_from_db()
    version, entries = pledge.version, pledge.history.count()
    row = pledge_row(pledge, citation_source=fresh_source.slug, citation_locator="p. 2")
    context, results = check("pledges", [row])
    assert results[0].action == "update" and results[0].changed == []
    outcome = write_rows(context=context, results=results, batch=None, reason="cite")
    assert outcome.updated == 1
    added = Citation.objects.get(pledge=pledge, source=fresh_source)
    assert (added.locator, added.quote, added.lifecycle) == ("p. 2", "", Lifecycle.PUBLISHED)
    pledge.refresh_from_db()
    assert (pledge.version, pledge.history.count()) == (version, entries)
    _context, again = check("pledges", [row])
    assert again[0].action == "unchanged" and again[0].citation is None
    _context, quoted = check("pledges", [pledge_row(pledge, citation_source=source.slug)])
    assert quoted[0].action == "unchanged"  # no phrase given: any citation of that source counts
    _context, other = check(
        "pledges", [pledge_row(pledge, citation_source=source.slug, citation_quote="soon")]
    )
    assert other[0].action == "update"


def test_an_update_row_with_a_quote_but_no_source_names_the_column():
    event = DamageEventFactory()
    _context, results = check("damage_events", [{"slug": event.slug, "citation_quote": "razed"}])
    assert [column for column, _message in results[0].errors] == ["citation_source"]


def test_update_rows_with_citations_are_checked_in_a_fixed_number_of_queries(
    django_assert_max_num_queries,
):
    source = SourceFactory()
    events = [DamageEventFactory() for _ in range(20)]
    rows = [
        {"slug": event.slug, "citation_source": source.slug, "citation_quote": f"q{n}"}
        for n, event in enumerate(events)
    ]
    context = BatchContext(SPECS["damage_events"])
    with django_assert_max_num_queries(6):
        results = validate_rows(context=context, rows=list(enumerate(rows, start=2)))
    assert all(result.action == "update" for result in results)


def test_a_bad_value_repeated_is_reported_on_every_row_that_has_it():
    """Verdicts are remembered by value between rows; each row still gets its own."""
    site, source = HeritageSiteFactory(), SourceFactory()
    exact_without_number = {"quantity_precision": "exact", "quantity": ""}
    _context, results = check(
        "damage_reports",
        [
            report_row(site, source, occurred="2016/2015"),
            report_row(site, source),
            report_row(site, source, occurred="2016/2015"),
            report_row(site, source, **exact_without_number),
            report_row(site, source, quantity_precision="exact", quantity="4"),
            report_row(site, source, **exact_without_number),
        ],
    )
    messages = [[message for _column, message in result.errors] for result in results]
    assert [result.row for result in results if result.errors] == [2, 4, 5, 7]
    assert messages[0] == messages[2] and "ends before it starts" in messages[0][0]
    assert messages[3] == messages[5] == ["An exact quantity needs a number."]
    assert (results[1].instance.occurred_lower, results[4].instance.quantity) == (20150801, 4)


def test_new_instances_are_what_the_model_itself_makes():
    context = BatchContext(SPECS["damage_reports"])
    made = context.new_instance(DamageReport, {"title": "Roof fell", "severity": "severe"})
    expected = DamageReport(title="Roof fell", severity="severe")
    names = [field.attname for field in DamageReport._meta.concrete_fields]
    assert [getattr(made, name) for name in names] == [getattr(expected, name) for name in names]
    assert made._state.adding and made._state.db is None


@pytest.mark.parametrize(
    "hint", ["syria-news-on-roof-fell", "a--b", "-a-", "_a_", "a_-b", "Roof fell", "é-x", "ok"]
)
def test_slug_bases_are_what_slugify_makes_of_the_hint(hint):
    from django.utils.text import slugify

    from registry.batch_write import slug_base

    citation = Citation()
    citation.slug_hint = hint
    assert slug_base(citation) == (slugify(hint)[:104].strip("-") or "citation")


def test_taken_slugs_are_found_among_many_asked():
    from registry.bulk_insert import existing_slugs

    taken = {HeritageSiteFactory().slug for _n in range(3)}
    asked = [f"free-slug-{n}" for n in range(1200)] + sorted(taken)
    assert existing_slugs(HeritageSite, asked) == taken
