"""What only a browser proves about a bad network and no JavaScript: a tap shows at once that it
was taken while the request is slow (held here), says so next to the switch when the request
fails or the connection is down (aborted here), and with JavaScript off the same switch works as
a plain form: on, then off with its refund confirmed on a page. Screenshots of the pages with
JavaScript off, at 390 px and 1280 px, go to var/screenshots/."""

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from .conftest import DEMO_USERNAME, DESKTOP, PHONE, REFUSAL, switched_on

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
OFFLINE = "No connection: nothing was charged. Try again."
# What the browser and htmx log for the failures these tests cause on purpose; any other error
# (a script error, a 500 behind a poll) still fails the test.
CAUSED = re.compile(
    r"^(Failed to load resource: net::ERR_INTERNET_DISCONNECTED"
    r"|Failed to load resource: the server responded with a status of 502 "
    r"|Response Status Error Code 502 from /addons/\d+/on/"
    r"|htmx:(sendError|responseError|afterRequest), \[object HTMLElement\]$)"
)


@pytest.fixture
def stacy_page(browser: Browser, portal) -> Iterator[Page]:
    """A desktop browser with stacy (€30.00, no add-ons) signed in, which tolerates only the
    errors these tests cause (the conftest's own fails on any)."""
    from orders.demo import DEMO_PASSWORD

    context = browser.new_context(viewport=DESKTOP, base_url=portal.url, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not REFUSAL.match(message.text)
            and not CAUSED.match(message.text)
            and errors.append(message.text)
        ),
    )
    page.goto("/accounts/login/")
    page.get_by_label("Mobile number or e-mail").fill(DEMO_USERNAME)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    yield page
    context.close()
    assert errors == []


def _orders() -> int:
    from orders.models import Order

    return Order.objects.count()


def _card(page: Page, name: str):
    return page.locator("article.addon").filter(
        has=page.get_by_role("heading", name=name, exact=True)
    )


def test_a_slow_tap_shows_working_at_once_then_its_answer(stacy_page: Page):
    page = stacy_page
    page.goto("/offers/")
    switch = page.get_by_role("switch", name="Mobile TV Night Pass", exact=True)
    card = _card(page, "Mobile TV Night Pass")
    # a slow network: the tap's request is held until the test lets it go
    held: list[Route] = []
    page.route("**/addons/*/on/", lambda route: held.append(route))

    # when she taps
    switch.click()

    # then, before any answer, the switch says it took the tap, and its card is busy
    expect(card.locator(".switch-working")).to_be_visible()
    expect(card.locator(".switch-working")).to_have_text("Working…")
    expect(card.locator(".switch-status")).to_be_hidden()
    expect(switch).to_have_accessible_description("Working…")
    expect(switch).to_be_disabled()
    expect(card).to_have_attribute("aria-busy", "true")
    assert len(held) == 1

    # when the answer comes, the switch shows it
    held[0].continue_()
    expect(switch).to_have_accessible_description(re.compile("Activating…|Active"))
    expect(switch).to_have_attribute("aria-checked", "true")
    expect(_card(page, "Mobile TV Night Pass")).not_to_have_attribute("aria-busy", "true")
    expect(switch).to_have_accessible_description("Active")
    assert _orders() == 1


def test_a_tap_with_no_connection_says_so_next_to_the_switch_and_can_be_tried_again(
    stacy_page: Page,
):
    page = stacy_page
    page.goto("/offers/")
    switch = page.get_by_role("switch", name="Data 15GB", exact=True)
    card = _card(page, "Data 15GB")
    expect(page.locator("#balance")).to_have_text("€30.00")
    # offline: the request never leaves the browser
    page.route("**/addons/*/on/", lambda route: route.abort("internetdisconnected"))

    switch.click()

    # then it says so next to the switch, announced, and nothing looks switched on
    problem = card.get_by_role("alert")
    expect(problem).to_have_text(OFFLINE)
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(switch).to_have_accessible_description("Off")
    expect(switch).to_be_enabled()
    expect(card).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#balance")).to_have_text("€30.00")
    assert _orders() == 0
    # the note sits right after the switch, where she looks
    assert card.locator(".addon-control + .network-problem").count() == 1

    # when the connection is back and she taps again, it is bought once and the note goes
    page.unroute("**/addons/*/on/")
    switch.click()
    expect(switch).to_have_accessible_description("Active")
    expect(page.get_by_text(OFFLINE)).to_have_count(0)
    expect(page.locator("#balance")).to_have_text("€20.00")
    assert _orders() == 1


def test_a_server_error_says_so_and_that_trying_again_cannot_charge_twice(stacy_page: Page):
    page = stacy_page
    page.goto("/offers/")
    switch = page.get_by_role("switch", name="Games Club", exact=True)
    page.route("**/addons/*/on/", lambda route: route.fulfill(status=502, body="Bad gateway"))

    switch.click()

    expect(_card(page, "Games Club").get_by_role("alert")).to_have_text(
        "Something went wrong on our side. Try again; you will not be charged twice."
    )
    expect(switch).to_have_attribute("aria-checked", "false")
    assert _orders() == 0


def test_the_confirmation_of_switching_off_says_so_too_when_offline(stacy_page: Page):
    page = stacy_page
    switch = switched_on(page, "Data 15GB")
    switch.click()
    confirm = page.get_by_role("group", name="Switch off Data 15GB?")
    page.route("**/addons/owned/*/off/", lambda route: route.abort("internetdisconnected"))

    confirm.get_by_role("button", name="Switch off").click()

    expect(confirm.get_by_role("alert")).to_have_text(OFFLINE)
    expect(confirm.get_by_role("button", name="Switch off")).to_be_enabled()
    expect(page.locator("#balance")).to_have_text("€20.00")


@pytest.fixture
def no_js_context(browser: Browser, portal):
    """A browser with JavaScript off; each page signs stacy in."""
    contexts = []

    def page_at(viewport: dict) -> Page:
        from orders.demo import DEMO_PASSWORD

        context = browser.new_context(
            viewport=viewport, base_url=portal.url, locale="en-GB", java_script_enabled=False
        )
        contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Mobile number or e-mail").fill(DEMO_USERNAME)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(r"/$"))
        return page

    yield page_at
    for context in contexts:
        context.close()


def _until_settled(page: Page, switch, description: str, *, within_s: float = 30) -> None:
    """Without JavaScript nothing polls: she asks again ("See if it is done") until the worker
    has finished, as a person would, a few times a second at most."""
    status = page.locator(f"#{switch.get_attribute('aria-describedby')} .switch-status")
    deadline = time.monotonic() + within_s
    while status.inner_text() != description:
        if time.monotonic() > deadline:
            raise AssertionError(f"the switch never said {description!r}: {status.inner_text()!r}")
        page.wait_for_timeout(250)
        page.get_by_role("button", name="See if it is done").click()
        page.wait_for_load_state()


def test_without_javascript_an_add_on_switches_on_and_off(no_js_context):
    page = no_js_context(PHONE)
    page.goto("/offers/")
    switch = page.get_by_role("switch", name="Data 15GB", exact=True)
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(page.locator("#balance")).to_have_text("€30.00")

    # when she taps it, the browser posts the form and is sent back with what happened
    switch.click()
    expect(page).to_have_url(re.compile(r"/offers/\??#addon-\d+$"))
    expect(page.get_by_role("status").filter(has_text="Data 15GB")).to_contain_text(
        "Data 15GB: activating. €10.00 charged."
    )
    expect(switch).to_have_attribute("aria-checked", "true")
    expect(page.locator("#balance")).to_have_text("€20.00")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "nojs-offers-after-on-390.png", full_page=True)
    _until_settled(page, switch, "Active")
    assert _orders() == 1

    # when she taps it again, the refund is confirmed on a page of its own
    switch.click()
    expect(page).to_have_url(re.compile(r"/addons/owned/\d+/off/\?next=%2Foffers%2F$"))
    confirm = page.get_by_role("group", name="Switch off Data 15GB?")
    expect(confirm).to_contain_text("€10.00 back to your balance.")
    page.screenshot(path=SCREENSHOTS / "nojs-switch-off-390.png", full_page=True)
    confirm.get_by_role("button", name="Switch off").click()

    # then she is back on the add-ons page, told what came back, and it is off
    expect(page).to_have_url(re.compile(r"/offers/\??#addon-\d+$"))
    expect(page.get_by_role("status").filter(has_text="Data 15GB")).to_contain_text(
        "Data 15GB: switching off. €10.00 back to your balance."
    )
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(page.locator("#balance")).to_have_text("€30.00")
    _until_settled(page, switch, "Off")

    from selfcare.models import LedgerEntry

    assert list(LedgerEntry.objects.filter(kind="refund").values_list("amount", flat=True)) == [10]


def test_without_javascript_keep_it_changes_nothing_and_manage_is_a_page(no_js_context):
    page = no_js_context(DESKTOP)
    page.goto("/offers/")
    switch = page.get_by_role("switch", name="Games Club", exact=True)
    switch.click()
    _until_settled(page, switch, "Active")

    # "Keep it" on the confirmation goes back and changes nothing
    switch.click()
    page.get_by_role("button", name="Keep it").click()
    expect(page).to_have_url(re.compile(r"/offers/\??#addon-\d+$"))
    expect(switch).to_have_attribute("aria-checked", "true")

    # Manage is a page whose controls post; suspending says so and the switch shows it
    page.get_by_role("button", name="Manage Games Club").click()
    expect(page).to_have_url(re.compile(r"/addons/owned/\d+/manage/\?next=%2Foffers%2F$"))
    page.screenshot(path=SCREENSHOTS / "nojs-manage-1280.png", full_page=True)
    page.get_by_role("button", name="Suspend").click()
    expect(page).to_have_url(re.compile(r"/offers/\??#addon-\d+$"))
    expect(page.get_by_role("status").filter(has_text="Games Club")).to_contain_text(
        "Games Club is suspended: no time runs until you resume it."
    )
    expect(
        page.locator(f"#{switch.get_attribute('aria-describedby')} .switch-status")
    ).to_have_text("Suspended")


@pytest.mark.parametrize(("viewport", "size"), [(PHONE, 390), (DESKTOP, 1280)])
def test_screenshots_of_the_portal_without_javascript(no_js_context, viewport, size):
    """Not a check of looks (a person judges those): every page renders and fits without
    JavaScript, and its screenshot is kept for that person."""
    page = no_js_context(viewport)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, url in [("home", "/"), ("offers", "/offers/"), ("gifts", "/gifts/")]:
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], (url, width)
        page.screenshot(path=SCREENSHOTS / f"nojs-{name}-{size}.png", full_page=True)
    # the bundle's choices as a page of their own
    page.goto("/offers/")
    page.get_by_role("switch", name="My Fixed Price Bundle", exact=True).click()
    expect(page.get_by_role("button", name="Switch on")).to_be_visible()
    expect(page.get_by_role("button", name="See the price")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], width
    page.screenshot(path=SCREENSHOTS / f"nojs-configure-{size}.png", full_page=True)
