"""The customer's 360 view: everything about her on one page, at a fixed cost."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.services import cart_share
from selfcare.models import BYTES_PER_MB as MB
from selfcare.models import Bucket, Customer, Interaction
from selfcare.said import verbatim
from selfcare.services import (
    interaction_record,
    notification_deliver,
    tracked_link_click,
)
from tests.factories import CustomerFactory, OfferFactory

from .conftest import cart_with, own

pytestmark = pytest.mark.django_db


def _page(client, customer):
    response = client.get(f"/backoffice/customers/{customer.pk}/")
    assert response.status_code == 200
    return response.text


def test_the_profile_balance_lines_and_allowances(agent_client):
    customer = CustomerFactory(
        name="Stacy Smith",
        email="stacy@example.com",
        msisdn="351910000001",
        balance=Decimal("30.00"),
        contract_start=dt.date(2022, 3, 1),
    )
    own(customer, OfferFactory(data_offer=True))  # €10, 15 GB
    Customer.objects.filter(pk=customer.pk).update(
        segments=["heavy-data", "students"],
        lifecycle_status="churn_risk",
        status_reason="Asked about other operators",
    )
    Bucket.objects.filter(name="Data 15GB data").update(used=5120 * MB)

    page = _page(agent_client, customer)

    assert "<h1>Stacy Smith</h1>" in page
    assert "stacy@example.com" in page
    assert "Asked about other operators" in page
    assert "1 Mar 2022" in page
    assert "heavy-data, students" in page
    assert "SMS" in page  # tell her by
    assert "€20.00" in page  # €30 less the €10 add-on
    assert "351910000001" in page
    assert "10 GB left of 15 GB" in page


def test_her_add_ons_with_status_and_what_the_agent_may_do(agent_client):
    customer = CustomerFactory()
    suspendable = own(customer, OfferFactory(name="Games Club", allows_suspend=True), key="k-1")
    plain = own(customer, OfferFactory(name="News Alerts"), key="k-2")

    page = _page(agent_client, customer)

    base = f"/backoffice/customers/{customer.pk}/addons"
    assert f'action="{base}/{suspendable.pk}/suspend/"' in page
    assert f'action="{base}/{plain.pk}/suspend/"' not in page
    assert f'href="{base}/{suspendable.pk}/cancel/"' in page
    assert f'href="{base}/{plain.pk}/cancel/"' in page
    assert page.count('class="addon-status">Active</span>') == 2


def test_the_open_cart_is_quoted_at_the_call_centres_prices_with_cheaper_channels(agent_client):
    customer = CustomerFactory()
    promo = OfferFactory(
        name="Summer Data", price=Decimal("10.00"), channel_prices={"portal": "8.00"}
    )
    agent_deal = OfferFactory(
        name="Agent Deal", price=Decimal("6.00"), channel_prices={"agent": "4.00"}
    )
    cart_with(customer, promo, agent_deal)  # she started it in the portal

    response = agent_client.get(f"/backoffice/customers/{customer.pk}/")

    quote = response.context["customer360"].quote
    assert quote.channel == "agent"
    assert [(line.offer.name, line.price) for line in quote.lines] == [
        ("Summer Data", Decimal("10.00")),
        ("Agent Deal", Decimal("4.00")),
    ]
    assert quote.total == Decimal("14.00")
    assert "€8.00 in the self-care portal: tell her" in response.text
    assert response.text.count(": tell her") == 1
    assert "by her in the self-care portal" in response.text
    assert 'id="cart-total">€14.00<' in response.text


def test_the_offers_the_agent_may_add_are_those_she_may_buy_on_the_agent_channel(agent_client):
    customer = CustomerFactory()
    OfferFactory(name="Everywhere")
    OfferFactory(name="Portal Only", channels=["portal"])
    OfferFactory(name="Already In Cart")
    owned = OfferFactory(name="Already Owned")
    own(customer, owned)
    cart_with(customer, OfferFactory(name="In Her Cart"))

    response = agent_client.get(f"/backoffice/customers/{customer.pk}/")

    offers = {item.offer.name: item for item in response.context["customer360"].offers}
    names = list(offers)
    assert "Everywhere" in names
    assert "Already In Cart" in names
    assert "Portal Only" not in names
    assert "Already Owned" not in names
    assert "In Her Cart" not in names
    assert offers["Everywhere"].cheaper_on is None


def test_an_offer_cheaper_elsewhere_says_where(agent_client):
    customer = CustomerFactory()
    OfferFactory(
        name="Summer Data",
        price=Decimal("12.00"),
        channel_prices={"portal": "9.00", "api": "10.00", "agent": "11.00"},
    )
    OfferFactory(name="Dearer Online", price=Decimal("5.00"), channel_prices={"agent": "4.00"})

    response = agent_client.get(f"/backoffice/customers/{customer.pk}/")

    offers = {item.offer.name: item for item in response.context["customer360"].offers}
    assert offers["Summer Data"].price == Decimal("11.00")
    assert offers["Summer Data"].cheaper_on == ("Self-care portal", Decimal("9.00"))
    assert offers["Dearer Online"].cheaper_on is None
    assert response.text.count(": tell her") == 1


def test_the_timeline_shows_every_channel_with_who_did_what(agent_client, agent):
    customer = CustomerFactory()
    interaction_record(
        customer=customer,
        kind=Interaction.Kind.LOGIN,
        channel="portal",
        actor="customer",
        actor_user=customer.user,
        summary=verbatim("Logged in to the self-care portal"),
    )
    cart_with(customer, OfferFactory(name="Games Club"), channel="agent", user=agent)
    notification = cart_share(customer=customer, actor_user=agent)
    notification_deliver(notification_id=notification.pk)
    tracked_link_click(token=notification.links.get().token, user=customer.user)
    interaction_record(
        customer=customer,
        kind=Interaction.Kind.NOTE,
        channel="agent",
        actor="agent",
        actor_user=agent,
        summary=verbatim("Wants to know about roaming"),
    )

    page = _page(agent_client, customer)

    assert "Logged in to the self-care portal" in page
    assert "Added Games Club to the cart (agent Alex Agent)" in page
    assert "Sent the cart to the customer by SMS (agent Alex Agent)" in page
    assert f"SMS sent: {notification.subject}" in page
    assert f"Clicked the link in “{notification.subject}”" in page
    assert "Wants to know about roaming" in page  # internal notes are for agents
    assert "Agent Alex Agent" in page
    for channel in ("Self-care portal", "Call centre", "System"):
        assert f'<span class="timeline-channel">{channel}</span>' in page
    # the message itself, with its delivery status
    assert f"<strong>{notification.subject}</strong>" in page


def _customer_with(n_addons: int, n_interactions: int, offers):
    customer = CustomerFactory(balance=Decimal("500.00"))
    for i, offer in enumerate(offers[:n_addons]):
        own(customer, offer, key=f"key-{i:05d}")
    cart_with(customer, *offers[n_addons : n_addons + min(n_addons, 5)])
    Interaction.objects.bulk_create(
        Interaction(
            customer=customer, kind="login", channel="portal", actor="customer", summary="x"
        )
        for _ in range(n_interactions)
    )
    return customer


def _queries(client, customer) -> int:
    client.get(f"/backoffice/customers/{customer.pk}/")  # the session is warm
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/backoffice/customers/{customer.pk}/").status_code == 200
    return len(queries)


def test_the_page_costs_the_same_whatever_she_owns_or_did(agent_client):
    offers = [
        OfferFactory(price=Decimal("1.00"), data_mb=100, allows_suspend=True) for _ in range(40)
    ]
    small = _customer_with(1, 1, offers)
    big = _customer_with(30, 150, offers)

    with_small = _queries(agent_client, small)
    with_big = _queries(agent_client, big)

    assert with_small == with_big
    # session, user, groups, customer; cart (4); lines, allowances; balance; add-ons (2); the
    # quote's and the offer list's eligibility (8); orders (2); messages; history; her events,
    # her alerts and their changes (3); her limits, their changes and her spend this month (3);
    # her last three months of data for the next best offer (3)
    assert with_big <= 33


def test_an_unknown_customer_is_a_404(agent_client):
    assert agent_client.get("/backoffice/customers/999999/").status_code == 404
    assert agent_client.get("/backoffice/customers/999999999999999999/").status_code == 404
    assert agent_client.get("/backoffice/customers/9999999999999999999/").status_code == 404
    assert agent_client.get("/backoffice/customers/abc/").status_code == 404
