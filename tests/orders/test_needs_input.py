"""Whether an offer asks for something before it can be bought has one answer
(`offer_needs_input`): the portal's switch opens its form for exactly those, and the console
sends the agent to their options page instead of adding them at once."""

import pytest
from django.test import Client

from orders.selectors import addon_switch_get, offer_needs_input
from orders.services import cart_item_add
from tests.factories import CustomerFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db

OFFERS = {
    "News Alerts": ({}, False),
    "My Fixed Price Bundle": ({"configurable_bundle": True}, True),
    "Travel Line": ({"creates_temporary_line": True}, True),
    "Gift 1GB": ({"is_gift": True}, True),
}


@pytest.fixture
def offers(db):
    return {
        name: OfferFactory(name=name, channels=["portal", "agent"], **terms)
        for name, (terms, _) in OFFERS.items()
    }


@pytest.mark.parametrize("name", list(OFFERS))
def test_what_needs_input_is_asked_for_in_the_portal_and_the_console(name, offers):
    customer = CustomerFactory()
    offer, needs = offers[name], OFFERS[name][1]
    agent = Client()
    agent.force_login(UserFactory(groups=["Call-centre agents"]))

    assert offer_needs_input(offer=offer) is needs
    switch = addon_switch_get(
        customer=customer, line=customer.lines.get(), offer_id=offer.pk, channel="portal"
    )
    assert switch.tap == ("configure" if needs else "buy")
    page = agent.get(f"/backoffice/customers/{customer.pk}/").text
    assert (f"Choose options for {name}…" in page) is needs
    assert (f"Add {name}</button>" in page) is not needs


def test_the_console_lets_the_agent_change_what_needs_input_in_her_cart(offers):
    customer = CustomerFactory()
    bundle, plain = offers["My Fixed Price Bundle"], offers["News Alerts"]
    cart_item_add(
        customer=customer,
        offer_id=bundle.pk,
        channel="portal",
        options={"data": "5gb", "voice": "300"},
    )
    cart = cart_item_add(customer=customer, offer_id=plain.pk, channel="portal")
    agent = Client()
    agent.force_login(UserFactory(groups=["Call-centre agents"]))

    page = agent.get(f"/backoffice/customers/{customer.pk}/").text

    assert 'Change options<span class="visually-hidden"> of My Fixed Price Bundle' in page
    assert "of News Alerts</span>" not in page
    assert cart.items.count() == 2
