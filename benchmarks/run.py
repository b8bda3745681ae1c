"""Benchmarks: time public pages and API endpoints over the benchmark data.

Run ``make bench`` (or ``manage.py generate_benchmark_data`` then this
script). Prints, per request: median and slowest time over several runs, the
number of SQL queries, and for downloads the peak Python memory while the
response streams. Figures depend on the machine; compare runs on one machine.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heritage.settings")
os.environ.setdefault("HERITAGE_TESTING", "1")  # plain static storage, no SECRET_KEY needed

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from registry.models import DamageReport, HeritageSite  # noqa: E402

NEXT_LINK = re.compile(r'<a[^>]+rel="next"[^>]+href="([^"]+)"|<a[^>]+href="([^"]+)"[^>]+rel="next"')


def measure(client: Client, url: str, runs: int) -> dict:
    timings, queries, status, body = [], 0, None, b""
    for _ in range(runs):
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
            body = b"".join(response.streaming_content) if response.streaming else response.content
            timings.append((time.perf_counter() - started) * 1000)
        queries, status = len(captured), response.status_code
    return {"url": url, "status": status, "median_ms": statistics.median(timings), "max_ms": max(timings),
            "queries": queries, "bytes": len(body), "body": body}


def measure_memory(client: Client, url: str) -> dict:
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get(url)
    size = sum(len(chunk) for chunk in response.streaming_content) if response.streaming else len(response.content)
    elapsed = (time.perf_counter() - started) * 1000
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"url": url, "status": response.status_code, "ms": elapsed, "bytes": size, "peak_mib": peak / 2**20}


def next_page(body: bytes) -> str | None:
    match = NEXT_LINK.search(body.decode("utf-8", "replace"))
    return (match.group(1) or match.group(2)).replace("&amp;", "&") if match else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", type=int, default=20, help="how many 'next' links to follow")
    args = parser.parse_args()

    reports = DamageReport.objects.published().count()
    site = HeritageSite.objects.published().order_by("pk").first()
    print(f"Database: {connection.vendor}; {reports} published damage reports")
    # The default test host, "testserver", is not in ALLOWED_HOSTS outside the test runner.
    client = Client(HTTP_HOST="localhost")
    failures = []
    urls = [
        "/", "/reports/", "/reports/?severity=destroyed", "/reports/?date_from=2015-08&date_to=2015-09",
        "/reports/?q=report%20999999", "/reports/?ordering=-date", "/sites/", "/pledges/tracker/", "/map/",
        "/api/v1/damage-reports/", "/api/v1/damage-reports/?severity=destroyed", "/api/v1/sites/",
    ]
    if site:
        urls.append(site.get_absolute_url())
    print(f"{'request':60} {'status':>6} {'median ms':>10} {'max ms':>8} {'queries':>8}")
    for url in urls:
        row = measure(client, url, args.runs)
        print(f"{url:60} {row['status']:>6} {row['median_ms']:>10.1f} {row['max_ms']:>8.1f} {row['queries']:>8}")
        if row["status"] != 200:
            failures.append(url)

    url, deepest = "/reports/", None
    for _ in range(args.pages):
        row = measure(client, url, 1)
        link = next_page(row["body"])
        if not link:
            break
        url = link if link.startswith("/") else "/reports/" + link
        deepest = row
    if deepest:
        print(f"after following {args.pages} 'next' links: {deepest['median_ms']:.1f} ms, {deepest['queries']} queries")

    for url in ["/reports/export.csv", "/sites/export.geojson"]:
        row = measure_memory(client, url)
        if row["status"] != 200:
            failures.append(url)
        print(f"download {url}: status {row['status']}, {row['bytes'] / 2**20:.1f} MiB in {row['ms']:.0f} ms, "
              f"peak Python memory {row['peak_mib']:.1f} MiB")
    if failures:
        sys.exit(f"Not answered with 200: {', '.join(failures)}")


if __name__ == "__main__":
    main()
