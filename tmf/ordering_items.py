"""TMF622 productOrder items onto the orders services: what an item asks, read from the request,
and carried out by the service the portal and the console call for the same thing, so the
outcome (checks, price, refund, history, messages) is the portal's.

TMF622 v4 names four item actions (`OrderItemActionType`: add, modify, delete, noChange), so:

- `add` + productOffering: switch it on (`product_instance_purchase`), options as
  characteristics named "option.KEY";
- `modify` + product with `status` "suspended": suspend it (`product_instance_suspend`);
- `modify` + product with `status` "active": resume it (`product_instance_resume`);
- `modify` + product with "option.KEY" characteristics: change its options
  (`product_instance_modify`; the ones not named stay as they are);
- `delete` + product: switch it off now, refunded by the offer's policy
  (`product_instance_cancel`).

`externalId` is the client's key (the order's idempotency key, unique per customer): the same
key and the same request answer the order it made; the same key with another request is a 409."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.validators import ProhibitNullCharactersValidator
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from orders import services as order_services
from orders.models import Order, OrderItem, ProductInstance
from orders.selectors.inventory import product_instance_get_owned
from selfcare.models import Channel, Interaction
from selfcare.services import InsufficientBalanceError

from . import schema
from .catalog import offering_find
from .common import Her, TmfError, one_found, refused

Action = OrderItem.Action
OPTION_PREFIX = "option."
# The product status a modify item asks for, and what doing it is.
STATUS_ACTIONS = {"suspended": Action.SUSPEND, "active": Action.RESUME}
# What is done to a product she owns, by action (a change of options is `product_instance_modify`).
CONTROLS = {
    Action.SUSPEND: order_services.product_instance_suspend,
    Action.RESUME: order_services.product_instance_resume,
    Action.TERMINATE: order_services.product_instance_cancel,
}


# The request


class _Text(schema.StrictCharField):
    """Text as sent, spaces included: what the schema allows (any non-empty string) is read."""

    def __init__(self, **kwargs):
        super().__init__(trim_whitespace=False, **kwargs)


class _OrderedOfferingIn(serializers.Serializer):
    id = _Text(max_length=32)


class _CharacteristicIn(serializers.Serializer):
    name = _Text(max_length=80)
    value = _Text(max_length=64)


@extend_schema_field({"type": "string", "pattern": "^(active|suspended)$"})
class _ProductStatusField(_Text):
    """The product status a modify item asks for: "suspended" or "active". Written in the
    schema as a pattern: an enum of these two is TMF654 bucket's status already, and
    drf-spectacular cannot name one choice set shared by two unrelated components."""

    default_error_messages = {"invalid_choice": 'Must be "suspended" or "active".'}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value not in STATUS_ACTIONS:
            self.fail("invalid_choice")
        return value


class _ProductIn(serializers.Serializer):
    id = _Text(
        max_length=32,
        required=False,
        help_text="The product of hers (TMF637 id) a modify or delete item acts on.",
    )
    status = _ProductStatusField(
        required=False,
        help_text='modify: "suspended" suspends the product, "active" resumes it.',
    )
    productCharacteristic = _CharacteristicIn(
        many=True,
        required=False,
        help_text='Options, named "option.KEY": chosen with add, changed with modify.',
    )


# What each action needs, for the schema only (the request is read by `_OrderItemIn` and
# `item_read`): one shape per action, and modify's product either a status or options, so a
# request the schema allows is one `item_read` reads, and the others are the schema's 400s.


class _OptionIn(_CharacteristicIn):
    name = serializers.RegexField(r"^option\.", max_length=80)


class ProductStatusChangeSerializer(_ProductIn):
    """Suspend ("suspended") or resume ("active") a product of hers."""

    id = _Text(max_length=32)
    status = _ProductStatusField()


class ProductOptionsChangeSerializer(_ProductIn):
    """Change the options of a product of hers: the ones named, the others stay."""

    id = _Text(max_length=32)
    productCharacteristic = serializers.ListField(child=_OptionIn(), min_length=1)


class _ProductNamed(_ProductIn):
    id = _Text(max_length=32)


class ProductOrderItemAddSerializer(serializers.Serializer):
    """Switch productOffering on, with options as characteristics "option.KEY"."""

    id = _Text(max_length=64)
    action = serializers.ChoiceField(choices=["add"])
    productOffering = _OrderedOfferingIn()
    product = _ProductIn(required=False)


class ProductOrderItemModifySerializer(serializers.Serializer):
    """Suspend, resume, or change the options of a product of hers."""

    id = _Text(max_length=64)
    action = serializers.ChoiceField(choices=["modify"])
    productOffering = _OrderedOfferingIn(required=False)
    product = PolymorphicProxySerializer(
        component_name="ProductModification",
        serializers=[ProductStatusChangeSerializer, ProductOptionsChangeSerializer],
        resource_type_field_name=None,
    )


class ProductOrderItemDeleteSerializer(serializers.Serializer):
    """Switch a product of hers off now, refunded by its offer's policy."""

    id = _Text(max_length=64)
    action = serializers.ChoiceField(choices=["delete"])
    productOffering = _OrderedOfferingIn(required=False)
    product = _ProductNamed()


class _OrderItemIn(serializers.Serializer):
    id = _Text(max_length=64)
    action = serializers.ChoiceField(
        choices=["add", "modify", "delete"],
        help_text="add: switch productOffering on. modify: suspend, resume or change the "
        "options of product. delete: switch product off now (refunded by its offer's policy).",
    )
    productOffering = _OrderedOfferingIn(
        required=False, help_text="add: the offering. Others: if given, the product's own."
    )
    product = _ProductIn(required=False)


def _storable(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise serializers.ValidationError("Must be Unicode text (no lone surrogate).") from exc


class _KeyField(_Text):
    """The client's key is stored with the order: any text but NUL or a lone surrogate."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators += [ProhibitNullCharactersValidator(), _storable]


class ProductOrderCreateInput(serializers.Serializer):
    """TMF622 ProductOrder_Create as read: one item, acting on her home line or a product of
    hers."""

    externalId = _KeyField(
        max_length=64,
        help_text="Your key for this order: the same key and request answer the same order; "
        "the same key with another request is a 409.",
    )
    productOrderItem = serializers.ListField(child=_OrderItemIn(), min_length=1, max_length=1)
    description = _Text(required=False, max_length=255)


class ProductOrderCreateSerializer(ProductOrderCreateInput):
    """TMF622 ProductOrder_Create: one item, acting on her home line or a product of hers."""

    productOrderItem = serializers.ListField(
        child=PolymorphicProxySerializer(
            component_name="ProductOrderItemCreate",
            serializers=[
                ProductOrderItemAddSerializer,
                ProductOrderItemModifySerializer,
                ProductOrderItemDeleteSerializer,
            ],
            resource_type_field_name=None,
        ),
        min_length=1,
        max_length=1,
    )


@dataclass(frozen=True)
class Wanted:
    """What one order item asks: an action (an OrderItem action), on an offering (add) or a
    product of hers (the others), with options ("option.KEY" characteristics)."""

    action: str
    offering_id: str = ""
    product_id: str = ""
    options: dict | None = None


def _invalid(message: str) -> TmfError:
    return TmfError(message, code="invalidItem", status_code=400)


def options_read(product: dict) -> dict:
    """Her choices: the characteristics named "option.KEY", by KEY."""
    return {
        c["name"].removeprefix(OPTION_PREFIX): c["value"]
        for c in product.get("productCharacteristic", [])
        if c["name"].startswith(OPTION_PREFIX)
    }


def item_read(item: dict) -> Wanted:
    """The request of a valid ProductOrderItem (its serializer's data). Raises TmfError (400)
    for an item that does not say one thing to do."""
    action = item["action"]
    product = item.get("product", {})
    offering_id = item.get("productOffering", {}).get("id", "")
    options = options_read(product)
    if action == "add":
        if not offering_id:
            raise _invalid("An add item names the productOffering to switch on.")
        return Wanted(Action.ADD, offering_id=offering_id, options=options or None)
    product_id = product.get("id", "")
    if not product_id:
        raise _invalid(f"A {action} item names the product (its id) it acts on.")
    if action == "delete":
        return Wanted(Action.TERMINATE, offering_id=offering_id, product_id=product_id)
    status = product.get("status")
    if status and options:
        raise _invalid(
            "A modify item changes the product's status or its options, not both at once."
        )
    if status:
        return Wanted(STATUS_ACTIONS[status], offering_id=offering_id, product_id=product_id)
    if not options:
        raise _invalid(
            'A modify item gives the product a status ("suspended", "active") or options '
            '(characteristics named "option.KEY").'
        )
    return Wanted(Action.MODIFY, offering_id=offering_id, product_id=product_id, options=options)


def _product_owned(her: Her, wanted: Wanted) -> ProductInstance:
    """Her product the item acts on, as the offering it names (if it names one)."""
    instance = one_found(
        wanted.product_id,
        lambda pk: product_instance_get_owned(customer=her.customer, pk=pk),
        missing=f"No product {wanted.product_id} of yours.",
    )
    if wanted.offering_id and wanted.offering_id != str(instance.offer_id):
        raise TmfError(
            f"Product {instance.pk} is of productOffering {instance.offer_id}, "
            f"not {wanted.offering_id}.",
            code="productOfferingMismatch",
            status_code=409,
        )
    return instance


def _options_for_change(instance: ProductInstance, options: dict) -> dict:
    """Every option of the product after the change: the ones named, the rest as they are."""
    keys = {group["key"] for group in instance.offer.option_groups or []}
    unknown = sorted(set(options) - keys)
    if keys and unknown:
        raise TmfError(
            f"{OPTION_PREFIX}{unknown[0]} is not an option of {instance.offer.name}.",
            code="invalidCharacteristic",
            status_code=409,
        )
    return {**instance.options, **options}


def _refusal(exc: Exception) -> TmfError:
    """A service's refusal as TMF's error: nothing was written."""
    if isinstance(exc, InsufficientBalanceError):
        return TmfError(str(exc), code="insufficientBalance", status_code=409)
    if isinstance(exc, order_services.OptionsError):
        return TmfError(
            f"{OPTION_PREFIX}{exc.field}: {exc}", code="invalidCharacteristic", status_code=409
        )
    if type(exc) is order_services.OrderError:
        return TmfError(str(exc), code="notAllowed", status_code=409)
    return refused(exc)


def item_place(*, her: Her, wanted: Wanted, key: str, actor_user) -> Order:
    """Carry out `wanted` for her through the portal's service, on the API's channel, with
    `key` as the order's idempotency key. Returns the order (the first one, for a replay).
    Raises TmfError: 404 (no such product of hers), 409 (refused as it stands: not allowed
    now, options that are not the offer's, another offering, the key used for another
    request). A request the schema allows is never a 400 here: those are `item_read`'s."""
    who = {
        "customer": her.customer,
        "channel": Channel.API,
        "idempotency_key": key,
        "actor": Interaction.Actor.CUSTOMER,
        "actor_user": actor_user,
    }
    try:
        if wanted.action == Action.ADD:
            offer = offering_find(wanted.offering_id)
            if offer is None:
                raise TmfError(
                    f"No product offering {wanted.offering_id} on sale.",
                    code="notOnSale",
                    status_code=409,
                )
            order = order_services.product_instance_purchase(
                line_id=her.line.pk, offer_id=offer.pk, options=wanted.options, **who
            )
        else:
            instance = _product_owned(her, wanted)
            if wanted.action == Action.MODIFY:
                order = order_services.product_instance_modify(
                    product_instance_id=instance.pk,
                    options=_options_for_change(instance, wanted.options),
                    **who,
                )
            else:
                order = CONTROLS[wanted.action](product_instance_id=instance.pk, **who)
    except (order_services.OrderError, InsufficientBalanceError) as exc:
        raise _refusal(exc) from exc
    except ProductInstance.DoesNotExist as exc:  # gone between the read and the lock
        raise TmfError(
            f"No product {wanted.product_id} of yours.", code="notFound", status_code=404
        ) from exc
    return order


def replay_check(*, order: Order, wanted: Wanted) -> None:
    """A replayed key made `order` for the same action on the same offering or product (the
    service checked that); its options must be the ones asked for too. Raises TmfError (409)
    when they differ.

    Limitation: an order stores no digest of the request that made it, so the options asked for
    are compared with the product's options as they are now, not as that request gave them.
    While no later change of options overwrote them they are the same; after one, a replay is
    answered with the first order whatever options it names (it cannot be told from the first
    request)."""
    if not wanted.options:
        return
    item = order.items.all()[0]
    instance = item.product_instance
    keys = {group["key"] for group in item.offer.option_groups or []}
    asked = {k: v for k, v in wanted.options.items() if k in keys}
    made = {k: v for k, v in instance.options.items() if k in asked}
    if asked == made:
        return
    if instance.order_items.filter(action=Action.MODIFY, pk__gt=item.pk).exists():
        return
    raise TmfError(
        f"externalId {order.idempotency_key} was already used for another request "
        f"(order {order.pk}).",
        code="idempotencyConflict",
        status_code=409,
    )
