"""The shared cart over the REST API: the same cart as the portal's, at the API's prices, and
only ever her own."""

from decimal import Decimal

import pytest

from orders.models import CartItem, Order
from orders.services import cart_item_add
from tests.factories import CustomerFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def promo(db):
    return OfferFactory(
        name="Summer Data 20GB",
        price=Decimal("12.00"),
        channel_prices={"portal": "9.00", "api": "10.00"},
    )


def test_only_customers_have_a_cart(client):
    assert client.get("/api/cart/").status_code == 401
    client.force_login(UserFactory(is_staff=True, groups=["Product managers"]))
    response = client.get("/api/cart/")
    assert response.status_code == 403
    assert response.json() == {"detail": "Only customers have a cart (and agents acting for one)."}


def test_the_app_sees_and_fills_the_cart_the_portal_started(customer_client, customer, promo):
    games = OfferFactory(name="Games Club", price=Decimal("3.99"))
    cart_item_add(customer=customer, offer_id=promo.pk, channel="portal")

    response = customer_client.post(
        "/api/cart/items/", {"offer": games.pk}, content_type="application/json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 2
    assert body["channel"] == "api"
    assert [(i["offer"]["name"], i["price"]) for i in body["items"]] == [
        ("Summer Data 20GB", "10.00"),
        ("Games Club", "3.99"),
    ]
    assert (body["subtotal"], body["discount"], body["total"]) == ("15.99", "2.00", "13.99")


def test_a_stale_delete_is_409_and_changes_nothing(customer_client, customer, promo):
    cart = cart_item_add(customer=customer, offer_id=promo.pk, channel="portal")
    cart_item_add(customer=customer, offer_id=OfferFactory().pk, channel="agent")

    response = customer_client.delete(f"/api/cart/items/{cart.items.first().pk}/?version=1")

    assert response.status_code == 409
    assert response.json()["detail"].startswith("Your cart was changed")
    assert CartItem.objects.count() == 2


def test_another_customers_item_is_404(customer_client, promo):
    cart = cart_item_add(customer=CustomerFactory(), offer_id=promo.pk, channel="portal")

    response = customer_client.delete(f"/api/cart/items/{cart.items.get().pk}/?version=1")

    assert response.status_code == 404
    assert CartItem.objects.count() == 1


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/api/cart/items/", {"offer": "abc"}),
        ("/api/cart/items/", {}),
        ("/api/cart/items/", {"offer": 1, "options": {"data": ["x"]}}),
        ("/api/cart/items/", {"offer": 1, "options": "5gb"}),
        ("/api/cart/checkout/", {"cart_id": 1, "version": -1, "expected_total": "1"}),
    ],
)
def test_malformed_requests_are_400_with_a_detail(customer_client, path, data):
    response = customer_client.post(path, data, content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    assert not CartItem.objects.exists()


def test_an_unknown_offer_is_404(customer_client):
    response = customer_client.post(
        "/api/cart/items/", {"offer": 999999}, content_type="application/json"
    )
    assert response.status_code == 404


def test_checkout_over_the_api_pays_the_api_price_once(customer_client, customer, promo):
    cart = cart_item_add(customer=customer, offer_id=promo.pk, channel="portal")
    data = {"cart_id": cart.pk, "version": 1, "expected_total": "10.00"}

    first = customer_client.post("/api/cart/checkout/", data, content_type="application/json")
    second = customer_client.post("/api/cart/checkout/", data, content_type="application/json")

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    order = Order.objects.get()
    assert order.channel == "api"
    assert order.items.get().charge_amount == Decimal("10.00")


def test_a_checkout_at_a_total_she_was_not_shown_is_409(customer_client, customer, promo):
    cart = cart_item_add(customer=customer, offer_id=promo.pk, channel="portal")

    response = customer_client.post(
        "/api/cart/checkout/",
        {"cart_id": cart.pk, "version": 1, "expected_total": "9.00"},  # the portal's price
        content_type="application/json",
    )

    assert response.status_code == 409
    assert "€10.00" in response.json()["detail"]
    assert not Order.objects.exists()


API_ROUTES = {
    "cart": ("get", {}),
    "cart_items": ("post", {}),
    "cart_item": ("delete", {"item_id": 1}),
    "cart_checkout": ("post", {}),
}


def test_every_api_route_has_an_expectation():
    from orders.api import urls

    assert {p.name for p in urls.urlpatterns} == set(API_ROUTES)


@pytest.mark.parametrize("name", sorted(API_ROUTES))
@pytest.mark.parametrize(
    ("who", "status"),
    # An agent reaches a customer's cart only by naming her (tests/api/test_agent_audit.py).
    [("anonymous", 401), ("agent", 400), ("product manager", 403)],
)
def test_only_signed_in_customers_reach_the_api(client, name, who, status):
    from django.urls import reverse

    if who != "anonymous":
        group = "Call-centre agents" if who == "agent" else "Product managers"
        client.force_login(UserFactory(groups=[group], is_staff=who == "product manager"))
    method, kwargs = API_ROUTES[name]

    response = getattr(client, method)(reverse(f"api:{name}", kwargs=kwargs))

    assert response.status_code == status
    assert set(response.json()) == {"detail"}
    assert not CartItem.objects.exists()
