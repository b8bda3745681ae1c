"""The curators' admin, driven as a curator (staff, in the curator group, not a superuser)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.urls import reverse

from registry import services
from registry.models import (
    APIKey, Citation, DamageReport, HeritageSite, Lifecycle, PartnerInstitution, SiteName, Term,
)
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.admin_urls")]


@pytest.fixture
def curator():
    return services.curator_create(username="nour", password="a-long-curator-passphrase", email="nour@example.org")


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def url(model_name: str, view: str, *args) -> str:
    return reverse(f"admin:registry_{model_name}_{view}", args=args)


def form_data(response, **overrides) -> dict:
    """What the browser would post back for the rendered change form, unchanged, plus ``overrides``."""
    data: dict = {}

    def put(form, name):
        value = form[name].value()
        key = form.add_prefix(name)
        if value is None:
            data[key] = ""
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, (list, tuple)):
            data[key] = [str(getattr(item, "pk", item)) for item in value]
        else:
            data[key] = str(getattr(value, "pk", value))

    form = response.context["adminform"].form
    for name in form.fields:
        put(form, name)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            put(formset.management_form, name)
        for inline_form in formset.forms:
            for name in inline_form.fields:
                put(inline_form, name)
    data.update(overrides)
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def api_key() -> APIKey:
    return services.api_key_create(institution=f.PartnerInstitutionFactory(), label="nightly sync")[0]


def term_of(vocabulary: str, slug: str) -> str:
    return str(f.term(vocabulary, slug).pk)


# model name → (factory of an existing row, field to change, new value)
EXISTING: dict[str, tuple[Callable, str, str]] = {
    "term": (lambda: f.TermFactory(), "label", "Basalt (volcanic)"),
    "heritagesite": (lambda: f.HeritageSiteFactory(), "name", "Palmyra"),
    "artefact": (lambda: f.ArtefactFactory(), "name", "Lion of Al-lat"),
    "actor": (lambda: f.ActorFactory(), "role", "director of antiquities"),
    "source": (lambda: f.SourceFactory(), "title", "Syrian forces retake Palmyra"),
    "citation": (lambda: f.CitationFactory(), "quote", "dynamited its ancient temples"),
    "damageevent": (lambda: f.DamageEventFactory(), "title", "Destruction of the Temple of Bel"),
    "attribution": (lambda: f.AttributionFactory(), "note", "Claimed in the group's own video."),
    "damagereport": (lambda: f.DamageReportFactory(), "title", "Toppled statues in the museum"),
    "restorationpledge": (lambda: f.RestorationPledgeFactory(), "title", "Restore the damaged monuments"),
    "pledgestatuschange": (lambda: f.PledgeStatusChangeFactory(), "note", "Work began on the lion."),
    "intervention": (lambda: f.InterventionFactory(), "title", "Lion of Al-lat restored"),
    "partnerinstitution": (lambda: f.PartnerInstitutionFactory(), "contact_email", "registry@museum.example"),
    "apikey": (api_key, "label", "weekly mirror"),
}


def new_row_data() -> dict[str, tuple[type, dict]]:
    """model name → (model, fields a curator types into the add form)."""
    site = str(f.HeritageSiteFactory().pk)
    return {
        "term": (Term, {"vocabulary": "material", "label": "Basalt", "slug": "basalt"}),
        "heritagesite": (HeritageSite, {
            "name": "Palmyra Museum", "kind": term_of("site_kind", "archaeological-site"), "country": "SY",
        }),
        "artefact": (f.Artefact, {"name": "Display case", "site": site, "kind": term_of("artefact_kind", "statue")}),
        "actor": (f.Actor, {"name": "Directorate-General of Antiquities", "kind": "organisation"}),
        "source": (f.Source, {"title": "Wire report", "kind": term_of("source_kind", "news-article")}),
        "citation": (Citation, {"source": str(f.SourceFactory().pk), "quote": "smashed", "site": site}),
        "damageevent": (f.DamageEvent, {"title": "Museum looted", "sites": [site], "occurred": "2015"}),
        "attribution": (f.Attribution, {
            "damage_event": str(f.DamageEventFactory().pk), "actor": str(f.ActorFactory().pk),
        }),
        "damagereport": (DamageReport, {
            "title": "Several display cases smashed", "source": str(f.SourceFactory().pk), "sites": [site],
        }),
        "restorationpledge": (f.RestorationPledge, {
            "title": "Pledge to restore the temples", "pledger": str(f.ActorFactory().pk),
            "action": term_of("pledge_action", "restore"), "sites": [site],
        }),
        "pledgestatuschange": (f.PledgeStatusChange, {
            "pledge": str(f.RestorationPledgeFactory().pk), "status": "in_progress", "date": "2017",
        }),
        "intervention": (f.Intervention, {
            "title": "Lion re-erected", "kind": term_of("intervention_kind", "restored-repaired"), "sites": [site],
        }),
        "partnerinstitution": (PartnerInstitution, {"name": "National Museum"}),
        "apikey": (APIKey, {"institution": str(f.PartnerInstitutionFactory().pk), "label": "first key"}),
    }


def test_migration_creates_curator_group_with_registry_permissions():
    group = Group.objects.get(name="curator")
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"add_heritagesite", "change_heritagesite", "delete_heritagesite", "view_heritagesite"} <= codenames
    assert {"view_historicalheritagesite", "view_apikey", "change_citation"} <= codenames
    assert "change_historicalheritagesite" not in codenames


def test_curator_is_staff_but_not_superuser(curator):
    assert curator.is_staff and not curator.is_superuser
    assert curator.has_perm("registry.change_damagereport")


@pytest.mark.parametrize("model_name", list(EXISTING))
def test_every_page_of_every_model_opens(curator_client, model_name):
    row = EXISTING[model_name][0]()
    for page in (url(model_name, "changelist"), url(model_name, "add"),
                 url(model_name, "change", row.pk), url(model_name, "history", row.pk)):
        response = curator_client.get(page)
        assert response.status_code == 200, page


@pytest.mark.parametrize("model_name", list(EXISTING))
def test_add_through_the_form_records_who_and_why(curator_client, curator, model_name):
    model, fields = new_row_data()[model_name]
    before = set(model.objects.values_list("pk", flat=True))
    page = curator_client.get(url(model_name, "add"))
    response = curator_client.post(url(model_name, "add"), form_data(
        page, **fields, change_reason="entered from the wire report"))
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    (created,) = model.objects.exclude(pk__in=before)
    latest = created.history.first()
    assert latest.history_user == curator
    if model not in (PartnerInstitution, APIKey):  # their services give their own reason
        assert latest.history_change_reason == "entered from the wire report"


@pytest.mark.parametrize("model_name", list(EXISTING))
def test_change_through_the_form_records_who_and_why(curator_client, curator, model_name):
    factory, field, value = EXISTING[model_name]
    row = factory()
    page = curator_client.get(url(model_name, "change", row.pk))
    response = curator_client.post(url(model_name, "change", row.pk), form_data(
        page, **{field: value, "change_reason": "corrected after a second source"}))
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    row.refresh_from_db()
    assert getattr(row, field) == value
    latest = row.history.first()
    assert (latest.history_user, latest.history_change_reason) == (curator, "corrected after a second source")
