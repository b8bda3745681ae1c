"""The visibility rule (registry.selectors.visibility) and each surface that shows what it says."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from registry.models import Attribution, Citation, Lifecycle, PledgeStatusChange
from registry.selectors import visibility as v
from tests import factories as f
from tests.api_fixtures import api, curator, fresh_throttles, partner_a, partner_b  # noqa: F401

pytestmark = pytest.mark.django_db

WITHDRAWN = [Lifecycle.DRAFT, Lifecycle.IN_REVIEW, Lifecycle.RETRACTED, Lifecycle.ARCHIVED]


def readers(partner):
    return {"public": v.PUBLIC, "partner": v.partner_reader(partner), "curator": v.CURATOR}


# The rule itself


@pytest.mark.parametrize("lifecycle", WITHDRAWN)
def test_only_published_records_are_public(lifecycle, partner_a, partner_b):
    hidden = f.ActorFactory(lifecycle=lifecycle)
    own = f.ActorFactory(lifecycle=lifecycle, submitted_by=partner_a.institution)
    published = f.ActorFactory()
    a, b = v.partner_reader(partner_a.institution), v.partner_reader(partner_b.institution)
    assert [v.may_see(hidden, r) for r in (v.PUBLIC, a, b, v.CURATOR)] == [False, False, False, True]
    assert [v.may_see(own, r) for r in (v.PUBLIC, a, b, v.CURATOR)] == [False, True, False, True]
    assert all(v.may_see(published, r) for r in (v.PUBLIC, a, b, v.CURATOR))
    assert not v.may_see(None, v.CURATOR)
    assert v.visible_slug(hidden) is None and v.visible_slug(published) == published.slug


@pytest.mark.parametrize("lifecycle", [Lifecycle.DRAFT, Lifecycle.RETRACTED, Lifecycle.ARCHIVED])
@pytest.mark.parametrize("target", ["damage_report", "site", "pledge", "source"])
def test_withdrawing_a_record_withdraws_its_citations(target, lifecycle):
    citation = f.CitationFactory()
    kept = f.CitationFactory()
    withdrawn = citation.source if target == "source" else citation.target
    if target != "damage_report":
        if target != "source":
            citation.damage_report, citation.damage_report_id = None, None
            record = {"site": f.HeritageSiteFactory, "pledge": f.RestorationPledgeFactory}[target]()
            setattr(citation, target, record)
            citation.save()
            withdrawn = record
    type(withdrawn).objects.filter(pk=withdrawn.pk).update(lifecycle=lifecycle)
    citation = Citation.objects.get(pk=citation.pk)
    assert not v.may_see(citation) and v.may_see(citation, v.CURATOR)
    assert list(v.visible(Citation.objects.all())) == [kept]
    assert set(v.visible(Citation.objects.all(), v.CURATOR)) == {citation, kept}


def test_attribution_needs_its_event_and_its_actor(partner_a):
    shown = f.AttributionFactory()
    hidden_actor = f.AttributionFactory(actor=f.ActorFactory(lifecycle=Lifecycle.DRAFT))
    hidden_event = f.AttributionFactory(damage_event=f.DamageEventFactory(lifecycle=Lifecycle.ARCHIVED))
    own_actor = f.AttributionFactory(actor=f.ActorFactory(lifecycle=Lifecycle.IN_REVIEW,
                                                          submitted_by=partner_a.institution))
    cited = f.CitationFactory(damage_report=None, attribution=hidden_actor)
    a = v.partner_reader(partner_a.institution)
    assert set(v.visible(Attribution.objects.all())) == {shown}
    assert set(v.visible(Attribution.objects.all(), a)) == {shown, own_actor}
    assert [v.may_see(x) for x in (shown, hidden_actor, hidden_event, own_actor)] == [True, False, False, False]
    assert v.may_see(own_actor, a) and not v.may_see(cited)
    assert not v.visible(Citation.objects.filter(pk=cited.pk)).exists()


def test_status_change_needs_its_pledge():
    change = f.PledgeStatusChangeFactory(pledge=f.RestorationPledgeFactory(lifecycle=Lifecycle.RETRACTED))
    kept = f.PledgeStatusChangeFactory()
    assert list(v.visible(PledgeStatusChange.objects.all())) == [kept]
    assert not v.may_see(change) and v.may_see(kept)


def test_the_row_rule_and_the_queryset_rule_agree(partner_a, partner_b):
    for lifecycle in [*WITHDRAWN, Lifecycle.PUBLISHED]:
        for owner in (None, partner_a.institution, partner_b.institution):
            f.CitationFactory(lifecycle=lifecycle, submitted_by=owner,
                              source=f.SourceFactory(lifecycle=lifecycle, submitted_by=owner))
            f.AttributionFactory(lifecycle=Lifecycle.PUBLISHED,
                                 actor=f.ActorFactory(lifecycle=lifecycle, submitted_by=owner))
    for model in (Citation, Attribution):
        rows = list(model.objects.select_related(*[n for n, _o in v.DEPENDENCIES[model]]))
        for reader in readers(partner_a.institution).values():
            expected = {row.pk for row in rows if v.may_see(row, reader)}
            assert set(v.visible(model.objects.all(), reader).values_list("pk", flat=True)) == expected
            assert 0 < len(expected) <= len(rows)


def test_changes_rule_keeps_withdrawn_records_that_were_public_only():
    once_public = f.ActorFactory()
    v_published_at = once_public.published_at
    assert v_published_at is not None
    type(once_public).objects.filter(pk=once_public.pk).update(lifecycle=Lifecycle.ARCHIVED)
    never_public = f.ActorFactory(lifecycle=Lifecycle.ARCHIVED)
    rows = set(type(once_public).objects.filter(v.changes_rule(type(once_public), v.PUBLIC)))
    assert once_public in rows and never_public not in rows


# Each surface shows what the rule says


def _texts(*responses) -> str:
    return "".join(r.content.decode() if not r.streaming else b"".join(r.streaming_content).decode()
                   for r in responses)


def test_an_attribution_of_a_draft_actor_or_event_is_named_nowhere(api, client, curator):
    actor = f.ActorFactory(lifecycle=Lifecycle.DRAFT, name="Brigade Zephyrine", slug="brigade-zephyrine")
    event = f.DamageEventFactory(title="Quarry Blast Oriel", slug="quarry-blast-oriel", lifecycle=Lifecycle.DRAFT)
    public_event = f.DamageEventFactory()
    on_public = f.AttributionFactory(damage_event=public_event, actor=actor, slug="attr-brigade")
    on_draft = f.AttributionFactory(damage_event=event, actor=f.ActorFactory(), slug="attr-oriel")
    source = f.SourceFactory()
    for attribution in (on_public, on_draft):
        f.CitationFactory(source=source, damage_report=None, attribution=attribution, quote="Tessellated claim")
    shown = _texts(
        api.get(f"/api/v1/damage-events/{public_event.slug}/"), api.get("/api/v1/damage-events/?format=csv"),
        api.get(f"/api/v1/damage-events/{public_event.slug}/?format=jsonld"), api.get("/api/v1/changes/"),
        api.get("/api/v1/citations/"), client.get(source.get_absolute_url()),
        client.get(public_event.get_absolute_url()), client.get(reverse("registry:event-export", args=["csv"])),
    )
    for secret in ("brigade-zephyrine", "Brigade Zephyrine", "quarry-blast-oriel", "Quarry Blast Oriel",
                   "Tessellated claim", "attr-brigade", "attr-oriel"):
        assert secret not in shown
    seen = _texts(curator.get(f"/api/v1/damage-events/{public_event.slug}/"), curator.get("/api/v1/changes/"))
    assert "brigade-zephyrine" in seen and "quarry-blast-oriel" in seen


@pytest.mark.parametrize("lifecycle", [Lifecycle.DRAFT, Lifecycle.RETRACTED, Lifecycle.ARCHIVED])
def test_citations_of_withdrawn_targets_leave_the_citations_list(api, curator, partner_b, lifecycle):
    report = f.DamageReportFactory(slug="report-marjoram", title="Report Marjoram")
    f.CitationFactory(damage_report=report, quote="Saffron quote", slug="citation-saffron")
    kept = f.CitationFactory(quote="Kept quote")
    type(report).objects.filter(pk=report.pk).update(lifecycle=lifecycle)
    for reader in (api, partner_b.client):
        body = reader.get("/api/v1/citations/").content.decode()
        assert "report-marjoram" not in body and "Saffron quote" not in body and "citation-saffron" not in body
        assert kept.slug in body
        assert reader.get("/api/v1/citations/citation-saffron/").status_code == 404
    assert "Saffron quote" in curator.get("/api/v1/citations/").content.decode()


def test_a_partner_sees_its_own_related_records_and_not_another_partners(partner_a, partner_b):
    own = f.ActorFactory(lifecycle=Lifecycle.IN_REVIEW, submitted_by=partner_a.institution, slug="own-speaker")
    citation = f.CitationFactory(speaker=own)
    assert partner_a.client.get(f"/api/v1/citations/{citation.slug}/").json()["speaker"] == "own-speaker"
    assert partner_b.client.get(f"/api/v1/citations/{citation.slug}/").json()["speaker"] is None


def test_the_feed_names_no_unpublished_source(client):
    source = f.SourceFactory(title="Hidden Wire Larkspur", lifecycle=Lifecycle.IN_REVIEW)
    report = f.DamageReportFactory(source=source, title="Feed report")
    body = client.get(reverse("registry:report-feed")).content.decode()
    assert report.title in body and "Hidden Wire Larkspur" not in body


def test_a_partner_may_not_judge_a_claim_confirmed_or_corroborated(partner_a, curator):
    site, source = f.HeritageSiteFactory(slug="claim-site"), f.SourceFactory(slug="claim-source")
    payload = {"title": "Claimed", "source": source.slug, "sites": [site.slug], "occurred": "2015",
               "severity": "severe", "citations": [{"source": source.slug, "quote": "badly"}]}

    def post(client, **extra):
        return client.post("/api/v1/damage-reports/", data=json.dumps(payload | extra),
                           content_type="application/json")

    for status in ("confirmed", "corroborated"):
        response = post(partner_a.client, claim_status=status)
        assert response.status_code == 400, response.content
        message = " ".join(response.json()["errors"]["claim_status"])
        assert status in message and "reported, disputed, retracted" in message
    created = post(partner_a.client, claim_status="disputed")
    assert created.status_code == 201 and created.json()["claim_status"] == "disputed"
    body = created.json()
    patch = partner_a.client.patch(f"/api/v1/damage-reports/{body['slug']}/", format="json",
                                   data={"version": body["version"], "claim_status": "confirmed"})
    assert patch.status_code == 400 and "claim_status" in patch.json()["errors"]
    assert post(curator, claim_status="confirmed").json()["claim_status"] == "confirmed"
