#!/usr/bin/env python3
"""A small client of the Heritage Damage Registry's partner API.

It uses only the public HTTP API and Python's standard library, so it runs
anywhere Python 3.11+ does. Three commands:

    # Read: published sites, filtered and ordered like the public pages
    python examples/api_client.py --base-url https://registry.example.org read --country SY

    # Sync: keep a local mirror (a JSON file) in step with the changes feed
    python examples/api_client.py --base-url https://registry.example.org sync --mirror mirror.json

    # Submit: a damage report with its citation, for the curators' review queue
    python examples/api_client.py --base-url https://registry.example.org --key "$HERITAGE_API_KEY" \\
        submit --title "Display cases smashed" --site palmyra-museum \\
        --source sbs-2016-03-27-palmyra-retaken --quote "several smashed display cases" --occurred 2015/2016-03

Every command prints JSON on standard output. On an error answer the client
prints the API's error body (``detail`` and the field-by-field ``errors``) on
standard error and exits with status 1. See docs/api.md for the API itself.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

USER_AGENT = "heritage-registry-example-client/1.0"
WITHDRAWN = {"retracted", "archived"}
MAX_RETRIES = 3


class APIError(Exception):
    """An error answer of the API, with its status and error body."""

    def __init__(self, status: int, body: dict[str, Any]):
        self.status = status
        self.body = body
        super().__init__(f"HTTP {status}: {body.get('detail', '')}")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class Client:
    base_url: str
    key: str | None = None
    timeout: float = 30.0

    def url(self, path: str, **params: Any) -> str:
        query = urllib.parse.urlencode({name: value for name, value in params.items() if value not in (None, "")})
        return urllib.parse.urljoin(self.base_url.rstrip("/") + "/", path.lstrip("/")) + (f"?{query}" if query else "")

    def request(self, method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> Answer:
        """One request; waits and retries when throttled (429)."""
        sent = {"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})}
        if self.key:
            sent["Authorization"] = f"Api-Key {self.key}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        for attempt in range(MAX_RETRIES + 1):
            req = urllib.request.Request(url, data=data, headers=sent, method=method)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as response:
                    return Answer(response.status, dict(response.headers), _decode(response.read()))
            except urllib.error.HTTPError as error:
                payload = _decode(error.read())
                if error.code == 304:
                    return Answer(304, dict(error.headers), None)
                if error.code == 429 and attempt < MAX_RETRIES:
                    time.sleep(float(error.headers.get("Retry-After") or 1))
                    continue
                raise APIError(error.code, payload if isinstance(payload, dict) else {"detail": str(payload)}) from None
        raise AssertionError("unreachable")

    def get(self, url: str, etag: str | None = None) -> Answer:
        return self.request("GET", url, headers={"If-None-Match": etag} if etag else None)

    def pages(self, url: str) -> Iterator[dict]:
        """Every record of a list, following the cursor's ``next`` links."""
        while url:
            page = self.get(url).body
            yield from page["results"]
            url = page["next"]


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


# Reading


def read_sites(client: Client, *, country: str | None = None, q: str | None = None,
               ordering: str = "name", limit: int = 20) -> list[dict]:
    """Published sites (all, for a partner key: its own submissions too), as the API lists them."""
    url = client.url("/api/v1/sites/", country=country, q=q, ordering=ordering, page_size=min(limit, 200))
    sites = []
    for site in client.pages(url):
        sites.append({key: site.get(key) for key in ("slug", "name", "country", "latitude", "longitude",
                                                      "coordinates_coarsened", "lifecycle", "version")})
        if len(sites) >= limit:
            break
    return sites


# Syncing


@dataclass
class Mirror:
    """A local copy: each record by ``type/slug``, with its ETag, plus where the feed was left."""

    since: str | None = None
    records: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Mirror:
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(since=data.get("since"), records=data.get("records", {}))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"since": self.since, "records": self.records}, ensure_ascii=False, indent=1),
                        encoding="utf-8")


def sync(client: Client, mirror: Mirror) -> dict[str, list[str]]:
    """Bring ``mirror`` up to date from the changes feed; say what changed.

    Changed records are fetched again (with If-None-Match, so an unchanged
    copy costs a 304 and no body); retracted and archived ones are kept but
    flagged as withdrawn, so the mirror can stop showing them.
    """
    report: dict[str, list[str]] = {"fetched": [], "unchanged": [], "withdrawn": []}
    for entry in client.pages(client.url("/api/v1/changes/", since=mirror.since, page_size=200)):
        name = f"{entry['type']}/{entry['slug']}"
        held = mirror.records.get(name)
        if entry["lifecycle"] in WITHDRAWN:
            mirror.records[name] = {**(held or {}), "lifecycle": entry["lifecycle"], "version": entry["version"],
                                    "url": entry["url"], "withdrawn": True}
            report["withdrawn"].append(name)
        else:
            answer = client.get(entry["url"], etag=held.get("etag") if held else None)
            if answer.status == 304:
                report["unchanged"].append(name)
            else:
                mirror.records[name] = {"url": entry["url"], "etag": answer.headers.get("ETag"),
                                        "lifecycle": answer.body["lifecycle"], "version": answer.body["version"],
                                        "data": answer.body, "withdrawn": False}
                report["fetched"].append(name)
        mirror.since = entry["updated_at"]  # the feed is ordered by updated_at
    return report


# Submitting


def submit_report(client: Client, *, title: str, sites: list[str], source: str, quote: str,
                  locator: str = "", occurred: str = "", severity: str = "unknown",
                  certainty: str = "medium", description: str = "") -> dict:
    """A damage report with one citation; it waits in review until a curator publishes it."""
    body = {
        "title": title, "sites": sites, "source": source, "occurred": occurred, "severity": severity,
        "certainty": certainty, "description": description,
        "citations": [{"source": source, "quote": quote, "locator": locator}],
    }
    return client.request("POST", client.url("/api/v1/damage-reports/"), body=body).body


# Command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default=os.environ.get("HERITAGE_API_URL", "http://127.0.0.1:8000"),
                        help="where the registry runs (default: $HERITAGE_API_URL or http://127.0.0.1:8000)")
    parser.add_argument("--key", default=os.environ.get("HERITAGE_API_KEY"),
                        help="your institution's API key (default: $HERITAGE_API_KEY); reads need none")
    commands = parser.add_subparsers(dest="command", required=True)

    read = commands.add_parser("read", help="list published sites")
    read.add_argument("--country", help="ISO 3166 code, e.g. SY")
    read.add_argument("--q", help="full-text search")
    read.add_argument("--ordering", default="name")
    read.add_argument("--limit", type=int, default=20)

    sync_command = commands.add_parser("sync", help="update a local mirror from the changes feed")
    sync_command.add_argument("--mirror", type=Path, default=Path("mirror.json"))

    submit = commands.add_parser("submit", help="submit a damage report with a citation (needs --key)")
    submit.add_argument("--title", required=True)
    submit.add_argument("--site", action="append", required=True, dest="sites", help="site slug; repeatable")
    submit.add_argument("--source", required=True, help="slug of the source that reports the damage")
    submit.add_argument("--quote", required=True, help="a short phrase from the source")
    submit.add_argument("--locator", default="", help="where in the source, e.g. 'para. 9'")
    submit.add_argument("--occurred", default="", help="EDTF date, e.g. 2015-08~ or 2015/2016-03")
    submit.add_argument("--severity", default="unknown")
    submit.add_argument("--certainty", default="medium")
    submit.add_argument("--description", default="")

    args = parser.parse_args(argv)
    client = Client(args.base_url, key=args.key)
    try:
        if args.command == "read":
            result: Any = read_sites(client, country=args.country, q=args.q, ordering=args.ordering,
                                     limit=args.limit)
        elif args.command == "sync":
            mirror = Mirror.load(args.mirror)
            result = sync(client, mirror) | {"since": None}
            mirror.save(args.mirror)
            result["since"] = mirror.since
        else:
            if not client.key:
                parser.error("submit needs an API key: --key or $HERITAGE_API_KEY")
            result = submit_report(client, title=args.title, sites=args.sites, source=args.source,
                                   quote=args.quote, locator=args.locator, occurred=args.occurred,
                                   severity=args.severity, certainty=args.certainty,
                                   description=args.description)
    except APIError as error:
        print(json.dumps({"status": error.status, **error.body}, ensure_ascii=False, indent=1), file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
