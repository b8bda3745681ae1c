"""The curators' admin, driven as a curator (staff, in the curator group, not a superuser)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse
from django.utils.html import escape

from registry import services
from registry.admin.base import RecordAdminForm
from registry.models import (
    CITATION_TARGETS, APIKey, Citation, DamageReport, ExternalIdentifier, HeritageSite, Lifecycle,
    MediaItem, MediaPair, PartnerInstitution, Record, SiteName, Term,
)
from tests import factories as f
from tests.media_fixtures import jpeg_bytes, media_item, media_pair, media_root  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.admin_urls")]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Every test makes a curator; the production hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def curator():
    return services.curator_create(username="nour", password="a-long-curator-passphrase", email="nour@example.org")


@pytest.fixture
def single_curator(settings):
    """One curator publishes their own drafts (tests/test_admin_review.py keeps the two-curator rule)."""
    settings.REVIEW_SINGLE_CURATOR = True


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
        if isinstance(form.fields[name], (forms.MultipleChoiceField, forms.ModelMultipleChoiceField)):
            data[key] = [str(getattr(item, "pk", item)) for item in value or []]
        elif value is None:
            data[key] = ""
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
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
    "mediaitem": (media_item, "caption", "Temple of Bel, cella from the east"),
    "mediapair": (media_pair, "title", "Temple of Bel before and after"),
}


def new_row_data() -> dict[str, tuple[type, dict]]:
    """model name → (model, fields a curator types into the add form)."""
    site = str(f.HeritageSiteFactory().pk)
    pair_site = f.HeritageSiteFactory()
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
        "mediaitem": (MediaItem, {
            "file": SimpleUploadedFile("gate.jpg", jpeg_bytes(), content_type="image/jpeg"), "site": site,
            "caption": "North gate", "credit": "© DGAM", "licence": "CC-BY-4.0", "kind": "photograph",
        }),
        "mediapair": (MediaPair, {
            "title": "North gate", "before": str(media_item(target=pair_site, taken="2014").pk),
            "after": str(media_item(target=pair_site, taken="2016").pk),
        }),
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
        if page != url(model_name, "add"):
            # Each page is about the row: listed, edited, its history shown.
            assert escape(str(row)) in response.content.decode(), page


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


def run_action(client, model_name: str, action: str, *records):
    return client.post(url(model_name, "changelist"), {
        "action": action, "_selected_action": [str(record.pk) for record in records],
    }, follow=True)


@pytest.mark.parametrize(("action", "start", "end"), [
    ("submit_for_review", Lifecycle.DRAFT, Lifecycle.IN_REVIEW),
    ("publish", Lifecycle.DRAFT, Lifecycle.PUBLISHED),
    ("retract", Lifecycle.PUBLISHED, Lifecycle.RETRACTED),
    ("archive", Lifecycle.PUBLISHED, Lifecycle.ARCHIVED),
    ("return_to_draft", Lifecycle.ARCHIVED, Lifecycle.DRAFT),
])
def test_lifecycle_actions(curator_client, curator, action, start, end, single_curator):
    sites = [f.HeritageSiteFactory(lifecycle=start) for _ in range(2)]
    response = run_action(curator_client, "heritagesite", action, *sites)
    assert response.status_code == 200
    for site in sites:
        site.refresh_from_db()
        assert site.lifecycle == end
        assert site.history.first().history_user == curator


def test_refused_publish_names_the_record_and_the_reason_and_others_proceed(curator_client, single_curator):
    uncited = f.DamageReportFactory(lifecycle=Lifecycle.DRAFT, title="Temple of Baalshamin destroyed")
    cited = f.CitationFactory(lifecycle=Lifecycle.DRAFT, damage_report=f.DamageReportFactory(
        lifecycle=Lifecycle.DRAFT)).damage_report
    response = run_action(curator_client, "damagereport", "publish", uncited, cited)
    errors = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    assert len(errors) == 1
    assert "Temple of Baalshamin destroyed" in errors[0] and "citation" in errors[0]
    uncited.refresh_from_db()
    cited.refresh_from_db()
    assert (uncited.lifecycle, cited.lifecycle) == (Lifecycle.DRAFT, Lifecycle.PUBLISHED)
    assert cited.citations.get().lifecycle == Lifecycle.PUBLISHED


def test_delete_archives_and_the_page_says_so(curator_client):
    site = f.HeritageSiteFactory(name="Palmyra")
    confirm = curator_client.get(url("heritagesite", "delete", site.pk))
    assert "will be archived, not deleted" in confirm.content.decode()
    response = curator_client.post(url("heritagesite", "delete", site.pk), {"post": "yes"}, follow=True)
    site.refresh_from_db()
    assert site.lifecycle == Lifecycle.ARCHIVED
    assert any("archived" in message for message in messages_of(response))


def test_archive_replaces_delete_selected(curator_client):
    sites = [f.HeritageSiteFactory() for _ in range(2)]
    page = curator_client.get(url("heritagesite", "changelist"))
    actions = [choice[0] for choice in page.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions and "archive" in actions
    run_action(curator_client, "heritagesite", "archive", *sites)
    assert HeritageSite.objects.filter(pk__in=[s.pk for s in sites], lifecycle=Lifecycle.ARCHIVED).count() == 2


def test_removing_an_inline_citation_archives_it(curator_client):
    citation = f.CitationFactory()
    report = citation.damage_report
    page = curator_client.get(url("damagereport", "change", report.pk))
    data = form_data(page, **{"citations-0-DELETE": "on"})
    assert curator_client.post(url("damagereport", "change", report.pk), data).status_code == 302
    citation.refresh_from_db()
    assert citation.lifecycle == Lifecycle.ARCHIVED


def test_inline_citation_is_added_through_the_service(curator_client, curator):
    report = f.DamageReportFactory(lifecycle=Lifecycle.DRAFT)
    source = f.SourceFactory()
    page = curator_client.get(url("damagereport", "change", report.pk))
    data = form_data(page, **{
        "citations-TOTAL_FORMS": "1", "citations-0-source": str(source.pk), "citations-0-quote": "smashed",
        "citations-0-stance": "supports", "change_reason": "cite the wire report",
    })
    assert curator_client.post(url("damagereport", "change", report.pk), data).status_code == 302
    citation = report.citations.get()
    assert citation.slug == f"{source.slug}-on-{report.slug}"
    assert citation.history.first().history_change_reason == "cite the wire report"
    assert citation.history.first().history_user == curator


def test_stale_version_is_refused_and_nothing_is_saved(curator_client):
    site = f.HeritageSiteFactory(name="Palmyra")
    page = curator_client.get(url("heritagesite", "change", site.pk))
    services.record_update(record=HeritageSite.objects.get(pk=site.pk), fields={"name": "Tadmor"})
    response = curator_client.post(url("heritagesite", "change", site.pk), form_data(page, name="Palmyra (ancient city)"))
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    assert response.context["adminform"].form["name"].value() == "Palmyra (ancient city)"
    site.refresh_from_db()
    assert (site.name, site.version) == ("Tadmor", 2)


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="needs a second real connection that commits on its own (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_edit_that_loses_the_race_after_validation_saves_nothing_and_says_so(curator_client, monkeypatch):
    call_command("load_vocabularies", verbosity=0)
    site = f.HeritageSiteFactory(name="Palmyra")
    page = curator_client.get(url("heritagesite", "change", site.pk))
    validate = RecordAdminForm.clean
    competitor_errors = []

    def another_curator_saves(pk):
        # Another thread is another database connection: this save commits on its own.
        try:
            services.record_update(record=HeritageSite.objects.get(pk=pk), fields={"name": "Tadmor"})
        except Exception as error:  # reported below, where the test can fail on it
            competitor_errors.append(error)
        finally:
            connections.close_all()

    def another_curator_saves_meanwhile(form):
        cleaned = validate(form)
        competitor = threading.Thread(target=another_curator_saves, args=(site.pk,))
        competitor.start()
        competitor.join(timeout=30)
        assert not competitor.is_alive(), "the other curator's save waited on this request"
        return cleaned

    monkeypatch.setattr(RecordAdminForm, "clean", another_curator_saves_meanwhile)
    response = curator_client.post(url("heritagesite", "change", site.pk), form_data(page, name="Palmyra (ancient city)"),
                                   follow=True)
    assert competitor_errors == []
    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode()
    # The other curator's save stands; this one left no trace, and the form shows the newest version.
    site.refresh_from_db()
    assert (site.name, site.version) == ("Tadmor", 2)
    assert site.history.count() == 2
    assert response.context["adminform"].form["name"].value() == "Tadmor"


@pytest.mark.parametrize(("model_name", "factory", "field", "bad"), [
    ("damageevent", f.DamageEventFactory, "occurred", "2015-13-45"),
    ("artefact", f.ArtefactFactory, "made", "first century"),
    ("heritagesite", f.HeritageSiteFactory, "latitude", "95"),
    ("restorationpledge", f.RestorationPledgeFactory, "currency", "dollars"),
])
def test_bad_input_is_reported_on_its_field_and_nothing_changes(curator_client, model_name, factory, field, bad):
    row = factory()
    before = row.history.count()
    page = curator_client.get(url(model_name, "change", row.pk))
    response = curator_client.post(url(model_name, "change", row.pk), form_data(page, **{field: bad}))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert row.history.count() == before
    assert str(getattr(type(row).objects.get(pk=row.pk), field)) != bad


def test_bad_wikidata_identifier_is_reported_on_the_inline(curator_client):
    site = f.HeritageSiteFactory()
    page = curator_client.get(url("heritagesite", "change", site.pk))
    response = curator_client.post(url("heritagesite", "change", site.pk), form_data(page, **{
        "identifiers-TOTAL_FORMS": "1", "identifiers-0-scheme": "wikidata", "identifiers-0-value": "42",
    }))
    assert response.status_code == 200
    inline = next(i for i in response.context["inline_admin_formsets"] if i.formset.prefix == "identifiers")
    assert "value" in inline.formset.forms[0].errors
    assert not site.identifiers.exists()


@pytest.mark.parametrize("query", ["تدمر", "Tadmur", "palmyra"])
def test_search_finds_a_site_by_any_of_its_names(curator_client, query):
    palmyra = f.HeritageSiteFactory(name="Palmyra")
    SiteName.objects.create(owner=palmyra, name="تدمر", language="ar")
    SiteName.objects.create(owner=palmyra, name="Tadmur", language="ar-Latn")
    f.HeritageSiteFactory(name="Bosra")
    response = curator_client.get(url("heritagesite", "changelist"), {"q": query})
    assert [site.name for site in response.context["cl"].result_list] == ["Palmyra"]


def test_review_queue_lists_partner_submissions(curator_client):
    partner = f.PartnerInstitutionFactory(name="Aleppo Heritage Watch")
    source = f.SourceFactory()
    report = services.damage_report_submit(
        fields={"title": "Tower tombs blown up", "source": source}, m2m={"sites": [f.HeritageSiteFactory()]},
        citations=[{"source": source, "quote": "blown up"}], submitted_by=partner,
    )
    f.DamageReportFactory(title="Already published report")
    index = curator_client.get(reverse("admin:index"))
    assert reverse("admin:registry_review_queue") in index.content.decode()
    response = curator_client.get(reverse("admin:registry_review_queue"))
    body = response.content.decode()
    assert "Tower tombs blown up" in body and "Aleppo Heritage Watch" in body
    assert url("damagereport", "change", report.pk) in body
    assert "Already published report" not in body


def test_review_queue_needs_staff(client):
    response = client.get(reverse("admin:registry_review_queue"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_api_key_is_shown_once_and_only_its_digest_is_stored(curator_client):
    partner = f.PartnerInstitutionFactory()
    response = curator_client.post(url("apikey", "add"), {"institution": partner.pk, "label": "nightly sync"},
                                   follow=True)
    key = APIKey.objects.get(institution=partner)
    (shown,) = [m for m in messages_of(response) if "copy it now" in m]
    raw = shown.split("The new key is ")[1].split(" ")[0]
    assert raw.startswith(key.prefix + ".")
    assert key.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(list(APIKey.objects.values()))
    again = curator_client.get(url("apikey", "change", key.pk))
    assert raw not in again.content.decode()
    assert services.api_key_authenticate(raw_key=raw) == key


def test_revoke_action_and_no_key_is_deleted(curator_client):
    key = api_key()
    page = curator_client.get(url("apikey", "changelist"))
    assert "delete_selected" not in [c[0] for c in page.context["action_form"].fields["action"].choices]
    run_action(curator_client, "apikey", "revoke_keys", key)
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert curator_client.post(url("apikey", "delete", key.pk), {"post": "yes"}).status_code == 403
    assert APIKey.objects.filter(pk=key.pk).exists()


def test_partner_is_created_through_the_service_with_its_account(curator_client):
    response = curator_client.post(url("partnerinstitution", "add"), {"name": "Palmyra Museum Friends"})
    assert response.status_code == 302
    partner = PartnerInstitution.objects.get(name="Palmyra Museum Friends")
    assert partner.slug == "palmyra-museum-friends"
    assert partner.account.username == "partner-palmyra-museum-friends"


# Rows per changelist, and the most queries its page may take whatever the number of rows.
CHANGELIST_QUERY_BOUND = 16


@pytest.mark.parametrize("model_name", list(EXISTING))
def test_changelist_query_count_does_not_grow_with_rows(curator_client, django_assert_max_num_queries, model_name):
    factory = EXISTING[model_name][0]
    for _ in range(20):
        factory()
    with django_assert_max_num_queries(CHANGELIST_QUERY_BOUND):
        response = curator_client.get(url(model_name, "changelist"))
    assert response.context["cl"].result_count >= 20


# Every record model, as a curator: each lifecycle action, delete, history.

RECORD_FACTORIES: dict[str, Callable] = {
    "heritagesite": f.HeritageSiteFactory,
    "artefact": f.ArtefactFactory,
    "actor": f.ActorFactory,
    "source": f.SourceFactory,
    "citation": f.CitationFactory,
    "damageevent": f.DamageEventFactory,
    "attribution": f.AttributionFactory,
    "damagereport": f.DamageReportFactory,
    "restorationpledge": f.RestorationPledgeFactory,
    "pledgestatuschange": f.PledgeStatusChangeFactory,
    "intervention": f.InterventionFactory,
    "mediaitem": media_item,
    "mediapair": media_pair,
}


def cite(record, **fields) -> Citation:
    """A citation backing ``record``, whatever kind of record it is."""
    (target,) = [name for name in CITATION_TARGETS if Citation._meta.get_field(name).related_model is type(record)]
    return f.CitationFactory(**{"damage_report": None, target: record, **fields})


def draft_with_evidence(model_name: str):
    record = RECORD_FACTORIES[model_name](lifecycle=Lifecycle.DRAFT)
    if isinstance(record, services.CLAIM_MODELS):
        cite(record, lifecycle=Lifecycle.DRAFT)
    return record


def test_every_record_model_is_covered():
    registered = {model._meta.model_name for model in admin.site._registry if issubclass(model, Record)}
    assert registered == set(RECORD_FACTORIES)
    # Imports have a page of their own, not a change form; tests/test_imports.py covers it.
    assert {model._meta.model_name for model in admin.site._registry if model._meta.app_label == "registry"} - {
        "importbatch"} == set(EXISTING)


@pytest.mark.parametrize("model_name", list(RECORD_FACTORIES))
def test_each_lifecycle_action_on_every_record_model(curator_client, curator, model_name, single_curator):
    record = draft_with_evidence(model_name)
    steps = [
        ("submit_for_review", Lifecycle.IN_REVIEW, "Submitted for review"),
        ("publish", Lifecycle.PUBLISHED, "Published"),
        ("retract", Lifecycle.RETRACTED, "Retracted"),
        ("archive", Lifecycle.ARCHIVED, "Archived"),
        ("return_to_draft", Lifecycle.DRAFT, "Returned to draft"),
    ]
    for action, lifecycle, verb in steps:
        response = run_action(curator_client, model_name, action, record)
        assert f"{verb}: 1 record." in messages_of(response), (action, messages_of(response))
        record.refresh_from_db()
        assert record.lifecycle == lifecycle, action
        latest = record.history.first()
        assert (latest.lifecycle, latest.history_user, latest.history_change_reason) == (lifecycle, curator, verb)
    assert record.history.count() >= len(steps) + 1


@pytest.mark.parametrize("model_name", list(RECORD_FACTORIES))
def test_delete_archives_every_record_model_and_keeps_its_history(curator_client, curator, model_name):
    record = RECORD_FACTORIES[model_name]()
    model = type(record)
    history_before = record.history.count()
    page = curator_client.get(url(model_name, "changelist"))
    assert "delete_selected" not in [c[0] for c in page.context["action_form"].fields["action"].choices]

    response = curator_client.post(url(model_name, "delete", record.pk), {"post": "yes"})

    assert response.status_code == 302
    record = model.objects.get(pk=record.pk)
    assert record.lifecycle == Lifecycle.ARCHIVED
    assert record.history.count() == history_before + 1
    assert record.history.first().history_user == curator
    assert not model.objects.published().filter(pk=record.pk).exists()


@pytest.mark.parametrize("model_name", ["term", "partnerinstitution", "apikey"])
def test_rows_without_a_lifecycle_cannot_be_deleted(curator_client, model_name):
    row = EXISTING[model_name][0]()
    assert curator_client.post(url(model_name, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert type(row).objects.filter(pk=row.pk).exists()


def test_history_page_shows_who_and_why_and_cannot_revert(curator_client):
    site = f.HeritageSiteFactory(name="Palmyra")
    page = curator_client.get(url("heritagesite", "change", site.pk))
    curator_client.post(url("heritagesite", "change", site.pk), form_data(
        page, name="Palmyra (Tadmur)", change_reason="Arabic toponym added to the name"))
    history = curator_client.get(url("heritagesite", "history", site.pk)).content.decode()
    assert "Arabic toponym added to the name" in history and "nour" in history
    version = site.history.last()
    revert_url = reverse("admin:registry_heritagesite_simple_history", args=[site.pk, version.history_id])
    assert curator_client.post(revert_url, {}).status_code == 403
    site.refresh_from_db()
    assert site.name == "Palmyra (Tadmur)"


# Inlines: record rows archive, parts of records are never removed, stale rows are refused.

def test_names_designations_and_identifiers_offer_no_delete_and_keep_their_rows(curator_client):
    site = f.HeritageSiteFactory()
    name = SiteName.objects.create(owner=site, name="تدمر", language="ar")
    designation = f.DesignationFactory(site=site)
    identifier = ExternalIdentifier.objects.create(site=site, scheme="unesco", value="23")
    page = curator_client.get(url("heritagesite", "change", site.pk))
    for prefix in ("names", "designations", "identifiers"):
        inline = next(i for i in page.context["inline_admin_formsets"] if i.formset.prefix == prefix)
        assert not inline.formset.can_delete, prefix
    data = form_data(page, **{f"{p}-0-DELETE": "on" for p in ("names", "designations", "identifiers")})
    assert curator_client.post(url("heritagesite", "change", site.pk), data).status_code == 302
    for row in (name, designation, identifier):
        assert type(row).objects.filter(pk=row.pk).exists()


def test_correcting_a_name_in_place_keeps_the_old_value_in_its_history(curator_client, curator):
    site = f.HeritageSiteFactory()
    name = SiteName.objects.create(owner=site, name="Tadmor", language="ar-Latn")
    page = curator_client.get(url("heritagesite", "change", site.pk))
    curator_client.post(url("heritagesite", "change", site.pk), form_data(
        page, **{"names-0-name": "Tadmur", "change_reason": "transliteration"}))
    name.refresh_from_db()
    assert name.name == "Tadmur"
    assert [h.name for h in name.history.all()] == ["Tadmur", "Tadmor"]
    assert (name.history.first().history_user, name.history.first().history_change_reason) == (
        curator, "transliteration")


def test_stale_inline_citation_is_refused_and_nothing_is_saved(curator_client):
    citation = f.CitationFactory(quote="badly damaged")
    report = citation.damage_report
    page = curator_client.get(url("damagereport", "change", report.pk))
    services.record_update(record=Citation.objects.get(pk=citation.pk), fields={"quote": "several smashed"})
    response = curator_client.post(url("damagereport", "change", report.pk), form_data(
        page, **{"citations-0-quote": "toppled and damaged"}))
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    citation.refresh_from_db()
    assert (citation.quote, citation.version) == ("several smashed", 2)


def test_inline_row_changed_elsewhere_is_not_written_back_with_old_values(curator_client):
    citation = f.CitationFactory(quote="badly damaged")
    report = citation.damage_report
    page = curator_client.get(url("damagereport", "change", report.pk))
    services.record_update(record=Citation.objects.get(pk=citation.pk), fields={"quote": "several smashed"})
    response = curator_client.post(url("damagereport", "change", report.pk), form_data(
        page, title="Display cases smashed"))
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    report.refresh_from_db()
    citation.refresh_from_db()
    assert report.title != "Display cases smashed"
    assert (citation.quote, citation.version) == ("several smashed", 2)


def test_pledge_page_links_to_a_new_status_change_for_it(curator_client):
    pledge = f.RestorationPledgeFactory(title="Restore the damaged monuments")
    page = curator_client.get(url("restorationpledge", "change", pledge.pk)).content.decode()
    link = f"{url('pledgestatuschange', 'add')}?pledge={pledge.pk}"
    assert link in page
    add_form = curator_client.get(link).context["adminform"].form
    assert str(add_form["pledge"].value()) == str(pledge.pk)


# Bad input: reported on the field to fix, nothing stored changes.

@pytest.mark.parametrize(("model_name", "factory", "changes", "field"), [
    ("restorationpledge", f.RestorationPledgeFactory, {"amount": "-5", "currency": "USD"}, "amount"),
    ("restorationpledge", f.RestorationPledgeFactory, {"amount": "250000", "currency": ""}, "currency"),
    ("heritagesite", lambda: f.HeritageSiteFactory(latitude=None, longitude=None),
     {"latitude": "34.551", "longitude": ""}, "longitude"),
    ("heritagesite", f.HeritageSiteFactory, {"longitude": "181"}, "longitude"),
    ("source", f.SourceFactory, {"url": "", "archive_url": "https://web.archive.org/web/2016/x"}, "url"),
    ("artefact", f.ArtefactFactory, {"quantity_precision": "exact", "quantity": ""}, "quantity"),
    ("damagereport", f.DamageReportFactory, {"quantity_precision": "vague", "quantity_phrase": ""},
     "quantity_phrase"),
    ("pledgestatuschange", f.PledgeStatusChangeFactory, {"date": "last year"}, "date"),
])
def test_rule_broken_across_fields_is_reported_on_the_field_to_fix(curator_client, model_name, factory, changes, field):
    row = factory()
    model = type(row)
    stored = model.objects.filter(pk=row.pk).values().get()
    page = curator_client.get(url(model_name, "change", row.pk))
    response = curator_client.post(url(model_name, "change", row.pk), form_data(page, **changes))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert field in form.errors, form.errors
    assert not form.non_field_errors()
    assert {name: str(form[name].value() or "") for name in changes} == changes  # what was typed is kept
    assert model.objects.filter(pk=row.pk).values().get() == stored


# Search: a record is found by the names, in any language, of what it is about.

def _arabic_name(owner, name: str):
    return type(owner).names.rel.related_model.objects.create(owner=owner, name=name, language="ar")


def _search_case(model_name: str):
    """(the row that must be found, with an Arabic name somewhere in its relations, the query)."""
    site = f.HeritageSiteFactory(name="Palmyra")
    _arabic_name(site, "تدمر")
    actor = f.ActorFactory(name="Mamoun Abdelkarim")
    _arabic_name(actor, "مأمون عبد الكريم")
    artefact = f.ArtefactFactory(name="Lion of Al-lat")
    _arabic_name(artefact, "أسد اللات")
    if model_name == "actor":
        return actor, "عبد الكريم"
    if model_name == "artefact":
        return f.ArtefactFactory(name="Display cases", site=site), "تدمر"
    if model_name in ("damageevent", "damagereport"):
        record = RECORD_FACTORIES[model_name](title="Statues toppled")
        record.artefacts.set([artefact])
        return record, "أسد"
    if model_name == "restorationpledge":
        return f.RestorationPledgeFactory(title="Restore the monuments", pledger=actor), "مأمون"
    if model_name == "source":
        return f.SourceFactory(title="Interview", author=actor), "مأمون"
    if model_name == "citation":
        return f.CitationFactory(quote="pledged to restore", speaker=actor), "مأمون"
    raise ValueError(model_name)


@pytest.mark.parametrize("model_name", [
    "actor", "artefact", "damageevent", "damagereport", "restorationpledge", "source", "citation",
])
def test_search_finds_records_by_alternative_names_in_any_language(curator_client, model_name):
    expected, query = _search_case(model_name)
    RECORD_FACTORIES[model_name]()  # a row that must not match
    response = curator_client.get(url(model_name, "changelist"), {"q": query})
    assert [row.pk for row in response.context["cl"].result_list] == [expected.pk]
