"""What only a browser proves: the HTMX switch really swaps in place, polls until the worker has
activated the add-on, tells a screen reader, and the pages fit a phone."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

# Long enough for the worker's 400 ms network call and the switch's 700 ms poll, twice over.
SETTLED = 5_000
# The switch answers the tap itself, before the worker has done anything.
AT_ONCE = 1_500


def test_switching_an_addon_on_shows_activating_then_active_without_a_reload(stacy_page: Page):
    page = stacy_page
    # given stacy on the add-ons page, €30.00 on her balance and the night pass off
    page.goto("/offers/")
    switch = page.get_by_role("switch", name="Mobile TV Night Pass")
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(switch).to_have_accessible_description("Off")
    expect(page.locator("#balance")).to_have_text("€30.00")
    page.evaluate("window.__marker = 1")

    # when she taps it
    switch.click()

    # then it is on and "Activating…" at once, while the worker talks to the network
    expect(switch).to_have_accessible_description("Activating…", timeout=AT_ONCE)
    expect(switch).to_have_attribute("aria-checked", "true")
    expect(page.locator("#balance")).to_have_text("€28.00")
    # and it becomes "Active" by itself, in the same page (no reload: the marker survived)
    expect(switch).to_have_accessible_description("Active", timeout=SETTLED)
    expect(switch).to_have_attribute("aria-checked", "true")
    expect(page.locator("#live-region")).to_have_text("Mobile TV Night Pass: active")
    expect(page.locator("#balance")).to_have_text("€28.00")
    assert page.evaluate("window.__marker") == 1


def test_switching_an_addon_off_confirms_the_refund_and_gives_it_back(stacy_page: Page):
    page = stacy_page
    # given stacy has switched Data 15GB on (€10.00 of her €30.00) and it is active
    page.goto("/offers/")
    switch = page.get_by_role("switch", name="Data 15GB")
    switch.click()
    expect(switch).to_have_accessible_description("Active", timeout=SETTLED)
    expect(page.locator("#balance")).to_have_text("€20.00")

    # when she taps it again
    switch.click()

    # then she is asked to confirm, and told what comes back (no data used: all of it)
    confirm = page.get_by_role("group", name="Switch off Data 15GB?")
    expect(confirm).to_contain_text("€10.00 back to your balance.")
    expect(confirm.get_by_role("button", name="Switch off")).to_be_focused()

    # when she confirms
    confirm.get_by_role("button", name="Switch off").click()

    # then the switch is off, the refund is on her balance, and a screen reader heard it
    expect(switch).to_have_attribute("aria-checked", "false", timeout=AT_ONCE)
    expect(page.locator("#balance")).to_have_text("€30.00")
    expect(switch).to_have_accessible_description("Off", timeout=SETTLED)
    expect(page.locator("#live-region")).to_have_text("Data 15GB: off")


@pytest.mark.parametrize("path", ["/", "/offers/", "/orders/"])
def test_a_phone_shows_each_page_without_scrolling_sideways(stacy_phone: Page, path: str):
    page = stacy_phone
    # given stacy on a 390 px wide phone
    # when she opens the page
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    # then nothing sticks out to the side
    scroll_width, viewport_width = page.evaluate(
        "[document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= viewport_width == 390
