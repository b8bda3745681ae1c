"""Fill the database with many published records to measure pages and API.

Rows are written with ``bulk_create`` rather than through the services: the
point is volume (a million damage reports), and per-row validation and history
would take hours. Everything it makes is tagged with the ``bench-`` slug
prefix so it can be told apart from real records.
"""

from __future__ import annotations

import random
import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from registry.dates import edtf_bounds
from registry.models import Actor, DamageReport, HeritageSite, Lifecycle, Severity, Source, Term
from registry.vocabularies import load_terms

BATCH = 5000
DATES = ["2012", "2013-05~", "2014-06/2014-09", "2015", "2015-08-27/2015-09-02", "2016-03-27?", "-0050", "2017/.."]


class Command(BaseCommand):
    help = "Create many published sites, sources and damage reports for benchmarks (slugs start with bench-)."

    def add_arguments(self, parser):
        parser.add_argument("--sites", type=int, default=2000)
        parser.add_argument("--reports", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, sites: int, reports: int, seed: int, **options):
        rng = random.Random(seed)
        load_terms(Term)
        started = time.perf_counter()
        if HeritageSite.objects.filter(slug__startswith="bench-").exists():
            self.stdout.write("Benchmark data already present; delete the database to make it again.")
            return
        with transaction.atomic():
            site_ids = self._sites(sites)
            source_ids = self._sources()
        self._reports(reports, site_ids, source_ids, rng)
        self.stdout.write(
            f"Created {sites} sites and {reports} damage reports in {time.perf_counter() - started:.1f} s."
        )

    def _sites(self, count: int) -> list[int]:
        kind = Term.objects.get(vocabulary="site_kind", slug="archaeological-site")
        now = timezone.now()
        HeritageSite.objects.bulk_create(
            HeritageSite(
                slug=f"bench-site-{n}", name=f"Benchmark site {n}", kind=kind, country="SY",
                latitude=30 + (n % 700) / 100, longitude=35 + (n % 600) / 100,
                lifecycle=Lifecycle.PUBLISHED, published_at=now,
            )
            for n in range(count)
        )
        return list(HeritageSite.objects.filter(slug__startswith="bench-").values_list("pk", flat=True))

    def _sources(self) -> list[int]:
        kind = Term.objects.get(vocabulary="source_kind", slug="news-article")
        publisher = Actor.objects.create(
            slug="bench-publisher", name="Benchmark publisher", kind=Actor.Kind.ORGANISATION,
            lifecycle=Lifecycle.PUBLISHED,
        )
        Source.objects.bulk_create(
            Source(slug=f"bench-source-{n}", title=f"Benchmark source {n}", kind=kind, publisher=publisher,
                   published="2016", published_lower=20160101, published_upper=20161231,
                   lifecycle=Lifecycle.PUBLISHED)
            for n in range(100)
        )
        return list(Source.objects.filter(slug__startswith="bench-").values_list("pk", flat=True))

    def _reports(self, count: int, site_ids: list[int], source_ids: list[int], rng: random.Random) -> None:
        severities = [value for value in Severity.values]
        through = DamageReport.sites.through
        now = timezone.now()
        for start in range(0, count, BATCH):
            with transaction.atomic():
                batch = []
                for n in range(start, min(start + BATCH, count)):
                    occurred = rng.choice(DATES)
                    bounds = edtf_bounds(occurred)
                    batch.append(DamageReport(
                        slug=f"bench-report-{n}", title=f"Benchmark damage report {n}",
                        source_id=rng.choice(source_ids), severity=rng.choice(severities), occurred=occurred,
                        occurred_lower=bounds.lower, occurred_upper=bounds.upper,
                        lifecycle=Lifecycle.PUBLISHED, published_at=now,
                    ))
                created = DamageReport.objects.bulk_create(batch)
                if created[0].pk is None:  # backends that do not return keys
                    created = DamageReport.objects.filter(slug__in=[r.slug for r in batch]).only("pk")
                through.objects.bulk_create(
                    through(damagereport_id=report.pk, heritagesite_id=rng.choice(site_ids)) for report in created
                )
            self.stdout.write(f"  {min(start + BATCH, count)} reports", ending="\r")
        self.stdout.write("")
