"""The admin's review queue in a real headless Chromium: a curator logs in, reads the
diff of a partner's submission, and returns it with a reason."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from registry import services
from registry.models import DamageReport, Lifecycle, LifecycleMove
from tests.factories import HeritageSiteFactory, PartnerInstitutionFactory, SourceFactory
from tests.test_browser import CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-curator-passphrase"


@pytest.fixture
def submitted():
    call_command("load_vocabularies", verbosity=0)
    services.curator_create(username="rania", password=PASSWORD)
    partner = PartnerInstitutionFactory(name="Aleppo Heritage Watch")
    source = SourceFactory(title="Syrian troops retake Palmyra")
    report = services.damage_report_submit(
        fields={
            "title": "Display cases smashed",
            "source": source,
            "severity": "severe",
            "quantity_precision": "vague",
            "quantity_phrase": "several",
            "occurred": "2015/2016-03",
        },
        m2m={"sites": [HeritageSiteFactory(name="Palmyra Museum")]},
        citations=[
            {"source": source, "quote": "several smashed display cases", "locator": "para. 9"}
        ],
        submitted_by=partner,
        user=partner.account,
    )
    return report


def test_a_curator_reviews_and_returns_a_submission(
    chromium_path, live_server, submitted, screenshot_dir, monkeypatch
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
        page.goto("/admin/login/?next=/admin/registry/review-queue/")
        page.get_by_label("Username").fill("rania")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/review-queue/")

        item = page.locator(f"#review-damagereport-{submitted.pk}")
        assert "Display cases smashed" in item.inner_text()
        assert item.locator("ins", has_text="Severe").count() == 1
        assert (
            page.get_by_role("button", name="Publish").count() == 2
        )  # the report and its citation
        page.screenshot(path=str(screenshot_dir / "review-queue.png"), full_page=True)

        item.get_by_label("Reason for returning it").fill("Add the date of the footage.")
        item.get_by_role("button", name="Return with reason").click()
        page.wait_for_load_state()
        assert "went back to its submitter" in page.locator(".messagelist").inner_text()
        browser.close()

    assert DamageReport.objects.get(pk=submitted.pk).lifecycle == Lifecycle.DRAFT
    assert (
        LifecycleMove.objects.for_record(submitted).newest_first().first().reason
        == "Add the date of the footage."
    )
