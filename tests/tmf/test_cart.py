"""TMF663 shoppingCart: the one cart the portal and the console edit, through the cart's services,
with its version: a change on an older version is refused and nothing changes. Valid against TM
Forum's document."""

import json
from decimal import Decimal

import pytest

from orders.models import Cart, CartItem
from orders.services import cart_item_add
from selfcare.models import Interaction, Line
from tests.factories import CustomerFactory, OfferFactory
from tests.tmf.conformance import conforms, conforms_list

pytestmark = pytest.mark.django_db
URL = "/tmf-api/shoppingCart/v4/shoppingCart"


@pytest.fixture
def promo(db):
    """€12, or €9 in the self-care portal, €10 on the API."""
    return OfferFactory(
        name="Summer Data 20GB",
        price=Decimal("12.00"),
        data_mb=20480,
        channel_prices={"portal": "9.00", "api": "10.00"},
    )


def send(client, method, url, body):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def add(offer_id) -> dict:
    return {"action": "add", "productOffering": {"id": str(offer_id)}}


def state():
    """What the cart tables and her history hold."""
    return (
        list(Cart.objects.values_list("id", "version", "status")),
        list(CartItem.objects.values_list("id", "offer_id")),
        Interaction.objects.count(),
    )


def test_she_opens_her_cart_and_the_portal_sees_the_same_cart(
    customer_client, customer, promo, data_offer
):
    response = send(customer_client, "post", URL, {"cartItem": [add(promo.pk), add(data_offer.pk)]})

    assert response.status_code == 201
    body = response.json()
    conforms("TMF663", "ShoppingCart", body)
    cart = Cart.objects.get(customer=customer)
    assert body["id"] == str(cart.pk)
    assert body["href"] == f"http://testserver{URL}/{cart.pk}"
    assert body["version"] == cart.version == 2
    assert [i["productOffering"]["name"] for i in body["cartItem"]] == [
        "Summer Data 20GB",
        "Data 15GB",
    ]
    first = body["cartItem"][0]
    assert first["itemPrice"][0]["price"]["taxIncludedAmount"] == {"unit": "EUR", "value": 12.0}
    assert first["itemTotalPrice"][0]["price"]["taxIncludedAmount"] == {
        "unit": "EUR",
        "value": 10.0,
    }
    assert first["itemTotalPrice"][0]["priceAlteration"][0]["price"]["taxIncludedAmount"] == {
        "unit": "EUR",
        "value": -2.0,
    }
    assert body["cartTotalPrice"][0]["price"]["taxIncludedAmount"]["value"] == 20.0
    assert body["relatedParty"][0]["id"] == str(customer.pk)
    changes = Interaction.objects.filter(kind="cart_changed").order_by("id")
    assert [(c.channel, c.actor, c.actor_user) for c in changes] == [
        ("api", "customer", customer.user),
        ("api", "customer", customer.user),
    ]
    # The portal's cart page is the same cart, at the portal's price.
    page = customer_client.get("/cart/")
    assert "Summer Data 20GB" in page.content.decode()
    listed = customer_client.get(URL)
    conforms_list("TMF663", "ShoppingCart", listed.json())
    assert [c["id"] for c in listed.json()] == [str(cart.pk)]
    assert listed["X-Total-Count"] == "1"
    assert customer_client.get(f"{URL}/{cart.pk}").json() == body


def test_no_cart_lists_none_and_a_second_post_is_refused(customer_client, customer, promo):
    empty = customer_client.get(URL)
    assert (empty.json(), empty["X-Total-Count"]) == ([], "0")
    cart_item_add(customer=customer, offer_id=promo.pk, channel="portal")
    before = state()

    again = send(customer_client, "post", URL, {"cartItem": [add(promo.pk)]})

    assert again.status_code == 409
    conforms("TMF663", "Error", again.json())
    assert again.json()["code"] == "cartExists"
    assert state() == before


def test_patch_adds_and_takes_out_on_the_version_she_saw(
    customer_client, customer, promo, data_offer
):
    cart = cart_item_add(customer=customer, offer_id=promo.pk, channel="portal")
    item = cart.items.get()

    response = send(
        customer_client,
        "patch",
        f"{URL}/{cart.pk}",
        {
            "version": 1,
            "cartItem": [add(data_offer.pk), {"id": str(item.pk), "action": "delete"}],
        },
    )

    assert response.status_code == 200
    body = response.json()
    conforms("TMF663", "ShoppingCart", body)
    assert body["version"] == 3
    assert [i["productOffering"]["id"] for i in body["cartItem"]] == [str(data_offer.pk)]
    assert list(CartItem.objects.values_list("offer_id", flat=True)) == [data_offer.pk]


def test_a_stale_version_is_refused_and_nothing_changes(
    customer_client, customer, promo, data_offer, agent
):
    cart = cart_item_add(customer=customer, offer_id=promo.pk, channel="portal")
    # An agent changed it meanwhile (version 2).
    cart_item_add(
        customer=customer,
        offer_id=data_offer.pk,
        channel="agent",
        actor="agent",
        actor_user=agent,
    )
    before = state()

    response = send(
        customer_client,
        "patch",
        f"{URL}/{cart.pk}",
        {"version": 1, "cartItem": [{"id": str(cart.items.first().pk), "action": "delete"}]},
    )

    assert response.status_code == 409
    conforms("TMF663", "Error", response.json())
    assert response.json()["code"] == "staleVersion"
    assert "Alex Agent" in response.json()["message"]
    assert state() == before


def test_one_refused_item_and_none_of_the_patch_is_kept(customer_client, customer, promo):
    cart = cart_item_add(customer=customer, offer_id=promo.pk, channel="portal")
    other = OfferFactory(name="Games Club")
    before = state()

    response = send(
        customer_client,
        "patch",
        f"{URL}/{cart.pk}",
        # The first would be added; the second is already in the cart.
        {"version": 1, "cartItem": [add(other.pk), add(promo.pk)]},
    )

    assert response.status_code == 409
    assert "already in the cart" in response.json()["message"]
    assert state() == before


@pytest.mark.parametrize(
    "body",
    [
        {"cartItem": [add(1)]},  # no version
        {"version": 1, "cartItem": []},
        {"version": "1", "cartItem": [add(1)]},
        {"version": 1, "cartItem": [{"action": "sell"}]},
        {"version": 1, "cartItem": [{"action": "delete"}]},  # which item?
        {"version": 1, "cartItem": [{"action": "delete", "id": "x"}]},
        {"version": 1, "cartItem": [{"action": "add"}]},  # which offering?
        {"version": 1, "cartItem": [add(1) | {"quantity": 2}]},
        [],
    ],
)
def test_bad_bodies_are_a_400_in_tmfs_error_and_change_nothing(
    customer_client, customer, promo, body
):
    cart = cart_item_add(customer=customer, offer_id=promo.pk, channel="portal")
    before = state()

    response = send(customer_client, "patch", f"{URL}/{cart.pk}", body)

    assert response.status_code == 400, response.json()
    conforms("TMF663", "Error", response.json())
    assert state() == before


def test_an_offering_not_on_sale_and_a_cart_not_hers(customer_client, customer, promo):
    theirs = cart_item_add(customer=CustomerFactory(), offer_id=promo.pk, channel="portal")
    mine = cart_item_add(customer=customer, offer_id=promo.pk, channel="portal")
    before = state()

    not_on_sale = send(
        customer_client, "patch", f"{URL}/{mine.pk}", {"version": 1, "cartItem": [add(999999)]}
    )
    not_hers = send(customer_client, "patch", f"{URL}/{theirs.pk}", {"version": 1, "cartItem": []})

    assert (not_on_sale.status_code, not_on_sale.json()["code"]) == (409, "notOnSale")
    assert not_hers.status_code == 404
    assert customer_client.get(f"{URL}/{theirs.pk}").status_code == 404
    assert state() == before


def test_an_agent_edits_her_cart_as_in_his_console(client, customer, promo, agent):
    client.force_login(agent)

    created = send(
        client, "post", f"{URL}?relatedParty.id={customer.pk}", {"cartItem": [add(promo.pk)]}
    )

    assert created.status_code == 201
    # The call centre's price (the list price), not the API's.
    assert created.json()["cartTotalPrice"][0]["price"]["taxIncludedAmount"]["value"] == 12.0
    change = Interaction.objects.get(kind="cart_changed")
    assert (change.customer, change.channel, change.actor, change.actor_user) == (
        customer,
        "agent",
        "agent",
        agent,
    )
    assert client.get(URL).status_code == 400  # he names her
    assert client.get(URL, {"relatedParty.id": "999999"}).status_code == 404


def test_a_customer_naming_someone_else_and_a_system_are_refused(
    customer_client, client, customer, catalog_reader
):
    other = CustomerFactory()

    named = customer_client.get(URL, {"relatedParty.id": str(other.pk)})
    customer_client.logout()
    system = client.get(URL, headers=catalog_reader)

    assert named.status_code == 403
    assert system.status_code == 403
    conforms("TMF663", "Error", system.json())


def test_an_agent_for_a_customer_without_a_line_reads_her_empty_cart_but_adds_nothing(
    client, agent, promo
):
    lineless = CustomerFactory()
    Line.objects.filter(customer=lineless).delete()
    client.force_login(agent)

    listed = client.get(URL, {"relatedParty.id": str(lineless.pk)})
    created = send(
        client, "post", f"{URL}?relatedParty.id={lineless.pk}", {"cartItem": [add(promo.pk)]}
    )
    unnamed = client.get(URL)

    assert (listed.status_code, listed.json()) == (200, [])
    assert (created.status_code, created.json()["code"]) == (409, "noLine")
    assert not Cart.objects.filter(customer=lineless).exists()
    assert (unnamed.status_code, unnamed.json()["code"]) == (400, "missingRelatedParty")
