"""TMF622 productOrder items that act on what she owns: `modify` to suspend (product status
"suspended"), resume ("active") or change options ("option.KEY" characteristics), and `delete`
to switch off, each through the service the portal calls, with the portal's outcome; idempotent
by externalId; refusals are TMF errors that change nothing. Requests valid against TM Forum's
ProductOrder_Create, answers against its ProductOrder and Error."""

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from orders.models import Order, OrderStatusChange, ProductInstance
from orders.selectors import product_instance_modify_quote, product_instance_refund_quote
from orders.services import (
    product_instance_activate,
    product_instance_fail_activation,
    product_instance_purchase,
)
from selfcare.models import BYTES_PER_MB as MB
from selfcare.models import Bucket, Interaction, LedgerEntry
from selfcare.selectors import customer_balance
from tests.factories import CustomerFactory, OfferFactory
from tests.orders.helpers import buy
from tests.tmf.conformance import conforms

pytestmark = pytest.mark.django_db
URL = "/tmf-api/productOrderingManagement/v4/productOrder"
GROUPS = [
    {
        "key": "data",
        "label": "Data",
        "choices": [
            {"value": "5gb", "label": "5 GB", "data_mb": 5120},
            {"value": "20gb", "label": "20 GB", "data_mb": 20480, "price": "6.00"},
        ],
    },
    {
        "key": "voice",
        "label": "Voice",
        "choices": [
            {"value": "100", "label": "100 minutes", "voice_minutes": 100},
            {"value": "unlimited", "label": "Unlimited", "voice_minutes": 100000, "price": "3.00"},
        ],
    },
]


def body(action, key="app-key-1", **item):
    found = {"externalId": key, "productOrderItem": [{"id": "1", "action": action, **item}]}
    conforms("TMF622", "ProductOrder_Create", found)  # what a TM Forum client would send
    return found


def post(client, found):
    return client.post(URL, json.dumps(found), content_type="application/json")


def suspend(product, **kwargs):
    return body("modify", product={"id": str(product.pk), "status": "suspended"}, **kwargs)


def resume(product, **kwargs):
    return body("modify", product={"id": str(product.pk), "status": "active"}, **kwargs)


def switch_off(product, **kwargs):
    return body("delete", product={"id": str(product.pk)}, **kwargs)


def change(product, key="app-key-1", **options):
    characteristics = [{"name": f"option.{k}", "value": v} for k, v in options.items()]
    return body(
        "modify", key=key, product={"id": str(product.pk), "productCharacteristic": characteristics}
    )


def own(customer, offer, key="portal-1", **options):
    """An active product of hers, bought in the portal."""
    if options:
        product_instance_purchase(
            customer=customer,
            line_id=customer.lines.get().pk,
            offer_id=offer.pk,
            channel="portal",
            idempotency_key=key,
            options=options,
        )
    else:
        buy(customer, offer, key=key)
    instance = ProductInstance.objects.get(customer=customer, offer=offer)
    product_instance_activate(product_instance_id=instance.pk)
    instance.refresh_from_db()
    return instance


def written():
    """Every row an order writes: orders, their states, products, money, her history."""
    return (
        Order.objects.count(),
        OrderStatusChange.objects.count(),
        ProductInstance.objects.count(),
        LedgerEntry.objects.count(),
        Interaction.objects.count(),
    )


def product_state(instance):
    instance.refresh_from_db()
    return instance.status, instance.ends_at, dict(instance.options), instance.paid_amount


def states(order_body):
    return [note["text"] for note in order_body["note"]]


@pytest.fixture
def suspendable(customer):
    offer = OfferFactory(name="TV Pass", allows_suspend=True, data_mb=500, duration_days=30)
    return own(customer, offer)


@pytest.fixture
def bundle(customer):
    offer = OfferFactory(
        name="My Fixed Price Bundle",
        price=Decimal("15.00"),
        billing="recurring",
        duration_days=30,
        option_groups=GROUPS,
    )
    return own(customer, offer, key="portal-bundle", data="5gb", voice="100")


def test_suspend_then_resume_as_the_portal_does_and_her_time_does_not_run(
    customer_client, customer, suspendable
):
    start, end = suspendable.started_at, suspendable.ends_at

    with time_machine.travel(start + dt.timedelta(days=3), tick=False):
        suspended = post(customer_client, suspend(suspendable, key="k-suspend"))
    suspendable.refresh_from_db()
    assert (suspendable.status, suspendable.status_reason) == ("suspended", "Suspended by you")
    assert Bucket.objects.get(granted_by_instance=suspendable.pk).suspended is True

    with time_machine.travel(start + dt.timedelta(days=5), tick=False):
        resumed = post(customer_client, resume(suspendable, key="k-resume"))

    for response in (suspended, resumed):
        assert response.status_code == 201
        conforms("TMF622", "ProductOrder", response.json())
    first, second = suspended.json(), resumed.json()
    assert first["state"] == second["state"] == "completed"
    assert first["completionDate"] < second["completionDate"]
    item = first["productOrderItem"][0]
    assert (item["action"], item["state"]) == ("modify", "completed")
    assert item["product"]["id"] == str(suspendable.pk)
    assert item["product"]["status"] == "suspended"
    assert second["productOrderItem"][0]["product"]["status"] == "active"
    assert item["productOffering"]["id"] == str(suspendable.offer_id)
    assert states(first) == ["acknowledged", "inProgress", "completed"]
    assert [n["id"] for n in first["note"]] == ["state-1", "state-2", "state-3"]
    suspendable.refresh_from_db()
    assert suspendable.status == "active"
    assert suspendable.ends_at == end + dt.timedelta(days=2)
    orders = Order.objects.filter(idempotency_key__in=["k-suspend", "k-resume"]).order_by("id")
    assert [(o.channel, o.items.get().action) for o in orders] == [
        ("api", "suspend"),
        ("api", "resume"),
    ]
    placed = Interaction.objects.filter(kind="order_placed", channel="api").order_by("id")
    assert [(i.summary, i.actor) for i in placed] == [
        ("Suspended TV Pass", "customer"),
        ("Resumed TV Pass", "customer"),
    ]


def test_delete_switches_off_with_the_offers_refund_policy_then_completes(
    customer_client, customer, data_offer, django_capture_on_commit_callbacks
):
    product = own(customer, data_offer)
    Bucket.objects.filter(granted_by_instance=product.pk).update(used=5944 * MB)
    refund = product_instance_refund_quote(product_instance=product, at=timezone.now())
    assert refund == Decimal("6.13")  # 61.3 % of 15,360 MB unused, of €10 (pro rata of data)
    before = customer_balance(customer=customer)

    with django_capture_on_commit_callbacks() as deprovisioning:
        response = post(customer_client, switch_off(product, key="k-off"))
    answered = response.json()
    for callback in deprovisioning:
        callback()
    settled = customer_client.get(f"{URL}/{answered['id']}").json()

    assert response.status_code == 201
    conforms("TMF622", "ProductOrder", answered)
    conforms("TMF622", "ProductOrder", settled)
    item = answered["productOrderItem"][0]
    assert (item["action"], item["product"]["id"]) == ("delete", str(product.pk))
    assert "status" not in item["product"]
    # the refund of what is unused, at once, as the order's price (negative: given back)
    assert item["itemTotalPrice"][0]["price"]["taxIncludedAmount"] == {
        "unit": "EUR",
        "value": -6.13,
    }
    assert customer_balance(customer=customer) == before + refund
    assert LedgerEntry.objects.get(kind="refund").reference == (
        f"refund:order-item:{Order.objects.get(idempotency_key='k-off').items.get().pk}"
    )
    assert answered["state"] == "inProgress"  # until the network has switched it off
    assert settled["state"] == "completed"
    assert states(settled) == ["acknowledged", "inProgress", "completed"]
    product.refresh_from_db()
    assert product.status == "terminated"


def test_modify_changes_options_at_the_apis_price_for_the_rest_of_the_period(
    customer_client, customer, bundle
):
    ten_days_in = bundle.started_at + dt.timedelta(days=10)
    with time_machine.travel(ten_days_in, tick=False):
        quote = product_instance_modify_quote(
            product_instance=bundle,
            options={"data": "20gb", "voice": "100"},
            at=ten_days_in,
            channel="api",
        )
        response = post(customer_client, change(bundle, data="20gb"))  # voice stays as it is

    assert quote.due_now == Decimal("4.00")  # €6 more a period, for 20 of its 30 days
    assert response.status_code == 201
    order = response.json()
    conforms("TMF622", "ProductOrder", order)
    assert order["state"] == "completed"
    item = order["productOrderItem"][0]
    assert (item["action"], item["product"]["id"]) == ("modify", str(bundle.pk))
    assert item["itemTotalPrice"][0]["price"]["taxIncludedAmount"]["value"] == 4.0
    bundle.refresh_from_db()
    assert bundle.options == {"data": "20gb", "voice": "100"}
    assert (bundle.price, bundle.paid_amount) == (Decimal("21.00"), Decimal("19.00"))
    charge = LedgerEntry.objects.get(reference=f"charge:order-item:{item['id']}")
    assert charge.amount == Decimal("-4.00")
    assert Interaction.objects.get(kind="order_placed", channel="api").summary == (
        "Changed My Fixed Price Bundle: Data: 20 GB; Voice: 100 minutes"
    )


@pytest.mark.parametrize(
    "request_of",
    [
        lambda p: suspend(p),
        lambda p: switch_off(p),
    ],
    ids=["suspend", "delete"],
)
def test_the_same_key_and_request_answer_the_same_order_and_do_nothing_twice(
    customer_client, suspendable, request_of
):
    first = post(customer_client, request_of(suspendable))
    after_first = written(), product_state(suspendable)

    again = post(customer_client, request_of(suspendable))

    assert first.status_code == again.status_code == 201
    conforms("TMF622", "ProductOrder", again.json())
    assert again.json()["id"] == first.json()["id"]
    assert (written(), product_state(suspendable)) == after_first


def test_the_same_key_and_options_answer_the_same_change(customer_client, bundle):
    first = post(customer_client, change(bundle, data="20gb"))
    after_first = written(), product_state(bundle)

    again = post(customer_client, change(bundle, data="20gb"))

    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert (written(), product_state(bundle)) == after_first


def test_the_same_key_with_another_request_is_409_and_changes_nothing(
    customer_client, customer, suspendable, bundle
):
    other = own(customer, OfferFactory(allows_suspend=True), key="portal-2")
    post(customer_client, suspend(suspendable, key="k-1"))
    post(customer_client, change(bundle, key="k-2", data="20gb"))
    before = written(), product_state(suspendable), product_state(bundle), product_state(other)

    answers = [
        post(customer_client, switch_off(suspendable, key="k-1")),  # another action
        post(customer_client, suspend(other, key="k-1")),  # another product
        post(customer_client, body("add", key="k-1", productOffering={"id": str(other.offer_id)})),
        post(customer_client, change(bundle, key="k-2", data="5gb")),  # other options
        post(customer_client, resume(suspendable, key="k-2")),
    ]

    for response in answers:
        assert response.status_code == 409, response.json()
        conforms("TMF622", "Error", response.json())
        assert response.json()["code"] == "idempotencyConflict"
    after = written(), product_state(suspendable), product_state(bundle), product_state(other)
    assert after == before


def test_a_replay_after_a_later_change_still_answers_its_order(customer_client, bundle):
    first = post(customer_client, change(bundle, key="k-1", data="20gb"))
    post(customer_client, change(bundle, key="k-2", data="5gb", voice="unlimited"))
    before = written(), product_state(bundle)

    again = post(customer_client, change(bundle, key="k-1", data="20gb"))

    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert (written(), product_state(bundle)) == before


@pytest.mark.parametrize(
    ("make_request", "status", "code", "message"),
    [
        (
            lambda s, b, d, theirs: suspend(d),
            409,
            "notSuspendable",
            "Data 15GB cannot be suspended.",
        ),
        (lambda s, b, d, theirs: resume(s), 409, "notSuspendable", "TV Pass is not suspended."),
        (
            lambda s, b, d, theirs: switch_off(theirs),
            404,
            "notFound",
            "No product {theirs} of yours.",
        ),
        (lambda s, b, d, theirs: suspend(theirs), 404, "notFound", "No product {theirs} of yours."),
        (
            lambda s, b, d, theirs: body("delete", product={"id": "99999999999999999999"}),
            404,
            "notFound",
            "No product 99999999999999999999 of yours.",
        ),
        (
            lambda s, b, d, theirs: change(d, data="20gb"),
            409,
            "notAllowed",
            "Data 15GB cannot be changed now.",
        ),
        (
            lambda s, b, d, theirs: change(b, data="50gb"),
            409,
            "invalidCharacteristic",
            "option.data: Pick one of the data options.",
        ),
        (
            lambda s, b, d, theirs: change(b, sms="100"),
            409,
            "invalidCharacteristic",
            "option.sms is not an option of My Fixed Price Bundle.",
        ),
        (
            lambda s, b, d, theirs: body("modify", product={"id": str(s.pk)}),
            400,
            "invalidItem",
            'A modify item gives the product a status ("suspended", "active") or options',
        ),
        (
            lambda s, b, d, theirs: body(
                "modify",
                product={
                    "id": str(b.pk),
                    "status": "suspended",
                    "productCharacteristic": [{"name": "option.data", "value": "20gb"}],
                },
            ),
            400,
            "invalidItem",
            "A modify item changes the product's status or its options, not both at once.",
        ),
        (
            lambda s, b, d, theirs: body("delete", productOffering={"id": str(s.offer_id)}),
            400,
            "invalidItem",
            "A delete item names the product (its id) it acts on.",
        ),
        (
            lambda s, b, d, theirs: body(
                "delete", product={"id": str(s.pk)}, productOffering={"id": str(d.offer_id)}
            ),
            409,
            "productOfferingMismatch",
            "Product {s} is of productOffering",
        ),
        (
            lambda s, b, d, theirs: body(
                "modify", product={"id": str(s.pk), "status": "terminated"}
            ),
            400,
            "invalid",
            "productOrderItem:",
        ),
        (
            lambda s, b, d, theirs: body("noChange", product={"id": str(s.pk)}),
            400,
            "invalid",
            "productOrderItem:",
        ),
    ],
    ids=[
        "suspend-not-allowed",
        "resume-not-suspended",
        "delete-not-hers",
        "suspend-not-hers",
        "no-such-product",
        "change-without-options",
        "change-unknown-choice",
        "change-unknown-option",
        "modify-nothing",
        "modify-both",
        "delete-no-product",
        "delete-other-offering",
        "unknown-status",
        "no-change",
    ],
)
def test_a_wrong_action_is_a_tmf_error_and_changes_nothing(
    customer_client, customer, suspendable, bundle, data_offer, make_request, status, code, message
):
    data = own(customer, data_offer, key="portal-3")
    theirs = own(CustomerFactory(), OfferFactory(allows_suspend=True), key="theirs-1")
    products = (suspendable, bundle, data, theirs)
    before = written(), [product_state(p) for p in products]

    response = post(customer_client, make_request(*products))

    assert response.status_code == status, response.json()
    conforms("TMF622", "Error", response.json())
    assert response.json()["code"] == code
    names = {"theirs": theirs.pk, "s": suspendable.pk}
    assert response.json()["message"].startswith(message.format(**names))
    assert (written(), [product_state(p) for p in products]) == before


def test_suspending_a_suspended_product_or_switching_off_an_ended_one_is_refused(
    customer_client, suspendable, data_offer, customer, django_capture_on_commit_callbacks
):
    post(customer_client, suspend(suspendable, key="k-1"))
    data = own(customer, data_offer, key="portal-3")
    with django_capture_on_commit_callbacks(execute=True):
        post(customer_client, switch_off(data, key="k-2"))
    before = written(), product_state(suspendable), product_state(data)

    again = post(customer_client, suspend(suspendable, key="k-3"))
    ended = post(customer_client, switch_off(data, key="k-4"))

    assert (again.status_code, again.json()["code"]) == (409, "notSuspendable")
    assert again.json()["message"] == "TV Pass is not active."
    assert (ended.status_code, ended.json()["code"]) == (409, "notCancellable")
    assert ended.json()["message"] == "Data 15GB is off: it cannot be switched off now."
    assert (written(), product_state(suspendable), product_state(data)) == before


def test_a_failed_order_says_why_in_its_history(customer_client, customer):
    offer = OfferFactory(name="Roaming Pass")
    placed = post(customer_client, body("add", productOffering={"id": str(offer.pk)})).json()

    product_instance_fail_activation(
        product_instance_id=int(placed["productOrderItem"][0]["product"]["id"]),
        reason="The network refused it",
    )
    failed = customer_client.get(f"{URL}/{placed['id']}").json()

    conforms("TMF622", "ProductOrder", failed)
    assert failed["state"] == "failed"
    assert states(failed) == ["acknowledged", "inProgress", "failed: The network refused it"]
    assert [n["date"] for n in failed["note"]] == sorted(n["date"] for n in failed["note"])


def test_the_schema_says_what_an_item_may_ask(client):
    schema = client.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    post_op = schema["paths"][URL]["post"]

    # one shape per action, and modify's product a status or options: what the schema allows
    # is what the API reads (schemathesis holds it to that)
    items = components["ProductOrderItemCreateRequest"]["oneOf"]
    assert [v["$ref"].rsplit("/", 1)[1] for v in items] == [
        "ProductOrderItemAddRequest",
        "ProductOrderItemModifyRequest",
        "ProductOrderItemDeleteRequest",
    ]
    modify = components["ProductModificationRequest"]["oneOf"]
    assert [v["$ref"].rsplit("/", 1)[1] for v in modify] == [
        "ProductStatusChangeRequest",
        "ProductOptionsChangeRequest",
    ]
    status_change = components["ProductStatusChangeRequest"]
    assert status_change["required"] == ["id", "status"]
    assert status_change["properties"]["status"]["pattern"] == "^(active|suspended)$"
    options = components["ProductOptionsChangeRequest"]["properties"]["productCharacteristic"]
    assert options["minItems"] == 1
    assert set(post_op["responses"]) == {"201", "400", "401", "403", "404", "409", "429"}
    examples = post_op["requestBody"]["content"]["application/json"]["examples"]
    assert len(examples) == 5
    for example in examples.values():
        conforms("TMF622", "ProductOrder_Create", example["value"])
