"""TMF663 Shopping Cart: `shoppingCart`, her open cart: the one the portal and the call centre
edit (`orders.services.cart`), quoted at the API channel's prices (`orders.selectors.cart_quote`).
A call-centre agent, naming her with `relatedParty.id`, edits it as in his console: at the call
centre's prices, each change in her history with his name.

Its `version` (beside TMF's v4 attributes) is the cart's: every change bumps it. A change names
the version it was made on, and one made on an older version is refused (409, nothing changed),
as in the portal and the console.

- GET: her open cart (a list of none or one), or it by id.
- POST (ShoppingCart_Create): open her cart with its items, as one who saw no cart (version 0):
  she has one already (opened in the portal, by an agent) → 409.
- PATCH (ShoppingCart_Update, with `version`): each `cartItem` says what to do with TMF's
  CartItemActionType: `add` an offering (`productOffering.id`, options as `product`
  characteristics named "option.KEY"), `modify` an item's options (`id`), `delete` an item
  (`id`), `noChange`. All of them or none: one refused and nothing changed.
"""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers

from catalog.models import Billing, Offer
from orders.models import CartItem
from orders.selectors import cart_get_open, cart_quote
from orders.services import (
    CartStaleError,
    OrderError,
    cart_item_add,
    cart_item_configure,
    cart_item_remove,
)
from selfcare.models import Channel, Interaction

from . import schema
from .catalog import offering_find, offering_ref
from .common import (
    PARTY_PARAMETER,
    IsCustomerOrAgent,
    TmfError,
    TmfView,
    href,
    id_read,
    list_response,
    money,
    one_response,
    page_read,
    refused,
)

PATH = "shoppingCart/v4/shoppingCart"
OPTION_PREFIX = "option."
MAX_ITEMS = 20
ACTIONS = ("add", "modify", "delete", "noChange")


def cart_href(request, cart_id: int) -> str:
    return href(request, f"{PATH}/{cart_id}")


def _price(name: str, amount, currency: str, *, offer: Offer | None = None, discount=None):
    found = {
        "name": name,
        "priceType": "recurring"
        if offer is not None and offer.billing == Billing.RECURRING
        else "oneTime",
        "price": {"taxIncludedAmount": money(amount, currency), "@type": "Price"},
        "@type": "CartPrice",
    }
    if discount:
        found["priceAlteration"] = [
            {
                "name": "Channel discount",
                "priceType": "discount",
                "price": {"taxIncludedAmount": money(-discount, currency), "@type": "Price"},
                "@type": "PriceAlteration",
            }
        ]
    return found


def _item_data(request, line, currency: str) -> dict:
    item = line.item
    characteristics = [{"name": "msisdn", "valueType": "string", "value": item.line.msisdn}]
    characteristics += [
        {"name": f"{OPTION_PREFIX}{key}", "valueType": "string", "value": str(value)}
        for key, value in sorted((item.options or {}).items())
    ]
    found = {
        "id": str(item.pk),
        "action": "add",
        "quantity": 1,
        "status": "active",
        "productOffering": offering_ref(request, line.offer),
        "product": {
            "productCharacteristic": [c | {"@type": "Characteristic"} for c in characteristics],
            "@type": "Product",
        },
        "itemPrice": [_price("List price", line.list_price, currency, offer=line.offer)],
        "itemTotalPrice": [
            _price(
                "Price",
                line.price,
                currency,
                offer=line.offer,
                discount=line.discount,
            )
        ],
        "@type": "CartItem",
    }
    if line.problem:
        found["note"] = [{"text": line.problem, "@type": "Note"}]
    return found


def cart_data(request, quote) -> dict:
    """Her open cart and its quote as a TMF663 ShoppingCart."""
    cart = quote.cart
    return {
        "id": str(cart.pk),
        "href": cart_href(request, cart.pk),
        "version": cart.version,
        "cartItem": [_item_data(request, line, quote.currency) for line in quote.lines],
        "cartTotalPrice": [_price("Total", quote.total, quote.currency, discount=quote.discount)],
        "relatedParty": [
            {
                "id": str(cart.customer_id),
                "role": "customer",
                "@referredType": "Customer",
            }
        ],
        "@type": "ShoppingCart",
    }


# Bodies


class _WholeNumber(serializers.IntegerField):
    """A JSON whole number (DRF's IntegerField would take "1" or 1.0)."""

    def to_internal_value(self, data):
        if not isinstance(data, int) or isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


def _text(**kwargs):
    """Any JSON string up to a length: what it names is looked up, or checked by the service."""
    return schema.StrictCharField(allow_blank=True, trim_whitespace=False, **kwargs)


class _CartOfferingIn(serializers.Serializer):
    id = _text(max_length=32)


class _CartCharacteristicIn(serializers.Serializer):
    name = _text(max_length=80)
    value = _text(max_length=64)


class _CartProductIn(serializers.Serializer):
    productCharacteristic = _CartCharacteristicIn(many=True, required=False, max_length=20)


class _CartItemIn(serializers.Serializer):
    id = _text(max_length=32, required=False)
    action = _text(max_length=16, required=False, default="add")
    quantity = _WholeNumber(min_value=1, max_value=1, required=False)
    productOffering = _CartOfferingIn(required=False)
    product = _CartProductIn(required=False)

    def validate_action(self, value: str) -> str:
        if value not in ACTIONS:
            raise serializers.ValidationError(f"One of {', '.join(ACTIONS)}.")
        return value


class ShoppingCartCreateSerializer(serializers.Serializer):
    """TMF663 ShoppingCart_Create: her cart, opened with these offerings (each `add`)."""

    cartItem = serializers.ListField(child=_CartItemIn(), min_length=1, max_length=MAX_ITEMS)


class ShoppingCartUpdateSerializer(serializers.Serializer):
    """TMF663 ShoppingCart_Update: what to do with her cart's items, on the version she saw."""

    version = _WholeNumber(
        min_value=0, max_value=2**31 - 1, help_text="The cart's version you last saw."
    )
    cartItem = serializers.ListField(child=_CartItemIn(), min_length=1, max_length=MAX_ITEMS)


# The bodies as the schema states them (the serializers above check them): each item's action
# with what it needs, so that every body the schema allows is one a change can be made of.
_STRING = {"type": "string", "maxLength": 32}
_ITEM_ID = {"type": "string", "pattern": "^[0-9]{1,18}$", "description": "The item's id."}
_QUANTITY = {"type": "integer", "enum": [1], "description": "One of each offering a line."}
_PRODUCT = {
    "type": "object",
    "description": 'Her choices for an offering with options: characteristics named "option.KEY".',
    "properties": {
        "productCharacteristic": {
            "type": "array",
            "maxItems": 20,
            "items": {
                "type": "object",
                "required": ["name", "value"],
                "properties": {
                    "name": {"type": "string", "maxLength": 80},
                    "value": {"type": "string", "maxLength": 64},
                },
            },
        }
    },
}
_ADD_ITEM = {
    "type": "object",
    "title": "add",
    "required": ["productOffering"],
    "properties": {
        "id": _STRING,
        "action": {"type": "string", "enum": ["add"], "description": "add when not given."},
        "quantity": _QUANTITY,
        "productOffering": {
            "type": "object",
            "required": ["id"],
            "properties": {"id": _STRING},
        },
        "product": _PRODUCT,
    },
}
_MODIFY_ITEM = {
    "type": "object",
    "title": "modify",
    "description": "Her new choices for an item's options.",
    "required": ["id", "action"],
    "properties": {
        "id": _ITEM_ID,
        "action": {"type": "string", "enum": ["modify"]},
        "quantity": _QUANTITY,
        "product": _PRODUCT,
    },
}
_DELETE_ITEM = {
    "type": "object",
    "title": "delete",
    "description": "Take an item out (delete), or leave it (noChange).",
    "required": ["id", "action"],
    "properties": {
        "id": _ITEM_ID,
        "action": {"type": "string", "enum": ["delete", "noChange"]},
        "quantity": _QUANTITY,
    },
}
CREATE_BODY = {
    "type": "object",
    "description": "TMF663 ShoppingCart_Create: her cart, opened with these offerings.",
    "required": ["cartItem"],
    "properties": {
        "cartItem": {"type": "array", "minItems": 1, "maxItems": MAX_ITEMS, "items": _ADD_ITEM}
    },
}
UPDATE_BODY = {
    "type": "object",
    "description": "TMF663 ShoppingCart_Update: what to do with her cart's items (TMF's "
    "CartItemActionType), on the version you saw.",
    "required": ["version", "cartItem"],
    "properties": {
        "version": {
            "type": "integer",
            "minimum": 0,
            "maximum": 2**31 - 1,
            "description": "The cart's version you last saw.",
        },
        "cartItem": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_ITEMS,
            "items": {"anyOf": [_ADD_ITEM, _MODIFY_ITEM, _DELETE_ITEM]},
        },
    },
}


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise serializers.ValidationError(serializer.errors)
    return serializer.validated_data


def _options(item: dict) -> dict:
    characteristics = item.get("product", {}).get("productCharacteristic", [])
    return {
        c["name"].removeprefix(OPTION_PREFIX): c["value"]
        for c in characteristics
        if c["name"].startswith(OPTION_PREFIX)
    }


def _bad(message: str) -> TmfError:
    return TmfError(message, code="invalidBody", status_code=400)


def _item_pk(item: dict, position: int) -> int:
    pk = id_read(item.get("id", ""))
    if pk is None:
        raise _bad(f"cartItem {position}: {item['action']} names the item by its id.")
    return pk


def _refused(exc: OrderError) -> TmfError:
    if isinstance(exc, CartStaleError):
        return TmfError(str(exc), code="staleVersion", status_code=409)
    return refused(exc)


def _channel(request) -> str:
    """Her channel, the API; an agent's, the call centre (its prices and rules), as his console."""
    return Channel.API if request.agent is None else Channel.AGENT


def _edit(request) -> dict:
    """For whom a change is made, where and by whom: her, or the agent, as in his console."""
    return {
        "customer": request.her.customer,
        "channel": _channel(request),
        "actor": Interaction.Actor.CUSTOMER if request.agent is None else Interaction.Actor.AGENT,
        "actor_user": request.user,
    }


def _apply(request, items: list[dict], *, version: int) -> None:
    """Each item's action through the cart's services, each on the version the one before it
    left (every change bumps it by one). Run inside the caller's transaction: one refused and
    none is kept."""
    edit = _edit(request)
    for position, item in enumerate(items, start=1):
        action = item["action"]
        if action == "noChange":
            continue
        if action == "add":
            wanted = item.get("productOffering")
            if wanted is None:
                raise _bad(f"cartItem {position}: add names its productOffering.")
            offer = offering_find(wanted["id"])
            if offer is None:
                raise TmfError(
                    f"No product offering {wanted['id']} on sale.",
                    code="notOnSale",
                    status_code=409,
                )
            if request.her.line is None:
                raise TmfError("She has no line to add it to.", code="noLine", status_code=409)
            cart_item_add(
                offer_id=offer.pk,
                line_id=request.her.line.pk,
                options=_options(item),
                version=version,
                **edit,
            )
        elif action == "modify":
            cart_item_configure(
                item_id=_item_pk(item, position), options=_options(item), version=version, **edit
            )
        else:
            cart_item_remove(item_id=_item_pk(item, position), version=version, **edit)
        version += 1


def _change(request, items: list[dict], *, version: int):
    """Apply `items` (all or nothing) and the quote of her cart as it is then."""
    try:
        with transaction.atomic():
            _apply(request, items, version=version)
    except CartItem.DoesNotExist as exc:
        raise TmfError(
            "An item named is not in your cart as it is now: nothing was changed.",
            code="itemNotInCart",
            status_code=409,
        ) from exc
    except Offer.DoesNotExist as exc:  # withdrawn between the look-up and the add
        raise TmfError(
            "That product offering is not on sale.", code="notOnSale", status_code=409
        ) from exc
    except OrderError as exc:
        raise _refused(exc) from exc
    quote = cart_quote(customer=request.her.customer, channel=_channel(request))
    if quote.cart is None:  # checked out in another channel the moment after
        raise TmfError("Your cart was just checked out.", code="checkedOut", status_code=409)
    return quote


# Schema

_Price = schema.resource(
    "TmfPriceValue",
    {"taxIncludedAmount": schema.Money(), "@type": schema.text()},
    identity=("taxIncludedAmount",),
)
_Alteration = schema.resource(
    "TmfCartPriceAlteration",
    {
        "name": schema.text(),
        "priceType": schema.text(),
        "price": _Price(),
        "@type": schema.text(),
    },
    identity=("priceType", "price"),
)
_CartPrice = schema.resource(
    "CartPrice",
    {
        "name": schema.text(),
        "priceType": serializers.ChoiceField(choices=["oneTime", "recurring"]),
        "price": _Price(),
        "priceAlteration": _Alteration(many=True, required=False),
        "@type": schema.text(),
    },
    identity=("name", "priceType", "price", "@type"),
)
_CartCharacteristic = schema.resource(
    "TmfCartCharacteristic",
    {
        "name": schema.text(),
        "valueType": schema.text(),
        "value": schema.text(),
        "@type": schema.text(),
    },
    identity=("name", "value"),
)
_Product = schema.resource(
    "TmfCartProduct",
    {"productCharacteristic": _CartCharacteristic(many=True), "@type": schema.text()},
    identity=("productCharacteristic",),
)
_Note = schema.resource(
    "TmfCartNote", {"text": schema.text(), "@type": schema.text()}, identity=("text",)
)
_Item = schema.resource(
    "CartItem",
    {
        "id": schema.text(),
        "action": schema.text(help_text="add: it is to be bought."),
        "quantity": serializers.IntegerField(),
        "status": schema.text(help_text="active: it is bought at checkout."),
        "productOffering": schema.ref("TmfProductOfferingRef")(),
        "product": _Product(),
        "itemPrice": _CartPrice(many=True),
        "itemTotalPrice": _CartPrice(many=True),
        "note": _Note(many=True),
        "@type": schema.text(),
    },
    identity=(
        "id",
        "action",
        "quantity",
        "status",
        "productOffering",
        "product",
        "itemPrice",
        "itemTotalPrice",
        "@type",
    ),
)
ShoppingCart = schema.resource(
    "ShoppingCart",
    {
        "id": schema.text(),
        "href": schema.text(),
        "version": serializers.IntegerField(
            help_text="Bumped by every change: send it back with a PATCH."
        ),
        "cartItem": _Item(many=True),
        "cartTotalPrice": _CartPrice(many=True),
        "relatedParty": schema.ref("TmfCartParty", role=True)(many=True),
        "@type": schema.text(),
    },
    doc="TMF663 ShoppingCart: her open cart, the one the portal and the call centre edit, "
    "quoted at the API's prices.",
)
TAGS = ["TMF663 Shopping Cart"]
_ADD = {"id": "1", "action": "add", "productOffering": {"id": "3"}}


class ShoppingCartListView(TmfView):
    permission_classes = [IsCustomerOrAgent]

    @extend_schema(
        tags=TAGS,
        summary="Her open cart (none or one)",
        parameters=[schema.FIELDS, *schema.PAGING, *schema.LIST_HEADERS, PARTY_PARAMETER],
        responses={200: ShoppingCart(many=True), **schema.errors(400, 401, 403, 429)},
    )
    def get(self, request):
        page = page_read(request)
        quote = cart_quote(customer=request.her.customer, channel=_channel(request))
        items = [cart_data(request, quote)] if quote.cart is not None else []
        return list_response(
            request, total=len(items), items=items[page.offset : page.offset + page.limit]
        )

    @extend_schema(
        tags=TAGS,
        summary="Open her cart with these offerings (409 if she has one: PATCH it)",
        parameters=[schema.FIELDS, PARTY_PARAMETER],
        request={"application/json": CREATE_BODY},
        responses={201: ShoppingCart, **schema.errors(400, 401, 403, 409, 429)},
        examples=[OpenApiExample("One offering", request_only=True, value={"cartItem": [_ADD]})],
    )
    def post(self, request):
        data = _valid(ShoppingCartCreateSerializer, request.data)
        if any(item["action"] != "add" for item in data["cartItem"]):
            raise _bad("A new cart's items are each an add.")
        cart = cart_get_open(customer=request.her.customer)
        if cart is not None:
            raise TmfError(
                f"You have a cart already ({cart.pk}, version {cart.version}): change it with "
                "PATCH.",
                code="cartExists",
                status_code=409,
            )
        quote = _change(request, data["cartItem"], version=0)
        return one_response(request, cart_data(request, quote), status_code=201)


class ShoppingCartView(TmfView):
    permission_classes = [IsCustomerOrAgent]

    def _open(self, request, cart_id: str):
        quote = cart_quote(customer=request.her.customer, channel=_channel(request))
        if quote.cart is None or str(quote.cart.pk) != cart_id:
            raise TmfError(f"No open cart {cart_id} of yours.", code="notFound", status_code=404)
        return quote

    @extend_schema(
        tags=TAGS,
        summary="Her open cart",
        parameters=[schema.FIELDS, PARTY_PARAMETER],
        responses={200: ShoppingCart, **schema.errors(401, 403, 404, 429)},
    )
    def get(self, request, cart_id: str):
        return one_response(request, cart_data(request, self._open(request, cart_id)))

    @extend_schema(
        tags=TAGS,
        summary="Add, change or take out items of her cart, on the version she saw",
        parameters=[schema.FIELDS, PARTY_PARAMETER],
        request={"application/json": UPDATE_BODY},
        responses={200: ShoppingCart, **schema.errors(400, 401, 403, 404, 409, 429)},
        examples=[
            OpenApiExample(
                "Add one, take one out",
                request_only=True,
                value={
                    "version": 2,
                    "cartItem": [_ADD, {"id": "17", "action": "delete"}],
                },
            )
        ],
    )
    def patch(self, request, cart_id: str):
        self._open(request, cart_id)
        data = _valid(ShoppingCartUpdateSerializer, request.data)
        quote = _change(request, data["cartItem"], version=data["version"])
        return one_response(request, cart_data(request, quote))
