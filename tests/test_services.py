from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from registry import services
from registry.models import (
    APIKey, Citation, DamageReport, HeritageSite, Lifecycle, PledgeStatus, PledgeStatusChange, Source,
)
from tests.factories import (
    ActorFactory, DamageReportFactory, HeritageSiteFactory, PartnerInstitutionFactory,
    RestorationPledgeFactory, SourceFactory, term,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator():
    return services.curator_create(username="curator", password="a-long-curator-passphrase")


@pytest.fixture
def single_curator(settings):
    """An installation run by one curator, who publishes their own drafts."""
    settings.REVIEW_SINGLE_CURATOR = True


def test_create_makes_unique_slug_and_records_who_and_why(curator):
    first = services.record_create(
        model=HeritageSite, fields={"name": "Palmyra", "kind": term("site_kind", "archaeological-site"), "country": "SY"},
        user=curator, reason="New site",
    )
    second = services.record_create(
        model=HeritageSite, fields={"name": "Palmyra", "kind": first.kind, "country": "SY"}, user=curator,
    )

    assert (first.slug, second.slug) == ("palmyra", "palmyra-2")
    entry = first.history.get()
    assert (entry.history_user, entry.history_change_reason, entry.history_type) == (curator, "New site", "+")


def test_update_bumps_version_and_keeps_previous_values_in_history(curator):
    site = HeritageSiteFactory(description="Before")

    services.record_update(record=site, fields={"description": "After"}, user=curator, reason="Typo",
                           expected_version=1)

    assert site.version == 2
    assert [h.description for h in site.history.order_by("history_date")] == ["Before", "After"]


def test_stale_edit_is_refused_and_nothing_is_overwritten():
    site = HeritageSiteFactory(description="Original")
    services.record_update(record=HeritageSite.objects.get(pk=site.pk), fields={"description": "Newer"})

    with pytest.raises(services.StaleVersionError) as error:
        services.record_update(record=site, fields={"description": "Stale"}, expected_version=1)

    assert error.value.current == 2
    site.refresh_from_db()
    assert (site.description, site.version) == ("Newer", 2)


def test_invalid_edtf_is_refused_by_field_and_stored_record_kept():
    report = DamageReportFactory(occurred="2015")

    with pytest.raises(ValidationError) as error:
        services.record_update(record=report, fields={"occurred": "last year"})

    assert "occurred" in error.value.message_dict
    report.refresh_from_db()
    assert (report.occurred, report.occurred_lower, report.version) == ("2015", 20150101, 1)


def test_out_of_range_latitude_names_the_field():
    with pytest.raises(ValidationError) as error:
        services.record_create(
            model=HeritageSite,
            fields={"name": "Nowhere", "kind": term("site_kind", "museum"), "country": "SY",
                    "latitude": 123, "longitude": 38},
        )

    assert "latitude" in error.value.message_dict
    assert not HeritageSite.objects.filter(name="Nowhere").exists()


def test_claim_without_citation_is_refused():
    source = SourceFactory()

    with pytest.raises(ValidationError) as error:
        services.claim_create(model=DamageReport, fields={"title": "Unsourced", "source": source}, citations=[])

    assert "citations" in error.value.message_dict
    assert not DamageReport.objects.filter(title="Unsourced").exists()


def test_claim_with_a_bad_citation_stores_nothing():
    source = SourceFactory()
    site = HeritageSiteFactory()

    with pytest.raises(ValidationError) as error:
        services.claim_create(
            model=DamageReport, fields={"title": "Half", "source": source}, m2m={"sites": [site]},
            citations=[{"source": source, "quote": "ok"}, {"source": source, "quote": "x" * 400}],
        )

    assert "citations[1]" in error.value.message_dict
    assert not DamageReport.objects.filter(title="Half").exists()
    assert not Citation.objects.filter(quote="ok").exists()


def test_publishing_a_claim_needs_a_citation_and_publishes_its_evidence(curator, single_curator):
    report = DamageReportFactory(lifecycle=Lifecycle.DRAFT)
    with pytest.raises(ValidationError):
        services.record_publish(record=report, user=curator)

    draft_source = SourceFactory(lifecycle=Lifecycle.DRAFT)
    citation = services.citation_add(target=report, fields={"source": draft_source, "quote": "smashed"})
    services.record_publish(record=report, user=curator)

    citation.refresh_from_db()
    draft_source.refresh_from_db()
    assert report.lifecycle == citation.lifecycle == draft_source.lifecycle == Lifecycle.PUBLISHED
    assert report.published_at is not None


def test_publishing_a_report_publishes_the_source_it_comes_from(curator, single_curator):
    own_source = SourceFactory(lifecycle=Lifecycle.DRAFT)
    report = DamageReportFactory(lifecycle=Lifecycle.DRAFT, source=own_source)
    services.citation_add(target=report, fields={"source": SourceFactory(), "quote": "smashed"})

    services.record_publish(record=report, user=curator)

    own_source.refresh_from_db()
    assert own_source.lifecycle == Lifecycle.PUBLISHED


@pytest.mark.parametrize("withdrawn", [Lifecycle.RETRACTED, Lifecycle.ARCHIVED])
def test_a_withdrawn_source_cannot_back_a_published_report(curator, single_curator, withdrawn):
    own_source = SourceFactory(title="Retouched video")
    report = DamageReportFactory(lifecycle=Lifecycle.DRAFT, source=own_source)
    services.citation_add(target=report, fields={"source": SourceFactory(), "quote": "smashed"})
    services.record_transition(record=own_source, to=withdrawn, user=curator)

    with pytest.raises(ValidationError) as error:
        services.record_publish(record=report, user=curator)

    assert "Retouched video" in error.value.message_dict["source"][0]
    report.refresh_from_db()
    own_source.refresh_from_db()
    assert (report.lifecycle, own_source.lifecycle) == (Lifecycle.DRAFT, withdrawn)


def test_a_record_created_published_has_its_publication_date():
    kind = term("source_kind", "news-article")
    source = services.record_create(model=Source, fields={
        "title": "Wire report", "kind": kind, "lifecycle": Lifecycle.PUBLISHED})
    draft = services.record_create(model=Source, fields={"title": "Notes", "kind": kind, "lifecycle": Lifecycle.DRAFT})

    assert source.published_at is not None
    assert draft.published_at is None


def test_lifecycle_refuses_impossible_steps():
    site = HeritageSiteFactory(lifecycle=Lifecycle.ARCHIVED)

    with pytest.raises(ValidationError) as error:
        services.record_publish(record=site)

    assert "lifecycle" in error.value.message_dict


def test_archive_keeps_the_row_and_hides_it():
    site = HeritageSiteFactory()

    services.record_archive(record=site, reason="Duplicate of another record")

    assert HeritageSite.objects.filter(pk=site.pk, lifecycle=Lifecycle.ARCHIVED).exists()
    assert not HeritageSite.objects.published().filter(pk=site.pk).exists()
    assert site.history.first().history_change_reason == "Duplicate of another record"


def test_partner_report_waits_in_review_attributed_to_partner():
    partner = PartnerInstitutionFactory()
    source = SourceFactory()
    site = HeritageSiteFactory()

    report = services.damage_report_submit(
        fields={"title": "Looting seen", "source": source}, m2m={"sites": [site]},
        citations=[{"source": source, "quote": "looted"}], submitted_by=partner, user=partner.account,
    )

    assert (report.lifecycle, report.submitted_by) == (Lifecycle.IN_REVIEW, partner)
    assert report.citations.get().lifecycle == Lifecycle.IN_REVIEW
    assert list(DamageReport.objects.visible_to_partner(partner)) == [report]
    assert list(DamageReport.objects.visible_to_partner(PartnerInstitutionFactory())) == []
    assert report.history.first().history_change_reason == f"Submitted by {partner}"


def test_pledge_status_follows_latest_published_evidence():
    pledge = RestorationPledgeFactory()
    source = SourceFactory()

    services.pledge_record_status(pledge=pledge, status=PledgeStatus.IN_PROGRESS, date="2017",
                                  citations=[{"source": source, "quote": "work began"}], lifecycle=Lifecycle.PUBLISHED)
    draft = services.pledge_record_status(pledge=pledge, status=PledgeStatus.FULFILLED, date="2019",
                                          citations=[{"source": source, "quote": "finished"}])
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.IN_PROGRESS

    services.record_publish(record=draft)
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.FULFILLED
    assert PledgeStatusChange.objects.filter(pledge=pledge).count() == 2


def test_api_key_is_stored_hashed_and_revocable():
    partner = PartnerInstitutionFactory()

    key, raw = services.api_key_create(institution=partner, label="sync")

    assert raw not in key.digest and len(key.digest) == 64
    assert services.api_key_authenticate(raw_key=raw) == key
    assert services.api_key_authenticate(raw_key=raw + "x") is None
    services.api_key_revoke(key=key)
    assert services.api_key_authenticate(raw_key=raw) is None
    assert APIKey.objects.filter(pk=key.pk).exists()


def test_api_key_use_is_recorded_to_the_minute():
    key, raw = services.api_key_create(institution=PartnerInstitutionFactory(), label="sync")
    assert key.last_used_at is None

    first = services.api_key_authenticate(raw_key=raw).last_used_at
    assert first is not None
    services.api_key_authenticate(raw_key=raw)
    key.refresh_from_db()
    assert key.last_used_at == first  # a second request within the minute writes nothing

    APIKey.objects.filter(pk=key.pk).update(last_used_at=first - services.KEY_USE_RESOLUTION)
    later = services.api_key_authenticate(raw_key=raw).last_used_at
    key.refresh_from_db()
    assert key.last_used_at == later > first


def test_partner_gets_a_service_account_without_password():
    partner = PartnerInstitutionFactory(name="Museum of Example")

    assert partner.account.username == "partner-museum-of-example"
    assert not partner.account.has_usable_password()
    assert ActorFactory().pk  # unrelated actors still save normally


def test_many_to_many_changes_are_kept_in_history():
    report = DamageReportFactory()
    museum = HeritageSiteFactory(name="Museum")

    services.record_save(record=report, m2m={"sites": [museum]}, reason="Moved to the museum")

    latest = report.history.latest()
    assert [row.heritagesite_id for row in latest.sites.all()] == [museum.pk]
    assert report.history.count() >= 2


def test_publishing_a_draft_dates_it_once(curator, single_curator):
    site = HeritageSiteFactory(lifecycle=Lifecycle.DRAFT)
    assert site.published_at is None
    services.record_publish(record=site, user=curator)
    first = HeritageSite.objects.get(pk=site.pk).published_at
    assert first is not None
    services.record_retract(record=site, user=curator, reason="Wrong place")
    services.record_publish(record=site, user=curator)
    assert HeritageSite.objects.get(pk=site.pk).published_at == first


def test_slugs_come_from_names_or_titles_and_keep_to_their_length():
    place = {"kind": term("site_kind", "archaeological-site"), "country": "IQ"}
    site = services.record_create(model=HeritageSite, fields={"name": "Great Mosque of al-Nuri", **place})
    source = services.record_create(model=Source, fields={
        "title": "Mosul minaret destroyed", "kind": term("source_kind", "news-article")})
    assert (site.slug, source.slug) == ("great-mosque-of-al-nuri", "mosul-minaret-destroyed")

    long_name = ("Mausoleum " * 19).strip()  # 189 characters, the name field takes 200
    base = services.slug_base(model=HeritageSite, text=long_name)
    assert len(base) <= 120 - 8 and base == "-".join(["mausoleum"] * 19)[:112].strip("-")
    assert len(services.slug_base(model=HeritageSite, text="x" * 200, max_length=50)) == 42
    taken = [services.record_create(model=HeritageSite, fields={"name": long_name, **place}).slug for _ in range(3)]
    assert len(set(taken)) == 3 and all(len(slug) <= 120 for slug in taken)
