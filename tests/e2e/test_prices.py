"""What only a browser proves of prices: the configure form's price follows her choices as she
picks them (the htmx quote), the purchase carries that price and charges it, and a tap carries
the price on its card."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_the_bundle_form_shows_the_price_of_her_choices_and_charges_it(stacy_page: Page):
    page = stacy_page
    # given stacy (€30.00) opens My Fixed Price Bundle's form
    page.goto("/offers/")
    card = page.locator("article", has=page.get_by_role("heading", name="My Fixed Price Bundle"))
    expect(card.locator(".addon-price")).to_contain_text("From €15.00 every 30 days")
    page.get_by_role("switch", name="My Fixed Price Bundle", exact=True).click()
    quote = page.locator(".quote-price")
    expect(quote).to_have_text("€15.00")

    # when she picks 20 GB and unlimited minutes, the price follows each choice
    page.get_by_label("20 GB").check()
    expect(quote).to_have_text("€20.00")
    page.get_by_label("Unlimited minutes").check()
    expect(quote).to_have_text("€23.00")

    # and she switches it on: what the form posts is the price it shows, and that is charged
    with page.expect_request(re.compile(r"/configure/$")) as tap:
        page.get_by_role("button", name="Switch on").click()
    assert "expected_price=23.00" in tap.value.post_data
    expect(page.locator("#balance")).to_have_text("€7.00")
    switch = page.get_by_role("switch", name="My Fixed Price Bundle", exact=True)
    expect(switch).to_have_accessible_description("Active")
    # her card says what she pays now
    expect(card.locator(".addon-price")).to_contain_text("€23.00 every 30 days")


def test_a_tap_carries_the_price_on_its_card(stacy_page: Page):
    page = stacy_page
    page.goto("/offers/")
    card = page.locator("article", has=page.get_by_role("heading", name="Summer Data 20GB"))
    expect(card.locator(".addon-price")).to_contain_text("€9.00")

    with page.expect_request(re.compile(r"/on/$")) as tap:
        page.get_by_role("switch", name="Summer Data 20GB", exact=True).click()

    assert "expected_price=9.00" in tap.value.post_data
    expect(page.locator("#balance")).to_have_text("€21.00")
