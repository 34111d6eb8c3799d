"""Her use of the last 30 days on the dashboard, as a browser shows it: a chart drawn by the
server (there without JavaScript), its figures in a table a screen reader reads, her plan's
rates and her out-of-bundle spend on her line card; on a phone and a desktop alike."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_USERNAME, PHONE

pytestmark = pytest.mark.browser
# Where the screenshots go when asked (SCREENSHOTS=1), to look at the page as she sees it.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _screenshot(page: Page, name: str) -> None:
    if os.environ.get("SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def _chart_is_there(page: Page) -> None:
    history = page.get_by_role("region", name="Your use, last 30 days")
    # the demo's 12 days of her plan: 3,180 MB of data, 95 minutes of calls
    expect(history.locator("figcaption").first).to_contain_text("3.1 GB data")
    expect(history.locator("figcaption").nth(1)).to_contain_text("95 minutes")
    expect(history.locator("svg.usage-chart-bars rect")).to_have_count(12 + 10)
    # the figures, for a screen reader: a table per chart, one row a day with use
    table = history.get_by_role("table", name="Data per day, last 30 days (days not listed: none)")
    expect(table.get_by_role("row")).to_have_count(1 + 12)
    expect(page.get_by_role("table", name="Calls per day, last 30 days (days not listed: none)"))
    # and the bars take her whole card, without sticking out of it
    card, svg = history.bounding_box(), history.locator("svg").first.bounding_box()
    assert card["x"] <= svg["x"]
    assert svg["x"] + svg["width"] <= card["x"] + card["width"]


def test_the_dashboard_shows_her_use_per_day_her_rates_and_spend(stacy_page: Page):
    page = stacy_page
    page.goto("/")

    _chart_is_there(page)
    expect(page.locator(".plan-rates")).to_have_text(
        "Beyond your allowances: €0.008 per MB, €0.08 a minute, €0.06 an SMS."
    )
    expect(page.locator("#out-of-bundle")).to_have_text("€0.00")
    _screenshot(page, "dashboard-1280")


def test_on_a_phone_without_javascript_the_chart_and_its_figures_are_there(browser, portal):
    from orders.demo import DEMO_PASSWORD

    context = browser.new_context(
        viewport=PHONE, base_url=portal.url, locale="en-GB", java_script_enabled=False
    )
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Mobile number or e-mail").fill(DEMO_USERNAME)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/")

    _chart_is_there(page)
    scroll_width, viewport_width = page.evaluate(
        "[document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= viewport_width
    _screenshot(page, "dashboard-390")
    context.close()
