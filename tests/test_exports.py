"""The report download reads plain rows; what it writes must be what the model path writes.

``_report_row`` over model instances, with verdicts from ``report_verdicts``, is
the reference: it still writes the GeoJSON properties. Every column the rules
decide (visibility of what a report names, its published sites, the verdict) is
given a case where the answer is not the easy one.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from registry.models import DamageReport, HeritageSite, Lifecycle
from registry.selectors.disputes import report_verdicts, row_verdicts
from registry.views import exports

from .factories import (
    ActorFactory, CitationFactory, DamageEventFactory, DamageReportFactory, HeritageSiteFactory,
    SourceFactory, term,
)

pytestmark = pytest.mark.django_db

URL = "http://testserver/reports/{}/"


@pytest.fixture
def varied_reports():
    """Reports whose columns each take a case the rules decide."""
    palmyra = HeritageSiteFactory(name="Palmyra", slug="palmyra")
    aleppo = HeritageSiteFactory(name="Aleppo", slug="aleppo")
    hidden = HeritageSiteFactory(name="Unreviewed site", slug="unreviewed", lifecycle=Lifecycle.DRAFT)
    draft_actor = ActorFactory(slug="unreviewed-actor", lifecycle=Lifecycle.DRAFT)
    draft_source = SourceFactory(slug="unreviewed-source", lifecycle=Lifecycle.DRAFT)
    draft_event = DamageEventFactory(slug="unreviewed-event", lifecycle=Lifecycle.DRAFT, sites=[palmyra])
    event = DamageEventFactory(slug="temple-destroyed", sites=[palmyra])
    group = ActorFactory(slug="armed-group", name="Armed group")
    # Two accounts of one event that disagree on severity, quantity and cause; a third retracted.
    DamageReportFactory(slug="first-account", damage_event=event, sites=[palmyra], severity="destroyed",
                        quantity=20, quantity_precision="exact", responsible=group,
                        cause_type=term("cause_type", "demolition-destruction"))
    DamageReportFactory(slug="second-account", damage_event=event, sites=[palmyra, aleppo, hidden],
                        severity="slight", quantity=50, quantity_precision="approximate",
                        cause_category=term("cause_category", "looting-illegal-activities"))
    DamageReportFactory(slug="retracted-account", damage_event=event, sites=[palmyra], claim_status="retracted")
    # Alone, disputed by a published source but not by a draft one, or by a curator's verdict.
    disputed = DamageReportFactory(slug="disputed-alone", sites=[aleppo], quantity_precision="vague",
                                   quantity_phrase="several")
    CitationFactory(damage_report=disputed, stance="disputes", source=SourceFactory(title="A later survey"))
    CitationFactory(damage_report=disputed, stance="disputes", source=draft_source)
    ignored = DamageReportFactory(slug="draft-dispute-only", sites=[aleppo])
    CitationFactory(damage_report=ignored, stance="disputes", source=draft_source)
    DamageReportFactory(slug="curator-disputed", sites=[palmyra], claim_status="disputed")
    retracted = DamageReportFactory(slug="retracted-alone", sites=[palmyra], claim_status="retracted")
    CitationFactory(damage_report=retracted, stance="disputes")
    # What a report names, not yet public: no slug in the download.
    DamageReportFactory(slug="names-drafts", sites=[hidden], responsible=draft_actor, source=draft_source,
                        damage_event=draft_event, observed="2016-03", extent="31-60")
    # Not published: not in the download at all.
    DamageReportFactory(slug="a-draft-report", sites=[palmyra], lifecycle=Lifecycle.DRAFT)


def _reference_rows() -> dict[str, list[str]]:
    reports = list(
        DamageReport.objects.published()
        .select_related("source", "damage_event", "cause_category", "cause_type", "responsible")
        .prefetch_related("sites")
    )
    verdicts = report_verdicts(reports)
    rows = {}
    for report in reports:
        report.verdict = verdicts[report.pk]
        report.export_sites = [site for site in report.sites.all() if site.lifecycle == Lifecycle.PUBLISHED]
        report.export_sites.sort(key=lambda site: (site.name, site.pk))
        row = exports._report_row(report, lambda record: URL.format(record.slug))
        rows[report.slug] = ["" if value is None else str(value) for value in row]
    return rows


def _download(client, **query) -> list[list[str]]:
    response = client.get(reverse("registry:report-export", kwargs={"format": "csv"}), query)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_report_download_writes_what_the_model_path_writes(client, varied_reports):
    header, *rows = _download(client)
    assert header == exports.LAYOUTS["reports"][0]
    reference = _reference_rows()
    assert {row[0]: row for row in rows} == reference
    assert len(rows) == len(reference) == 8
    by_slug = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    # The cases are the ones meant: a sample of the answers, read as a reader would.
    assert by_slug["names-drafts"]["responsible"] == by_slug["names-drafts"]["source"] == ""
    assert by_slug["names-drafts"]["event"] == by_slug["names-drafts"]["sites"] == ""
    assert by_slug["second-account"]["sites"] == "aleppo palmyra"
    assert by_slug["disputed-alone"]["disputed"] == "True"
    assert "A later survey" in by_slug["disputed-alone"]["differences"]
    assert by_slug["disputed-alone"]["quantity"] == "several"
    assert by_slug["draft-dispute-only"]["disputed"] == "False"
    assert by_slug["retracted-alone"]["disputed"] == "False"
    assert by_slug["first-account"]["disputed"] == "True"
    assert by_slug["first-account"]["responsible"] == "armed-group"
    assert by_slug["first-account"]["url"] == URL.format("first-account")


def test_a_filtered_download_keeps_the_filter(client, varied_reports):
    _header, *rows = _download(client, severity="destroyed")
    assert [row[0] for row in rows] == ["first-account"]


def test_verdicts_from_rows_are_the_verdicts_from_records(varied_reports):
    reports = list(DamageReport.objects.all())
    rows = list(DamageReport.objects.values("pk", "slug", "claim_status", "damage_event_id"))
    assert row_verdicts(rows) == report_verdicts(reports)
    assert sum(verdict.disputed for verdict in row_verdicts(rows).values()) >= 4


def test_any_of_finds_what_in_finds(varied_reports):
    ids = list(HeritageSite.objects.order_by("pk").values_list("pk", flat=True))
    some = ids[::2]
    assert set(HeritageSite.objects.filter(pk__any_of=some)) == set(HeritageSite.objects.filter(pk__in=some))
    assert not HeritageSite.objects.filter(pk__any_of=[]).exists()
    link = DamageReport.sites.through
    assert (sorted(link.objects.filter(heritagesite_id__any_of=some).values_list("pk", flat=True))
            == sorted(link.objects.filter(heritagesite_id__in=some).values_list("pk", flat=True)))
    published = HeritageSite.objects.published().values("pk")
    assert set(HeritageSite.objects.filter(pk__any_of=published)) == set(HeritageSite.objects.published())
