"""The summary, the condition timeline and the side-by-side accounts, in a real Chromium."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from registry import services
from tests.factories import (
    ActorFactory, ArtefactFactory, CitationFactory, DamageEventFactory, DamageReportFactory,
    HeritageSiteFactory, InterventionFactory, RestorationPledgeFactory, term,
)
from tests.test_browser import CHROMIUM_ARGS, assert_accessible, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cases():
    call_command("load_vocabularies", verbosity=0)
    palmyra = HeritageSiteFactory(name="Palmyra", slug="palmyra", latitude=None, longitude=None)
    lion = ArtefactFactory(name="Lion of Al-lat", slug="lion-of-al-lat", site=palmyra)
    smashed = DamageEventFactory(title="Lion of Al-lat smashed", sites=[palmyra], occurred="2015-05/2015-07")
    for title, observed, severity in [("The lion is smashed", "2015-07", "destroyed"),
                                      ("The pieces can be put together", "2016-04", "severe")]:
        report = DamageReportFactory(title=title, damage_event=smashed, sites=[palmyra],
                                     occurred="2015-05/2015-07", observed=observed, severity=severity,
                                     claim_status="confirmed")
        report.artefacts.set([lion])
    restored = InterventionFactory(title="The lion restored and shown in Damascus", sites=[palmyra],
                                   date="2017", claim_status="confirmed", severity_after="slight")
    restored.artefacts.set([lion])
    CitationFactory(damage_report=None, intervention=restored, quote="restored")
    tombs = DamageEventFactory(title="Tower tombs blown up", sites=[palmyra], occurred="2015-08/2015-09")
    for title, count in [("Three tombs blown up", 3), ("Satellite images show seven", 7)]:
        DamageReportFactory(title=title, damage_event=tombs, sites=[palmyra], occurred="2015-08/2015-09",
                            quantity=count, quantity_precision="exact", severity="destroyed")
    notre_dame = HeritageSiteFactory(name="Notre-Dame de Paris", slug="notre-dame", country="FR",
                                     latitude=None, longitude=None)
    DamageReportFactory(title="Roof and spire burnt", sites=[notre_dame], occurred="2019-04-15",
                        severity="severe", claim_status="confirmed", cause_type=term("cause_type", "accidental-fire"))
    state = ActorFactory(name="French state")
    pledge = RestorationPledgeFactory(title="Rebuild Notre-Dame", pledger=state, sites=[notre_dame],
                                      amount=Decimal("300000000"), currency="EUR", target="2024")
    services.pledge_party_add(pledge=pledge, actor=ActorFactory(name="Pinault family"), role="funder",
                              amount=Decimal("100000000"))
    services.pledge_party_add(pledge=pledge, actor=ActorFactory(name="Arnault family"), role="funder",
                              amount=Decimal("200000000"))
    return {"palmyra": palmyra, "lion": lion, "notre_dame": notre_dame}


@pytest.fixture
def tab(chromium_path, live_server, cases, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        page = context.new_page()
        page.route("**/*", lambda route: route.abort() if not route.request.url.startswith(live_server.url)
                   else route.continue_())
        yield page
        browser.close()


def test_artefact_page_opens_with_its_condition_and_timeline(tab, cases, screenshot_dir):
    tab.goto(cases["lion"].get_absolute_url())
    summary = tab.locator("section.summary")
    assert summary.is_visible()
    assert "Current condition: Restored/repaired (damage remaining: slight)" in summary.inner_text()
    states = tab.locator("ol.condition-timeline > li")
    assert states.count() == 3
    assert "Current condition" in states.nth(2).inner_text()
    assert tab.locator(".accounts .badge-agree").is_visible()
    shoot(tab, screenshot_dir, "artefact-condition")
    assert_accessible(tab)


def test_site_page_says_what_differs_and_shows_pledge_parties(tab, cases, screenshot_dir):
    tab.goto(cases["palmyra"].get_absolute_url())
    badge = tab.locator(".accounts-disputed .badge-disputed")
    assert badge.inner_text() == "Disputed: numbers differ: 3 vs 7"
    assert tab.locator(".accounts-disputed tr.differs").count() == 1
    shoot(tab, screenshot_dir, "site-disputed-numbers")
    tab.goto(cases["notre_dame"].get_absolute_url())
    assert "Pinault family (funder, €100,000,000)" in tab.locator(".parties").inner_text()
    assert "Accidental fire" in tab.locator("section.summary").inner_text()
    shoot(tab, screenshot_dir, "site-pledge-parties")
    assert_accessible(tab)
