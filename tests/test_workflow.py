"""The review workflow (registry/workflow.py) and the services' rules against lost updates."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from registry import services, workflow
from registry.models import (
    DamageReport,
    HeritageSite,
    Lifecycle,
    LifecycleMove,
    PledgeStatus,
    RestorationPledge,
)
from tests.factories import (
    CitationFactory,
    DamageReportFactory,
    HeritageSiteFactory,
    PartnerInstitutionFactory,
    RestorationPledgeFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def amal():
    return services.curator_create(username="amal", password="a-long-curator-passphrase")


@pytest.fixture
def omar():
    return services.curator_create(username="omar", password="a-long-curator-passphrase")


def cited_draft(**fields) -> DamageReport:
    report = DamageReportFactory(lifecycle=Lifecycle.DRAFT, **fields)
    CitationFactory(damage_report=report, lifecycle=Lifecycle.DRAFT, source=SourceFactory())
    return report


# No lost updates


def test_a_transition_keeps_an_edit_saved_after_the_record_was_read(amal):
    stale = HeritageSite.objects.get(
        pk=HeritageSiteFactory(lifecycle=Lifecycle.DRAFT, description="Old").pk
    )
    services.record_update(
        record=HeritageSite.objects.get(pk=stale.pk),
        fields={"description": "Surveyed"},
        expected_version=1,
    )

    services.record_archive(record=stale, user=amal, reason="Duplicate")

    stored = HeritageSite.objects.get(pk=stale.pk)
    assert (stored.lifecycle, stored.description, stored.version) == (
        Lifecycle.ARCHIVED,
        "Surveyed",
        3,
    )
    assert (stale.description, stale.version) == (
        "Surveyed",
        3,
    )  # the caller's copy is brought up to date


def test_a_transition_from_an_older_version_is_refused_and_changes_nothing(amal):
    site = HeritageSiteFactory(lifecycle=Lifecycle.DRAFT)
    services.record_update(record=site, fields={"description": "Edited"})

    with pytest.raises(services.StaleVersionError) as error:
        services.record_archive(record=site, user=amal, expected_version=1)

    assert error.value.current == 2
    assert HeritageSite.objects.get(pk=site.pk).lifecycle == Lifecycle.DRAFT


def test_an_update_writes_only_its_fields_on_the_stored_row():
    site = HeritageSiteFactory(description="Old", name="Palmyra")
    stale = HeritageSite.objects.get(pk=site.pk)
    services.record_update(
        record=HeritageSite.objects.get(pk=site.pk), fields={"description": "New"}
    )

    services.record_update(record=stale, fields={"name": "Tadmor"})

    stored = HeritageSite.objects.get(pk=site.pk)
    assert (stored.name, stored.description, stored.version) == ("Tadmor", "New", 3)


def test_saving_a_whole_copy_read_before_another_change_is_refused():
    site = HeritageSiteFactory(description="Old")
    stale = HeritageSite.objects.get(pk=site.pk)
    services.record_update(record=site, fields={"description": "New"})

    stale.name = "Overwrites everything"
    with pytest.raises(services.StaleVersionError):
        services.record_save(record=stale)

    assert HeritageSite.objects.get(pk=site.pk).description == "New"


def test_a_pledge_status_change_keeps_an_edit_of_the_pledge_made_meanwhile(settings):
    settings.REVIEW_SINGLE_CURATOR = True
    pledge = RestorationPledgeFactory()
    stale = RestorationPledge.objects.get(pk=pledge.pk)
    services.record_update(record=pledge, fields={"conditions": "Once the area is safe"})

    services.pledge_record_status(
        pledge=stale,
        status=PledgeStatus.IN_PROGRESS,
        date="2017",
        citations=[{"source": SourceFactory(), "quote": "work has begun"}],
        lifecycle=Lifecycle.PUBLISHED,
    )

    stored = RestorationPledge.objects.get(pk=pledge.pk)
    assert (stored.status, stored.conditions) == (PledgeStatus.IN_PROGRESS, "Once the area is safe")


def test_a_long_reason_is_kept_whole_in_the_review_log_and_cut_in_the_history(amal):
    site = HeritageSiteFactory(lifecycle=Lifecycle.DRAFT)
    reason = "Duplicate of the record made from the nomination file; " * 5

    services.record_archive(record=site, user=amal, reason=reason)

    assert LifecycleMove.objects.for_record(site).get().reason == reason
    assert len(site.history.first().history_change_reason) == services.HISTORY_REASON_LENGTH


# Who may make each move


def test_a_second_curator_publishes_what_a_curator_submitted(amal, omar):
    report = cited_draft()
    services.record_submit_for_review(record=report, user=amal, reason="Ready")

    with pytest.raises(workflow.MoveRefused, match="another curator"):
        services.record_publish(record=report, user=amal)
    services.record_publish(record=report, user=omar, reason="Checked against the source")

    assert DamageReport.objects.get(pk=report.pk).lifecycle == Lifecycle.PUBLISHED
    moves = [
        (m.from_state, m.to_state, m.moved_by, m.reason)
        for m in LifecycleMove.objects.for_record(report).order_by("moved_at", "pk")
    ]
    assert moves == [
        (Lifecycle.DRAFT, Lifecycle.IN_REVIEW, amal, "Ready"),
        (Lifecycle.IN_REVIEW, Lifecycle.PUBLISHED, omar, "Checked against the source"),
    ]


def test_a_curator_who_changed_a_record_under_review_does_not_publish_it(amal, omar):
    report = cited_draft()
    services.record_submit_for_review(record=report, user=amal)
    services.record_update(record=report, fields={"title": "Museum looted"}, user=omar)

    for curator in (amal, omar):
        with pytest.raises(workflow.MoveRefused):
            services.record_publish(record=report, user=curator)
    assert workflow.pending_authors(report) == {amal.pk, omar.pk}


def test_without_review_a_curator_does_not_publish_a_draft(amal):
    with pytest.raises(workflow.MoveRefused, match="Submit the record for review first"):
        services.record_publish(record=cited_draft(), user=amal)


def test_a_single_curator_installation_publishes_its_own_drafts(amal, settings):
    settings.REVIEW_SINGLE_CURATOR = True
    report = cited_draft()

    services.record_publish(record=report, user=amal)

    assert report.lifecycle == Lifecycle.PUBLISHED


def test_a_partner_submission_is_published_by_any_curator(amal):
    partner = PartnerInstitutionFactory()
    report = services.damage_report_submit(
        fields={"title": "Cases smashed", "source": SourceFactory()},
        m2m={"sites": [HeritageSiteFactory()]},
        citations=[{"source": SourceFactory(), "quote": "smashed"}],
        submitted_by=partner,
        user=partner.account,
    )

    services.record_publish(record=report, user=amal)

    created = LifecycleMove.objects.for_record(report).order_by("pk").first()
    assert (created.to_state, created.partner, created.moved_by) == (
        Lifecycle.IN_REVIEW,
        partner,
        partner.account,
    )


def test_returning_a_record_needs_a_reason_and_logs_it(amal):
    report = cited_draft()
    services.record_submit_for_review(record=report, user=amal)

    with pytest.raises(ValidationError) as error:
        services.record_return(record=report, user=amal, reason="  ")
    assert "reason" in error.value.message_dict
    services.record_return(record=report, user=amal, reason="Name the source of the photographs")

    last = LifecycleMove.objects.for_record(report).newest_first().first()
    assert last.is_return and last.reason == "Name the source of the photographs"
    assert DamageReport.objects.get(pk=report.pk).lifecycle == Lifecycle.DRAFT


def test_partners_only_submit_their_own_drafts():
    mine, theirs = PartnerInstitutionFactory(), PartnerInstitutionFactory()
    draft = DamageReportFactory(lifecycle=Lifecycle.DRAFT, submitted_by=mine)

    with pytest.raises(workflow.MoveRefused):
        services.record_submit_for_review(record=draft, user=theirs.account, partner=theirs)
    with pytest.raises(workflow.MoveRefused):
        services.record_archive(record=draft, user=mine.account, partner=mine)
    services.record_submit_for_review(record=draft, user=mine.account, partner=mine)

    assert DamageReport.objects.get(pk=draft.pk).lifecycle == Lifecycle.IN_REVIEW


def test_staff_outside_the_curators_group_move_nothing(django_user_model):
    clerk = django_user_model.objects.create_user(username="clerk", is_staff=True)
    site = HeritageSiteFactory(lifecycle=Lifecycle.DRAFT)

    with pytest.raises(workflow.MoveRefused):
        services.record_submit_for_review(record=site, user=clerk)

    assert not LifecycleMove.objects.for_record(site).exists()


def test_the_registry_itself_publishes_without_review():
    report = cited_draft()

    services.record_publish(record=report)  # the seed loader and imports act as user=None

    assert LifecycleMove.objects.for_record(report).get().moved_by is None


# Reviewers


@pytest.fixture
def rana():
    return services.curator_create(username="rana", password="a-long-reviewer-passphrase", reviewer=True)


def test_a_reviewer_publishes_and_returns_what_is_under_review_and_nothing_else(rana, amal):
    assert workflow.is_reviewer(rana) and not workflow.is_curator(rana)
    waiting = cited_draft()
    services.record_submit_for_review(record=waiting, user=amal)
    services.record_publish(record=waiting, user=rana)
    assert DamageReport.objects.get(pk=waiting.pk).lifecycle == Lifecycle.PUBLISHED

    returned = cited_draft()
    services.record_submit_for_review(record=returned, user=amal)
    with pytest.raises(ValidationError) as missing:
        services.record_return(record=returned, user=rana, reason=" ")
    assert "reason" in missing.value.message_dict
    services.record_return(record=returned, user=rana, reason="Which source says seven?")
    assert DamageReport.objects.get(pk=returned.pk).lifecycle == Lifecycle.DRAFT

    for record, to in [
        (cited_draft(), Lifecycle.IN_REVIEW),
        (cited_draft(), Lifecycle.PUBLISHED),
        (waiting, Lifecycle.RETRACTED),
        (waiting, Lifecycle.ARCHIVED),
    ]:
        before = type(record).objects.get(pk=record.pk).lifecycle
        with pytest.raises(workflow.MoveRefused, match="Reviewers publish or return"):
            services.record_transition(record=record, to=to, user=rana)
        assert type(record).objects.get(pk=record.pk).lifecycle == before


def test_a_reviewer_account_that_is_no_longer_staff_moves_nothing(rana, amal):
    waiting = cited_draft()
    services.record_submit_for_review(record=waiting, user=amal)
    rana.is_staff = False
    rana.save()
    with pytest.raises(workflow.MoveRefused, match="Only curators and reviewers"):
        services.record_publish(record=waiting, user=rana)
    assert DamageReport.objects.get(pk=waiting.pk).lifecycle == Lifecycle.IN_REVIEW
