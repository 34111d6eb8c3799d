"""What only a browser proves: the search answers as the agent types, with no page load, and the
agent acts from the page it leads to."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's


@pytest.fixture
def console(live_server):
    from django.contrib.auth.models import Group

    from tests.factories import CustomerFactory, OfferFactory, UserFactory

    # A transactional test before this one may have flushed the groups the migrations made.
    Group.objects.get_or_create(name="Call-centre agents")
    UserFactory(
        username="alex", first_name="Alex", last_name="Agent", groups=["Call-centre agents"]
    )
    CustomerFactory(name="Stacy Martin", msisdn="351910000001")
    CustomerFactory(name="Tom Jones", msisdn="351910000002")
    OfferFactory(name="News Alerts")
    return live_server


def test_the_agent_finds_her_as_he_types_and_puts_an_offer_in_her_cart(browser, console):
    context = browser.new_context(viewport=DESKTOP, base_url=console.url, locale="en-GB")
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto("/backoffice/")
        page.get_by_label("Mobile number or e-mail").fill("alex")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(r"/backoffice/$"))
        page.evaluate("window.__marker = 1")

        # when he types part of her number, the way she says it
        page.get_by_label("Number, name or e-mail").press_sequentially("+351 91 000 0001")

        # then she alone is listed, without a page load, and a screen reader hears how many
        results = page.locator("#search-results")
        expect(results.get_by_role("link", name="Stacy Martin")).to_be_visible()
        expect(results.get_by_role("link", name="Tom Jones")).to_have_count(0)
        expect(page.locator("#live-region")).to_have_text("1 customer matches.")
        assert page.evaluate("window.__marker") == 1
        expect(page).to_have_url(re.compile(r"/backoffice/\?q=%2B351"))

        # when he opens her page and adds News Alerts to her cart
        results.get_by_role("link", name="Stacy Martin").click()
        page.get_by_role("button", name="Add News Alerts").click()

        # then it is in her cart, and the page says so
        expect(page.get_by_text("News Alerts is in her cart.")).to_be_visible()
        expect(page.locator("#cart-total")).to_have_text("€5.00")
    finally:
        context.close()
    assert errors == []
