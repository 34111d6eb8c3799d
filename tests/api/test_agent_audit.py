"""An agent's use of the API is recorded with the agent, exactly as his console actions are: he
names the customer with `relatedParty.id`, and her cart, orders and history show his name; a
customer's own API use is recorded as hers. Reads are not recorded, as the console's are not."""

import re
from decimal import Decimal

import pytest

from orders.models import Cart, CartItem, Order
from selfcare.models import Interaction
from tests.backoffice.conftest import AGENTS
from tests.factories import CustomerFactory, OfferFactory, UserFactory
from tests.selfcare.test_app_tokens import make_app, sign_in_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(db):
    return UserFactory(username="alex", first_name="Alex", last_name="Agent", groups=[AGENTS])


@pytest.fixture
def stacy(db):
    return CustomerFactory(name="Stacy Smith")


@pytest.fixture
def promo(db):
    return OfferFactory(
        name="Summer Data 20GB",
        price=Decimal("12.00"),
        channel_prices={"portal": "9.00", "api": "10.00"},
    )


@pytest.fixture
def news(db):
    return OfferFactory(name="News Alerts", price=Decimal("0.99"))


def for_her(path: str, customer) -> str:
    return f"{path}?relatedParty.id={customer.pk}"


def app_token(client, user) -> str:
    """An access token of an app `user` signed in to (authorization code flow with PKCE)."""
    token = sign_in_app(client, user, make_app("Contact-centre CRM"))["access_token"]
    client.logout()
    return token


def timeline(page: str) -> list[str]:
    """The console's timeline rows, time left out, spaces squeezed."""
    rows = re.findall(r'<li class="timeline-[^"]+ channel-[^"]+">(.*?)</li>', page, flags=re.S)
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<time.*?</time>", "", row))).strip()
        for row in rows
    ]


def history(customer) -> list[tuple]:
    return list(
        Interaction.objects.filter(customer=customer)
        .order_by("id")
        .values_list("kind", "channel", "actor", "actor_user__username", "summary")
    )


def test_an_agents_api_cart_change_is_recorded_as_his_console_one(
    client, agent, stacy, news, promo
):
    client.force_login(agent)
    console = client.post(f"/backoffice/customers/{stacy.pk}/cart/add/", {"offer": news.pk})
    assert console.status_code == 302

    response = client.post(
        for_her("/api/cart/items/", stacy), {"offer": promo.pk}, content_type="application/json"
    )

    assert response.status_code == 201
    body = response.json()
    # His console's prices: the call centre's.
    assert (body["channel"], body["version"]) == ("agent", 2)
    assert [item["price"] for item in body["items"]] == ["0.99", "12.00"]
    assert history(stacy) == [
        (
            "cart_changed",
            "agent",
            "agent",
            "alex",
            "Added News Alerts to the cart (agent Alex Agent)",
        ),
        (
            "cart_changed",
            "agent",
            "agent",
            "alex",
            "Added Summer Data 20GB to the cart (agent Alex Agent)",
        ),
    ]
    items = CartItem.objects.order_by("id")
    assert [(i.added_on, i.added_by) for i in items] == [("agent", agent), ("agent", agent)]
    cart = Cart.objects.get()
    assert (cart.changed_on, cart.changed_by) == ("agent", agent)
    # Her timeline in the console: the two rows are alike but for the offer.
    page = client.get(f"/backoffice/customers/{stacy.pk}/").content.decode()
    api_row, console_row = timeline(page)[:2]
    assert api_row == console_row.replace("News Alerts", "Summer Data 20GB")
    assert "Agent Alex Agent" in api_row


def test_an_agents_api_purchase_shows_in_her_history_with_his_name(client, agent, stacy, promo):
    token = app_token(client, agent)
    headers = {"Authorization": f"Bearer {token}"}
    added = client.post(
        for_her("/api/cart/items/", stacy),
        {"offer": promo.pk},
        content_type="application/json",
        headers=headers,
    ).json()

    response = client.post(
        for_her("/api/cart/checkout/", stacy),
        {"cart_id": added["id"], "version": added["version"], "expected_total": "12.00"},
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == 201
    order = Order.objects.get()
    assert (order.customer, order.channel, order.placed_by) == (stacy, "agent", agent)
    assert order.items.get().charge_amount == Decimal("12.00")
    kinds = [(k, ch, a, who) for k, ch, a, who, _ in history(stacy)]
    assert kinds == [
        ("cart_changed", "agent", "agent", "alex"),
        ("order_placed", "agent", "agent", "alex"),
        ("checkout", "agent", "agent", "alex"),
    ]
    # In the console: the order by the call centre with his name, the rows by "Agent Alex Agent".
    client.force_login(agent)
    page = client.get(f"/backoffice/customers/{stacy.pk}/").content.decode()
    assert re.search(r"Call centre\s*\(Alex Agent\)", page)
    assert all("Agent Alex Agent" in row for row in timeline(page))
    # In her portal: by the call centre.
    client.force_login(stacy.user)
    activity = client.get("/activity/").content.decode()
    assert activity.count("by the call centre") == 3


def test_her_own_api_use_is_recorded_as_hers(customer_client, customer, promo):
    response = customer_client.post(
        "/api/cart/items/", {"offer": promo.pk}, content_type="application/json"
    )

    assert response.status_code == 201
    assert history(customer) == [
        (
            "cart_changed",
            "api",
            "customer",
            customer.user.username,
            "Added Summer Data 20GB to the cart",
        )
    ]
    item = CartItem.objects.get()
    assert (item.added_on, item.added_by) == ("api", customer.user)


def test_her_own_api_use_may_name_herself_but_nobody_else(customer_client, customer, promo):
    other = CustomerFactory()

    herself = customer_client.get(for_her("/api/cart/", customer))
    refused = customer_client.post(
        for_her("/api/cart/items/", other), {"offer": promo.pk}, content_type="application/json"
    )

    assert herself.status_code == 200
    assert refused.status_code == 403
    assert not CartItem.objects.exists()
    assert not Interaction.objects.exists()


def test_an_agent_names_a_customer_who_exists(client, agent, stacy, promo):
    client.force_login(agent)
    data = {"offer": promo.pk}

    unnamed = client.post("/api/cart/items/", data, content_type="application/json")
    unknown = client.post(
        "/api/cart/items/?relatedParty.id=999999", data, content_type="application/json"
    )
    garbage = client.post(
        "/api/cart/items/?relatedParty.id=x1", data, content_type="application/json"
    )

    assert unnamed.status_code == 400
    assert "relatedParty.id" in unnamed.json()["detail"]
    assert unknown.status_code == garbage.status_code == 404
    assert not CartItem.objects.exists()
    assert not Interaction.objects.exists()


def test_staff_who_are_not_agents_act_for_nobody(client, stacy, promo):
    client.force_login(UserFactory(is_staff=True, groups=["Product managers"]))

    response = client.post(
        for_her("/api/cart/items/", stacy), {"offer": promo.pk}, content_type="application/json"
    )

    assert response.status_code == 403
    assert not CartItem.objects.exists()


def test_an_agents_api_reads_are_not_recorded_as_his_console_reads_are_not(client, agent, stacy):
    client.force_login(agent)

    assert client.get(f"/backoffice/customers/{stacy.pk}/").status_code == 200
    assert client.get(for_her("/api/cart/", stacy)).status_code == 200

    assert not Interaction.objects.exists()


def test_an_agent_who_wrote_through_the_api_cannot_be_deleted(client, agent, stacy, promo):
    from django.db.models import ProtectedError

    client.force_login(agent)
    client.post(
        for_her("/api/cart/items/", stacy), {"offer": promo.pk}, content_type="application/json"
    )

    with pytest.raises(ProtectedError):
        agent.delete()
    assert Interaction.objects.get().actor_user == agent
