"""Stacy's journey (seeds/002) in two real browsers on the demo data, with a real worker: the
SMS promotion's link, the portal, the call centre's console, back to the portal for the portal-only
price, and the SMS that it is active — and the agent, refreshing, sees all of it."""

import re
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from .conftest import DESKTOP

pytestmark = pytest.mark.browser


def _new_page(browser: Browser, base_url: str, errors: list[str]) -> Page:
    context = browser.new_context(viewport=DESKTOP, base_url=base_url, locale="en-GB")
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    return page


def _log_in(page: Page, username: str) -> None:
    from orders.demo import DEMO_PASSWORD

    page.get_by_label("Mobile number or e-mail").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def pages(browser, portal) -> Iterator[tuple[Page, Page]]:
    from campaigns.demo import demo_campaigns_load

    demo_campaigns_load()
    errors: list[str] = []
    stacy = _new_page(browser, portal.url, errors)
    agent = _new_page(browser, portal.url, errors)
    yield stacy, agent
    stacy.context.close()
    agent.context.close()
    assert errors == []


def test_stacy_hops_channels_and_the_agent_sees_every_step(pages):
    from selfcare.models import Notification

    stacy, agent = pages

    # An SMS promotion with a link reaches stacy.
    call_command("send_promotion", "summer-data", "351910000001")
    sms = Notification.objects.get(template="promotion")
    link = re.search(r"/l/[\w-]+/", sms.body).group(0)

    # The link opens the offer in the portal, once she has logged in.
    stacy.goto(link)
    expect(stacy).to_have_url(re.compile(r"/accounts/login/"))
    _log_in(stacy, "stacy")
    expect(stacy.get_by_role("heading", name="Summer Data 20GB", level=1)).to_be_visible()
    expect(stacy.get_by_text("Self-care portal price")).to_be_visible()

    # She calls: the agent finds her as he types and sees the click and the offer view.
    agent.goto("/backoffice/")
    _log_in(agent, "agent")
    expect(agent).to_have_url(re.compile(r"/backoffice/$"))
    agent.get_by_label("Number, name or e-mail").press_sequentially("stacy")
    agent.locator("#search-results").get_by_role("link", name="Stacy Martin").click()
    timeline = agent.locator("#timeline")
    expect(timeline).to_contain_text("was opened by someone not signed in")
    expect(timeline).to_contain_text("Viewed Summer Data 20GB")

    # He adds the promotion to her cart: €12 at the call centre, €9 in the portal.
    agent.get_by_role("button", name="Add Summer Data 20GB").click()
    cart = agent.locator("#cart")
    expect(cart).to_contain_text("€12.00")
    expect(cart).to_contain_text("€9.00 in the self-care portal")

    # Stacy opens her cart in the portal: the portal-only discount, then checkout.
    stacy.get_by_role("link", name="Cart").click()
    expect(stacy.get_by_text("Added by the call centre")).to_be_visible()
    expect(stacy.locator("#cart-total")).to_have_text("€9.00")
    stacy.get_by_role("button", name="Buy for €9.00").click()
    expect(stacy.get_by_text("1 add-on on the way")).to_be_visible()
    switch = stacy.get_by_role("switch", name="Summer Data 20GB")
    expect(switch).to_have_attribute("aria-checked", "true")
    card = stacy.locator("article", has=switch)
    expect(card.locator(".switch-status")).to_have_text("Active", timeout=10_000)

    # She receives an SMS that the activation is complete (in the embedded demo, in her inbox).
    stacy.get_by_role("link", name=re.compile(r"^Inbox")).click()
    expect(stacy.locator("main")).to_contain_text("Summer Data 20GB is active", timeout=10_000)

    # The agent, refreshing, sees the checkout, the order and the SMS in her timeline.
    agent.reload()
    expect(timeline).to_contain_text("Checked out Summer Data 20GB")
    expect(timeline).to_contain_text("SMS sent: Summer Data 20GB is active")
    expect(agent.locator("#orders")).to_contain_text("Summer Data 20GB")
