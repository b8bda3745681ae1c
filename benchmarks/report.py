"""Figures of benchmark runs: kept as JSON, written out as docs/performance.md."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DOC = ROOT / "docs" / "performance.md"

RATIOS = [
    ("API list ÷ raw SQL list", "API list", "raw SQL list", "≤ 2"),
    ("untuned DRF ÷ API list", "untuned DRF list", "API list", "≥ 20"),
    ("API detail ÷ raw SQL detail", "API detail", "raw SQL detail", "≤ 2"),
]

INTRO = """# Performance

Figures measured by `benchmarks/run.py` (see the README's *Benchmarks*): gunicorn
with 2 sync workers and PostgreSQL on one machine, wrk with 2 connections, every
candidate loaded in turn and the whole list repeated over several rounds, so that
other work on the machine slows every candidate alike. The machine was shared with
other jobs while these ran: absolute times vary with that load, the ratios between
candidates measured in one run much less. Each section names the machine and its
load average before and after.

- *raw SQL*: one SQL statement and `json.dumps`, the practical limit of a Python server;
- *untuned DRF*: a `ModelViewSet` with nested serializers, page numbers (a `COUNT(*)`
  each request) and no `select_related`;
- both serve the same fields and first page (newest change first, 50 reports) as
  `/api/v1/damage-reports/?page_size=50`. They live in `benchmarks/`, not in the product.

A candidate of which no request finished within a wrk run is timed instead by two
requests sent one after the other (then *req/s* is one over their mean time).
Query counts are per request, from a request made in the benchmark process after
one warm-up request. Whole anonymous responses are not cached during these runs
(`PAGE_CACHE_SECONDS=0`), so every page is rendered and every API page queried on
every request; the API's serialized records are kept in Redis
(`REPRESENTATION_CACHE=1`, the default with `REDIS_URL`), as in production. Runs
labelled *no representation cache* serialize every record on every request.
"""


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def save(result: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{_slug(result['label'])}.json").write_text(json.dumps(result, indent=1) + "\n")
    write_doc()


def write_doc() -> None:
    """docs/performance.md from every run kept in benchmarks/results/."""
    results = [json.loads(path.read_text()) for path in RESULTS.glob("*.json")]
    results.sort(key=lambda item: (item["data"]["vendor"], item["data"]["reports"], item["label"]))
    DOC.write_text(INTRO + "".join("\n" + section(item) for item in results) + scaling(results))


def _ratio(rows: dict, top: str, bottom: str) -> str:
    if top not in rows or bottom not in rows or not rows[bottom]["p50"]:
        return "–"
    return f"{rows[top]['p50'] / rows[bottom]['p50']:.1f}×"


def section(result: dict) -> str:
    rows, data = result["rows"], result["data"]
    lines = [
        f"## {result['label']}",
        "",
        f"{data['reports']:,} published damage reports, {data['sites']:,} sites; "
        f"the busiest site has {data['busiest_site_reports']:,} reports. "
        f"Measured {result['date']} on {result['machine']}; "
        f"load average {result['load_before']} before, {result['load_after']} after; "
        f"{result['rounds']} rounds of {result['seconds']:g} s per candidate.",
        "",
        "| request | p50 ms | p95 ms | req/s | queries | failed |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, row in rows.items():
        queries = result["queries"].get(row["path"], "–")
        lines.append(
            f"| {name} `{row['path']}` | {row['p50']:.1f} | {row['p95']:.1f} | {row['rps']:.1f} "
            f"| {queries} | {row['failed']} |"
        )
    lines += ["", "| ratio of p50 | measured | target |", "|---|---:|---:|"]
    lines += [
        f"| {title} | {_ratio(rows, top, bottom)} | {target} |"
        for title, top, bottom, target in RATIOS
    ]
    post = result["post"]
    lines += [
        "",
        f"API POST of one report with two citations (partner key, 2 connections): "
        f"{post['rps']:.0f} reports/s, p50 {post['p50']:.0f} ms, {post['bad_status']} failed.",
    ]
    for export in result["exports"]:
        rows_out = max(export["lines"] - 1, 0)
        rate = rows_out / export["seconds"] if export["seconds"] else 0
        lines.append(
            f"Export `{export['url'].split('/', 3)[-1]}`: status {export['status']}, "
            f"{export['bytes'] / 2**20:.1f} MiB in {export['seconds']:.1f} s "
            f"({rate:,.0f} lines/s)."
        )
    lines += [
        f"Largest worker resident memory during the run: {result['peak_rss_mib']:.0f} MiB.",
        "",
    ]
    if result.get("commit"):
        lines += [f"Code measured: commit `{result['commit']}`.", ""]
    if result.get("note"):
        lines += [result["note"], ""]
    return "\n".join(lines)


def _plain(result: dict) -> bool:
    """A run of the usual settings (not one with caches turned off or on)."""
    return result["label"] == f"{result['data']['vendor']}, {result['data']['reports']:,} reports"


def scaling(results: list[dict]) -> str:
    """p50 at the largest data set ÷ p50 at the smallest, per candidate, over runs of the
    usual settings."""
    plain = [result for result in results if _plain(result)]
    if len(plain) < 2:
        return ""
    small = min(plain, key=lambda result: result["data"]["reports"])
    large = max(plain, key=lambda result: result["data"]["reports"])
    lines = [
        "",
        f"## Growth: {large['label']} ÷ {small['label']} (p50)",
        "",
        "| request | ratio | target |",
        "|---|---:|---:|",
    ]
    for name, row in large["rows"].items():
        base = small["rows"].get(name)
        if base and base["p50"]:
            lines.append(f"| {name} | {row['p50'] / base['p50']:.2f} | ≤ 1.2 |")
    return "\n".join(lines) + "\n"
