"""TMF622 Product Ordering: `productOrder`, her orders read, and orders that act on what she
owns.

Create: one item per order, carried out by the service the portal uses for the same thing
(`tmf.ordering_items`): `add` switches an offering on, `modify` suspends (product status
"suspended"), resumes (status "active") or changes options ("option.KEY" characteristics) of a
product of hers, `delete` switches one off with the refund of its offer's policy. `externalId` is
the client's key: the same key and request answer the same order, never a second one; the same key
with another request is a 409. Read: her orders newest first, each with its items, prices, state,
and the states it went through as TMF622 v4's `note` (one per change, dated)."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers

from orders.models import Order, OrderItem
from orders.selectors.inventory import order_get_for_customer, order_page_for_customer

from . import schema
from .catalog import CHANNEL_NAMES, offering_ref
from .common import (
    IsCustomer,
    TmfView,
    href,
    list_response,
    money,
    one_found,
    one_response,
    page_read,
)
from .inventory import product_href
from .ordering_items import (
    ProductOrderCreateInput,
    ProductOrderCreateSerializer,
    item_place,
    item_read,
    replay_check,
)

PATH = "productOrderingManagement/v4/productOrder"
Status = Order.Status
# TMF622's ProductOrderStateType (and item state) for each of an order's states.
STATES = {
    Status.ACKNOWLEDGED: "acknowledged",
    Status.PENDING: "pending",
    Status.IN_PROGRESS: "inProgress",
    Status.COMPLETED: "completed",
    Status.FAILED: "failed",
    Status.CANCELLED: "cancelled",
}
Action = OrderItem.Action
ACTIONS = {
    Action.ADD: "add",
    Action.TERMINATE: "delete",
    Action.MODIFY: "modify",
    Action.SUSPEND: "modify",
    Action.RESUME: "modify",
    Action.STOP_RENEWAL: "modify",
}
# The product status a suspend or resume item leaves (TMF637's ProductStatusType).
ITEM_PRODUCT_STATUS = {Action.SUSPEND: "suspended", Action.RESUME: "active"}


def order_href(request, order_id: int) -> str:
    return href(request, f"{PATH}/{order_id}")


def _price(amount: Decimal, currency: str) -> list[dict]:
    return [
        {
            "priceType": "oneTime",
            "price": {"taxIncludedAmount": money(amount, currency)},
            "@type": "OrderPrice",
        }
    ]


def _item_data(request, order: Order, item: OrderItem) -> dict:
    currency = item.offer.currency
    found = {
        "id": str(item.pk),
        "action": ACTIONS.get(item.action, "modify"),
        "state": STATES[order.status],
        "productOffering": offering_ref(request, item.offer),
        "itemTotalPrice": _price(item.charge_amount - item.refund_amount, currency),
        "@type": "ProductOrderItem",
    }
    if item.product_instance_id:
        found["product"] = {
            "id": str(item.product_instance_id),
            "href": product_href(request, item.product_instance_id),
            "@referredType": "Product",
        }
        if item.action in ITEM_PRODUCT_STATUS:
            found["product"]["status"] = ITEM_PRODUCT_STATUS[item.action]
    return found


def _history(order: Order) -> list[dict]:
    """The states the order went through, oldest first, as TMF622 v4's Notes: the v4 document
    gives a ProductOrder no state history of its own (no stateChange, no milestone), and a Note
    (id, date, text) is what every v4 client reads. Each text is the state's TMF name, then
    what caused it when known ("failed: The network refused it")."""
    return [
        {
            "id": f"state-{number}",
            "date": change.created_at,
            "text": STATES[change.to_status] + (f": {change.note}" if change.note else ""),
            "@type": "Note",
        }
        for number, change in enumerate(order.status_changes.all(), start=1)
    ]


def order_data(request, order: Order) -> dict:
    """`order` as a TMF622 ProductOrder."""
    items = list(order.items.all())
    currency = items[0].offer.currency if items else "EUR"
    total = sum((i.charge_amount - i.refund_amount for i in items), Decimal("0.00"))
    found = {
        "id": str(order.pk),
        "href": order_href(request, order.pk),
        "externalId": order.idempotency_key,
        "state": STATES[order.status],
        "orderDate": order.created_at,
        "channel": [
            {
                "id": order.channel,
                "name": CHANNEL_NAMES.get(order.channel, order.channel),
                "@referredType": "Channel",
            }
        ],
        "productOrderItem": [_item_data(request, order, item) for item in items],
        "orderTotalPrice": _price(total, currency),
        "relatedParty": [
            {
                "id": str(order.customer_id),
                "role": "customer",
                "@referredType": "Customer",
            }
        ],
        "note": _history(order),
        "@type": "ProductOrder",
    }
    if order.completed_at:
        key = "cancellationDate" if order.status == Status.CANCELLED else "completionDate"
        found[key] = order.completed_at
    if order.status == Status.CANCELLED and order.failure_reason:
        found["cancellationReason"] = order.failure_reason
    return found


def _example(action: str, **item) -> dict:
    return {"externalId": "app-7f3c2a", "productOrderItem": [{"id": "1", "action": action, **item}]}


_OrderPrice = schema.resource(
    "OrderPrice",
    {
        "priceType": schema.text(),
        "price": schema.resource(
            "TmfOrderPriceValue", {"taxIncludedAmount": schema.Money()}, identity=()
        )(),
        "@type": schema.text(),
    },
    identity=(),
)
STATE_VALUES = sorted(set(STATES.values()))
_STATE = serializers.ChoiceField(choices=STATE_VALUES)
_Item = schema.resource(
    "ProductOrderItem",
    {
        "id": schema.text(),
        "action": serializers.ChoiceField(choices=["add", "modify", "delete"]),
        "state": _STATE,
        "productOffering": schema.ref("TmfProductOfferingRef")(),
        "product": schema.resource(
            "ProductOrderItemProduct",
            {
                "id": schema.text(),
                "href": schema.text(),
                "status": schema.text(help_text='What the item left: "suspended" or "active".'),
                "@referredType": schema.text(),
            },
            identity=("id",),
        )(),
        "itemTotalPrice": _OrderPrice(many=True),
        "@type": schema.text(),
    },
    identity=("id", "action", "state", "productOffering", "itemTotalPrice", "@type"),
)
_Note = schema.resource(
    "ProductOrderStateNote",
    {"id": schema.text(), "date": schema.moment(), "text": schema.text(), "@type": schema.text()},
    identity=("id", "date", "text", "@type"),
    doc='A state the order went through: its TMF name, then why when known ("failed: ...").',
)
ProductOrder = schema.resource(
    "ProductOrder",
    {
        "id": schema.text(),
        "href": schema.text(),
        "externalId": schema.text(),
        "state": _STATE,
        "orderDate": schema.moment(),
        "completionDate": schema.moment(),
        "cancellationDate": schema.moment(),
        "cancellationReason": schema.text(),
        "channel": schema.ref("TmfChannelRef")(many=True),
        "productOrderItem": _Item(many=True),
        "orderTotalPrice": _OrderPrice(many=True),
        "relatedParty": schema.ref("TmfQualificationParty", role=True)(many=True),
        "note": _Note(many=True),
        "@type": schema.text(),
    },
    doc="TMF622 ProductOrder: one of her orders, with the states it went through.",
)


class ProductOrderListView(TmfView):
    permission_classes = [IsCustomer]

    @extend_schema(
        tags=["TMF622 Product Ordering"],
        summary="Her orders, newest first",
        parameters=[schema.FIELDS, *schema.PAGING, *schema.LIST_HEADERS],
        responses={200: ProductOrder(many=True), **schema.errors(400, 401, 403, 429)},
    )
    def get(self, request):
        page = page_read(request)
        total, orders = order_page_for_customer(
            customer=request.her.customer, offset=page.offset, limit=page.limit
        )
        return list_response(request, total=total, items=[order_data(request, o) for o in orders])

    @extend_schema(
        tags=["TMF622 Product Ordering"],
        summary="Switch an offering on, suspend, resume, change or switch off a product of hers "
        "(idempotent by externalId)",
        request=ProductOrderCreateSerializer,
        responses={201: ProductOrder, **schema.errors(400, 401, 403, 404, 409, 429)},
        examples=[
            OpenApiExample(
                "Add an offering",
                request_only=True,
                value=_example("add", productOffering={"id": "3"}),
            ),
            OpenApiExample(
                "Suspend a product",
                request_only=True,
                value=_example("modify", product={"id": "12", "status": "suspended"}),
            ),
            OpenApiExample(
                "Resume a product",
                request_only=True,
                value=_example("modify", product={"id": "12", "status": "active"}),
            ),
            OpenApiExample(
                "Change a product's options",
                request_only=True,
                value=_example(
                    "modify",
                    product={
                        "id": "14",
                        "productCharacteristic": [{"name": "option.data", "value": "20gb"}],
                    },
                ),
            ),
            OpenApiExample(
                "Switch a product off",
                request_only=True,
                value=_example("delete", product={"id": "12"}),
            ),
        ],
    )
    def post(self, request):
        serializer = ProductOrderCreateInput(data=request.data)
        if not serializer.is_valid():
            raise serializers.ValidationError(serializer.errors)
        data = serializer.validated_data
        wanted = item_read(data["productOrderItem"][0])
        her = request.her
        order = item_place(her=her, wanted=wanted, key=data["externalId"], actor_user=request.user)
        order = order_get_for_customer(customer=her.customer, pk=order.pk)
        replay_check(order=order, wanted=wanted)
        return one_response(request, order_data(request, order), status_code=201)


class ProductOrderView(TmfView):
    permission_classes = [IsCustomer]

    @extend_schema(
        tags=["TMF622 Product Ordering"],
        summary="One order of hers, with its states",
        parameters=[schema.FIELDS],
        responses={200: ProductOrder, **schema.errors(401, 403, 404, 429)},
    )
    def get(self, request, order_id: str):
        order = one_found(
            order_id,
            lambda pk: order_get_for_customer(customer=request.her.customer, pk=pk),
            missing=f"No order {order_id} of yours.",
        )
        return one_response(request, order_data(request, order))
