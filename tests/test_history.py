"""The public history of a record (registry/selectors/history.py), on its pages and in the API."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from registry import services
from registry.models import Lifecycle
from registry.selectors.history import public_history
from tests import factories as f

pytestmark = pytest.mark.django_db

SECRETS = ("curator.jane", "jane@example.org", "Internal: the director asked us")


@pytest.fixture
def jane():
    return User.objects.create_user("curator.jane", email="jane@example.org", is_staff=True)


@pytest.fixture
def site(jane):
    """A site edited as a draft, published, then corrected twice and given a new internal flag."""
    site = f.HeritageSiteFactory(lifecycle=Lifecycle.DRAFT, description="Draft wording nobody saw")
    services.record_update(record=site, fields={"name": "Palmyra (draft name)"}, user=jane)
    services.record_publish(record=site)
    services.record_update(
        record=site,
        fields={"description": "Oasis city."},
        user=jane,
        reason=SECRETS[2],
        public_note="Description from the nomination file.",
    )
    services.record_update(record=site, fields={"is_sensitive": True}, user=jane, reason=SECRETS[2])
    services.record_update(record=site, fields={"latitude": "34.6", "longitude": "38.3"}, user=jane)
    return site


def test_only_published_versions_count_and_fields_are_named_not_shown(site):
    entries = public_history(site)

    assert [(e.change, e.fields, e.note) for e in entries] == [
        ("changed", ["latitude", "longitude"], ""),
        ("changed", ["description"], "Description from the nomination file."),
        ("published", [], ""),
    ]  # the draft edits and the sensitivity flag are not public changes


def test_a_withdrawal_and_a_new_publication_are_entries(site):
    services.record_retract(record=site, reason=SECRETS[2])
    services.record_transition(record=site, to=Lifecycle.IN_REVIEW)
    services.record_update(record=site, fields={"name": "Tadmur"})
    services.record_publish(record=site)

    assert [(e.change, e.fields) for e in public_history(site)][:2] == [
        ("republished", ["name"]),
        ("withdrawn", []),
    ]


def test_history_is_newest_first_and_capped(jane):
    site = f.HeritageSiteFactory()
    for n in range(5):
        services.record_update(record=site, fields={"description": f"Version {n}"}, user=jane)

    entries = public_history(site, limit=3)

    assert len(entries) == 3 and entries[0].date >= entries[1].date >= entries[2].date


def test_the_site_page_and_the_api_show_the_same_history_without_people_or_reasons(client, site):
    html = client.get(site.get_absolute_url()).content.decode()
    reply = APIClient().get(f"/api/v1/sites/{site.slug}/history/")

    assert reply.status_code == 200
    body = reply.json()
    assert [(e["change"], e["fields"]) for e in body] == [
        (e.change, e.fields) for e in public_history(site)
    ]
    assert set(body[0]) == {"date", "change", "fields", "note"}
    assert "Description from the nomination file." in html and "Latitude" in html
    for secret in SECRETS:
        assert secret not in html and secret not in reply.content.decode()


def test_the_history_of_a_draft_is_not_public(client):
    draft = f.HeritageSiteFactory(lifecycle=Lifecycle.DRAFT)

    assert APIClient().get(f"/api/v1/sites/{draft.slug}/history/").status_code == 404


DETAIL_FACTORIES = {
    "artefact": f.ArtefactFactory,
    "event": f.DamageEventFactory,
    "report": f.DamageReportFactory,
    "pledge": f.RestorationPledgeFactory,
    "source": f.SourceFactory,
    "actor": f.ActorFactory,
    "intervention": f.InterventionFactory,
    "site": f.HeritageSiteFactory,
}


@pytest.mark.parametrize("kind", list(DETAIL_FACTORIES))
def test_every_detail_page_shows_how_the_record_changed(client, kind, jane):
    record = DETAIL_FACTORIES[kind]()
    services.record_update(
        record=record,
        fields={"description": "Corrected."},
        user=jane,
        reason=SECRETS[2],
        public_note="Wording corrected.",
    )

    response = client.get(record.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200 and 'id="history-heading"' in html
    assert "Wording corrected." in html and SECRETS[2] not in html
