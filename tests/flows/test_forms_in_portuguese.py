"""A customer whose language is Portuguese buys, switches off and checks out with the forms her
pages carry: the amounts they post back (the price she saw, the refund, the total) are written
for the server, not for her ("10.00", never "10,00", which no form reads back)."""

import html
import re
from decimal import Decimal

import pytest

from orders.models import OrderItem, ProductInstance
from selfcare.models import Customer
from tests.flows.test_without_javascript import followed, form

pytestmark = pytest.mark.django_db

AMOUNT = re.compile(r"-?\d+(\.\d+)?")


def fields(form_html: str) -> dict[str, str]:
    """What the form posts of itself: its hidden inputs."""
    return {
        name: html.unescape(value)
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form_html
        )
    }


def expected_amounts(page_text: str) -> list[str]:
    return re.findall(r'name="expected_\w+" value="([^"]*)"', page_text)


@pytest.fixture
def stacy_pt(login, demo):
    Customer.objects.filter(user__username="stacy").update(language="pt")
    return login("stacy")


def test_her_switch_buys_at_the_price_it_shows_in_portuguese(
    stacy_pt, offers, django_capture_on_commit_callbacks
):
    data = offers["Data 15GB"]
    page = stacy_pt.get("/offers/").text
    assert "10,00 €" in page  # her page speaks Portuguese...
    posted = fields(form(page, f"/addons/{data.pk}/on/"))
    assert posted["expected_price"] == "10.00"  # ...and the form the server's language

    with django_capture_on_commit_callbacks(execute=True):
        response = stacy_pt.post(f"/addons/{data.pk}/on/", posted)

    page = followed(stacy_pt, response, f"/offers/#addon-{data.pk}").text
    card = re.search(rf'id="addon-{data.pk}".*?</article>', page, re.S).group(0)
    assert "Ativo" in card  # the switch's state in her words too, and its link
    assert "Gerir Data 15GB" in card
    assert "Active" not in card
    item = OrderItem.objects.get()
    assert (item.offer_id, item.charge_amount) == (data.pk, Decimal("10.00"))
    assert ProductInstance.objects.get(offer=data).status == ProductInstance.Status.ACTIVE


def test_every_amount_her_pages_post_back_is_unlocalized(
    stacy_pt, offers, django_capture_on_commit_callbacks
):
    data = offers["Data 15GB"]
    with django_capture_on_commit_callbacks(execute=True):
        stacy_pt.post(
            f"/addons/{data.pk}/on/",
            fields(form(stacy_pt.get("/offers/").text, f"/addons/{data.pk}/on/")),
        )
    instance = ProductInstance.objects.get(offer=data)
    summer = offers["Summer Data 20GB"]
    stacy_pt.post(f"/cart/add/{summer.pk}/")
    pages = {
        "offers": stacy_pt.get("/offers/").text,
        "switch off": stacy_pt.get(f"/addons/owned/{instance.pk}/off/").text,
        "manage": stacy_pt.get(f"/addons/owned/{instance.pk}/manage/").text,
        "cart": stacy_pt.get("/cart/").text,
    }

    amounts = {name: expected_amounts(text) for name, text in pages.items()}
    # Each page posts an amount back (an add-on without options: its Manage panel none).
    assert [name for name, found in amounts.items() if found] == ["offers", "switch off", "cart"]
    assert [a for found in amounts.values() for a in found if not AMOUNT.fullmatch(a)] == []

    off = fields(form(pages["switch off"], f"/addons/owned/{instance.pk}/off/"))
    response = stacy_pt.post(f"/addons/owned/{instance.pk}/off/", off)
    assert response.status_code == 302
    instance.refresh_from_db()
    assert instance.status != ProductInstance.Status.ACTIVE
