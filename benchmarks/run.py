"""Benchmark: pages and API under gunicorn, measured with wrk beside two references.

Run ``make bench`` (or ``manage.py generate_benchmark_data --reports N`` then
this script) against a scratch database named by ``DATABASE_URL``. It starts
gunicorn with 2 sync workers and ``benchmarks.settings`` (the project plus the
reference endpoints of ``benchmarks/references.py``), then loads every
candidate with wrk at 2 connections, candidates interleaved over several
rounds so that a busy neighbour slows them all alike. It prints, and writes
to ``docs/performance.md``: p50, p95, requests per second, SQL queries per
request, the ratios that count, worker memory, API POST throughput and the
export rate. Raw figures go to ``benchmarks/results/<label>.json``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import load, report  # noqa: E402

SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
    "HERITAGE_TESTING": "1",  # plain static storage: no collectstatic needed
    "DEBUG": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    # Throttling stays on (its cost is part of a request) but never refuses the load.
    "API_ANON_RATE": "100000/second",
    "API_USER_RATE": "100000/second",
    "LOG_LEVEL": "WARNING",
    # Whole answers are not cached, so that every request does its work; serialized
    # records are (the API's read path), in Redis as in production.
    "PAGE_CACHE_SECONDS": "0",
    "REPRESENTATION_CACHE": "1",
}
POST_BODY = json.dumps(
    {
        "title": "Benchmark submission %d-%d-%d",
        "source": "bench-source-1",
        "sites": ["bench-site-5"],
        "occurred": "2015-08~",
        "severity": "severe",
        "citations": [
            {"source": "bench-source-1", "quote": "was damaged"},
            {"source": "bench-source-2", "quote": "reported destroyed"},
        ],
    }
)


def candidates(report_slug: str, busiest_site: str) -> list[tuple[str, str]]:
    return [
        ("raw SQL list", "/bench/raw/damage-reports/"),
        ("untuned DRF list", "/bench/untuned/damage-reports/?page_size=50"),
        ("API list", "/api/v1/damage-reports/?page_size=50"),
        ("raw SQL detail", f"/bench/raw/damage-reports/{report_slug}/"),
        ("API detail", f"/api/v1/damage-reports/{report_slug}/"),
        ("API list, severity filter", "/api/v1/damage-reports/?severity=destroyed&page_size=50"),
        ("API list, by date", "/api/v1/damage-reports/?ordering=-date&page_size=50"),
        ("API list, search", "/api/v1/damage-reports/?q=report%2099999&page_size=50"),
        ("API sites", "/api/v1/sites/?page_size=50"),
        ("home page", "/"),
        ("report list page", "/reports/"),
        ("report list, severity", "/reports/?severity=destroyed"),
        ("report list, by date", "/reports/?ordering=-date"),
        ("report list, search", "/reports/?q=report%2099999"),
        ("report page", f"/reports/{report_slug}/"),
        ("site list page", "/sites/"),
        ("busiest site page", f"/sites/{busiest_site}/"),
        ("pledge tracker", "/pledges/tracker/"),
        ("map", "/map/"),
    ]


def setup_django() -> None:
    os.environ.update(SERVER_ENV)
    import django

    django.setup()


def dataset() -> dict:
    from django.db import connection

    from registry.models import DamageReport, HeritageSite

    busiest = (
        HeritageSite.objects.filter(slug="bench-site-0").first() or HeritageSite.objects.first()
    )
    report_row = DamageReport.objects.published().order_by("-updated_at", "-pk").first()
    if busiest is None or report_row is None:
        sys.exit("No published data: run manage.py generate_benchmark_data first.")
    return {
        "vendor": connection.vendor,
        "reports": DamageReport.objects.published().count(),
        "sites": HeritageSite.objects.published().count(),
        "busiest_site": busiest.slug,
        "busiest_site_reports": DamageReport.objects.published().for_site(busiest).count(),
        "report": report_row.slug,
    }


def query_counts(paths: list[str]) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client, counts = Client(HTTP_HOST="localhost"), {}
    for path in paths:
        client.get(path)  # warm caches of the process (content types, translations)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
            if response.streaming:
                b"".join(response.streaming_content)
        counts[path] = len(captured)
    return counts


def database_settings() -> str:
    """The database server and the settings that decide how much of the data it keeps in memory."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return f"{connection.display_name} {connection.Database.sqlite_version}"
    with connection.cursor() as cursor:
        shown = []
        for name in ("server_version", "shared_buffers", "work_mem"):
            cursor.execute(f"SHOW {name}")
            shown.append(f"{name} {cursor.fetchone()[0]}")
    return "PostgreSQL " + ", ".join(shown).removeprefix("server_version ")


def partner_key() -> str:
    from registry import services

    name = f"Benchmark partner {secrets.token_hex(3)}"
    partner = services.partner_create(name=name)
    return services.api_key_create(institution=partner, label="benchmark")[1]


def download(url: str) -> dict:
    """Read a whole export; one cut short (the server gave up mid-stream) is reported as such."""
    started, size, lines, status = time.perf_counter(), 0, 0, 0
    try:
        with urllib.request.urlopen(url, timeout=3600) as response:
            status = response.status
            while chunk := response.read(1 << 16):
                size += len(chunk)
                lines += chunk.count(b"\n")
    except (OSError, http.client.HTTPException) as error:
        status = f"{status}, cut short: {type(error).__name__}"
    seconds = time.perf_counter() - started
    return {"url": url, "status": status, "bytes": size, "lines": lines, "seconds": seconds}


def sequential(url: str, count: int = 2) -> dict:
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=600) as response:
            response.read()
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "p50": statistics.median(timings),
        "p95": max(timings),
        "requests": count,
        "rps": 1000 / statistics.mean(timings),
        "bad_status": 0,
        "errors": 0,
    }


def measure(base: str, master, plan: list[tuple[str, str]], *, rounds: int, seconds: float) -> dict:
    samples: dict[str, list[dict]] = {name: [] for name, _ in plan}
    peak_rss = 0.0
    for number in range(rounds):
        for name, path in plan:
            sample = load.wrk(base + path, seconds=seconds)
            load.wait_idle(master)
            if not sample["requests"]:  # slower than the run: time two requests one after the other
                sample = sequential(base + path)
            samples[name].append(sample)
            peak_rss = max([peak_rss, *load.worker_rss_mib(master)])
        print(
            f"  round {number + 1}/{rounds} done (load average {load.load_average()})", flush=True
        )
    rows = {}
    for name, path in plan:
        runs = samples[name]
        rows[name] = {
            "path": path,
            "p50": statistics.median(run["p50"] for run in runs),
            "p95": statistics.median(run["p95"] for run in runs),
            "rps": statistics.median(run["rps"] for run in runs),
            "failed": sum(run["bad_status"] + run["errors"] for run in runs),
            "requests": sum(run["requests"] for run in runs),
        }
    return {"rows": rows, "peak_rss_mib": peak_rss}


def _commit() -> str:
    """The commit measured, with ``+`` when the working tree differs from it."""
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return commit + ("+" if dirty else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=4, help="wrk duration per candidate and round"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--label", help="name of this run in docs/performance.md (default: the data size)"
    )
    parser.add_argument("--skip-exports", action="store_true")
    parser.add_argument("--only", help="comma-separated candidate names to run")
    parser.add_argument(
        "--redis", default="redis://127.0.0.1:6379/0", help="REDIS_URL of the server"
    )
    parser.add_argument(
        "--no-representation-cache",
        action="store_true",
        help="serialize every record on every request",
    )
    parser.add_argument("--note", default="", help="a sentence printed under this run's figures")
    parser.add_argument(
        "--page-cache",
        type=int,
        default=0,
        metavar="SECONDS",
        help="serve anonymous pages and API answers from the cache, as deployed (default: off, "
        "so that every request renders)",
    )
    args = parser.parse_args()

    SERVER_ENV["REDIS_URL"] = args.redis
    if args.no_representation_cache:
        SERVER_ENV["REPRESENTATION_CACHE"] = "0"
    SERVER_ENV["PAGE_CACHE_SECONDS"] = str(args.page_cache)
    setup_django()
    data = dataset()
    label = args.label or f"{data['vendor']}, {data['reports']:,} reports" + (
        ", no representation cache" if args.no_representation_cache else ""
    ) + (", anonymous page cache on" if args.page_cache else "")
    plan = candidates(data["report"], data["busiest_site"])
    if args.only:
        wanted = {name.strip() for name in args.only.split(",")}
        plan = [row for row in plan if row[0] in wanted]
    print(f"{label}; {load.machine()}; load average {load.load_average()}", flush=True)
    counts = query_counts([path for _, path in plan])
    env = {**os.environ, **SERVER_ENV, "BENCH_API_KEY": partner_key(), "BENCH_POST_BODY": POST_BODY}
    load_before = load.load_average()
    with load.gunicorn(env) as (base, master):
        result = measure(base, master, plan, rounds=args.rounds, seconds=args.seconds)
        post = load.wrk(
            base + "/api/v1/damage-reports/",
            seconds=max(args.seconds, 5),
            script=load.POST_LUA,
            env=env,
        )
        exports = (
            []
            if args.skip_exports
            else [download(base + "/reports/export.csv"), download(base + "/sites/export.geojson")]
        )
        result["peak_rss_mib"] = max([result["peak_rss_mib"], *load.worker_rss_mib(master)])
    result.update(
        label=label,
        data=data,
        machine=f"{load.machine()}; {database_settings()}",
        load_before=load_before,
        load_after=load.load_average(),
        queries=counts,
        post=post,
        exports=exports,
        seconds=args.seconds,
        rounds=args.rounds,
        date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        commit=_commit(),
        note=args.note,
    )
    report.save(result)
    print(report.section(result))


if __name__ == "__main__":
    main()
