"""Import rate through the full validation path, with peak memory.

Writes a CSV file of damage reports (a million rows by default; ``--bad``
percent of them broken in one cell each), then runs the two steps a curator
runs in the admin, in this process: the check (nothing may be written) and
the import (every good row written, every bad row reported with its row and
column). Beside it, a reference: the same kind of rows created one at a time
through ``services.claim_create``. Point DATABASE_URL at a scratch database;
the script migrates it and leaves the imported records behind.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import \\
        .venv/bin/python benchmarks/import_rate.py --rows 1000000
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heritage.settings")
os.environ.setdefault("HERITAGE_TESTING", "1")  # no SECRET_KEY needed
os.environ.setdefault("CONN_MAX_AGE", "0")

import django  # noqa: E402

django.setup()

from django.core.files import File  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from registry import services  # noqa: E402
from registry.importing.columns import SPECS  # noqa: E402
from registry.importing.jobs import apply_batch, check_batch  # noqa: E402
from registry.models import DamageReport, HeritageSite, ImportBatch, Source, Term  # noqa: E402

SEVERITIES = ["slight", "moderate", "severe", "destroyed", "unknown"]
DATES = [
    "2012",
    "2013-05~",
    "2014-06/2014-09",
    "2015",
    "2015-08-27/2015-09-02",
    "2016-03-27?",
    "-0050",
]
# One broken cell per bad row, in a different column each time.
BREAKAGES = [
    ("severity", "crushed"),
    ("occurred", "last year"),
    ("sites", "no-such-site"),
    ("quantity", "a few"),
    ("certainty", "sure"),
    ("source", "no-such-source"),
]


def backend_cpu_seconds() -> float:
    """CPU time of this connection's PostgreSQL server process (same machine), else 0."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_now() -> float:
    return time.process_time() + backend_cpu_seconds()


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fixtures(sites: int, sources: int) -> tuple[list[str], list[str]]:
    kind = Term.objects.get(vocabulary="site_kind", slug="archaeological-site")
    source_kind = Term.objects.get(vocabulary="source_kind", slug="news-article")
    for n in range(HeritageSite.objects.filter(slug__startswith="imp-site-").count(), sites):
        services.record_create(
            model=HeritageSite,
            fields={
                "slug": f"imp-site-{n}",
                "name": f"Import site {n}",
                "kind": kind,
                "country": "SY",
                "lifecycle": "published",
            },
        )
    for n in range(Source.objects.filter(slug__startswith="imp-source-").count(), sources):
        services.record_create(
            model=Source,
            fields={
                "slug": f"imp-source-{n}",
                "title": f"Import source {n}",
                "kind": source_kind,
                "lifecycle": "published",
            },
        )
    return ([f"imp-site-{n}" for n in range(sites)], [f"imp-source-{n}" for n in range(sources)])


def row(
    rng: random.Random, n: int, run: str, sites: list[str], sources: list[str]
) -> dict[str, str]:
    return {
        "title": f"Damage report {run}-{n}",
        "source": rng.choice(sources),
        "sites": "|".join(rng.sample(sites, rng.choice([1, 1, 2]))),
        "occurred": rng.choice(DATES),
        "observed": "2016",
        "certainty": rng.choice(["high", "medium", "low"]),
        "claim_status": "reported",
        "severity": rng.choice(SEVERITIES),
        "extent": "unknown",
        "effects": "collapse-structural-damage",
        "quantity": str(rng.randint(1, 9)),
        "quantity_precision": "approximate",
        "citation_quote": "badly damaged",
        "citation_locator": f"para. {n % 20}",
        "lifecycle": "draft",
    }


def write_file(path: Path, rows: int, bad_percent: float, sites, sources, run: str) -> set[int]:
    rng, bad_rows = random.Random(7), set()
    header = SPECS["damage_reports"].header
    every = int(100 / bad_percent) if bad_percent else 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for n in range(rows):
            values = row(rng, n, run, sites, sources)
            if every and n % every == every // 2:
                column, text = BREAKAGES[len(bad_rows) % len(BREAKAGES)]
                values[column] = text
                bad_rows.add(n + 2)  # spreadsheet row: the header is row 1
            writer.writerow(values)
    return bad_rows


def reference_rate(sample: int, sites, sources) -> float:
    rng = random.Random(11)
    site_objs = {s.slug: s for s in HeritageSite.objects.filter(slug__in=sites)}
    source_objs = {s.slug: s for s in Source.objects.filter(slug__in=sources)}
    started = time.perf_counter()
    for n in range(sample):
        values = row(rng, n, "ref", sites, sources)
        source = source_objs[values["source"]]
        services.claim_create(
            model=DamageReport,
            fields={
                "title": values["title"],
                "source": source,
                "occurred": values["occurred"],
                "observed": "2016",
                "certainty": values["certainty"],
                "severity": values["severity"],
                "quantity": int(values["quantity"]),
                "quantity_precision": "approximate",
            },
            m2m={"sites": [site_objs[slug] for slug in values["sites"].split("|")]},
            citations=[
                {"source": source, "quote": "badly damaged", "locator": values["citation_locator"]}
            ],
        )
    return sample / (time.perf_counter() - started)


def run_import(args) -> dict:
    """Write the file, check it, import it; the figures of both steps."""
    sites, sources = fixtures(2000, 200)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "reports.csv"
        bad_rows = write_file(path, args.rows, args.bad, sites, sources, str(int(time.time())))
        before = DamageReport.objects.count()
        with open(path, "rb") as handle:
            batch = ImportBatch.objects.create(
                record_type="damage_reports",
                original_name="reports.csv",
                file=File(handle, name="reports.csv"),
            )
        figures = {
            "rss_start": peak_rss_mib(),
            "bad_rows": bad_rows,
            "sites": sites,
            "sources": sources,
        }
        started, cpu = time.perf_counter(), cpu_now()
        check_batch(batch)
        figures.update(checked=time.perf_counter() - started, checked_cpu=cpu_now() - cpu)
        figures["written_by_check"] = DamageReport.objects.count() - before
        started, cpu = time.perf_counter(), cpu_now()
        apply_batch(batch)
        figures.update(applied=time.perf_counter() - started, applied_cpu=cpu_now() - cpu)
        figures.update(
            rss_peak=peak_rss_mib(),
            issues=set(batch.issues.values_list("row", flat=True)),
            unnamed=batch.issues.filter(column="").count(),
            created=DamageReport.objects.count() - before,
        )
    return figures


def report(args, f: dict, reference: float) -> None:
    rows, created, bad_rows, issues = args.rows, f["created"], f["bad_rows"], f["issues"]
    print(
        f"database: {connection.vendor}; rows: {rows:,}; bad rows: {len(bad_rows):,} ({args.bad} %)"
    )
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end")
    print(f"{'path':<48} {'reports/s':>12} {'seconds':>9} {'per CPU-s':>10}")
    print(
        f"{'check only (full validation, nothing written)':<48} {rows / f['checked']:>12,.0f}"
        f" {f['checked']:>9.1f} {rows / f['checked_cpu']:>10,.0f}"
    )
    print(
        f"{'import (validation + bulk write + history)':<48} {created / f['applied']:>12,.0f}"
        f" {f['applied']:>9.1f} {created / f['applied_cpu']:>10,.0f}"
    )
    print(
        "per CPU-s: rows per second of CPU spent by this process and its PostgreSQL server process"
    )
    print(
        f"{'reference: services.claim_create, one by one':<48} {reference:>12,.0f}"
        f" {args.reference_sample / reference:>9.1f}  ({args.reference_sample} rows)"
    )
    print(f"import ÷ reference: {created / f['applied'] / reference:.0f}×")
    print(
        f"peak RSS: {f['rss_peak']:.0f} MiB (at the start of the check: {f['rss_start']:.0f} MiB)"
    )
    print(f"records written by the check: {f['written_by_check']}")
    print(
        f"bad rows reported: {len(issues & bad_rows):,} of {len(bad_rows):,}; reported rows that were good: "
        f"{len(issues - bad_rows)}; problems without a column: {f['unnamed']}"
    )
    print(f"good rows imported: {created:,} of {rows - len(bad_rows):,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bad", type=float, default=1.0, help="percent of rows with one bad cell")
    parser.add_argument("--reference-sample", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    figures = run_import(args)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    report(
        args, figures, reference_rate(args.reference_sample, figures["sites"], figures["sources"])
    )


if __name__ == "__main__":
    main()
