from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from registry.models import (
    Citation, DamageReport, ExternalIdentifier, HeritageSite, Lifecycle, QuantityPrecision,
    RestorationPledge,
)
from tests.factories import (
    ArtefactFactory, CitationFactory, DamageReportFactory, HeritageSiteFactory, RestorationPledgeFactory,
    SiteNameFactory, SourceFactory,
)

pytestmark = pytest.mark.django_db


def _violates(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


@pytest.mark.parametrize(("field", "value"), [("latitude", 90.5), ("latitude", -91), ("longitude", 180.01)])
def test_database_refuses_coordinates_out_of_range(field, value):
    site = HeritageSiteFactory()

    _violates(lambda: HeritageSite.objects.filter(pk=site.pk).update(**{field: value}))


def test_database_refuses_half_a_coordinate():
    site = HeritageSiteFactory()

    _violates(lambda: HeritageSite.objects.filter(pk=site.pk).update(longitude=None))


def test_database_refuses_citation_with_two_targets_or_none():
    citation = CitationFactory()
    other_site = HeritageSiteFactory()

    _violates(lambda: Citation.objects.filter(pk=citation.pk).update(site=other_site))
    _violates(lambda: Citation.objects.filter(pk=citation.pk).update(damage_report=None))


def test_database_refuses_duplicate_slugs():
    site = HeritageSiteFactory()
    duplicate = HeritageSite(name="Another", slug=site.slug, kind=site.kind, country="SY")

    _violates(duplicate.save)


def test_database_refuses_negative_pledge_amount_and_amount_without_currency():
    pledge = RestorationPledgeFactory()

    _violates(lambda: RestorationPledge.objects.filter(pk=pledge.pk).update(amount=Decimal("-1"), currency="USD"))
    _violates(lambda: RestorationPledge.objects.filter(pk=pledge.pk).update(amount=Decimal("10")))


def test_database_refuses_exact_quantity_without_number():
    report = DamageReportFactory()

    _violates(lambda: DamageReport.objects.filter(pk=report.pk).update(quantity_precision=QuantityPrecision.EXACT))


def test_vague_group_keeps_its_wording():
    cases = ArtefactFactory(
        name="Display cases", is_group=True, quantity_precision=QuantityPrecision.VAGUE, quantity_phrase="several",
    )
    approx = ArtefactFactory(is_group=True, quantity=180, quantity_precision=QuantityPrecision.APPROXIMATE)

    assert cases.quantity_display == "several"
    assert approx.quantity_display == "~180"


def test_published_excludes_every_other_lifecycle():
    shown = HeritageSiteFactory()
    for lifecycle in [Lifecycle.DRAFT, Lifecycle.IN_REVIEW, Lifecycle.RETRACTED, Lifecycle.ARCHIVED]:
        HeritageSiteFactory(lifecycle=lifecycle)

    assert list(HeritageSite.objects.published()) == [shown]


def test_search_finds_site_by_name_in_any_script():
    palmyra = HeritageSiteFactory(name="Palmyra")
    SiteNameFactory(owner=palmyra, name="تدمر", language="ar")
    SiteNameFactory(owner=palmyra, name="Tadmur", language="ar-Latn")
    HeritageSiteFactory(name="Apamea")

    for text in ["Palmyra", "tadmur", "تدمر"]:
        assert list(HeritageSite.objects.search(text)) == [palmyra]


def test_sensitive_site_publishes_coarsened_coordinates():
    site = HeritageSiteFactory(latitude=Decimal("34.551234"), longitude=Decimal("38.268765"), is_sensitive=True)
    open_site = HeritageSiteFactory(latitude=Decimal("34.551234"), longitude=Decimal("38.268765"))

    assert site.public_coordinates() == (Decimal("34.6"), Decimal("38.3"))
    assert open_site.public_coordinates() == (Decimal("34.551234"), Decimal("38.268765"))


def test_reports_sort_by_edtf_bounds_with_bce_dates():
    site = HeritageSiteFactory()
    later = DamageReportFactory(occurred="2015-08-27/2015-09-02", sites=[site])
    ancient = DamageReportFactory(occurred="-0050", sites=[site])
    earlier = DamageReportFactory(occurred="2015-05~", sites=[site])

    assert list(DamageReport.objects.for_site(site).chronological()) == [ancient, earlier, later]


def test_for_site_includes_parts_of_the_site():
    city = HeritageSiteFactory()
    museum = HeritageSiteFactory(parent=city)
    report = DamageReportFactory(sites=[museum])
    DamageReportFactory()

    assert list(DamageReport.objects.for_site(city)) == [report]


def test_citation_knows_its_target():
    citation = CitationFactory()

    assert citation.target == citation.damage_report
    assert citation.target_field == "damage_report"


def test_identifier_links_to_its_registry():
    site = HeritageSiteFactory()
    identifier = ExternalIdentifier.objects.create(site=site, scheme="unesco", value="23")

    assert identifier.url == "https://whc.unesco.org/en/list/23"


def test_source_relays_are_one_way():
    wire = SourceFactory()
    broadcast = SourceFactory()
    wire.relays.add(broadcast)

    assert list(broadcast.relayed_by.all()) == [wire]
    assert list(broadcast.relays.all()) == []


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", [
    DamageReport._meta.ordering,  # the public list's default: by date, open bounds first
    [F("published_at").desc(), F("pk").desc()],  # the newest published, on the home page
])
def test_report_list_reads_a_page_from_an_index_without_sorting(ordering):
    page = DamageReport.objects.published().order_by(*ordering)[:50]
    if connection.vendor == "postgresql":
        # With a handful of rows a sequential scan wins; forbid sorting to see whether an index fits.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_seqscan = off")
            plan = page.explain()
        assert "Index" in plan and "Sort" not in plan, plan
    else:
        plan = page.explain()
        assert "USING" in plan and "INDEX" in plan and "B-TREE FOR ORDER BY" not in plan, plan


@pytest.mark.parametrize("view", [
    "registry:site-detail", "registry:artefact-detail", "registry:event-detail", "registry:report-detail",
    "registry:pledge-detail", "registry:intervention-detail", "registry:source-detail", "registry:actor-detail",
])
@pytest.mark.parametrize("script_prefix", ["/", "/registry/"])
def test_record_urls_are_those_reverse_gives(view, script_prefix):
    from django.urls import NoReverseMatch, reverse, set_script_prefix
    from django.urls.base import get_script_prefix

    from registry.models.base import slug_url

    before = get_script_prefix()
    set_script_prefix(script_prefix)
    try:
        for slug in ["palmyra", "bench-report-9_9", "A-1"]:
            assert slug_url(view, slug) == reverse(view, kwargs={"slug": slug})
            assert slug_url(view, slug).startswith(script_prefix)
        # A slug the URL cannot carry is refused as reverse refuses it, not written in.
        for slug in ["tadmur/../admin", "تدمر", ""]:
            with pytest.raises(NoReverseMatch):
                slug_url(view, slug)
    finally:
        set_script_prefix(before)
