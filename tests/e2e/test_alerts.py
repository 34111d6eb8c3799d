"""Usage alerts in a browser: the effect in words follows her ticks as she makes them (htmx),
the page works with the keyboard and fits a phone."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_the_words_follow_her_choice_before_she_saves_then_it_is_saved(stacy_page: Page):
    page = stacy_page
    # given stacy on her usage alerts, at the default 80 % and 100 %
    page.goto("/account/alerts/")
    effect = page.locator("#alert-effect")
    expect(effect).to_contain_text("when you have used 80 % and 100 % of any allowance")

    # when she ticks 50 % and picks e-mail, with the keyboard
    page.get_by_label("50 %").focus()
    page.keyboard.press("Space")
    page.get_by_label("E-mail").check()

    # then the words say what it will do, nothing saved yet
    expect(effect).to_contain_text(
        "You will get an e-mail when you have used 50 %, 80 % and 100 % of any allowance"
    )
    expect(page.get_by_role("region", name="Now")).to_contain_text(
        "when you have used 80 % and 100 % of any allowance"
    )

    # when she saves
    page.get_by_role("button", name="Save my alerts").click()

    # then the page says so, and what is in force now
    expect(page.locator(".messages")).to_contain_text("Saved: your usage alerts are as shown.")
    expect(page.get_by_role("region", name="Now")).to_contain_text(
        "an e-mail when you have used 50 %, 80 % and 100 %"
    )
    expect(page.get_by_role("region", name="Changes")).to_contain_text("by you:")


def test_the_alerts_page_fits_a_phone(stacy_phone: Page):
    page = stacy_phone
    page.goto("/account/alerts/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    for section in ("Change them", "Limits beyond your allowances"):
        form = page.locator("form", has=page.get_by_role("heading", name=section))
        if not form.count():  # the limits' heading is its section's, around the form
            form = page.get_by_role("region", name=section).locator("form")
        expect(form.get_by_role("button", name="See what it does")).to_be_visible()
