"""Imports in the admin: upload, preview, problems, confirm, undo; templates and exports.

The job queue runs in this process here (no broker is configured for the test
settings, so Celery runs each job as it is queued); test_import_worker.py runs
the same steps on a real worker.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from registry import services
from registry.batch import BatchContext, validate_rows
from registry.importing.columns import SPECS
from registry.importing.files import xlsx_bytes
from registry.models import Artefact, Citation, DamageReport, HeritageSite, ImportBatch, Lifecycle

from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.admin_urls")]
HEADER = ["title", "source", "sites", "occurred", "severity", "certainty", "citation_quote"]


@pytest.fixture(autouse=True)
def isolated_uploads(settings, tmp_path):
    settings.IMPORTS_DIR = tmp_path / "imports"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def curator():
    return services.curator_create(username="rania", password="a-long-curator-passphrase")


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """Jobs are queued when the request's transaction commits; run them then."""

    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


def csv_file(rows: list[list[str]], header=HEADER, name="reports.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")


def upload(client, run_jobs, upload_file, record_type="damage_reports"):
    response = run_jobs(
        lambda: client.post(
            reverse("admin:registry_importbatch_add"),
            {"record_type": record_type, "file": upload_file},
        )
    )
    return response, ImportBatch.objects.order_by("-pk").first()


def test_upload_is_checked_and_previewed_and_nothing_is_written(curator_client, run_jobs):
    site, source = f.HeritageSiteFactory(), f.SourceFactory()
    rows = [
        ["Colonnade toppled", source.slug, site.slug, "2015-08~", "severe", "high", "toppled"],
        ["Arch destroyed", source.slug, site.slug, "sometime", "flattened", "high", ""],
        ["Tomb looted", source.slug, "no-such-site", "2014", "moderate", "low", ""],
    ]
    response, batch = upload(curator_client, run_jobs, csv_file(rows))
    assert response.status_code == 302 and response["Location"].endswith(f"/{batch.pk}/change/")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED
    assert (batch.rows_total, batch.to_create, batch.rows_invalid) == (3, 1, 2)
    assert not DamageReport.objects.exists()
    problems = set(batch.issues.values_list("row", "column"))
    assert problems == {(3, "occurred"), (3, "severity"), (4, "sites")}
    page = curator_client.get(response["Location"])
    html = page.content.decode()
    assert "Colonnade toppled" in html and "flattened" in html and "no-such-site" in html
    assert 'id="confirm-import"' in html


def test_confirm_writes_good_rows_as_one_batch_and_undo_takes_it_back(
    curator_client, curator, run_jobs
):
    site, source = f.HeritageSiteFactory(), f.SourceFactory()
    renamed = f.HeritageSiteFactory(name="Old museum")
    rows = [[f"Report {n}", source.slug, site.slug, "2015", "severe", "high", ""] for n in range(5)]
    rows.append(["Broken", source.slug, site.slug, "2015", "crushed", "high", ""])
    _response, batch = upload(curator_client, run_jobs, csv_file(rows))
    confirm = reverse("admin:registry_importbatch_confirm", args=[batch.pk])
    run_jobs(lambda: curator_client.post(confirm))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED and batch.created_count == 5
    assert list(batch.issues.values_list("row", "column")) == [(7, "severity")]
    reports = DamageReport.objects.filter(title__startswith="Report ")
    assert reports.count() == 5 and all(r.citations.count() == 1 for r in reports)
    assert reports.first().history.first().history_user == curator
    # A second import changes an existing site; undoing it gives the old name back.
    site_row = {"slug": renamed.slug, "name": "New museum", "kind": "museum", "country": "SY"}
    _response, second = upload(
        curator_client,
        run_jobs,
        csv_file([list(site_row.values())], header=list(site_row), name="sites.csv"),
        record_type="sites",
    )
    run_jobs(
        lambda: curator_client.post(reverse("admin:registry_importbatch_confirm", args=[second.pk]))
    )
    renamed.refresh_from_db()
    assert renamed.name == "New museum"
    for undone in (second, batch):
        run_jobs(
            lambda undone=undone: curator_client.post(
                reverse("admin:registry_importbatch_undo", args=[undone.pk])
            )
        )
        undone.refresh_from_db()
        assert undone.status == ImportBatch.Status.UNDONE
    renamed.refresh_from_db()
    assert renamed.name == "Old museum" and renamed.version == 3
    assert set(reports.values_list("lifecycle", flat=True)) == {Lifecycle.ARCHIVED}
    assert DamageReport.objects.count() == 5  # archived, not deleted
    assert HeritageSite.objects.get(pk=site.pk).lifecycle == Lifecycle.PUBLISHED


def test_a_confirmed_batch_cannot_be_confirmed_twice(curator_client, run_jobs):
    site, source = f.HeritageSiteFactory(), f.SourceFactory()
    _response, batch = upload(
        curator_client, run_jobs, csv_file([["One", source.slug, site.slug, "", "", "", ""]])
    )
    confirm = reverse("admin:registry_importbatch_confirm", args=[batch.pk])
    run_jobs(lambda: curator_client.post(confirm))
    run_jobs(lambda: curator_client.post(confirm))
    assert DamageReport.objects.count() == 1


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("reports.csv", b"PK\x03\x04 not really a table", "not a CSV"),
        ("reports.xlsx", b"title,source\n", "not an Excel"),
        ("reports.pdf", b"%PDF-1.7", "Upload a .csv or .xlsx"),
        ("reports.csv", "title\nArc de triomphe\n".encode("utf-16"), "not a CSV"),
    ],
)
def test_a_file_of_the_wrong_type_is_refused_by_its_content(
    curator_client, run_jobs, name, content, message
):
    response, batch = upload(curator_client, run_jobs, SimpleUploadedFile(name, content))
    assert response.status_code == 200 and batch is None
    assert message in response.content.decode()


def test_unknown_columns_fail_the_check_with_their_names(curator_client, run_jobs):
    _response, batch = upload(curator_client, run_jobs, csv_file([["x"]], header=["titel"]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and "titel" in batch.message


def test_templates_list_the_allowed_values_of_each_column(curator_client):
    response = curator_client.get(
        reverse("admin:registry_importbatch_template", args=["damage_reports", "xlsx"])
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    sheet, allowed = workbook["damage_reports"], workbook["Allowed values"]
    assert [cell.value for cell in sheet[1]] == SPECS["damage_reports"].header
    columns = {
        column[0].value: [cell.value for cell in column[1:] if cell.value]
        for column in allowed.columns
    }
    assert "destroyed" in columns["severity"] and "confirmed" in columns["claim_status"]
    assert "collapse-structural-damage" in columns["effects"]
    lists = {
        str(validation.sqref): validation.formula1
        for validation in sheet.data_validations.dataValidation
    }
    severity = SPECS["damage_reports"].header.index("severity")
    assert any(ref.startswith(chr(ord("A") + severity)) for ref in lists)
    described = {row[0].value: row for row in workbook["Columns"].iter_rows(min_row=2)}
    assert described["title"][1].value == "yes" and described["sites"][1].value == "yes"
    csv_template = curator_client.get(
        reverse("admin:registry_importbatch_template", args=["sites", "csv"])
    )
    assert csv_template.content.decode().strip().split(",") == SPECS["sites"].header


def export(client, model_name: str, action: str, records) -> bytes:
    response = client.post(
        reverse(f"admin:registry_{model_name}_changelist"),
        {"action": action, "_selected_action": [r.pk for r in records]},
    )
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def table(content: bytes, name: str) -> list[list[str]]:
    """The cells of an exported file (an XLSX file's bytes also hold the time it was written)."""
    if name.endswith(".csv"):
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [
        [cell if cell is not None else "" for cell in row]
        for row in sheet.iter_rows(values_only=True)
    ]


@pytest.mark.parametrize(
    "action, name", [("export_csv", "reports.csv"), ("export_xlsx", "reports.xlsx")]
)
def test_export_then_import_gives_the_same_records(curator_client, run_jobs, action, name):
    event = f.DamageEventFactory()
    reports = [
        f.DamageReportFactory(damage_event=event, quantity=3, quantity_precision="approximate")
        for _ in range(3)
    ]
    for report in reports:
        f.CitationFactory(damage_report=report, source=report.source)
    exported = export(curator_client, "damagereport", action, reports)
    before = {r.pk: r.version for r in DamageReport.objects.all()}
    changed = reports[0]
    services.record_update(record=changed, fields={"severity": "slight", "occurred": "2020"})
    changed.sites.add(f.HeritageSiteFactory())
    _response, batch = upload(curator_client, run_jobs, SimpleUploadedFile(name, exported))
    assert (batch.to_update, batch.unchanged, batch.rows_invalid) == (1, 2, 0)
    run_jobs(
        lambda: curator_client.post(reverse("admin:registry_importbatch_confirm", args=[batch.pk]))
    )
    assert table(export(curator_client, "damagereport", action, reports), name) == table(
        exported, name
    )
    changed.refresh_from_db()
    assert (changed.severity, changed.occurred, changed.sites.count()) == ("severe", "2015", 1)
    assert {r.pk: r.version for r in DamageReport.objects.exclude(pk=changed.pk)} == {
        pk: v for pk, v in before.items() if pk != changed.pk
    }


def test_export_of_a_list_without_import_columns_names_related_records_by_slug(curator_client):
    actor = f.ActorFactory(name="Directorate of Antiquities")
    content = export(curator_client, "actor", "export_csv", [actor]).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert rows[0]["name"] == "Directorate of Antiquities" and rows[0]["slug"] == actor.slug


def test_management_command_checks_then_writes_with_the_same_rules(tmp_path, capsys):
    site, source = f.HeritageSiteFactory(), f.SourceFactory()
    path = tmp_path / "reports.xlsx"
    path.write_bytes(
        xlsx_bytes(
            HEADER,
            [
                ["From the command", source.slug, site.slug, "2016", "severe", "high", ""],
                ["Bad date", source.slug, site.slug, "2016-13-45", "severe", "high", ""],
            ],
        )
    )
    call_command("import_records", "damage_reports", str(path), "--check-only")
    out = capsys.readouterr().out
    assert (
        "1 to create" in out
        and "row 3, column occurred" in out
        and not DamageReport.objects.exists()
    )
    call_command("import_records", "damage_reports", str(path), "--yes")
    assert DamageReport.objects.get().title == "From the command"
    batch = ImportBatch.objects.order_by("-pk").first()
    call_command("import_records", "--undo", str(batch.pk))
    assert DamageReport.objects.get().lifecycle == Lifecycle.ARCHIVED


def test_a_row_asking_a_move_the_lifecycle_lacks_is_refused_whole_before_anything_is_written(
    tmp_path, settings, capsys
):
    settings.IMPORTS_DIR = tmp_path / "imports"
    site, source = f.HeritageSiteFactory(), f.SourceFactory()
    report = services.claim_create(
        model=DamageReport,
        fields={"title": "Gate burnt", "source": source, "occurred": "2010", "severity": "severe"},
        citations=[{"source": source, "quote": "burnt"}], m2m={"sites": [site]}, lifecycle=Lifecycle.PUBLISHED,
    )
    path = tmp_path / "changes.xlsx"
    path.write_bytes(xlsx_bytes(
        ["slug", "title", "source", "sites", "occurred", "lifecycle"],
        [[report.slug, report.title, source.slug, site.slug, "2001", "draft"]],
    ))
    call_command("import_records", "damage_reports", str(path), "--check-only")
    assert "row 2, column lifecycle: A published record cannot become draft." in capsys.readouterr().out
    call_command("import_records", "damage_reports", str(path), "--yes")
    report.refresh_from_db()
    # The date in the same row is not written either: a row goes in whole or not at all.
    assert (report.occurred, report.lifecycle, report.version) == ("2010", Lifecycle.PUBLISHED, 1)


def test_checking_a_chunk_asks_the_database_a_fixed_number_of_times(django_assert_max_num_queries):
    sites = [f.HeritageSiteFactory() for _ in range(3)]
    source = f.SourceFactory()
    rows = [
        (
            n + 2,
            {
                "title": f"R{n}",
                "source": source.slug,
                "sites": sites[n % 3].slug,
                "occurred": str(1900 + n),
                "severity": "severe",
                "effects": "burning",
                "quantity": str(n),
                "quantity_precision": "exact",
            },
        )
        for n in range(300)
    ]
    context = BatchContext(SPECS["damage_reports"])
    with django_assert_max_num_queries(12):
        results = validate_rows(context=context, rows=rows)
    assert all(result.action == "create" for result in results)


def test_curators_may_upload_confirm_and_undo_imports():
    from django.contrib.auth.models import Group

    codenames = set(
        Group.objects.get(name="curator").permissions.values_list("codename", flat=True)
    )
    assert {"add_importbatch", "change_importbatch", "view_importbatch"} <= codenames


def test_the_import_page_and_its_progress_take_few_queries(
    curator_client, run_jobs, django_assert_max_num_queries
):
    site, source = f.HeritageSiteFactory(), f.SourceFactory()
    rows = [[f"R{n}", source.slug, site.slug, "1999-99", "severe", "high", ""] for n in range(30)]
    _response, batch = upload(curator_client, run_jobs, csv_file(rows))
    # The admin's own per-request queries (session, user, authenticator device) are part of the bound.
    with django_assert_max_num_queries(13):
        page = curator_client.get(reverse("admin:registry_importbatch_change", args=[batch.pk]))
    assert page.status_code == 200 and page.content.decode().count("1999-99") >= 30
    with django_assert_max_num_queries(9):
        progress = curator_client.get(
            reverse("admin:registry_importbatch_progress", args=[batch.pk])
        ).json()
    assert progress["rows_invalid"] == 30 and progress["percent"] == 100
    assert (
        batch.history.count() == 3
    )  # queued, checking, checked: one entry per step, not per chunk


def test_the_upload_page_links_a_template_for_each_kind_of_record(curator_client):
    html = curator_client.get(reverse("admin:registry_importbatch_add")).content.decode()
    for record_type in SPECS:
        assert reverse("admin:registry_importbatch_template", args=[record_type, "xlsx"]) in html


ARTEFACT_HEADER = ["slug", "name", "site", "kind", "parent"]


def confirm_and_wait(client, run_jobs, batch, action="confirm"):
    run_jobs(lambda: client.post(reverse(f"admin:registry_importbatch_{action}", args=[batch.pk])))
    batch.refresh_from_db()
    return batch


def test_rows_may_name_records_that_rows_above_create(curator_client, run_jobs):
    site, kept = f.HeritageSiteFactory(), f.ArtefactFactory(name="Altar", slug="altar")
    rows = [
        ["temple-of-bel", "Temple of Bel", site.slug, "statue", ""],
        ["cella", "Cella", site.slug, "statue", "temple-of-bel"],
        ["", "Cella niche", site.slug, "statue", "cella"],  # a chain, through a row above
        ["altar", "Altar", site.slug, "statue", "temple-of-bel"],  # an existing record changed
        ["broken", "", site.slug, "statue", ""],  # no name: this row has a problem
        ["", "Lintel", site.slug, "statue", "broken"],
        ["", "Orphan", site.slug, "statue", "nowhere"],
        ["", "Early", site.slug, "statue", "late"],
        ["late", "Late", site.slug, "statue", ""],
    ]
    _response, batch = upload(
        curator_client,
        run_jobs,
        csv_file(rows, header=ARTEFACT_HEADER, name="artefacts.csv"),
        record_type="artefacts",
    )
    batch.refresh_from_db()
    assert (batch.to_create, batch.to_update, batch.rows_invalid) == (4, 1, 4)
    assert not Artefact.objects.exclude(pk=kept.pk).exists()  # nothing written yet
    assert [(row["row"], row["action"]) for row in batch.preview] == [
        (2, "create"),
        (3, "create"),
        (4, "create"),
        (5, "update"),
        (10, "create"),
    ]
    problems = {(issue.row, issue.column): issue.message for issue in batch.issues.all()}
    assert set(problems) == {(6, "name"), (7, "parent"), (8, "parent"), (9, "parent")}
    assert "Row 6" in problems[(7, "parent")] and "broken" in problems[(7, "parent")]
    assert "nowhere" in problems[(8, "parent")] and "no row above" in problems[(8, "parent")]
    assert "row 10, below this one" in problems[(9, "parent")]

    batch = confirm_and_wait(curator_client, run_jobs, batch)
    assert (batch.created_count, batch.updated_count) == (4, 1)
    temple, cella = Artefact.objects.get(slug="temple-of-bel"), Artefact.objects.get(slug="cella")
    niche = Artefact.objects.get(name="Cella niche")
    kept.refresh_from_db()
    assert (cella.parent, niche.parent, kept.parent) == (temple, cella, temple)
    assert cella.history.get().parent_id == temple.pk  # the history holds the link too
    assert kept.history.first().parent_id == temple.pk and kept.version == 2

    batch = confirm_and_wait(curator_client, run_jobs, batch, action="undo")
    assert batch.status == ImportBatch.Status.UNDONE
    created = Artefact.objects.filter(pk__in=[temple.pk, cella.pk, niche.pk])
    assert set(created.values_list("lifecycle", flat=True)) == {Lifecycle.ARCHIVED}
    assert Artefact.objects.get(slug="late").lifecycle == Lifecycle.ARCHIVED
    kept.refresh_from_db()
    assert kept.parent is None and kept.lifecycle == Lifecycle.PUBLISHED


def test_references_to_rows_above_reach_across_chunks(curator_client, run_jobs, monkeypatch):
    from registry.importing import jobs

    monkeypatch.setattr(jobs, "CHUNK_SIZE", 2)
    header = ["slug", "name", "kind", "country", "latitude", "longitude", "parent"]
    rows = [
        ["palmyra", "Palmyra", "archaeological-site", "SY", "34.55", "38.27", ""],
        ["palmyra-museum", "Palmyra Museum", "museum", "SY", "", "", "palmyra"],
        ["museum-hall", "Hall of statues", "museum", "SY", "", "", "palmyra-museum"],
        ["ruin", "Ruin", "archaeological-site", "SY", "95", "0", ""],
        ["", "Gate of the ruin", "archaeological-site", "SY", "", "", "ruin"],
    ]
    _response, batch = upload(
        curator_client,
        run_jobs,
        csv_file(rows, header=header, name="sites.csv"),
        record_type="sites",
    )
    batch.refresh_from_db()
    assert (batch.to_create, batch.rows_invalid) == (3, 2)
    assert set(batch.issues.values_list("row", "column")) == {(5, "latitude"), (6, "parent")}
    assert not HeritageSite.objects.exists()
    batch = confirm_and_wait(curator_client, run_jobs, batch)
    assert batch.created_count == 3
    hall = HeritageSite.objects.get(slug="museum-hall")
    assert (hall.parent.slug, hall.parent.parent.slug) == ("palmyra-museum", "palmyra")
    assert set(batch.issues.values_list("row", "column")) == {(5, "latitude"), (6, "parent")}


def exported_rows(client, records) -> tuple[list[str], list[dict[str, str]]]:
    rows = table(export(client, "damagereport", "export_csv", records), "reports.csv")
    return rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def dict_file(header: list[str], rows: list[dict[str, str]]) -> SimpleUploadedFile:
    return csv_file([[row[name] for name in header] for row in rows], header=header)


def test_citation_columns_of_an_update_row_add_a_citation_once(curator_client, run_jobs):
    cited, other = f.SourceFactory(), f.SourceFactory()
    draft = f.SourceFactory(lifecycle=Lifecycle.DRAFT)
    reports = [f.DamageReportFactory() for _ in range(5)]
    for report in reports:
        f.CitationFactory(damage_report=report, source=cited, quote="the roof fell")
    header, rows = exported_rows(curator_client, reports)
    by_slug = {row["slug"]: row for row in rows}
    new, same, any_quote, unknown, unpublished = (by_slug[r.slug] for r in reports)
    new |= {
        "citation_source": other.slug,
        "citation_quote": "walls cracked",
        "citation_locator": "p. 3",
    }
    any_quote |= {"citation_quote": ""}  # a source the report already cites, without a phrase
    unknown |= {"citation_source": "no-such-source"}
    unpublished |= {"citation_source": draft.slug}  # a published report cites published sources
    versions = {r.pk: r.version for r in DamageReport.objects.all()}

    _response, batch = upload(curator_client, run_jobs, dict_file(header, rows))
    batch.refresh_from_db()
    assert (batch.to_update, batch.unchanged, batch.rows_invalid) == (1, 2, 2)
    assert [(p["slug"], p["changes"]) for p in batch.preview if p["action"] == "update"] == [
        (reports[0].slug, ["citation_source"])
    ]
    problems = {issue.row: (issue.column, issue.message) for issue in batch.issues.all()}
    assert problems.keys() == {rows.index(unknown) + 2, rows.index(unpublished) + 2}
    assert problems[rows.index(unknown) + 2][0] == "citation_source"
    assert "not published" in problems[rows.index(unpublished) + 2][1]
    assert Citation.objects.count() == 5
    batch = confirm_and_wait(curator_client, run_jobs, batch)
    assert batch.updated_count == 1
    added = Citation.objects.get(damage_report=reports[0], source=other)
    assert (added.quote, added.locator, added.lifecycle) == (
        "walls cracked",
        "p. 3",
        Lifecycle.PUBLISHED,  # the report is published; so is its new evidence
    )
    assert added.history.get().history_change_reason.startswith(f"Import #{batch.pk}")
    assert {r.pk: r.version for r in DamageReport.objects.all()} == versions

    _response, again = upload(curator_client, run_jobs, dict_file(header, rows))
    again.refresh_from_db()
    assert (again.to_update, again.unchanged) == (0, 3)
    again = confirm_and_wait(curator_client, run_jobs, again)
    assert Citation.objects.count() == 6 and again.updated_count == 0

    batch = confirm_and_wait(curator_client, run_jobs, batch, action="undo")
    added.refresh_from_db()
    assert added.lifecycle == Lifecycle.ARCHIVED
    assert reports[0].citations.exclude(lifecycle=Lifecycle.ARCHIVED).get().source == cited


def test_a_curator_imports_for_review_not_straight_to_publication(
    curator_client, run_jobs, settings
):
    site, source = f.HeritageSiteFactory(), f.SourceFactory(lifecycle=Lifecycle.DRAFT)
    header = [*HEADER, "lifecycle"]
    rows = [
        ["Gate shelled", source.slug, site.slug, "2016", "severe", "high", "shelled", "published"],
        ["Tomb looted", source.slug, site.slug, "2014", "moderate", "low", "looted", "in_review"],
    ]
    _response, batch = upload(curator_client, run_jobs, csv_file(rows, header=header))
    batch.refresh_from_db()
    assert (batch.to_create, batch.rows_invalid) == (1, 1)
    [(row, column, message)] = batch.issues.values_list("row", "column", "message")
    assert (row, column) == (2, "lifecycle") and "review queue" in message
    confirm_and_wait(curator_client, run_jobs, batch)
    assert list(DamageReport.objects.values_list("title", "lifecycle")) == [("Tomb looted", "in_review")]
    source.refresh_from_db()
    assert source.lifecycle == Lifecycle.DRAFT

    # One curator running the registry alone publishes, and the report's draft source with it.
    settings.REVIEW_SINGLE_CURATOR = True
    _response, batch = upload(curator_client, run_jobs, csv_file(rows[:1], header=header))
    batch.refresh_from_db()
    assert (batch.to_create, batch.rows_invalid) == (1, 0)
    confirm_and_wait(curator_client, run_jobs, batch)
    assert DamageReport.objects.get(title="Gate shelled").lifecycle == Lifecycle.PUBLISHED
    source.refresh_from_db()
    assert source.lifecycle == Lifecycle.PUBLISHED
