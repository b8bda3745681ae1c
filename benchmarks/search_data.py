"""Generate sites with names in several scripts, artefacts and damage reports, in PostgreSQL.

    DATABASE_URL=postgres://…/scratch DEBUG=1 python benchmarks/search_data.py \
        --sites 100000 --artefacts 50000 --reports 1000000

Made for the search, admin and map benchmarks (benchmarks/search.py): every
site has an English name, an Arabic name and a second Latin spelling built from
the same syllables, so a query in one script finds what the other names, as on
real records. Rows are written by ``INSERT … SELECT generate_series`` (a
million reports in about a minute), not through the services: volume is the
point. Sites are spread over the Near East, one in ten marked sensitive. All
slugs start with ``gen-``; the tables are vacuumed and ANALYZEd at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heritage.settings")

LATIN = ["al", "bar", "dur", "ka", "mar", "ra", "sha", "tel", "zin", "qa", "ham", "ma", "bu", "sin", "ta", "lu"]
ARABIC = ["ال", "بر", "دور", "كا", "مر", "را", "شا", "تل", "زين", "قا", "حم", "ما", "بو", "سين", "تا", "لو"]
VARIANT = ["el", "ber", "door", "kah", "mer", "rah", "cha", "tell", "zeen", "ka", "hamm", "mah", "bou", "seen", "tah", "lou"]
PREFIX_EN = ["Tell", "Khirbet", "Qasr", "Jebel", "Deir", "Wadi", "Ain", "Qal'at"]
PREFIX_AR = ["تل", "خربة", "قصر", "جبل", "دير", "وادي", "عين", "قلعة"]
DAMAGE = ["Shelling of", "Looting at", "Bulldozing of", "Collapse of", "Fire in", "Vandalism of",
          "Illegal digging at", "Dynamiting of", "Flooding of", "Graffiti on"]
OBJECTS = ["the mosque", "the minaret", "the colonnade", "the temple", "the church", "the market",
           "the citadel wall", "the tower tombs", "the baths", "the theatre", "the gate", "the museum store"]


def sql_array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def pick(array: list[str], seed: str) -> str:
    """An element of ``array`` chosen by a hash of the SQL expression ``seed``."""
    return f"({sql_array(array)})[1 + abs(hashint8(({seed})::bigint)) % {len(array)}]"


def stem(array: list[str], i: str) -> str:
    return " || ".join(pick(array, f"{i} * 3 + {k}") for k in range(3))


def statements(sites: int, artefacts: int, reports: int, ids: dict[str, int]) -> list[tuple[str, str]]:
    kind, source, art_kind = ids["site_kind"], ids["source"], ids["artefact_kind"]
    common = "'published', 1, now(), now(), now()"
    return [
        ("sites", f"""
INSERT INTO registry_heritagesite (slug, lifecycle, version, created_at, updated_at, published_at, name,
  country, latitude, longitude, location_certainty, is_sensitive, description, kind_id)
SELECT 'gen-site-' || i, {common},
  {pick(PREFIX_EN, "i * 7")} || ' ' || initcap({stem(LATIN, "i")}),
  'SY', 29 + (abs(hashint8(i * 11)) % 800000) / 100000.0, 35 + (abs(hashint8(i * 13)) % 700000) / 100000.0,
  'high', i % 10 = 0, '', {kind}
FROM generate_series(1, {sites}) AS i"""),
        ("site names", f"""
INSERT INTO registry_sitename (name, language, name_type, owner_id)
SELECT {pick(PREFIX_AR, "g * 7")} || ' ' || {stem(ARABIC, "g")}, 'ar', 'toponym', s.id
FROM registry_heritagesite s, LATERAL (SELECT substr(s.slug, 10)::bigint AS g) n WHERE s.slug LIKE 'gen-site-%'
UNION ALL
SELECT initcap({stem(VARIANT, "g")}), 'ar-Latn', 'toponym', s.id
FROM registry_heritagesite s, LATERAL (SELECT substr(s.slug, 10)::bigint AS g) n WHERE s.slug LIKE 'gen-site-%'"""),
        ("artefacts", f"""
INSERT INTO registry_artefact (slug, lifecycle, version, created_at, updated_at, published_at, quantity_precision,
  quantity_phrase, name, is_movable, is_group, made, description, kind_id, site_id)
SELECT 'gen-artefact-' || i, {common}, 'unknown', '', 'Stele of ' || initcap({stem(LATIN, "i + 77")}),
  true, false, '', '', {art_kind}, (SELECT min(id) FROM registry_heritagesite WHERE slug LIKE 'gen-site-%') + i % {sites}
FROM generate_series(1, {artefacts}) AS i"""),
        ("artefact names", f"""
INSERT INTO registry_artefactname (name, language, name_type, owner_id)
SELECT 'شاهدة ' || {stem(ARABIC, "substr(a.slug, 14)::bigint + 77")}, 'ar', 'toponym', a.id
FROM registry_artefact a WHERE a.slug LIKE 'gen-artefact-%'"""),
        ("reports", f"""
INSERT INTO registry_damagereport (slug, lifecycle, version, created_at, updated_at, published_at, quantity_precision,
  quantity_phrase, severity, extent, title, occurred, occurred_lower, occurred_upper, observed, certainty,
  claim_status, description, source_id)
SELECT 'gen-report-' || i, {common}, 'unknown', '', 'severe', 'unknown',
  {pick(DAMAGE, "i * 5")} || ' ' || {pick(OBJECTS, "i * 17")} || ' (' || i || ')',
  '2015', 20150101 + (i % 12) * 100, 20151231, '', 'medium', 'reported', '', {source}
FROM generate_series(1, {reports}) AS i"""),
        ("report sites", f"""
INSERT INTO registry_damagereport_sites (damagereport_id, heritagesite_id)
SELECT r.id, first_site + abs(hashint8(r.id)) % {sites}
FROM registry_damagereport r, (SELECT min(id) AS first_site FROM registry_heritagesite
                               WHERE slug LIKE 'gen-site-%') f
WHERE r.slug LIKE 'gen-report-%'"""),
        ("report artefacts", f"""
INSERT INTO registry_damagereport_artefacts (damagereport_id, artefact_id)
SELECT r.id, first_artefact + abs(hashint8(r.id * 3)) % {artefacts}
FROM registry_damagereport r, (SELECT min(id) AS first_artefact FROM registry_artefact
                               WHERE slug LIKE 'gen-artefact-%') f
WHERE r.slug LIKE 'gen-report-%' AND r.id % 5 = 0"""),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=100_000)
    parser.add_argument("--artefacts", type=int, default=50_000)
    parser.add_argument("--reports", type=int, default=1_000_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction

    from registry.models import Source, Term
    from registry.vocabularies import load_terms

    if connection.vendor != "postgresql":
        sys.exit("benchmarks/search_data.py writes PostgreSQL SQL; set DATABASE_URL to a PostgreSQL database")
    load_terms(Term)
    source = Source.objects.filter(lifecycle="published").first()
    if source is None:
        sys.exit("No published source: run manage.py load_seeds first")
    ids = {
        "site_kind": Term.objects.get(vocabulary="site_kind", slug="archaeological-site").pk,
        "artefact_kind": Term.objects.filter(vocabulary="artefact_kind").first().pk,
        "source": source.pk,
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registry_heritagesite WHERE slug LIKE 'gen-site-%'")
        if cursor.fetchone()[0]:
            sys.exit("Generated rows are already there; use a fresh database")
        for label, sql in statements(args.sites, args.artefacts, args.reports, ids):
            started = time.perf_counter()
            with transaction.atomic():
                cursor.execute(sql)
            print(f"{label:>16}: {cursor.rowcount:>9} rows in {time.perf_counter() - started:6.1f} s", flush=True)
        started = time.perf_counter()
        from registry import condition_entries

        condition_entries.rebuild()  # the reports went in as SQL, past the signals that keep them
        print(f"{'condition entries':>16}: {time.perf_counter() - started:6.1f} s", flush=True)
        started = time.perf_counter()
        # VACUUM too, as autovacuum would: without the visibility map it sets, the
        # index-only scans of search read every row from the table (a search took 4× longer).
        cursor.execute("VACUUM ANALYZE")
        print(f"{'VACUUM ANALYZE':>16}: {time.perf_counter() - started:6.1f} s")


if __name__ == "__main__":
    main()
