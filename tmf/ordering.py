"""TMF622 Product Ordering: `productOrder`, her orders read, and an order to add an offering.

Create goes through the purchase service the portal's switch uses
(`orders.services.product_instance_purchase`): the same eligibility, limits, price (the API
channel's), charge and activation. `externalId` is the client's key: the same key answers with
the same order, never a second one. One item per order, action `add`; modify, suspend, resume
and delete are not served yet (a 400 says so). Read: her orders newest first, each with its
items, prices and the states it went through (`stateChange`, beside TMF's v4 attributes)."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers

from orders.models import Order, OrderItem
from orders.selectors.inventory import order_get_for_customer, order_page_for_customer
from orders.services import OrderError, product_instance_purchase
from selfcare.models import Channel, Interaction
from selfcare.services import InsufficientBalanceError

from . import schema
from .catalog import CHANNEL_NAMES, offering_find, offering_ref
from .common import (
    IsCustomer,
    TmfError,
    TmfView,
    href,
    id_read,
    list_response,
    money,
    one_response,
    page_read,
)
from .inventory import product_href

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
OPTION_PREFIX = "option."


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
    return found


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
        "stateChange": [
            {"state": STATES[change.to_status], "changeDate": change.created_at}
            for change in order.status_changes.all()
        ],
        "@type": "ProductOrder",
    }
    if order.completed_at:
        key = "cancellationDate" if order.status == Status.CANCELLED else "completionDate"
        found[key] = order.completed_at
    if order.failure_reason:
        found["note"] = [{"text": order.failure_reason, "@type": "Note"}]
    return found


class _OrderedOfferingIn(serializers.Serializer):
    id = schema.StrictCharField(max_length=32)


class _CharacteristicIn(serializers.Serializer):
    name = schema.StrictCharField(max_length=80)
    value = schema.StrictCharField(max_length=64)


class _ProductIn(serializers.Serializer):
    productCharacteristic = _CharacteristicIn(many=True, required=False)


class _OrderItemIn(serializers.Serializer):
    id = schema.StrictCharField(max_length=64)
    action = serializers.ChoiceField(
        choices=["add"], help_text="Only add for now: switch an offering on."
    )
    productOffering = _OrderedOfferingIn()
    product = _ProductIn(
        required=False,
        help_text='Her choices for an offering with options: characteristics named "option.KEY".',
    )


class ProductOrderCreateSerializer(serializers.Serializer):
    """TMF622 ProductOrder_Create: one item, to add an offering to her home line."""

    externalId = schema.StrictCharField(
        max_length=64, help_text="Your key for this order: the same key answers the same order."
    )
    productOrderItem = serializers.ListField(child=_OrderItemIn(), min_length=1, max_length=1)
    description = schema.StrictCharField(required=False, max_length=255)


def _options(item: dict) -> dict:
    characteristics = item.get("product", {}).get("productCharacteristic", [])
    return {
        c["name"].removeprefix(OPTION_PREFIX): c["value"]
        for c in characteristics
        if c["name"].startswith(OPTION_PREFIX)
    }


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
        "product": schema.ref("TmfProductRef")(),
        "itemTotalPrice": _OrderPrice(many=True),
        "@type": schema.text(),
    },
    identity=("id", "action", "state", "productOffering", "itemTotalPrice", "@type"),
)
_StateChange = schema.resource(
    "ProductOrderStateChange",
    {"state": _STATE, "changeDate": schema.moment()},
    identity=("state", "changeDate"),
)
_Note = schema.resource(
    "TmfNote", {"text": schema.text(), "@type": schema.text()}, identity=("text",)
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
        "channel": schema.ref("TmfChannelRef")(many=True),
        "productOrderItem": _Item(many=True),
        "orderTotalPrice": _OrderPrice(many=True),
        "relatedParty": schema.ref("TmfQualificationParty", role=True)(many=True),
        "stateChange": _StateChange(many=True),
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
        summary="Switch an offering on for her home line (idempotent by externalId)",
        request=ProductOrderCreateSerializer,
        responses={201: ProductOrder, **schema.errors(400, 401, 403, 409, 429)},
        examples=[
            OpenApiExample(
                "Add an offering",
                request_only=True,
                value={
                    "externalId": "app-7f3c2a",
                    "productOrderItem": [
                        {"id": "1", "action": "add", "productOffering": {"id": "3"}}
                    ],
                },
            )
        ],
    )
    def post(self, request):
        serializer = ProductOrderCreateSerializer(data=request.data)
        if not serializer.is_valid():
            raise serializers.ValidationError(serializer.errors)
        data = serializer.validated_data
        item = data["productOrderItem"][0]
        offer = offering_find(item["productOffering"]["id"])
        if offer is None:
            raise TmfError(
                f"No product offering {item['productOffering']['id']} on sale.",
                code="notOnSale",
                status_code=409,
            )
        her = request.her
        try:
            order = product_instance_purchase(
                customer=her.customer,
                line_id=her.line.pk,
                offer_id=offer.pk,
                channel=Channel.API,
                idempotency_key=data["externalId"],
                actor=Interaction.Actor.CUSTOMER,
                actor_user=request.user,
                options=_options(item) or None,
            )
        except InsufficientBalanceError as exc:
            raise TmfError(str(exc), code="insufficientBalance", status_code=409) from exc
        except OrderError as exc:
            code = type(exc).__name__.removesuffix("Error")
            raise TmfError(str(exc), code=code[:1].lower() + code[1:], status_code=409) from exc
        order = order_get_for_customer(customer=her.customer, pk=order.pk)
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
        pk = id_read(order_id)
        try:
            if pk is None:
                raise Order.DoesNotExist
            order = order_get_for_customer(customer=request.her.customer, pk=pk)
        except Order.DoesNotExist as exc:
            raise TmfError(
                f"No order {order_id} of yours.", code="notFound", status_code=404
            ) from exc
        return one_response(request, order_data(request, order))
