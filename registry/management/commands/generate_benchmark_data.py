"""Fill the database with many published records to measure pages and API.

Rows are written in bulk rather than through the services: the point is
volume (a million damage reports), and per-row validation and history would
take hours. On PostgreSQL the reports, their citations and their links to
sites and effects go in with ``COPY``; elsewhere with batched ``INSERT``s.
Everything it makes is tagged with the ``bench-`` slug prefix so it can be
told apart from real records. The tables are vacuumed and analysed at the end:
right after a bulk load the query planner has no statistics and picks
sequential scans, and PostgreSQL cannot answer from an index alone until
VACUUM has marked the new rows visible.

The first site, ``bench-site-0``, is the busiest: it has nine child sites and
receives a tenth of the reports, up to 10,000, as a large museum or ancient
city would.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Sequence

from django.core.management.base import BaseCommand
from django.db import connection, models, transaction
from django.utils import timezone
from tqdm import tqdm

from registry import caching, condition_entries
from registry.dates import edtf_bounds
from registry.models import (
    Actor,
    Citation,
    ClaimStatus,
    DamageReport,
    HeritageSite,
    Lifecycle,
    Severity,
    Source,
    Term,
)
from registry.vocabularies import load_terms

BATCH = 50_000
DATES = [
    "2012",
    "2013-05~",
    "2014-06/2014-09",
    "2015",
    "2015-08-27/2015-09-02",
    "2016-03-27?",
    "-0050",
    "2017/..",
]
BUSIEST_SITE_REPORTS = 10_000
# Claims as a registry holds them: most still to be confirmed, some established, a few
# disputed or withdrawn, so that conditions have something to rest on.
CLAIM_STATUSES = [
    ClaimStatus.REPORTED, ClaimStatus.CONFIRMED, ClaimStatus.CORROBORATED, ClaimStatus.DISPUTED,
    ClaimStatus.RETRACTED,
]
CLAIM_WEIGHTS = [50, 20, 15, 10, 5]
CHILD_SITES = 9


def constant_columns(
    model: type[models.Model], given: Sequence[str], **values
) -> dict[str, object]:
    """Every concrete column of ``model`` not in ``given``, with its default (or ``values``)."""
    template = model(**values)
    return {
        field.column: getattr(template, field.attname)
        for field in model._meta.concrete_fields
        if field.column not in given and not field.primary_key and not field.generated
    }


def write_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Append ``rows`` to ``model``'s table: ``COPY`` on PostgreSQL, ``executemany`` elsewhere."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(rows))


def next_id(model: type[models.Model]) -> int:
    return (model._default_manager.aggregate(top=models.Max("pk"))["top"] or 0) + 1


def reset_sequences(*tables: type[models.Model]) -> None:
    """Explicit keys were written; move PostgreSQL's identity sequences past them."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in tables:
            table = model._meta.db_table
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {connection.ops.quote_name(table)}))",
                [table],
            )


class Command(BaseCommand):
    help = (
        "Create many published sites, sources and damage reports for benchmarks "
        "(slugs start with bench-), then analyse the tables."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sites", type=int, default=2000)
        parser.add_argument("--reports", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, sites: int, reports: int, seed: int, no_progress: bool, **options):
        rng = random.Random(seed)
        load_terms(Term)
        started = time.perf_counter()
        if HeritageSite.objects.filter(slug__startswith="bench-").exists():
            self.stdout.write(
                "Benchmark data already present; delete the database to make it again."
            )
            return
        with transaction.atomic():
            site_ids = self._sites(max(sites, CHILD_SITES + 2))
            source_ids = self._sources()
        self._reports(reports, site_ids, source_ids, rng, progress=not no_progress)
        self.stdout.write("Writing the condition entries…")
        condition_entries.rebuild()  # the reports went in past the signals that keep them
        self.stdout.write("Vacuuming and analysing tables for the query planner…")
        with connection.cursor() as cursor:
            # VACUUM also marks the new rows visible to all, which index-only scans need.
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        caching.changed()
        self.stdout.write(
            f"Created {len(site_ids)} sites and {reports} damage reports in "
            f"{time.perf_counter() - started:.1f} s."
        )

    def _sites(self, count: int) -> list[int]:
        kind = Term.objects.get(vocabulary="site_kind", slug="archaeological-site")
        now = timezone.now()
        HeritageSite.objects.bulk_create(
            HeritageSite(
                slug=f"bench-site-{n}",
                name=f"Benchmark site {n}",
                kind=kind,
                country="SY",
                latitude=30 + (n % 700) / 100,
                longitude=35 + (n % 600) / 100,
                lifecycle=Lifecycle.PUBLISHED,
                published_at=now,
            )
            for n in range(count)
        )
        ids = list(
            HeritageSite.objects.filter(slug__startswith="bench-")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        HeritageSite.objects.filter(pk__in=ids[1 : CHILD_SITES + 1]).update(parent_id=ids[0])
        return ids

    def _sources(self) -> list[int]:
        kind = Term.objects.get(vocabulary="source_kind", slug="news-article")
        publisher = Actor.objects.create(
            slug="bench-publisher",
            name="Benchmark publisher",
            kind=Actor.Kind.ORGANISATION,
            lifecycle=Lifecycle.PUBLISHED,
        )
        Source.objects.bulk_create(
            Source(
                slug=f"bench-source-{n}",
                title=f"Benchmark source {n}",
                kind=kind,
                publisher=publisher,
                published="2016",
                published_lower=20160101,
                published_upper=20161231,
                lifecycle=Lifecycle.PUBLISHED,
            )
            for n in range(100)
        )
        return list(Source.objects.filter(slug__startswith="bench-").values_list("pk", flat=True))

    def _reports(
        self,
        count: int,
        site_ids: list[int],
        source_ids: list[int],
        rng: random.Random,
        *,
        progress: bool,
    ) -> None:
        now = timezone.now()
        effects = list(Term.objects.filter(vocabulary="effect_type").values_list("pk", flat=True))
        busiest_every = max(1, count // min(BUSIEST_SITE_REPORTS, max(1, count // 10)))
        first_report, first_citation = next_id(DamageReport), next_id(Citation)
        report_columns = [
            "id",
            "slug",
            "title",
            "source_id",
            "severity",
            "claim_status",
            "occurred",
            "occurred_lower",
            "occurred_upper",
            "lifecycle",
            "published_at",
            "created_at",
            "updated_at",
        ]
        report_constants = constant_columns(DamageReport, report_columns)
        citation_columns = [
            "id",
            "slug",
            "source_id",
            "damage_report_id",
            "quote",
            "lifecycle",
            "published_at",
            "created_at",
            "updated_at",
        ]
        citation_constants = constant_columns(Citation, citation_columns)
        bounds = {date: edtf_bounds(date) for date in DATES}
        bar = tqdm(total=count, unit=" reports", disable=not progress, file=self.stdout)
        for start in range(0, count, BATCH):
            reports, citations, sites, report_effects = [], [], [], []
            for n in range(start, min(start + BATCH, count)):
                pk, occurred, source = first_report + n, rng.choice(DATES), rng.choice(source_ids)
                reports.append(
                    [
                        pk,
                        f"bench-report-{n}",
                        f"Benchmark damage report {n}",
                        source,
                        rng.choice(Severity.values),
                        rng.choices(CLAIM_STATUSES, CLAIM_WEIGHTS)[0],
                        occurred,
                        bounds[occurred].lower,
                        bounds[occurred].upper,
                        Lifecycle.PUBLISHED,
                        now,
                        now,
                        now,
                        *report_constants.values(),
                    ]
                )
                citations.append(
                    [
                        first_citation + n,
                        f"bench-citation-{n}",
                        source,
                        pk,
                        "damage was reported",
                        Lifecycle.PUBLISHED,
                        now,
                        now,
                        now,
                        *citation_constants.values(),
                    ]
                )
                site = site_ids[0] if n % busiest_every == 0 else rng.choice(site_ids[1:])
                sites.append((pk, site))
                report_effects.append((pk, rng.choice(effects)))
            with transaction.atomic():
                write_rows(DamageReport, [*report_columns, *report_constants], reports)
                write_rows(Citation, [*citation_columns, *citation_constants], citations)
                write_rows(
                    DamageReport.sites.through, ["damagereport_id", "heritagesite_id"], sites
                )
                write_rows(
                    DamageReport.effects.through, ["damagereport_id", "term_id"], report_effects
                )
            bar.update(len(reports))
        bar.close()
        reset_sequences(DamageReport, Citation)
