"""Accessibility, checked in the browser: axe-core (the copy the pinned axe-playwright-python
package ships) runs on every portal page, at phone and desktop size and with unread messages,
on the call centre's console, and on the admin pages product managers and marketers use. Any
serious or critical violation fails the test, with axe's own account of it.

The rules run are WCAG 2.0, 2.1 and 2.2 A and AA and axe's best practices, so the touch-target
size of WCAG 2.2 (2.5.8) is checked too. Each portal page's screenshot is saved under
SCREENSHOTS_DIR (default /tmp/shots, outside the repository), to look at as a customer would."""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

AXE = Axe()
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = {"serious", "critical"}
SHOTS = Path(os.environ.get("SCREENSHOTS_DIR", "/tmp/shots"))
PASSWORD = "pass-word-123"  # tests.factories.UserFactory's

# Every page of the portal a signed-in customer reaches from its menu and links.
PORTAL_PAGES = [
    "/",
    "/offers/",
    "/cart/",
    "/orders/",
    "/activity/",
    "/account/",
    "/account/alerts/",
    "/account/apps/",
    "/accounts/password_change/",
    "/topup/",
    "/gifts/",
    "/inbox/",
]
SIGNED_OUT_PAGES = [
    "/accounts/login/",
    "/accounts/code/",
    "/accounts/password_reset/",
]


def axe_serious(page: Page) -> list[dict]:
    """The serious and critical violations axe finds on the page as it is now."""
    results = AXE.run(page, options=AXE_OPTIONS)
    return [v for v in results.response["violations"] if v["impact"] in FAILING_IMPACTS]


def assert_accessible(page: Page) -> None:
    violations = axe_serious(page)
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"])
        for v in violations
    )
    assert violations == [], f"{page.url}\n{report}"


def _visit(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == 200, path
    page.wait_for_load_state("load")


def _assert_pages_accessible(page: Page, paths: list[str]) -> None:
    for path in paths:
        _visit(page, path)
        assert_accessible(page)


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    slug = name.strip("/").replace("/", "-") or "home"
    page.screenshot(path=SHOTS / f"{slug}-{width}.png", full_page=True)


def test_the_check_fails_on_a_serious_violation(stacy_page: Page):
    # given a page that passes
    page = stacy_page
    _visit(page, "/")
    assert axe_serious(page) == []

    # when an image without a text alternative and a nameless button appear on it
    page.evaluate(
        """() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend', '<img src="/static/brand/logo.svg">');
        main.insertAdjacentHTML('beforeend', '<button type="button"></button>');
    }"""
    )

    # then the check fails, naming them
    found = {v["id"]: v["impact"] for v in axe_serious(page)}
    assert found == {"image-alt": "critical", "button-name": "critical"}
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_every_portal_page_has_no_serious_violation(request, size: str):
    page = request.getfixturevalue("stacy_phone" if size == "phone" else "stacy_page")
    for path in PORTAL_PAGES:
        _visit(page, path)
        assert_accessible(page)
        _shot(page, path)


def test_the_portal_with_her_add_ons_in_each_state_and_an_open_panel(stacy_page: Page):
    from catalog.models import Offer

    page = stacy_page
    # given an add-on she owns, and the switch-off question open
    _visit(page, "/offers/")
    switch = page.get_by_role("switch", name="Data 15GB", exact=True)
    switch.click()
    expect(switch).to_have_accessible_description("Active")
    switch.click()
    expect(page.get_by_role("group", name="Switch off Data 15GB?")).to_be_visible()
    assert_accessible(page)

    # another offer's own page, her cart with it, and her orders and dashboard
    offer = Offer.objects.get(code="summer-data-20gb")
    _visit(page, f"/offers/{offer.pk}/")
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Add to cart")).first.click()
    _assert_pages_accessible(page, ["/cart/", "/orders/", "/", "/activity/"])


def test_her_inbox_with_ten_unread_messages_is_named_and_accessible(stacy_page: Page):
    from selfcare.models import Customer
    from selfcare.notifications import notification_count_unread
    from selfcare.services import notification_send

    # given stacy has ten messages she has not read
    stacy = Customer.objects.get(user__username="stacy")
    for _ in range(10 - notification_count_unread(customer_id=stacy.pk)):
        notification_send(
            customer=stacy,
            template="addon_active",
            medium="in_app",
            context={"offer_name": "Data 15GB", "msisdn": stacy.lines.first().msisdn},
        )
    assert notification_count_unread(customer_id=stacy.pk) == 10

    page = stacy_page
    for path in ["/", "/inbox/"]:
        _visit(page, path)
        # then the menu's Inbox is read out with its count in words, not "Inbox10"
        expect(page.get_by_role("link", name="Inbox, 10 unread", exact=True)).to_be_visible()
        assert_accessible(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_signed_out_pages_have_no_serious_violation(browser, portal, viewport):
    context = browser.new_context(viewport=viewport, base_url=portal.url, locale="en-GB")
    try:
        page = context.new_page()
        for path in SIGNED_OUT_PAGES:
            _visit(page, path)
            assert_accessible(page)
            _shot(page, path)
    finally:
        context.close()


def test_the_console_has_no_serious_violation(browser, portal):
    from selfcare.models import Customer

    stacy = Customer.objects.get(user__username="stacy")
    context = browser.new_context(viewport=DESKTOP, base_url=portal.url, locale="en-GB")
    try:
        page = context.new_page()
        _visit(page, "/backoffice/")
        page.get_by_label("Mobile number or e-mail").fill("agent")
        page.get_by_label("Password").fill(_demo_password())
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(r"/backoffice/$"))
        assert_accessible(page)

        # the search as he types, and her page
        page.get_by_label("Number, name or e-mail").press_sequentially("stacy")
        expect(page.locator("#search-results").get_by_role("link")).not_to_have_count(0)
        assert_accessible(page)
        _visit(page, f"/backoffice/customers/{stacy.pk}/")
        assert_accessible(page)
    finally:
        context.close()


def _demo_password() -> str:
    from orders.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


@pytest.fixture
def admin_demo(portal):
    """The demo's campaigns too, and the admin groups' permissions as their migrations grant
    them (a transactional test before this one flushed them)."""
    import importlib

    from django.apps import apps

    from campaigns.demo import demo_campaigns_load

    for module, function in [
        ("catalog.migrations.0002_product_managers_group", "create_group"),
        ("catalog.migrations.0015_base_plan_permissions", "grant"),
        ("catalog.migrations.0016_offer_changes", "grant"),
        ("campaigns.migrations.0006_marketing_group", "create_group"),
    ]:
        getattr(importlib.import_module(module), function)(apps, None)
    demo_campaigns_load()
    return portal


@contextmanager
def _admin_page(browser, portal, username: str) -> Iterator[Page]:
    """A desktop browser signed in to the admin as `username` (its sign-in page checked first)."""
    context = browser.new_context(viewport=DESKTOP, base_url=portal.url, locale="en-GB")
    try:
        page = context.new_page()
        _visit(page, "/admin/login/")
        assert_accessible(page)
        page.get_by_label("Username:").fill(username)
        page.get_by_label("Password:").fill(_demo_password())
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(r"/admin/$"))
        yield page
    finally:
        context.close()


def test_the_product_managers_admin_pages_have_no_serious_violation(browser, admin_demo):
    from catalog.models import Offer, OfferTemplate

    data_addon = OfferTemplate.objects.get(code="data-addon")
    offer = Offer.objects.get(code="summer-data-20gb")
    with _admin_page(browser, admin_demo, "pm") as page:
        _assert_pages_accessible(
            page,
            [
                "/admin/",
                "/admin/catalog/offer/",
                "/admin/catalog/offer/?status__exact=published",
                "/admin/catalog/offer/add/",
                f"/admin/catalog/offer/add/?template={data_addon.pk}",
                f"/admin/catalog/offer/{offer.pk}/change/",
                f"/admin/catalog/offer/{offer.pk}/history/",
            ],
        )


def test_the_marketers_admin_pages_have_no_serious_violation(browser, admin_demo):
    from campaigns.models import Campaign

    campaign = Campaign.objects.get(name="Data running out")
    with _admin_page(browser, admin_demo, "marketer") as page:
        _assert_pages_accessible(
            page,
            [
                "/admin/",
                "/admin/campaigns/campaign/",
                "/admin/campaigns/campaign/add/",
                f"/admin/campaigns/campaign/{campaign.pk}/change/",
                f"/admin/campaigns/campaign/{campaign.pk}/dashboard/",
                f"/admin/campaigns/campaign/{campaign.pk}/dry-run/",
            ],
        )
        # a one-off send's time is one labelled field, the offers are checkboxes
        _visit(page, f"/admin/campaigns/campaign/{campaign.pk}/change/")
        page.get_by_label("Trigger:").select_option(value="schedule:once")
        expect(page.get_by_label("Send at:")).to_have_attribute("type", "datetime-local")
        assert_accessible(page)
