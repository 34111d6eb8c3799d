"""What only a browser proves of launching an offer: the card beside the form follows what the
product manager types, and "Save and publish" at the top of the page puts it on sale."""

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP

pytestmark = pytest.mark.browser

# The page as a product manager sees it, to look at (var/ is not in the repository).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PM_PERMISSIONS = ["view_offertemplate", "add_offer", "change_offer", "view_offer", "publish_offer"]


@pytest.fixture
def pm_session(live_server):
    """A product manager signed in to the admin, and the shipped templates."""
    from django.conf import settings
    from django.contrib.auth.models import Group, Permission
    from django.test import Client

    from catalog.services import offer_template_load_pack
    from tests.factories import UserFactory

    # A transactional test before this one may have flushed the group the migrations made.
    group, _ = Group.objects.get_or_create(name="Product managers")
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="catalog", codename__in=PM_PERMISSIONS)
    )
    offer_template_load_pack()
    pm = UserFactory(username="pat", is_staff=True, groups=["Product managers"])
    client = Client()
    client.force_login(pm)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


def test_a_product_manager_launches_an_offer_from_a_template(browser, live_server, pm_session):
    from catalog.models import Offer

    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, locale="en-GB")
    context.add_cookies([pm_session])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        # given the PM picks the data add-on template
        page.goto("/admin/catalog/offer/add/")
        page.get_by_role("link", name="Data add-on").click()
        card = page.frame_locator("#offer-preview-frame").locator("article.addon")
        expect(card.locator(".addon-price")).to_contain_text("€10.00")

        # when she types its name, price and data, the card follows
        page.get_by_label("Name:", exact=True).fill("Weekend Data 20GB")
        page.get_by_label("Price:", exact=True).fill("7.50")
        page.get_by_label("Data:", exact=True).fill("20")
        page.get_by_label("Runs for (days):").fill("3")
        expect(card.get_by_role("heading")).to_have_text("Weekend Data 20GB")
        expect(card.locator(".addon-price")).to_contain_text("€7.50")
        expect(card.locator(".addon-summary")).to_have_text("20 GB for 3 days")
        # the rest waits, folded, under "Advanced"
        expect(page.get_by_label("Refund policy:")).not_to_be_visible()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "offer-launch-1280.png", full_page=True)

        # and "Save and publish", at the top beside "Save", puts it on sale
        buttons = page.locator(".submit-row").first.locator("input[type=submit]")
        expect(buttons.nth(0)).to_have_value("Save")
        buttons.nth(1).click()
        expect(page.locator(".messagelist")).to_contain_text(
            "“Weekend Data 20GB” is published: customers see it now."
        )
    finally:
        context.close()

    offer = Offer.objects.get(name="Weekend Data 20GB")
    assert (offer.status, offer.price, offer.data_mb, offer.duration_days) == (
        Offer.Status.PUBLISHED,
        Decimal("7.50"),
        20480,
        3,
    )
    assert errors == []
