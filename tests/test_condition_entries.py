"""The condition entries stay the ones the reports give, whatever writes the reports.

Conditions are read from ``ConditionEntry`` rows (``selectors.condition``), which
``registry.condition_entries`` derives from the reports. Every way a curator, a
partner or an import changes a report, its links or its source is followed here
by the check that no report's stored entries differ from what its rows give.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registry import condition_entries, services
from registry.importing.files import xlsx_bytes
from registry.models import ClaimStatus, ConditionEntry, DamageReport, ImportBatch, Lifecycle, Severity
from registry.selectors.condition import site_conditions
from tests import factories as f

pytestmark = pytest.mark.django_db


def assert_entries_true():
    assert condition_entries.differences() == set()


def _claim(site, source, **fields):
    return services.claim_create(
        model=DamageReport,
        fields={"title": "Colonnade toppled", "source": source, "occurred": "2015-08",
                "severity": Severity.SEVERE, "claim_status": ClaimStatus.CONFIRMED, **fields},
        citations=[{"source": source, "quote": "toppled"}],
        m2m={"sites": [site]},
        lifecycle=Lifecycle.PUBLISHED,
    )


def test_every_change_to_a_report_its_links_or_its_source_keeps_the_entries_true():
    site, other_site = f.HeritageSiteFactory(), f.HeritageSiteFactory()
    artefact = f.ArtefactFactory(site=site)
    source = f.SourceFactory(published="2015-09-01")
    report = _claim(site, source)
    assert list(ConditionEntry.objects.values_list("report_id", "site_id")) == [(report.pk, site.pk)]
    assert_entries_true()

    changes = [
        {"observed": "2016-03"},
        {"claim_status": ClaimStatus.REPORTED},
        {"severity": Severity.UNKNOWN, "claim_status": ClaimStatus.CORROBORATED},
        {"occurred": "2014/2015", "observed": ""},
    ]
    for fields in changes:
        report = services.record_update(record=DamageReport.objects.get(pk=report.pk), fields=fields)
        assert_entries_true()

    # Links: moved to another site, then about an artefact (off the site's own timeline).
    report = services.record_save(record=DamageReport.objects.get(pk=report.pk), m2m={"sites": [other_site]})
    assert set(ConditionEntry.objects.values_list("site_id", flat=True)) == {other_site.pk}
    report = services.record_save(record=DamageReport.objects.get(pk=report.pk),
                                  m2m={"sites": [site], "artefacts": [artefact]})
    assert list(ConditionEntry.objects.values_list("site_id", "artefact_id")) == [(None, artefact.pk)]
    assert_entries_true()
    report.artefacts.clear()
    artefact.damage_reports.add(report)  # from the other side of the link
    assert_entries_true()
    site.damage_reports.clear()
    artefact.damage_reports.clear()
    assert_entries_true()
    report.sites.add(site)

    # The source's date of publication sorts its reports; a new date moves them.
    source = services.record_update(record=source, fields={"published": "2016-01-01"})
    assert set(ConditionEntry.objects.values_list("source_published", flat=True)) == {source.published_lower}
    assert_entries_true()

    # Out of public view and back.
    report = services.record_retract(record=DamageReport.objects.get(pk=report.pk), reason="withdrawn")
    assert not ConditionEntry.objects.exists()
    history = list(report.history.order_by("history_id"))
    services.record_restore(record=report, version=history[-3], user=None, reason="restored")
    assert_entries_true()


def test_the_entries_give_the_condition_its_reports_give():
    site, source = f.HeritageSiteFactory(), f.SourceFactory(published="2015-09-01")
    older = _claim(site, source, occurred="2012")
    newer = _claim(site, source, occurred="2016", severity=Severity.DESTROYED)
    assert site_conditions([site])[site.pk].current.record == newer
    services.record_update(record=newer, fields={"claim_status": ClaimStatus.DISPUTED})
    assert site_conditions([site])[site.pk].current.record == older


def test_an_import_and_its_undo_keep_the_entries_true(tmp_path, settings):
    settings.IMPORTS_DIR = tmp_path / "imports"
    site, source = f.HeritageSiteFactory(), f.SourceFactory()
    path = tmp_path / "reports.xlsx"
    header = ["title", "source", "sites", "occurred", "severity", "certainty", "citation_quote", "lifecycle"]
    rows = [[f"Report {n}", source.slug, site.slug, f"201{n}", "severe", "high", "", "published"]
            for n in range(5)]
    path.write_bytes(xlsx_bytes(header, rows))
    call_command("import_records", "damage_reports", str(path), "--yes")
    assert DamageReport.objects.filter(lifecycle=Lifecycle.PUBLISHED).count() == 5
    assert ConditionEntry.objects.filter(site=site).count() == 5
    assert_entries_true()
    batch = ImportBatch.objects.order_by("-pk").first()

    # A second file moves two of them in time.
    first, second = DamageReport.objects.order_by("pk")[:2]
    changes = tmp_path / "changes.xlsx"
    changes.write_bytes(xlsx_bytes(
        ["slug", "title", "source", "sites", "occurred"],
        [[first.slug, first.title, source.slug, site.slug, "1999"],
         [second.slug, second.title, source.slug, site.slug, "2001"]],
    ))
    call_command("import_records", "damage_reports", str(changes), "--yes")
    by_date = list(ConditionEntry.objects.order_by("at_lower").values_list("report_id", flat=True))
    assert by_date[:2] == [first.pk, second.pk]
    assert_entries_true()

    call_command("import_records", "--undo", str(ImportBatch.objects.order_by("-pk").first().pk))
    assert ConditionEntry.objects.filter(site=site).count() == 5
    assert_entries_true()
    call_command("import_records", "--undo", str(batch.pk))
    assert not ConditionEntry.objects.exists()
    assert_entries_true()


def test_rebuild_writes_again_what_was_lost_and_check_finds_it(capsys):
    site, source = f.HeritageSiteFactory(), f.SourceFactory()
    reports = [_claim(site, source, occurred=f"201{n}") for n in range(4)]
    ConditionEntry.objects.filter(report=reports[0]).delete()
    ConditionEntry.objects.filter(report=reports[1]).update(at_lower=0)
    twice = ConditionEntry.objects.get(report=reports[2])
    twice.pk = None
    twice.save()  # the same entry stored twice would count the report twice
    assert condition_entries.differences() == {reports[0].pk, reports[1].pk, reports[2].pk}
    with pytest.raises(CommandError, match="3 reports have wrong condition entries"):
        call_command("rebuild_condition_entries", "--check")
    call_command("rebuild_condition_entries")
    assert "Wrote 4 condition entries" in capsys.readouterr().out
    call_command("rebuild_condition_entries", "--check")
    assert "Every condition entry is right" in capsys.readouterr().out
