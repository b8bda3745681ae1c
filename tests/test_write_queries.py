"""How many queries a claim takes to write, with every rule of the services still kept."""

from __future__ import annotations

import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from registry import services
from registry.models import Citation, DamageReport, Lifecycle, LifecycleMove
from tests.api_fixtures import fresh_throttles, partner_a  # noqa: F401
from tests.factories import HeritageSiteFactory, PartnerInstitutionFactory, SourceFactory, term

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator():
    return services.curator_create(username="curator", password="a-long-curator-passphrase")


def test_a_report_with_two_citations_and_two_sites_takes_ten_queries(
    curator, django_assert_max_num_queries,
):
    sites = [HeritageSiteFactory(), HeritageSiteFactory()]
    first, second = SourceFactory(slug="wire"), SourceFactory(slug="tv")
    DamageReport.objects.create(title="Taken", slug="temple-of-bel-destroyed", source=first)

    with django_assert_max_num_queries(10):
        report = services.claim_create(
            model=DamageReport, fields={"title": "Temple of Bel destroyed", "source": first, "occurred": "2015-08"},
            m2m={"sites": sites}, user=curator, reason="From the wire",
            citations=[{"source": first, "quote": "levelled"}, {"source": second, "quote": "rubble"}],
        )

    report = DamageReport.objects.get(pk=report.pk)
    assert (report.slug, report.version, report.lifecycle) == ("temple-of-bel-destroyed-2", 1, Lifecycle.DRAFT)
    assert report.occurred_lower == 20150801
    assert set(report.sites.all()) == set(sites)
    citations = list(report.citations.order_by("pk"))
    assert [c.slug for c in citations] == ["wire-on-temple-of-bel-destroyed-2", "tv-on-temple-of-bel-destroyed-2"]
    assert [c.version for c in citations] == [1, 1]
    entry = report.history.get()
    assert (entry.history_type, entry.history_user, entry.history_change_reason) == ("+", curator, "From the wire")
    assert set(entry.sites.values_list("heritagesite", flat=True)) == {site.pk for site in sites}
    for citation in citations:
        history = citation.history.get()
        assert (history.history_type, history.history_user, history.history_change_reason, history.quote) == (
            "+", curator, "From the wire", citation.quote)


def test_two_citations_of_one_source_get_two_slugs():
    source = SourceFactory(slug="wire")
    report = services.claim_create(
        model=DamageReport, fields={"title": "Arch", "source": source}, m2m={"sites": [HeritageSiteFactory()]},
        citations=[{"source": source, "quote": "one"}, {"source": source, "quote": "two"}],
    )
    assert sorted(report.citations.values_list("slug", flat=True)) == ["wire-on-arch", "wire-on-arch-2"]


def test_fields_and_constraints_are_refused_by_field():
    source = SourceFactory()
    with pytest.raises(ValidationError) as error:
        services.claim_create(
            model=DamageReport,
            fields={"title": "Tombs", "source": source, "quantity_precision": "vague", "occurred": "soon",
                    "cause_category": term("cause_type", "breaking-smashing")},
            citations=[{"source": source}, {"source": source, "quote": "x" * 400}],
        )
    errors = error.value.message_dict
    assert set(errors) == {"occurred", "cause_category", "__all__"}
    assert "A vague quantity needs the source's wording." in errors["__all__"]
    assert not DamageReport.objects.filter(title="Tombs").exists()


def test_a_bad_citation_is_named_and_nothing_is_stored():
    source = SourceFactory()
    with pytest.raises(ValidationError) as error:
        services.claim_create(
            model=DamageReport, fields={"title": "Half", "source": source},
            citations=[{"source": source, "quote": "ok"}, {"source": source, "quote": "x" * 400}],
        )
    assert set(error.value.message_dict) == {"citations[1]"}
    assert not DamageReport.objects.filter(title="Half").exists()
    assert not Citation.objects.filter(quote="ok").exists()


def test_a_slug_asked_for_and_taken_is_refused_by_field():
    source = SourceFactory()
    DamageReport.objects.create(title="Taken", slug="taken", source=source)
    with pytest.raises(ValidationError) as error:
        services.claim_create(model=DamageReport, fields={"title": "New", "slug": "taken", "source": source},
                              citations=[{"source": source}])
    assert set(error.value.message_dict) == {"slug"}


def test_a_partner_submission_logs_its_moves(django_assert_max_num_queries):
    partner = PartnerInstitutionFactory()
    source = SourceFactory()
    ContentType.objects.get_for_models(DamageReport, Citation)  # as in any process already serving

    with django_assert_max_num_queries(9):
        report = services.damage_report_submit(
            fields={"title": "Gate", "source": source}, submitted_by=partner,
            citations=[{"source": source, "quote": "a"}, {"source": source, "quote": "b"}],
        )

    moves = LifecycleMove.objects.filter(partner=partner)
    assert sorted((m.content_type.model, m.from_state, m.to_state) for m in moves) == [
        ("citation", "draft", "in_review"), ("citation", "draft", "in_review"),
        ("damagereport", "draft", "in_review")]
    assert set(report.citations.values_list("lifecycle", flat=True)) == {Lifecycle.IN_REVIEW}


def test_a_claim_created_published_publishes_its_evidence(curator, settings):
    settings.REVIEW_SINGLE_CURATOR = True
    draft_source = SourceFactory(lifecycle=Lifecycle.DRAFT)
    report = services.claim_create(
        model=DamageReport, fields={"title": "Lion of al-Lat", "source": SourceFactory()},
        m2m={"sites": [HeritageSiteFactory()]}, user=curator, lifecycle=Lifecycle.PUBLISHED,
        citations=[{"source": draft_source, "quote": "smashed"}],
    )
    draft_source.refresh_from_db()
    assert draft_source.lifecycle == report.citations.get().lifecycle == Lifecycle.PUBLISHED
    assert report.published_at is not None


def test_a_claim_created_published_needs_a_second_curator(curator):
    with pytest.raises(services.MoveRefused):
        services.claim_create(
            model=DamageReport, fields={"title": "Lion", "source": SourceFactory()}, user=curator,
            lifecycle=Lifecycle.PUBLISHED, citations=[{"source": SourceFactory(), "quote": "smashed"}],
        )
    assert not DamageReport.objects.filter(title="Lion").exists()


@pytest.mark.parametrize("withdrawn", [Lifecycle.RETRACTED, Lifecycle.ARCHIVED])
def test_a_claim_created_published_refuses_withdrawn_evidence(withdrawn):
    with pytest.raises(ValidationError) as error:
        services.claim_create(
            model=DamageReport, fields={"title": "Lion", "source": SourceFactory()}, lifecycle=Lifecycle.PUBLISHED,
            citations=[{"source": SourceFactory(lifecycle=withdrawn), "quote": "smashed"}],
        )
    assert set(error.value.message_dict) == {"citations"}


# Key check (2), the body's slugs (3: sources, sites, terms), the write (13), the answer read back (8).
API_POST_QUERIES = 26


def test_a_partner_posts_a_report_in_few_queries(partner_a, django_assert_max_num_queries):  # noqa: F811
    HeritageSiteFactory(slug="palmyra-museum"), HeritageSiteFactory(slug="tadmor")
    SourceFactory(slug="wire-2016"), SourceFactory(slug="tv-2016")
    payload = {
        "title": "Display cases smashed", "source": "wire-2016", "sites": ["palmyra-museum", "tadmor"],
        "occurred": "2015/2016-03", "cause_category": "vandalism", "cause_type": "breaking-smashing",
        "effects": ["cracked-broken-missing-parts"], "severity": "severe",
        "citations": [{"source": "wire-2016", "quote": "smashed display cases", "locator": "para. 9"},
                      {"source": "tv-2016", "quote": "cases broken"}],
    }
    ContentType.objects.get_for_models(DamageReport, Citation)

    with django_assert_max_num_queries(API_POST_QUERIES):
        response = partner_a.client.post("/api/v1/damage-reports/", data=json.dumps(payload),
                                          content_type="application/json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert sorted(c["quote"] for c in body["citations"]) == ["cases broken", "smashed display cases"]
    report = DamageReport.objects.get(slug=body["slug"])
    assert report.history.get().history_change_reason.startswith("Submitted by")
    assert report.sites.count() == 2 and report.citations.count() == 2

