"""The OpenAPI schema: valid, documented with examples, and true to what the API answers.

Schemathesis generates requests for every operation of /api/schema/ (reads
anonymously, writes with a partner key or a curator's account) and checks each
answer: no server error, and status, headers and body as the schema says.
"""

from __future__ import annotations

import base64
import json
import re

import pytest
import schemathesis
from django.contrib.auth.models import Group, User
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings as hypothesis_settings
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from registry import services
from tests import factories as f
from tests.api_fixtures import api, fresh_throttles  # noqa: F401

CURATOR_PASSWORD = "pw-schema-curator"
PARTNER_WRITABLE = ("/api/v1/sources/", "/api/v1/citations/", "/api/v1/damage-reports/",
                    "/api/v1/pledge-status-changes/")

# Every built-in check runs, in positive and negative generation. One setting is
# ours: positive_data_acceptance also accepts 400, because a body can match the
# schema and still point at a slug no record has, or carry an EDTF date the
# grammar rejects, neither of which JSON Schema can say; 404 for a generated slug
# no record has, and 409 for a generated version that is not the stored one.
# Never 401 or 403: every request carries the identity that may make it.
SCHEMATHESIS_CONFIG = """
[generation]
mode = "all"
max-examples = 4

[phases.stateful]
enabled = false

[phases.coverage]
enabled = false

[checks.positive_data_acceptance]
expected-statuses = ["2xx", "400", "404", "409"]
"""


def fetch_schema(client) -> dict:
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


@pytest.mark.django_db
def test_schema_is_valid_openapi(api):
    document = fetch_schema(api)
    assert document["openapi"].startswith("3.")
    try:
        validate(document)
    except OpenAPIValidationError as error:  # show the path and reason, not a 2,000-line repr
        pytest.fail(f"invalid OpenAPI schema: {error.message} at {list(error.absolute_path)}")
    paths = document["paths"]
    for endpoint in ("sites", "artefacts", "actors", "sources", "citations", "damage-events", "damage-reports",
                     "pledges", "pledge-status-changes", "interventions", "vocabularies"):
        assert f"/api/v1/{endpoint}/" in paths, endpoint
    assert "/api/v1/changes/" in paths


@pytest.mark.django_db
def test_schema_documents_errors_and_anonymous_reads(api):
    document = fetch_schema(api)
    create = document["paths"]["/api/v1/damage-reports/"]["post"]
    assert {"201", "400", "401", "403", "409", "413"} <= create["responses"].keys()
    error = create["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
    assert error.endswith("/Error")
    listing = document["paths"]["/api/v1/sites/"]["get"]
    assert {} in listing["security"] and "304" in listing["responses"]
    assert {} not in create["security"]
    scheme = document["components"]["securitySchemes"]["ApiKeyAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")


@pytest.mark.django_db
def test_schema_carries_examples(api):
    document = fetch_schema(api)

    def examples(path, method):
        content = document["paths"][path][method]
        body = content.get("requestBody", {}).get("content", {}).get("application/json", {})
        if method == "get":
            body = content["responses"]["200"]["content"]["application/json"]
        return body.get("examples", {})

    report = examples("/api/v1/damage-reports/", "post")
    assert report and all(example["value"]["citations"] for example in report.values())
    assert examples("/api/v1/sources/", "post")
    assert examples("/api/v1/citations/", "post")
    assert examples("/api/v1/pledge-status-changes/", "post")
    site = examples("/api/v1/sites/{slug}/", "get")
    assert any(example["value"].get("coordinates_coarsened") for example in site.values())


@pytest.mark.django_db
def test_docs_page_is_served_from_the_projects_own_static_files(api):
    response = api.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html.lower()
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|png))"', html)
    assert any(asset.endswith(".js") for asset in assets) and any(asset.endswith(".css") for asset in assets)
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html), "the docs page must not load from a CDN"
    for asset in assets:
        assert asset.startswith(("/static/drf_spectacular_sidecar/", "/static/registry/")), asset
        served = api.get(asset)
        assert served.status_code == 200, asset
        assert b"".join(served.streaming_content if served.streaming else [served.content])


# Schemathesis over the whole schema


@pytest.fixture
def in_test_transaction():
    """Requests go to the WSGI app directly: keep Django from closing the test's
    connection after each one, as its own test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def registry_data(db, settings, in_test_transaction):
    """Records the schema's examples refer to, a curator and a partner with a key."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    museum = f.HeritageSiteFactory(slug="palmyra-museum", name="Palmyra Museum")
    f.HeritageSiteFactory(slug="palmyra", name="Palmyra", is_sensitive=True, latitude="34.551234",
                          longitude="38.268765")
    source = f.SourceFactory(slug="sbs-2016-03-27-palmyra-retaken")
    f.SourceFactory(slug="dgam-statement-2017-02")
    report = f.DamageReportFactory(slug="temple-of-bel-destroyed", sites=[museum], source=source)
    f.CitationFactory(damage_report=report, source=source)
    f.RestorationPledgeFactory(slug="dgam-restore-palmyra-monuments", sites=[museum])
    f.AttributionFactory(damage_event=f.DamageEventFactory(sites=[museum]))
    f.ArtefactFactory(site=museum)
    f.InterventionFactory(sites=[museum])
    user = User.objects.create_user("schema-curator", password=CURATOR_PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="curator")[0])
    institution = f.PartnerInstitutionFactory(name="Schema Partner Museum")
    _key, raw = services.api_key_create(institution=institution, label="schema tests")
    basic = base64.b64encode(f"schema-curator:{CURATOR_PASSWORD}".encode()).decode()
    return {"curator": {"Authorization": f"Basic {basic}"}, "partner": {"Authorization": f"Api-Key {raw}"}}


# Loaded when the module is collected (the schema view reads no database), so
# that each operation becomes a test of its own.
api_schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json", get_wsgi_application(),
    config=schemathesis.Config.from_str(SCHEMATHESIS_CONFIG),
)


def identity_for(case, data) -> dict:
    """Reads go anonymously; partners write what they may submit, curators the rest."""
    if case.method.upper() in ("GET", "HEAD", "OPTIONS"):
        return {}
    if case.method.upper() == "POST" and case.path in PARTNER_WRITABLE:
        return data["partner"]
    return data["curator"]


# derandomize: the same requests on every run, so that CI never fails at random;
# a failure reproduces on the next run. No example database either: what ran
# before on this machine does not change what runs now.
@api_schema.parametrize()
@hypothesis_settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
def test_every_operation_answers_as_the_schema_says(case, registry_data):
    # Credentials generated from the security schemes would stand in for the identity chosen here:
    # a random X-API-Key beside a curator's Basic auth is refused, and the refusal proves nothing.
    for name in [name for name in (case.headers or {}) if name.lower() in ("authorization", "x-api-key")]:
        del case.headers[name]
    case.call_and_validate(headers=identity_for(case, registry_data))
