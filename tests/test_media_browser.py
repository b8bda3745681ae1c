"""Before/after pairs in a real headless Chromium, under a strict Content-Security-Policy."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from registry import services
from registry.models import Lifecycle, MediaPair
from tests.factories import ActorFactory, DamageEventFactory, HeritageSiteFactory
from tests.media_fixtures import jpeg_bytes, make_image, media_root  # noqa: F401
from tests.test_browser import CHROMIUM_ARGS, assert_accessible, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: https://tile.openstreetmap.org; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


@pytest.fixture
def pair_site():
    call_command("load_vocabularies", verbosity=0)
    site = HeritageSiteFactory(
        name="Palmyra",
        slug="palmyra",
        is_sensitive=True,
        latitude="34.551234",
        longitude="38.268765",
    )
    event = DamageEventFactory(
        title="Temple of Bel destroyed", slug="bel", occurred="2015-08-27/2015-09-02", sites=[site]
    )
    provider = ActorFactory(name="Orbital Imaging", kind="organisation")
    common = {"kind": "satellite", "taken": "", "provider": provider}
    before = make_image(
        site,
        data=jpeg_bytes((1200, 800), colour=(200, 190, 160), band=(40, 110, 60), gps=True),
        caption="Temple of Bel, standing",
        acquired="2014-08-27",
        **common,
    )
    after = make_image(
        site,
        data=jpeg_bytes((1200, 800), colour=(60, 70, 90), band=None),
        caption="Temple of Bel, rubble",
        acquired="2015-08-20",
        **common,
    )
    services.record_create(
        model=MediaPair,
        fields={
            "title": "Temple of Bel from orbit",
            "before": before,
            "after": after,
            "damage_event": event,
            "lifecycle": Lifecycle.PUBLISHED,
        },
    )
    return site


@pytest.fixture
def strict_page(chromium_path, live_server, pair_site, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    def with_csp(route):
        if not route.request.url.startswith(live_server.url):
            return route.abort()
        response = route.fetch()
        headers = {**response.headers}
        if "text/html" in headers.get("content-type", ""):
            headers["content-security-policy"] = STRICT_CSP
        return route.fulfill(response=response, headers=headers)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(
            base_url=live_server.url, locale="en-GB", viewport={"width": 1200, "height": 900}
        )
        tab = context.new_page()
        tab.route("**/*", with_csp)
        violations: list[str] = []
        tab.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        tab.violations = violations
        yield tab
        browser.close()


def clip_of(page) -> str:
    return page.locator(".pair-after").first.evaluate(
        "element => getComputedStyle(element).clipPath"
    )


def test_pair_side_by_side_and_slider_under_a_strict_csp(strict_page, screenshot_dir):
    page = strict_page
    page.goto("/sites/palmyra/#pair-temple-of-bel-from-orbit")
    pair = page.locator(".media-pair")
    assert pair.locator(".media-warning").inner_text().startswith("Warning:")
    assert "predates the damage event" in pair.inner_text()
    images = pair.locator(".pair-side-by-side img")
    assert images.count() == 2
    for index in range(2):
        assert images.nth(index).evaluate("img => img.complete && img.naturalWidth") == 1200
    # The slider appears only when compare.js runs, which the policy allows as a file of the site.
    slider = pair.locator(".pair-slider")
    slider.wait_for(state="visible")
    assert "50%" in clip_of(page)
    pair.locator(".pair-slider").scroll_into_view_if_needed()
    shoot(page, screenshot_dir, "media-pair-slider-50")
    page.get_by_label("Slide to compare before (2014-08-27) and after (2015-08-20)").fill("20")
    assert "20%" in clip_of(page)
    shoot(page, screenshot_dir, "media-pair-slider-20")
    assert page.violations == []
    assert_accessible(page)


def test_slider_in_arabic_runs_from_the_right(strict_page, live_server, screenshot_dir):
    page = strict_page
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": live_server.url}])
    page.goto("/sites/palmyra/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.locator(".pair-slider").wait_for(state="visible")
    assert clip_of(page) == "inset(0px 50% 0px 0px)"
    page.locator(".pair-slider").scroll_into_view_if_needed()
    shoot(page, screenshot_dir, "media-pair-slider-rtl")
    assert page.violations == []
