"""What only a browser proves: the HTMX switch swaps in place and polls until the worker has
activated the add-on, a screen reader hears it, a keyboard user keeps her place, and the pages fit
a phone. The demo data, a real Celery worker in a thread, and a 400 ms network (see conftest)."""

import pytest
from playwright.sync_api import Page, expect

from .conftest import switched_on

pytestmark = pytest.mark.browser


def test_switching_an_addon_on_shows_activating_then_active_without_a_reload(stacy_page: Page):
    page = stacy_page
    # given stacy on the add-ons page, €30.00 on her balance and the night pass off
    page.goto("/offers/")
    switch = page.get_by_role("switch", name="Mobile TV Night Pass", exact=True)
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(switch).to_have_accessible_description("Off")
    expect(page.locator("#balance")).to_have_text("€30.00")
    page.evaluate("window.__marker = 1")

    # when she taps it
    switch.click()

    # then the tap's own answer says "Activating…", charged: the worker is still on the network
    # (had it activated the pass inline, "Activating…" would never show)
    expect(switch).to_have_accessible_description("Activating…")
    expect(switch).to_have_attribute("aria-checked", "true")
    expect(page.locator("#balance")).to_have_text("€28.00")
    # and the switch becomes "Active" by itself, in the same page: the marker survived
    expect(switch).to_have_accessible_description("Active")
    expect(switch).to_have_attribute("aria-checked", "true")
    expect(page.locator("#live-region")).to_have_text("Mobile TV Night Pass: active")
    expect(page.locator("#balance")).to_have_text("€28.00")
    assert page.evaluate("window.__marker") == 1


def test_switching_an_addon_off_confirms_the_refund_and_gives_it_back(stacy_page: Page):
    page = stacy_page
    # given stacy has switched Data 15GB on (€10.00 of her €30.00) and it is active
    switch = switched_on(page, "Data 15GB")
    expect(page.locator("#balance")).to_have_text("€20.00")

    # when she taps it again
    switch.click()

    # then she is asked to confirm, and told what comes back: all of it, no data was used
    confirm = page.get_by_role("group", name="Switch off Data 15GB?")
    expect(confirm).to_contain_text("€10.00 back to your balance.")

    # when she confirms
    confirm.get_by_role("button", name="Switch off").click()

    # then the switch is off at once, the refund is on her balance, and the worker finishes it
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(switch).to_have_accessible_description("Switching off…")
    expect(page.locator("#balance")).to_have_text("€30.00")
    expect(switch).to_have_accessible_description("Off")
    expect(page.locator("#live-region")).to_have_text("Data 15GB: off")
    expect(page.locator("#balance")).to_have_text("€30.00")


def test_the_dashboards_allowances_follow_the_switch_without_a_reload(stacy_page: Page):
    page = stacy_page
    # given Data 15GB switched on, and stacy on her dashboard
    switched_on(page, "Data 15GB")
    page.goto("/")
    allowances = page.locator("#allowances")
    expect(allowances).to_contain_text("Data 15GB data")
    page.evaluate("window.__marker = 1")

    # when she switches it off from the dashboard
    page.get_by_role("switch", name="Data 15GB", exact=True).click()
    page.get_by_role("group", name="Switch off Data 15GB?").get_by_role(
        "button", name="Switch off"
    ).click()

    # then its allowance leaves the usage bars in the same page
    expect(allowances).not_to_contain_text("Data 15GB data")
    expect(allowances).to_contain_text("Plan data")
    assert page.evaluate("window.__marker") == 1


def test_a_keyboard_user_keeps_her_place_on_the_switch(stacy_page: Page):
    page = stacy_page
    # given stacy on the add-ons page, on the Data 15GB switch with the keyboard
    page.goto("/offers/")
    switch = page.get_by_role("switch", name="Data 15GB", exact=True)
    switch.focus()

    # when she switches it on with Space
    page.keyboard.press("Space")

    # then focus stays on the switch while it is activating and once it is active
    expect(switch).to_have_accessible_description("Activating…")
    expect(switch).to_be_focused()
    expect(switch).to_have_accessible_description("Active")
    expect(switch).to_be_focused()

    # when she presses Enter on it, the confirmation takes focus; "Keep it" gives it back
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Switch off")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(switch).to_be_focused()
    expect(switch).to_have_accessible_description("Active")

    # when she switches it off from the keyboard
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Switch off")).to_be_focused()
    page.keyboard.press("Enter")

    # then focus is back on the switch, through "Switching off…" to "Off"
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(switch).to_be_focused()
    expect(switch).to_have_accessible_description("Off")
    expect(switch).to_be_focused()


def test_a_phone_shows_every_page_without_scrolling_sideways(stacy_phone: Page):
    page = stacy_phone
    # given stacy on a 390 px wide phone, with Data 15GB on: its allowance, switch and order are
    # the widest things the pages show
    switched_on(page, "Data 15GB")

    # and the promotion in her cart, whose quote is the widest table
    from catalog.models import Offer

    promo = Offer.objects.get(code="summer-data-20gb").pk
    page.goto(f"/offers/{promo}/")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-total")).to_have_text("€9.00")

    for path in (
        "/",
        "/offers/",
        f"/offers/{promo}/",
        "/cart/",
        "/orders/",
        "/activity/",
        "/inbox/",
    ):
        # when she opens the page
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()

        # then nothing sticks out to the side
        scroll_width, viewport_width = page.evaluate(
            "[document.scrollingElement.scrollWidth, window.innerWidth]"
        )
        assert (path, viewport_width) == (path, 390)
        assert scroll_width <= viewport_width, path

    # and on the dashboard her add-on's switch is a thumb-sized target (44 px)
    page.goto("/")
    box = page.get_by_role("switch", name="Data 15GB", exact=True).bounding_box()
    assert box is not None
    assert min(box["width"], box["height"]) >= 44
