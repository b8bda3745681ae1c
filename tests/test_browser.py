"""The public pages in a real headless Chromium: search, filters, maps, Arabic, accessibility.

Data is made with factories inside each test (live_server needs a transactional
database, which is emptied between tests, so the vocabularies are loaded again).
Map tiles are blocked so the result does not depend on the network; Leaflet and
its markers must still work from the project's own static files.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from tests.factories import (
    ActorFactory, CitationFactory, DamageEventFactory, DamageReportFactory, HeritageSiteFactory,
    InterventionFactory, PledgeStatusChangeFactory, RestorationPledgeFactory, SiteNameFactory, SourceFactory,
)

# The rows the migrations made (vocabularies, the curator group) are put back before each
# test by the vocabularies_present fixture in conftest.py.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"]
SERIOUS = {"serious", "critical"}


@pytest.fixture
def registry_data():
    call_command("load_vocabularies", verbosity=0)
    site = HeritageSiteFactory(name="Palmyra", slug="palmyra", latitude=Decimal("34.5515"),
                               longitude=Decimal("38.2683"))
    SiteNameFactory(owner=site, name="تدمر", language="ar")
    SiteNameFactory(owner=site, name="Tadmur", language="ar-Latn")
    HeritageSiteFactory(name="Nimrud", slug="nimrud", country="IQ", is_sensitive=True,
                        latitude=Decimal("36.098611"), longitude=Decimal("43.329444"))
    director = ActorFactory(name="Maamoun Abdulkarim", slug="maamoun-abdulkarim", kind="person")
    source = SourceFactory(title="Syrian troops retake Palmyra", slug="wire-report")
    event = DamageEventFactory(title="Tower tombs blown up", slug="tower-tombs", sites=[site])
    three = DamageReportFactory(title="Three tombs destroyed", slug="three-tombs", damage_event=event,
                                sites=[site], source=source, quantity=3, quantity_precision="exact")
    DamageReportFactory(title="Seven tombs destroyed", slug="seven-tombs", damage_event=event, sites=[site],
                        quantity=7, quantity_precision="exact", severity="destroyed")
    CitationFactory(source=source, damage_report=three, quote="dynamited its ancient temples", speaker=director)
    pledge = RestorationPledgeFactory(title="Restore the monuments", slug="restore-monuments", pledger=director,
                                      sites=[site], target="2019")
    change = PledgeStatusChangeFactory(pledge=pledge, status="in_progress", date="2017")
    CitationFactory(source=source, damage_report=None, pledge_status=change, quote="work has begun")
    InterventionFactory(title="Lion restored", slug="lion-restored", sites=[site])
    return {"site": site, "event": event, "report": three, "pledge": pledge, "source": source, "actor": director}


@pytest.fixture
def page(chromium_path, live_server, registry_data, monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the ORM calls
    # the test makes between page actions are still plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        tab = context.new_page()
        # Tiles come from an outside server; block them so the test is the same offline.
        tab.route("**/*", lambda route: route.abort() if not route.request.url.startswith(live_server.url)
                  else route.continue_())
        yield tab
        browser.close()


def assert_accessible(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"] if v["impact"] in SERIOUS]
    assert serious == [], f"{page.url}: {serious}"


def shoot(page, screenshot_dir, name: str) -> None:
    page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)


def test_search_by_arabic_name_finds_the_site(page, screenshot_dir):
    page.goto("/")
    page.get_by_label("Search sites by name, in any language").fill("تدمر")
    page.get_by_label("Search sites by name, in any language").press("Enter")
    page.wait_for_url("**/sites/?q=*")
    rows = page.locator("table tbody tr")
    assert rows.count() == 1
    assert "Palmyra" in rows.first.inner_text()
    shoot(page, screenshot_dir, "site-list")
    assert_accessible(page)


def test_filtering_reports_and_invalid_input(page, screenshot_dir):
    page.goto("/reports/")
    page.get_by_label("Severity").select_option("destroyed")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**severity=destroyed**")
    assert page.locator("table tbody tr").count() == 1
    assert "Seven tombs destroyed" in page.locator("table tbody").inner_text()
    shoot(page, screenshot_dir, "report-list")
    page.get_by_label("Damaged from").fill("bogus")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**date_from=bogus**")
    assert page.locator("#id_date_from_error").is_visible()
    shoot(page, screenshot_dir, "report-list-error")
    assert_accessible(page)


def test_site_page_with_citations_and_disputed_reports(page, screenshot_dir):
    page.goto("/sites/palmyra/")
    assert page.locator("h1").inner_text() == "Palmyra"
    assert page.get_by_text("dynamited its ancient temples").is_visible()
    assert page.get_by_text("Maamoun Abdulkarim").first.is_visible()
    assert page.locator(".accounts-disputed table.side-by-side").is_visible()
    page.wait_for_selector("#map[data-markers='1']", state="attached")
    shoot(page, screenshot_dir, "site-detail")
    assert_accessible(page)


def test_map_loads_leaflet_from_static_and_shows_markers(page, screenshot_dir):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/map/")
    page.wait_for_selector("#map[data-markers='2']", state="attached")
    assert any("/static/leaflet/leaflet.js" in url for url in requested)
    assert page.locator(".leaflet-marker-icon").count() == 2
    # The markers came from the map data for this view, the sensitive one at its coarsened place.
    assert any("/map/data/?bbox=" in url and "&zoom=" in url for url in requested)
    every = page.evaluate("fetch('/map/data/?bbox=-180,-90,180,90&zoom=18').then(r => r.json())")
    assert [43.3, 36.1] in [feature["geometry"]["coordinates"] for feature in every["features"]]
    shoot(page, screenshot_dir, "map")
    assert_accessible(page)


def test_arabic_layout_and_keyboard_language_switcher(page, screenshot_dir):
    page.goto("/")
    assert page.locator("html").get_attribute("dir") == "ltr"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.get_by_label("Language", exact=True).focus()
    page.keyboard.press("ArrowDown")  # English → العربية
    page.get_by_label("Language", exact=True).press("Tab")
    page.keyboard.press("Enter")  # the focused "Change language" button
    page.wait_for_selector("html[dir='rtl']", state="attached")
    assert page.locator("html").get_attribute("lang") == "ar"
    assert "سجل الأضرار التي لحقت بالتراث" in page.locator("h1").inner_text()
    shoot(page, screenshot_dir, "home-ar")
    assert_accessible(page)
    page.goto("/sites/palmyra/")
    assert page.locator("h1").inner_text() == "تدمر"
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.wait_for_selector("#map[data-markers='1']", state="attached")
    shoot(page, screenshot_dir, "site-detail-ar")
    assert_accessible(page)
    page.goto("/map/")
    page.wait_for_selector("#map[data-markers='2']", state="attached")
    shoot(page, screenshot_dir, "map-ar")
    assert_accessible(page)
    page.goto("/sites/palmyra/")
    page.get_by_label("اللغة", exact=True).select_option("en")
    page.get_by_role("button", name="تغيير اللغة").click()
    page.wait_for_selector("html[dir='ltr']", state="attached")


def test_pledge_tracker_shows_overdue_pledge(page, screenshot_dir):
    page.goto("/pledges/tracker/")
    overdue_row = page.locator("tr.overdue")
    assert overdue_row.count() == 1
    assert "Restore the monuments" in overdue_row.inner_text()
    assert page.get_by_text("Fulfilment rate: 0 %").is_visible()
    shoot(page, screenshot_dir, "pledge-tracker")
    assert_accessible(page)


PAGE_TYPES = [
    ("home", "/"), ("artefact-list", "/artefacts/"), ("event-list", "/events/"), ("pledge-list", "/pledges/"),
    ("source-list", "/sources/"), ("actor-list", "/actors/"), ("intervention-list", "/interventions/"),
    ("event-detail", "/events/tower-tombs/"), ("report-detail", "/reports/three-tombs/"),
    ("pledge-detail", "/pledges/restore-monuments/"), ("source-detail", "/sources/wire-report/"),
    ("actor-detail", "/actors/maamoun-abdulkarim/"), ("intervention-detail", "/interventions/lion-restored/"),
]


def test_every_page_type_is_accessible(page, screenshot_dir):
    from tests.factories import ArtefactFactory

    artefact = ArtefactFactory(name="Lion of Al-lat", slug="lion-of-al-lat")
    for name, path in [*PAGE_TYPES, ("artefact-detail", artefact.get_absolute_url())]:
        response = page.goto(path)
        assert response.status == 200, path
        shoot(page, screenshot_dir, name)
        assert_accessible(page)
