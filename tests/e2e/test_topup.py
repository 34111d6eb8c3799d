"""The top-up page in a real browser: a card top-up ends on its receipt with the balance moved,
a declined card says why and charges nothing, the page works with the keyboard, without
JavaScript, and fits a 390 px phone."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def _pay(page: Page, *, number: str, amount: str = "€10.00") -> None:
    page.get_by_role("radio", name=amount).check()
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry (MM/YY)").fill("12/30")
    page.get_by_label("Security code (CVC)").fill("123")
    page.get_by_role("button", name="Pay and top up").click()


def test_a_card_top_up_shows_its_receipt_and_the_new_balance(stacy_page: Page):
    page = stacy_page
    # given stacy (€30.00) opens Top up from the navigation
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Top up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Top up")
    expect(page.locator("#balance")).to_have_text("€30.00")

    # when she pays €10.00 with the test card that succeeds
    _pay(page, number="4242 4242 4242 4242")

    # then the receipt says so, with the card's last 4 digits only, and her new balance
    expect(page).to_have_url(re.compile(r"/topup/\d+/$"))
    expect(page.get_by_role("heading", level=2)).to_have_text("€10.00 added to your balance")
    expect(page.get_by_text("Visa card ending 4242")).to_be_visible()
    expect(page.locator("#balance")).to_have_text("€40.00")
    assert "4242 4242 4242 4242" not in page.content()
    # and her account shows the top-up on its own line
    page.goto("/account/")
    expect(
        page.get_by_role("cell", name="Top-up: Top-up by card (Visa ending 4242)")
    ).to_be_visible()


def test_a_declined_card_says_why_and_charges_nothing(stacy_page: Page):
    page = stacy_page
    page.goto("/topup/")

    # when she pays with the test card that is declined
    _pay(page, number="4000 0000 0000 0002", amount="€20.00")

    # then the page says why, next to the card form, and nothing moved
    expect(page.get_by_role("alert")).to_have_text("Your card was declined. Nothing was charged.")
    expect(page.locator("#balance")).to_have_text("€30.00")
    # the security code is not shown back
    expect(page.get_by_label("Security code (CVC)")).to_have_value("")

    # and a working card right after is one new top-up (a fresh key), not the decline again
    page.get_by_label("Security code (CVC)").fill("123")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay and top up").click()
    expect(page.locator("#balance")).to_have_text("€50.00")


def test_a_refusal_for_a_short_balance_links_to_top_up_the_missing_amount(stacy_page: Page):
    from selfcare.models import Customer
    from selfcare.services import account_charge

    page = stacy_page
    # given stacy has €0.50 left (€29.50 spent)
    stacy = Customer.objects.get(user__username="stacy")
    account_charge(
        account=stacy.account, amount=Decimal("29.50"), description="Spent", reference="e2e-spent"
    )

    # when she taps the €2.00 night pass
    page.goto("/offers/")
    page.get_by_role("switch", name="Mobile TV Night Pass", exact=True).click()

    # then the refusal links to a top-up of the €1.50 missing, filled in
    link = page.get_by_role("link", name="Top up €1.50")
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(r"/topup/\?amount=1\.50$"))
    expect(page.get_by_role("radio", name="Other amount")).to_be_checked()
    expect(page.get_by_label("Other amount (€)")).to_have_value("1.50")


def test_the_top_up_page_works_by_keyboard_and_fits_a_phone(stacy_phone: Page):
    page = stacy_phone
    page.goto("/topup/")
    scroll_width, viewport_width = page.evaluate(
        "[document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= viewport_width
    # a keyboard reaches the presets and the card fields in order
    page.get_by_role("radio", name="€5.00").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("radio", name="€10.00")).to_be_checked()
