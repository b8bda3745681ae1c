"""Slug filters answer for a record the reader may not see exactly as for one that does not exist.

For every filter that names a related record, on the API list and on the
public page: the published related record's slug keeps its row and drops the
other; a draft's slug, and another partner's submission, answer as an unknown slug.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from registry.models import Lifecycle
from tests import factories as f
from tests.api_fixtures import api, curator, fresh_throttles, partner_a, partner_b  # noqa: F401

pytestmark = pytest.mark.django_db

UNKNOWN = "no-such-record-anywhere"


def _site_kw(related):
    return {"sites": [related]}


# (API list, page list or None, parameter, factory of the related record, factory of a row given it)
CASES = [
    ("sites", "site-list", "parent", f.HeritageSiteFactory, lambda r: f.HeritageSiteFactory(parent=r)),
    ("artefacts", "artefact-list", "site", f.HeritageSiteFactory, lambda r: f.ArtefactFactory(site=r)),
    ("damage-events", "event-list", "site", f.HeritageSiteFactory, lambda r: f.DamageEventFactory(**_site_kw(r))),
    ("damage-reports", "report-list", "site", f.HeritageSiteFactory, lambda r: f.DamageReportFactory(**_site_kw(r))),
    ("damage-reports", "report-list", "source", f.SourceFactory, lambda r: f.DamageReportFactory(source=r)),
    ("damage-reports", "report-list", "event", f.DamageEventFactory,
     lambda r: f.DamageReportFactory(damage_event=r)),
    ("pledges", "pledge-list", "site", f.HeritageSiteFactory, lambda r: f.RestorationPledgeFactory(**_site_kw(r))),
    ("pledges", "pledge-list", "pledger", f.ActorFactory, lambda r: f.RestorationPledgeFactory(pledger=r)),
    ("sources", "source-list", "publisher", f.ActorFactory, lambda r: f.SourceFactory(publisher=r)),
    ("interventions", "intervention-list", "site", f.HeritageSiteFactory,
     lambda r: f.InterventionFactory(**_site_kw(r))),
    ("citations", None, "source", f.SourceFactory, lambda r: f.CitationFactory(source=r)),
    ("citations", None, "speaker", f.ActorFactory, lambda r: f.CitationFactory(speaker=r)),
    ("pledge-status-changes", None, "pledge", f.RestorationPledgeFactory,
     lambda r: f.PledgeStatusChangeFactory(pledge=r)),
]
IDS = [f"{endpoint}?{param}" for endpoint, _page, param, _r, _row in CASES]


def _hidden(related_factory, **kwargs):
    # Created published (so that published rows may point at it), then sent back to draft.
    record = related_factory()
    type(record).objects.filter(pk=record.pk).update(**({"lifecycle": Lifecycle.DRAFT} | kwargs))
    return record


def _page(client, url, param, value) -> str:
    # The page repeats the slug in its form, and every page carries a fresh CSRF token.
    text = client.get(url, {param: value}).content.decode().replace(value, "SLUG")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)


def _slugs(client, endpoint, param, value):
    response = client.get(f"/api/v1/{endpoint}/", {param: value})
    assert response.status_code == 200, response.content
    return sorted(row["slug"] for row in response.json()["results"])


@pytest.mark.parametrize(("endpoint", "page", "param", "related_factory", "row_factory"), CASES, ids=IDS)
def test_api_filter_answers_a_hidden_slug_as_an_unknown_one(api, partner_a, partner_b, curator, endpoint, page,
                                                            param, related_factory, row_factory):
    shown, draft = related_factory(), _hidden(related_factory)
    own = _hidden(related_factory, lifecycle=Lifecycle.IN_REVIEW, submitted_by=partner_a.institution)
    kept, behind_draft, behind_own = row_factory(shown), row_factory(draft), row_factory(own)
    assert _slugs(api, endpoint, param, shown.slug) == [kept.slug]
    for reader in (api, partner_b.client):
        nothing = _slugs(reader, endpoint, param, UNKNOWN)
        assert nothing == [] and _slugs(reader, endpoint, param, draft.slug) == nothing
        assert _slugs(reader, endpoint, param, own.slug) == nothing
    assert _slugs(partner_a.client, endpoint, param, own.slug) == [behind_own.slug]
    assert _slugs(partner_a.client, endpoint, param, draft.slug) == []
    assert _slugs(curator, endpoint, param, draft.slug) == [behind_draft.slug]


@pytest.mark.parametrize(("endpoint", "page", "param", "related_factory", "row_factory"),
                         [case for case in CASES if case[1]], ids=[i for i, c in zip(IDS, CASES, strict=True) if c[1]])
def test_page_filter_answers_a_hidden_slug_as_an_unknown_one(client, endpoint, page, param, related_factory,
                                                             row_factory):
    shown, draft = related_factory(), _hidden(related_factory)
    label, hidden_label = "Kept row zinnia", "Hidden row quince"
    for row, text in ((row_factory(shown), label), (row_factory(draft), hidden_label)):
        field = "title" if hasattr(row, "title") else "name"
        type(row).objects.filter(pk=row.pk).update(**{field: text})
    url = reverse(f"registry:{page}")
    found = client.get(url, {param: shown.slug}).content.decode()
    assert label in found and hidden_label not in found
    for_draft = _page(client, url, param, draft.slug)
    for_unknown = _page(client, url, param, UNKNOWN)
    assert hidden_label not in for_draft and for_draft == for_unknown
    export = client.get(url, {param: draft.slug, "format": "csv"})
    rows = b"".join(export.streaming_content).decode().strip().splitlines()
    assert len(rows) == 1, rows  # the header only
