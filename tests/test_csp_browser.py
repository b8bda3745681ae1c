"""Under the Content Security Policy the pages, the admin and the API docs still work in Chromium.

Chromium reports every resource, script or style the policy blocks on the
console; the test collects those reports on each page and expects none,
while checking that what depends on scripts (the map, the admin's widgets,
Swagger UI) did run.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from registry import services
from tests.factories import DamageReportFactory, HeritageSiteFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
]
PASSWORD = "a long curator passphrase"


@pytest.fixture
def browser_page(chromium_path, live_server, monkeypatch, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_vocabularies", verbosity=0)
    site = HeritageSiteFactory(
        name="Palmyra", slug="palmyra", latitude=Decimal("34.5515"), longitude=Decimal("38.2683")
    )
    DamageReportFactory(sites=[site])
    # Through the service: an earlier transactional test's flush may have emptied the group
    # the migrations made, and a bare group holds no permission on the changelists.
    services.curator_create(username="csp-curator", password=PASSWORD)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        tab = context.new_page()
        tab.route(
            "**/*",
            lambda route: (
                route.abort()
                if not route.request.url.startswith(live_server.url)
                else route.continue_()
            ),
        )
        tab.blocked = []
        tab.on(
            "console",
            lambda message: (
                tab.blocked.append(f"{tab.url}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        yield tab, site
        browser.close()


def test_public_pages_admin_and_docs_work_under_the_policy(browser_page):
    page, site = browser_page
    response = page.goto("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.goto(f"/sites/{site.slug}/")
    page.wait_for_selector("#map .leaflet-marker-icon")  # map.js and Leaflet ran
    page.goto("/map/")
    page.wait_for_selector("#map .leaflet-marker-icon")

    page.goto("/admin/login/")
    page.fill("#id_username", "csp-curator")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    assert page.locator("#review-queue-module").is_visible()
    page.goto("/admin/registry/heritagesite/")
    page.locator("#action-toggle").check()  # the admin's actions.js selects every row
    assert page.locator("tr.selected").count() >= 1
    page.goto(f"/admin/registry/heritagesite/{site.pk}/change/")
    page.wait_for_selector("#heritagesite_form")
    page.goto("/admin/registry/damagereport/add/")
    page.wait_for_selector("#damagereport_form")

    page.goto("/api/docs/")
    page.wait_for_selector(
        ".swagger-ui .info .title"
    )  # Swagger UI started from its own script file
    assert page.blocked == []
