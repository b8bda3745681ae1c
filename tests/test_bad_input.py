"""Bad input never breaks the API: a corpus of hostile values over every endpoint.

Every endpoint gets NUL characters, lone surrogates, huge strings, malformed
and out-of-range timestamps, deep nesting, wrong types and wrong content types
in every path segment, query parameter and body field it has, as a curator
(who may write everything, so each body reaches the serializer). No answer
may be a server error, and the database must be exactly as before, checked
table by table with the checksums of ``verify_restore``.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from rest_framework.test import APIClient

from registry.api.urls import router
from registry.management.commands.verify_restore import table_columns, table_digest
from tests import factories as f
from tests.api_fixtures import api, fresh_throttles  # noqa: F401

pytestmark = pytest.mark.django_db

HUGE = "x" * 100_000
TIMESTAMPS = [
    "2016-03-27T00:00:00+99:00",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "2016-13-45T25:61:61Z",
    "2016-03-27T00:00:00+24:00",
    "yesterday",
    "1e309",
]
QUERY_VALUES = ["a\x00b", "x" * 8000, *TIMESTAMPS[:2], "-1", "99999999999999999999999", "[]"]
BODY_VALUES = [
    "a\x00b",
    "\ud800",
    HUGE,
    TIMESTAMPS[0],
    None,
    10**40,
    1.5,
    True,
    [["x"]],
    {"slug": "x"},
]
WRONG_TYPES = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "application/xml",
    "application/json-patch+json",
]
# Tables that change by themselves on any request: sessions, login bookkeeping.
VOLATILE = ("django_session", "axes_")


def endpoints() -> list[tuple[str, type]]:
    return [(prefix, viewset) for prefix, viewset, _basename in router.registry]


@pytest.fixture
def registry_data(db):
    museum = f.HeritageSiteFactory(slug="palmyra-museum")
    source = f.SourceFactory(slug="wire-report")
    report = f.DamageReportFactory(slug="temple-destroyed", sites=[museum], source=source)
    f.CitationFactory(damage_report=report, source=source)
    pledge = f.RestorationPledgeFactory(sites=[museum])
    f.PledgeStatusChangeFactory(pledge=pledge)
    f.AttributionFactory(damage_event=f.DamageEventFactory(sites=[museum]))
    f.ArtefactFactory(site=museum)
    f.InterventionFactory(sites=[museum])
    f.ActorFactory()
    f.TermFactory()  # a vocabulary term of its own, whatever the migrations loaded


@pytest.fixture
def curator(db) -> APIClient:
    user = User.objects.create_user("curator-corpus", password="pw-corpus", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="curator")[0])
    client = APIClient()
    client.force_authenticate(user)
    return client


def snapshot() -> dict[str, tuple[int, str]]:
    tables = [
        name for name in connection.introspection.table_names() if not name.startswith(VOLATILE)
    ]
    return {
        table: table_digest("default", table, table_columns("default", table)) for table in tables
    }


def detail_path(prefix: str, viewset) -> str | None:
    model = viewset.queryset.model if viewset.queryset is not None else viewset.model
    record = model._default_manager.order_by("pk").first()
    if record is None:
        return None
    key = (
        f"{record.vocabulary.replace('_', '-')}/{record.slug}"
        if prefix == "vocabularies"
        else record.slug
    )
    return f"/api/v1/{prefix}/{key}/"


def query_parameters(viewset) -> list[str]:
    filterset = getattr(viewset, "filterset_class", None)
    names = list(filterset.base_filters) if filterset else []
    return [*names, "page_size", "cursor", "format", "no_such_parameter"]


def writable_fields(viewset) -> list[str]:
    serializer = viewset.serializer_class()
    return [name for name, field in serializer.fields.items() if not field.read_only]


class Corpus:
    """Sends requests and keeps every answer that is a server error or not what was expected."""

    def __init__(self, client: APIClient):
        self.client = client
        self.problems: list[str] = []
        self.sent = 0

    def send(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        content_type: str = "application/json",
        expect: tuple[int, ...] | None = None,
        label: str = "",
    ) -> None:
        self.sent += 1
        kwargs = {"data": body, "content_type": content_type} if body is not None else {}
        response = getattr(self.client, method)(path, **kwargs)
        if response.status_code >= 500 or (expect and response.status_code not in expect):
            self.problems.append(
                f"{method.upper()} {path[:120]} {label[:80]} → {response.status_code} "
                f"{response.content[:200]!r}"
            )

    def body(self, method: str, path: str, data, *, expect=None, label: str = "") -> None:
        self.send(
            method,
            path,
            body=json.dumps(data).encode("utf-8", "surrogatepass"),
            expect=expect,
            label=label,
        )


def send_queries(corpus: Corpus, prefix: str, viewset) -> None:
    for name in query_parameters(viewset):
        for value in QUERY_VALUES:
            expect = (400, 404) if "\x00" in value else None
            corpus.send(
                "get",
                f"/api/v1/{prefix}/?{quote(name)}={quote(value)}",
                expect=expect,
                label=f"{name}={value[:20]!r}",
            )
    for value in ("a\x00b", "x" * 5000, "..", "تدمر", "%2F", "a.b"):
        expect = (400, 404) if "\x00" in value else (301, 404)
        corpus.send("get", f"/api/v1/{prefix}/{quote(value)}/", expect=expect, label="slug")


def send_bodies(corpus: Corpus, prefix: str, viewset, detail: str | None) -> None:
    targets = [("post", f"/api/v1/{prefix}/")] + ([("patch", detail)] if detail else [])
    read_only = not hasattr(viewset, "create")
    for method, path in targets:
        for name in writable_fields(viewset):
            for value in BODY_VALUES:
                # No version on PATCH: even a value that is valid stores nothing.
                expect = (
                    (400,)
                    if isinstance(value, str) and ("\x00" in value or "\ud800" in value)
                    else None
                )
                expect = (405,) if read_only else expect
                corpus.body(
                    method, path, {name: value}, expect=expect, label=f"{name}={str(value)[:20]!r}"
                )
        nested = b'{"title": ' + b"[" * 2000 + b'"deep"' + b"]" * 2000 + b"}"
        refused = (405,) if read_only else (400,)
        corpus.send(method, path, body=nested, expect=refused, label="nested 2000 deep")
        corpus.send(
            method,
            path,
            body=b"[" * 100_000 + b"]" * 100_000,
            expect=refused,
            label="nested 100k deep",
        )
        for broken in (
            b'{"title":',
            b"[]",
            b'"text"',
            b"null",
            b"NaN",
            b"\xff\xfe",
            b'{"a": Infinity}',
        ):
            corpus.send(method, path, body=broken, expect=refused, label=repr(broken))
        for content_type in WRONG_TYPES:
            # Images are uploaded as multipart forms: there, a form without its fields is a 400.
            form_upload = content_type.startswith("multipart/") and "/media/" in path
            corpus.send(
                method,
                path,
                body=b'{"title": "x"}',
                content_type=content_type,
                expect=(405,) if read_only else (400,) if form_upload else (415,),
                label=content_type,
            )
    if detail and not read_only:
        for value in ["nowhere", "a\x00b", None, 7, ["published"], HUGE]:
            corpus.body(
                "post",
                detail + "transition/",
                {"to": value, "reason": value},
                expect=(400, 405),
                label=f"transition {str(value)[:20]!r}",
            )


@pytest.mark.parametrize(
    "prefix, viewset", endpoints(), ids=[prefix for prefix, _view in endpoints()]
)
def test_hostile_input_gets_clear_errors_and_changes_nothing(
    prefix, viewset, registry_data, curator
):
    detail = detail_path(prefix, viewset)
    before = snapshot()
    corpus = Corpus(curator)
    send_queries(corpus, prefix, viewset)
    send_bodies(corpus, prefix, viewset, detail)
    assert corpus.problems == [], f"{len(corpus.problems)} of {corpus.sent} answers:\n" + "\n".join(
        corpus.problems[:40]
    )
    changed = [table for table, digest in snapshot().items() if before.get(table) != digest]
    assert changed == [], f"stored rows changed in {changed}"
    assert corpus.sent > 50  # the corpus did run


def test_the_changes_feed_refuses_bad_moments_and_cursors(db):
    client = APIClient()
    for value in TIMESTAMPS + ["a\x00b", "x" * 8000]:
        response = client.get(f"/api/v1/changes/?since={quote(value)}")
        assert response.status_code == 400, (value, response.content[:200])
        assert (
            "since" in response.json()["errors"]
            or "query" in response.json()["errors"]
            or value.startswith("a")
        )
    for cursor in ("bm9wZQ", "!!!", "eyJhIjogMX0", quote("a\x00b")):
        response = client.get(f"/api/v1/changes/?cursor={cursor}")
        assert response.status_code == 400, (cursor, response.content[:200])
    assert client.get("/api/v1/changes/?since=2016-03-27T00:00:00%2B03:00").status_code == 200


# The rules of clear errors, one by one


def test_a_bad_choice_lists_the_allowed_values(registry_data, curator):
    report = curator.post("/api/v1/damage-reports/", {"severity": "catastrophic"}, format="json")
    assert report.status_code == 400
    assert report.json()["errors"]["severity"] == [
        "“catastrophic” is not one of the allowed values: "
        "intact, slight, moderate, severe, destroyed, unknown."
    ]
    listing = curator.get("/api/v1/damage-reports/?severity=catastrophic")
    assert listing.status_code == 400
    assert (
        "intact, slight, moderate, severe, destroyed, unknown"
        in listing.json()["errors"]["severity"][0]
    )
    countries = curator.get("/api/v1/sites/?country=XX").json()["errors"]["country"][0]
    assert (
        "“XX” is not one of the allowed values: one of" in countries
        and "codes such as" in countries
    )
    transition = curator.post(
        "/api/v1/sites/palmyra-museum/transition/", {"to": "gone", "version": 1}, format="json"
    )
    assert transition.status_code == 400
    assert (
        "draft, in_review, published, retracted, archived" in transition.json()["errors"]["to"][0]
    )


@pytest.mark.parametrize(
    "collection, body, field, message",
    [
        ("pledges", {"amount": "100", "currency": ""}, "currency", "An amount needs a currency."),
        (
            "damage-reports",
            {"quantity_precision": "exact", "quantity": None},
            "quantity",
            "An exact quantity needs a number.",
        ),
        (
            "sites",
            {"latitude": "34.5", "longitude": None},
            "longitude",
            "Give both latitude and longitude, or neither.",
        ),
    ],
)
def test_two_field_rules_are_reported_on_a_field(
    registry_data, curator, collection, body, field, message
):
    record = curator.get(f"/api/v1/{collection}/").json()["results"][0]
    response = curator.patch(record["url"], {**body, "version": record["version"]}, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert "non_field_errors" not in errors
    assert message in errors[field]


@pytest.mark.parametrize("path", ["/api/v1/damage-reports/", "/api/v1/sites/?country=SY",
                                  "/api/v1/damage-reports/temple-destroyed/"])
def test_an_unknown_query_parameter_is_a_400_naming_it(registry_data, api, path):
    joiner = "&" if "?" in path else "?"
    response = api.get(f"{path}{joiner}severty=destroyed")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["severty"]
    assert "ordering" in errors["severty"][0] and "page_size" in errors["severty"][0]
    assert api.get(f"{path}{joiner}page_size=5").status_code == 200


def test_format_in_the_query_wins_over_accept(registry_data, api):
    response = api.get("/api/v1/sites/?format=csv", HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert (
        api.get("/api/v1/sites/?format=geojson", HTTP_ACCEPT="application/json").json()["type"]
        == "FeatureCollection"
    )
    assert (
        api.get("/api/v1/sites/?format=nonsense", HTTP_ACCEPT="application/json").status_code == 404
    )
    assert api.get("/api/v1/sites/", HTTP_ACCEPT="text/csv")["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize("content_type", WRONG_TYPES)
def test_a_body_that_is_not_json_is_a_415(registry_data, curator, content_type):
    response = curator.post("/api/v1/sources/", data=b'{"title": "x"}', content_type=content_type)
    assert response.status_code == 415
    assert response.json()["detail"].startswith("Unsupported media type")


def test_deep_nesting_is_a_400_that_says_so(registry_data, curator):
    body = b'{"title": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = curator.post("/api/v1/sources/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_a_nul_character_is_a_400_naming_where_it_is(registry_data, curator, api):
    response = curator.post(
        "/api/v1/damage-reports/", {"citations": [{"quote": "a\x00b"}]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"citations[0].quote": ["Null characters are not allowed."]}
    response = api.get("/api/v1/damage-reports/?source=a%00b")
    assert response.status_code == 400 and response.json()["errors"] == {
        "source": ["The source contains a null character."]
    }
    assert api.get("/api/v1/sites/a%00b/").status_code == 400
    assert api.get("/sites/a%00b/").status_code == 400
