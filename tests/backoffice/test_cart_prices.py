"""The console's options form says the price of the choices it holds at the call centre's prices,
the price her cart then quotes at the call centre: never the base price alone."""

import re

import pytest

from orders.models import CartItem
from orders.selectors import cart_quote
from tests.factories import CustomerFactory, OfferFactory

pytestmark = pytest.mark.django_db


def _said(page: str) -> str:
    found = re.search(r'<p id="console-quote"[^>]*>(.*?)</p>', page, flags=re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", "", found).split())


@pytest.fixture
def customer(db):
    return CustomerFactory(name="Stacy Smith")


def test_the_options_form_opens_on_the_price_of_its_first_choices(agent_client, customer):
    bundle = OfferFactory(configurable_bundle=True, channel_prices={"portal": "13.00"})

    page = agent_client.get(f"/backoffice/customers/{customer.pk}/cart/add/{bundle.pk}/")

    assert _said(page.text) == (
        "€15.00 every 30 days at the call centre's price, with Data: 5 GB, Voice: 300 minutes."
    )


def test_see_the_price_says_the_price_of_her_choices_and_adds_nothing(agent_client, customer):
    bundle = OfferFactory(configurable_bundle=True)

    page = agent_client.post(
        f"/backoffice/customers/{customer.pk}/cart/add/{bundle.pk}/",
        {"data": "20gb", "voice": "unlimited", "quote": "1"},
    )

    assert page.status_code == 200
    assert _said(page.text).startswith("€23.00 every 30 days at the call centre's price")
    assert not CartItem.objects.exists()


def test_the_price_said_is_the_price_her_cart_quotes_at_the_call_centre(agent_client, customer):
    bundle = OfferFactory(configurable_bundle=True)
    picked = {"data": "20gb", "voice": "unlimited"}
    said = _said(
        agent_client.post(
            f"/backoffice/customers/{customer.pk}/cart/add/{bundle.pk}/", {**picked, "quote": "1"}
        ).text
    )

    agent_client.post(f"/backoffice/customers/{customer.pk}/cart/add/{bundle.pk}/", picked)
    item = CartItem.objects.get()
    edit = agent_client.get(f"/backoffice/customers/{customer.pk}/cart/items/{item.pk}/configure/")

    assert cart_quote(customer=customer, channel="agent").total.to_eng_string() in said
    assert _said(edit.text) == said
