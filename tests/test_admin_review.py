"""The review queue (registry/admin/review.py) and old versions (registry/admin/versions.py),
through the real admin, with the two-curator rule on."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from registry import services
from registry.models import DamageReport, HeritageSite, Lifecycle, LifecycleMove
from registry.selectors.history import public_history
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.admin_urls")]

QUEUE = "admin:registry_review_queue"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def nour():
    return services.curator_create(username="nour", password="a-long-curator-passphrase")


@pytest.fixture
def nour_client(nour) -> Client:
    client = Client()
    client.force_login(nour)
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def move_url(record, move: str) -> str:
    return reverse("admin:registry_review_move", args=[record._meta.model_name, record.pk, move])


def publish(client, record, version=None, note=""):
    prefix = f"p{record._meta.model_name}{record.pk}"
    return client.post(
        move_url(record, "publish"),
        {f"{prefix}-version": version or record.version, f"{prefix}-public_note": note},
        follow=True,
    )


def send_back(client, record, reason: str, version=None):
    prefix = f"r{record._meta.model_name}{record.pk}"
    return client.post(
        move_url(record, "return"),
        {f"{prefix}-version": version or record.version, f"{prefix}-reason": reason},
        follow=True,
    )


@pytest.fixture
def revised_site(nour):
    """A published site, withdrawn, corrected by Nour and submitted again for review."""
    site = f.HeritageSiteFactory(name="Palmyra", description="Oasis city", country="SY")
    services.record_archive(record=site, user=nour, reason="Wrong description")
    services.record_transition(record=site, to=Lifecycle.DRAFT, user=nour)
    services.record_update(
        record=site, fields={"description": "Caravan city in the Syrian desert"}, user=nour
    )
    services.record_submit_for_review(record=site, user=nour, reason="Corrected")
    return site


@pytest.fixture
def partner_report():
    partner = f.PartnerInstitutionFactory(name="Aleppo Heritage Watch")
    source = f.SourceFactory()
    return services.damage_report_submit(
        fields={"title": "Tower tombs blown up", "source": source, "severity": "destroyed"},
        m2m={"sites": [f.HeritageSiteFactory()]},
        citations=[{"source": source, "quote": "blown up"}],
        submitted_by=partner,
        user=partner.account,
    )


def test_the_queue_shows_each_change_against_the_published_version(
    admin_client, revised_site, partner_report
):
    body = admin_client.get(reverse(QUEUE)).content.decode()

    assert (
        "<del>Oasis city</del>" in body and "<ins>Caravan city in the Syrian desert</ins>" in body
    )
    assert "<del>Palmyra</del>" not in body  # unchanged fields are left out
    assert "never published: every filled field is new" in body and "<ins>Destroyed</ins>" in body
    assert "Aleppo Heritage Watch" in body
    # The site, the report and the citation the partner sent with it.
    assert body.count('value="Publish"') == 3 and body.count('value="Return with reason"') == 3


def test_a_second_curator_publishes_from_the_queue_with_a_public_note(admin_client, revised_site):
    response = publish(admin_client, revised_site, note="Description corrected.")

    assert f"“{revised_site}” is published." in messages_of(response)
    site = HeritageSite.objects.get(pk=revised_site.pk)
    assert site.lifecycle == Lifecycle.PUBLISHED
    assert public_history(site)[0].note == "Description corrected."


def test_the_submitter_gets_no_publish_button_and_a_forced_publish_is_refused(
    nour_client, revised_site
):
    body = nour_client.get(reverse(QUEUE)).content.decode()
    assert 'value="Publish"' not in body and "another curator publishes it" in body

    response = publish(nour_client, revised_site)

    assert any("another curator" in message for message in messages_of(response))
    assert HeritageSite.objects.get(pk=revised_site.pk).lifecycle == Lifecycle.IN_REVIEW


def test_a_record_changed_since_the_queue_was_shown_is_not_published(admin_client, partner_report):
    shown = partner_report.version
    services.record_update(
        record=partner_report,
        fields={"severity": "slight"},
        user=partner_report.submitted_by.account,
    )

    response = publish(admin_client, partner_report, version=shown)

    assert any("changed by someone else" in message for message in messages_of(response))
    assert DamageReport.objects.get(pk=partner_report.pk).lifecycle == Lifecycle.IN_REVIEW


def test_returning_needs_a_reason_which_the_curator_then_reads_on_the_record(
    admin_client, nour_client, revised_site
):
    refused = send_back(admin_client, revised_site, "")
    assert any("Reason for returning it" in message for message in messages_of(refused))
    assert HeritageSite.objects.get(pk=revised_site.pk).lifecycle == Lifecycle.IN_REVIEW

    send_back(admin_client, revised_site, "Cite the nomination file for the new description.")

    assert HeritageSite.objects.get(pk=revised_site.pk).lifecycle == Lifecycle.DRAFT
    page = nour_client.get(reverse("admin:registry_heritagesite_change", args=[revised_site.pk]))
    assert any("Cite the nomination file" in message for message in messages_of(page))
    assert "Cite the nomination file" in page.content.decode()  # the review log on the form
    move = LifecycleMove.objects.for_record(revised_site).newest_first().first()
    assert move.is_return and move.moved_by.username == "admin"


def test_the_queue_reads_a_bounded_number_of_queries(admin_client, django_assert_max_num_queries):
    partner = f.PartnerInstitutionFactory()
    for n in range(12):
        f.DamageReportFactory(
            lifecycle=Lifecycle.IN_REVIEW, submitted_by=partner, title=f"Report {n}"
        )
        f.HeritageSiteFactory(lifecycle=Lifecycle.IN_REVIEW)
    with django_assert_max_num_queries(40):
        response = admin_client.get(reverse(QUEUE))
    assert response.content.decode().count('value="Return with reason"') == 24


def test_restoring_an_old_version_adds_a_version_and_keeps_the_lifecycle(admin_client):
    site = f.HeritageSiteFactory(description="Oasis city")
    services.record_update(record=site, fields={"description": "Vandalised text"})
    old = site.history.order_by("history_id").first()
    restore = reverse("admin:registry_heritagesite_restore", args=[site.pk, old.history_id])

    history_page = admin_client.get(reverse("admin:registry_heritagesite_history", args=[site.pk]))
    assert restore in history_page.content.decode()
    confirm = admin_client.get(restore).content.decode()
    assert "Vandalised text" in confirm and "Oasis city" in confirm
    admin_client.post(restore, {"loaded_version": 2, "change_reason": "Vandalism undone"})

    site.refresh_from_db()
    assert (site.description, site.version, site.lifecycle) == (
        "Oasis city",
        3,
        Lifecycle.PUBLISHED,
    )
    assert (
        site.history.count() == 3
        and site.history.first().history_change_reason == "Vandalism undone"
    )


def test_restoring_from_a_stale_page_restores_nothing(admin_client):
    site = f.HeritageSiteFactory(description="Oasis city")
    services.record_update(record=site, fields={"description": "Second"})
    old = site.history.order_by("history_id").first()
    services.record_update(record=site, fields={"description": "Third"})

    response = admin_client.post(
        reverse("admin:registry_heritagesite_restore", args=[site.pk, old.history_id]),
        {"loaded_version": 2},
    )

    assert any("Nothing was restored" in message for message in messages_of(response))
    assert HeritageSite.objects.get(pk=site.pk).description == "Third"


# Reviewers: read everything, publish or return from the queue, edit nothing


@pytest.fixture
def rana_client() -> Client:
    rana = services.curator_create(username="rana", password="a-long-reviewer-passphrase", reviewer=True)
    client = Client()
    client.force_login(rana)
    return client


def test_a_reviewer_publishes_and_returns_from_the_queue(rana_client, partner_report, revised_site):
    queue = rana_client.get(reverse("admin:registry_review_queue"))
    assert queue.status_code == 200
    assert "Tower tombs blown up" in queue.content.decode()

    publish(rana_client, partner_report)
    partner_report.refresh_from_db()
    assert partner_report.lifecycle == Lifecycle.PUBLISHED
    move = LifecycleMove.objects.for_record(partner_report).newest_first().first()
    assert move.moved_by.username == "rana"

    send_back(rana_client, revised_site, "The date of the survey is missing.")
    revised_site.refresh_from_db()
    assert revised_site.lifecycle == Lifecycle.DRAFT


def test_a_reviewer_reads_records_but_cannot_change_them(rana_client, partner_report):
    change_url = reverse("admin:registry_damagereport_change", args=[partner_report.pk])
    page = rana_client.get(change_url)
    assert page.status_code == 200
    assert b'name="title"' not in page.content  # read-only: no form field
    reply = rana_client.post(change_url, {"title": "Rewritten", "version": partner_report.version})
    assert reply.status_code == 403
    partner_report.refresh_from_db()
    assert (partner_report.title, partner_report.version) == ("Tower tombs blown up", 1)
    assert rana_client.get(reverse("admin:registry_damagereport_add")).status_code == 403
