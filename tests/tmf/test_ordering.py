"""TMF622 productOrder: an order to add an offering goes through the portal's purchase service
(same eligibility, price, charge, activation), idempotent by externalId; her orders read with
their states. Valid against TM Forum's document."""

import json
from decimal import Decimal

import pytest

from orders.models import Order, ProductInstance
from selfcare.models import LedgerEntry
from selfcare.selectors import customer_balance
from tests.factories import CustomerFactory, OfferFactory
from tests.orders.helpers import buy
from tests.tmf.conformance import conforms, conforms_list, spec_enum

pytestmark = pytest.mark.django_db
URL = "/tmf-api/productOrderingManagement/v4/productOrder"


def order(client, offer_id, key="app-key-1", **item):
    body = {
        "externalId": key,
        "productOrderItem": [
            {"id": "1", "action": "add", "productOffering": {"id": str(offer_id)}, **item}
        ],
    }
    return client.post(URL, json.dumps(body), content_type="application/json")


def written():
    return Order.objects.count(), ProductInstance.objects.count(), LedgerEntry.objects.count()


def test_every_order_state_is_one_of_tmfs():
    from tmf.ordering import STATES

    assert set(STATES) == set(Order.Status.values)
    assert set(STATES.values()) <= set(spec_enum("TMF622", "ProductOrderStateType"))


def test_an_order_switches_the_offering_on_at_the_apis_price_once(
    customer_client, customer, django_capture_on_commit_callbacks
):
    promo = OfferFactory(promotion=True, channel_prices={"portal": "9.00", "api": "11.00"})
    before = customer_balance(customer=customer)

    with django_capture_on_commit_callbacks(execute=True):
        first = order(customer_client, promo.pk)
    again = order(customer_client, promo.pk)

    body = first.json()
    assert first.status_code == 201
    conforms("TMF622", "ProductOrder", body)
    assert again.status_code == 201
    assert again.json()["id"] == body["id"]
    assert Order.objects.count() == 1
    assert customer_balance(customer=customer) == before - Decimal("11.00")
    assert body["externalId"] == "app-key-1"
    assert body["channel"][0]["id"] == "api"
    item = body["productOrderItem"][0]
    assert item["action"] == "add"
    assert item["productOffering"]["id"] == str(promo.pk)
    assert item["itemTotalPrice"][0]["price"]["taxIncludedAmount"] == {"unit": "EUR", "value": 11.0}
    instance = ProductInstance.objects.get()
    assert item["product"]["id"] == str(instance.pk)
    assert body["state"] == "inProgress"  # answered before its activation ran
    settled = again.json()
    assert settled["state"] == "completed"
    assert [n["text"] for n in settled["note"]] == ["acknowledged", "inProgress", "completed"]
    assert "completionDate" in settled


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: OfferFactory(eligible_segments=["vip"]), "notEligible"),
        (lambda: OfferFactory(price=Decimal("500.00")), "insufficientBalance"),
        (lambda: OfferFactory(draft=True), "notOnSale"),
        (lambda: None, "notOnSale"),
    ],
)
def test_an_order_she_may_not_place_is_409_and_writes_nothing(customer_client, make, code):
    offer = make()
    before = written()

    response = order(customer_client, offer.pk if offer else 999999)

    assert response.status_code == 409
    conforms("TMF622", "Error", response.json())
    assert response.json()["code"] == code
    assert written() == before


def test_a_key_used_for_another_offering_is_409(customer_client, customer):
    order(customer_client, OfferFactory().pk, key="same")
    before = written()

    response = order(customer_client, OfferFactory().pk, key="same")

    assert response.status_code == 409
    assert written() == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"productOrderItem": [{"id": "1", "action": "add", "productOffering": {"id": "1"}}]},
            "externalId: This field is required.",
        ),
        (
            {
                "externalId": "k",
                "productOrderItem": [
                    {"id": "1", "action": "noChange", "productOffering": {"id": "1"}}
                ],
            },
            "productOrderItem:",
        ),
        (
            {
                "externalId": "k",
                "productOrderItem": [
                    {"id": "1", "action": "add", "productOffering": {"id": "1"}},
                    {"id": "2", "action": "add", "productOffering": {"id": "1"}},
                ],
            },
            "productOrderItem:",
        ),
    ],
)
def test_a_bad_order_is_400_and_writes_nothing(customer_client, body, message):
    before = written()

    response = customer_client.post(URL, json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    conforms("TMF622", "Error", response.json())
    assert response.json()["message"].startswith(message)
    assert written() == before


def test_her_orders_newest_first_and_no_one_elses(customer_client, customer):
    first, second = OfferFactory(name="First"), OfferFactory(name="Second")
    buy(customer, first, key="key-00001")
    buy(customer, second, key="key-00002")
    other = CustomerFactory()
    buy(other, first, key="key-00003")
    theirs = Order.objects.get(customer=other)

    response = customer_client.get(URL)
    mine = Order.objects.filter(customer=customer).order_by("-id").first()
    one = customer_client.get(f"{URL}/{mine.pk}")
    refused = customer_client.get(f"{URL}/{theirs.pk}")

    conforms_list("TMF622", "ProductOrder", response.json())
    names = [o["productOrderItem"][0]["productOffering"]["name"] for o in response.json()]
    assert names == ["Second", "First"]
    assert response["X-Total-Count"] == "2"
    conforms("TMF622", "ProductOrder", one.json())
    assert one.json()["state"] == "inProgress"  # its activation not run yet
    assert refused.status_code == 404
    conforms("TMF622", "Error", refused.json())
