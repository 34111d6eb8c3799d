"""Signing in as telecom customers do, in a real browser on a 390 px phone: her mobile number as
she would type it and her password, and a code by SMS with JavaScript off, by keyboard alone."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import PHONE

pytestmark = pytest.mark.browser


def _phone_page(browser: Browser, base_url: str, *, javascript: bool = True) -> Page:
    context = browser.new_context(
        viewport=PHONE, base_url=base_url, locale="en-GB", java_script_enabled=javascript
    )
    return context.new_page()


def _fits_the_phone(page: Page) -> None:
    scroll_width, viewport_width = page.evaluate(
        "[document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= viewport_width


def test_she_signs_in_with_her_number_as_she_types_it(browser, portal):
    from orders.demo import DEMO_PASSWORD

    page = _phone_page(browser, portal.url)
    page.goto("/accounts/login/")
    _fits_the_phone(page)

    page.get_by_label("Mobile number or e-mail").fill("91 000 0001")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    # Her number as Portugal writes it.
    expect(page.locator("main")).to_contain_text("+351 910 000 001")
    _fits_the_phone(page)
    page.context.close()


def test_she_signs_in_with_a_code_by_sms_without_javascript_by_keyboard(browser, portal):
    from selfcare.models import Notification

    page = _phone_page(browser, portal.url, javascript=False)
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Send me a code").click()
    _fits_the_phone(page)

    number = page.get_by_label("Mobile number")
    number.focus()
    page.keyboard.type("+351 91 000 0001")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/accounts/code/enter/$"))
    expect(page.locator(".messages")).to_contain_text(
        "If this number is ours, a code is on its way by SMS."
    )
    expect(page.get_by_label("Mobile number")).to_have_value("351910000001")
    _fits_the_phone(page)
    sms = Notification.objects.get(template="signin_code", recipient="351910000001")
    code = re.search(r"\b(\d{6})\b", sms.body).group(1)
    page.get_by_label("Code").focus()
    page.keyboard.type(code)
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.context.close()


def test_a_wrong_code_is_said_next_to_the_field(browser, portal):
    page = _phone_page(browser, portal.url, javascript=False)
    page.goto("/accounts/code/")
    page.get_by_label("Mobile number").fill("910000001")
    page.get_by_role("button", name="Send me a code").click()

    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    expect(page.get_by_label("Code")).to_have_attribute("aria-invalid", "true")
    page.context.close()
