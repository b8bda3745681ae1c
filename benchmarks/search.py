"""Search, admin and map timings over a generated PostgreSQL database.

    DATABASE_URL=postgres://…/scratch python benchmarks/search_data.py
    DATABASE_URL=postgres://…/scratch python benchmarks/search.py [--rounds 30]

Each request goes through the whole Django stack in this process (middleware,
view, templates or serializers, the database), without a network hop, so the
figures are the server's own time for one request. Printed per request: median
(p50) and 95th percentile (p95) in milliseconds, the SQL queries it ran, and the
size of the answer; the search selector's SQL alone is timed too. Queries are
taken from the generated names: a site's English name, its Arabic name, its
second Latin spelling, the English name misspelt, and report title words.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heritage.settings")
# Test settings (no SECRET_KEY, no manifest for static files), answering the test client,
# without API throttling getting in the way of many requests.
os.environ.setdefault("HERITAGE_TESTING", "1")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("API_ANON_RATE", "1000000/hour")
os.environ.setdefault("API_USER_RATE", "1000000/hour")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(label: str, call, rounds: int) -> tuple[float, float]:
    from django.db import connection

    call()  # warm caches and connections
    timings = []
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        size = call()
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    p50, p95 = statistics.median(timings), percentile(timings, 0.95)
    print(f"{label:<62} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {len(queries):>3} queries  {size:>8} B",
          flush=True)
    return p50, p95


def sample_names() -> dict[str, str]:
    from registry.models import HeritageSite

    site = HeritageSite.objects.filter(slug="gen-site-4242").prefetch_related("names").get()
    arabic = next(n.name for n in site.names.all() if n.language == "ar")
    variant = next(n.name for n in site.names.all() if n.language == "ar-Latn")
    stem = site.name.split(" ", 1)[1]
    misspelt = stem.replace("a", "e", 1) if "a" in stem else stem.replace("u", "o", 1)
    return {"english": stem, "arabic": arabic, "variant": variant, "misspelt": misspelt}


def sample_title() -> str:
    """Two words of one report's title: its kind of damage and its number."""
    from registry.models import DamageReport

    title = DamageReport.objects.get(slug="gen-report-424242").title
    return f"{title.split()[0]} {title.rsplit('(', 1)[1].rstrip(')')}"


def requests(names: dict[str, str], title: str) -> list[tuple[str, str]]:
    q = {key: value.replace(" ", "+") for key, value in names.items()}
    return [
        ("/reports/ without search (the page's own cost)", "/reports/"),
        *[(f"/reports/?q= {kind} ({names[kind]})", f"/reports/?q={q[kind]}") for kind in names],
        (f"/reports/?q= title words ({title})", "/reports/?q=" + title.replace(" ", "+")),
        ("/reports/?q= common title word (one report in ten)", "/reports/?q=looting"),
        ("/reports/?q= two common title words (one report in a hundred)", "/reports/?q=looting+mosque"),
        ("/reports/?q= common word, a severity none of them has", "/reports/?q=looting&severity=destroyed"),
        ("/api/v1/damage-reports/ without search", "/api/v1/damage-reports/"),
        *[(f"/api/v1/damage-reports/?q= {kind}", f"/api/v1/damage-reports/?q={q[kind]}") for kind in names],
        ("/api/v1/damage-reports/?q= common title word", "/api/v1/damage-reports/?q=looting"),
        ("/api/v1/damage-reports/?q= common title word, country", "/api/v1/damage-reports/?q=looting&country=SY"),
        ("/sites/?q= arabic", f"/sites/?q={q['arabic']}"),
        ("/api/v1/sites/?q= misspelt", f"/api/v1/sites/?q={q['misspelt']}"),
        ("/artefacts/?q= arabic site name", f"/artefacts/?q={q['arabic']}"),
    ]


ADMIN = [
    ("admin changelist: damage reports", "/admin/registry/damagereport/"),
    ("admin changelist: damage reports, page 200", "/admin/registry/damagereport/?p=200"),
    ("admin changelist: heritage sites", "/admin/registry/heritagesite/"),
    ("admin changelist: artefacts", "/admin/registry/artefact/"),
]

MAP = [
    ("/map/ page", "/map/"),
    ("/map/data/ whole region, zoom 5", "/map/data/?bbox=29,25,47,40&zoom=5"),
    ("/map/data/ whole region, zoom 7", "/map/data/?bbox=29,25,47,40&zoom=7"),
    ("/map/data/ one country, zoom 9", "/map/data/?bbox=35,32,39,36&zoom=9"),
    ("/map/data/ a city, zoom 13", "/map/data/?bbox=36.1,33.4,36.5,33.6&zoom=13"),
    ("/map/data/ a street, zoom 17", "/map/data/?bbox=36.29,33.50,36.31,33.52&zoom=17"),
]


def run(rounds: int, sections: set[str]) -> None:
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from registry.models import DamageReport

    print(f"{DamageReport.objects.count():,} damage reports on {connection.vendor}; {rounds} rounds each\n")
    names = sample_names()
    client = Client()

    def get(url: str, who: Client = client, cold: bool = False):
        def call() -> int:
            if cold:
                cache.clear()  # nothing served from an earlier answer
            response = who.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return len(response.content)
        return call

    if "search" in sections:
        search(names, get, rounds)
    if "admin" in sections:
        admin(names, get, rounds)
    if "map" in sections:
        print("\nMap:")
        for label, url in MAP:
            measure(f"  {label}", get(url), rounds)
        print("\nMap, cold (the cache emptied before each request):")
        for label, url in MAP:
            measure(f"  {label}", get(url, cold=True), rounds)


def search(names: dict[str, str], get, rounds: int) -> None:
    from registry.models import DamageReport

    print("Search selector, SQL only (first 20 by date, and the count):")
    for kind, text in names.items():
        def selector(text=text) -> int:
            found = DamageReport.objects.published().search(text)
            list(found.order_by("occurred_lower", "pk")[:20])
            return found.count()  # printed in the size column
        measure(f"  DamageReport.objects.published().search({kind})", selector, rounds)
    print("\nPages and API:")
    for label, url in requests(names, sample_title()):
        measure(f"  {label}", get(url), rounds)


def admin(names: dict[str, str], get, rounds: int) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    admin = Client()
    user, _ = get_user_model().objects.get_or_create(username="bench-admin", defaults={"is_staff": True,
                                                                                        "is_superuser": True})
    admin.force_login(user)
    print("\nAdmin:")
    for label, url in [*ADMIN, *[(f"admin search: damage reports, {k}", f"/admin/registry/damagereport/?q={v}")
                                 for k, v in names.items()],
                       ("admin search: damage reports, common title word", "/admin/registry/damagereport/?q=looting"),
                       ("admin search: heritage sites, arabic", f"/admin/registry/heritagesite/?q={names['arabic']}")]:
        measure(f"  {label}", get(url, admin), rounds)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--sections", default="search,admin,map", help="comma-separated: search, admin, map")
    arguments = parser.parse_args()
    run(arguments.rounds, set(arguments.sections.split(",")))
