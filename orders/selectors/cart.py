"""The shared cart and its quote. A quote is never stored: it is worked out from the catalog
every time, for the channel it is shown on, so every channel sees the same items at the price
that channel would charge."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from catalog.eligibility import offer_decide
from catalog.models import Offer, SalesChannel
from catalog.options import configuration, options_validate
from catalog.policies import channel_price
from selfcare.models import Customer
from selfcare.phones import msisdn_format

from ..models import Cart, CartItem, ProductInstance
from .pricing import offer_price
from .products import customer_context_build

CHANNEL_LABELS = dict(SalesChannel.choices)


@dataclass(frozen=True)
class QuoteLine:
    item: CartItem
    list_price: Decimal
    price: Decimal
    options_labels: tuple[str, ...] = ()
    # Why it cannot be checked out on this channel as it is, in her words; "" when it can.
    problem: str = ""
    # A lower price on another channel it is sold on: (channel label, price).
    cheaper_on: tuple[str, Decimal] | None = None

    @property
    def offer(self) -> Offer:
        return self.item.offer

    @property
    def discount(self) -> Decimal:
        return self.list_price - self.price


@dataclass(frozen=True)
class Quote:
    cart: Cart | None
    channel: str
    currency: str
    lines: tuple[QuoteLine, ...] = field(default=())

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS.get(self.channel, self.channel)

    @property
    def version(self) -> int:
        return self.cart.version if self.cart else 0

    @property
    def subtotal(self) -> Decimal:
        return sum((line.list_price for line in self.lines), Decimal("0.00"))

    @property
    def discount(self) -> Decimal:
        return sum((line.discount for line in self.lines), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return sum((line.price for line in self.lines), Decimal("0.00"))

    @property
    def problems(self) -> list[str]:
        return [f"{line.offer.name}: {line.problem}" for line in self.lines if line.problem]

    @property
    def can_checkout(self) -> bool:
        return bool(self.lines) and not self.problems


def cart_get_open(*, customer: Customer) -> Cart | None:
    """Her open cart with its items, offers and lines, in two queries; None if she has none."""
    items = CartItem.objects.select_related("offer", "line", "added_by").prefetch_related(
        "offer__requires_offers", "offer__excludes_offers"
    )
    return (
        Cart.objects.filter(customer=customer, status=Cart.Status.OPEN)
        .select_related("changed_by")
        .prefetch_related(Prefetch("items", queryset=items))
        .first()
    )


def cart_contains(*, customer: Customer, offer_id: int) -> bool:
    return CartItem.objects.filter(
        cart__customer=customer, cart__status=Cart.Status.OPEN, offer_id=offer_id
    ).exists()


def cart_item_price(*, offer: Offer, options: dict, channel: str) -> tuple[Decimal, Decimal]:
    """(list price, price on `channel`) of one period of `offer` with valid `options`; the
    price on `channel` is what its checkout charges."""
    price = offer_price(offer=offer, options=options, channel=channel)
    if not offer.option_groups:
        return offer.price, price
    listed = configuration(base_price=offer.price, groups=offer.option_groups, chosen=options)
    return listed.price, price


def cart_quote(*, customer: Customer, channel: str, cart: Cart | None = None, at=None) -> Quote:
    """The quote of her open cart as `channel` would sell it: each item's list price, its price
    on this channel, the discount, and what stands in the way of checking it out here."""
    at = at or timezone.now()
    cart = cart if cart is not None else cart_get_open(customer=customer)
    if cart is None:
        return Quote(cart=None, channel=channel, currency=settings.OPERATOR_CURRENCY)
    items = list(cart.items.all())
    owned = _owned_offer_ids(items)
    contexts: dict[int, object] = {}
    lines = []
    for item in items:
        offer = item.offer
        if item.line_id not in contexts:
            contexts[item.line_id] = customer_context_build(
                customer=customer,
                line=item.line,
                channel=channel,
                at=at,
                owned_offer_ids=owned.get(item.line_id, set()),
            )
        problem = _item_problem(item=item, context=contexts[item.line_id], at=at)
        if (
            not problem
            and offer.option_groups
            and options_validate(offer.option_groups, item.options)
        ):
            problem = "choose its options."
        labels: tuple[str, ...] = ()
        if problem:
            list_price, price = offer.price, channel_price(offer, channel=channel)
        else:
            list_price, price = cart_item_price(offer=offer, options=item.options, channel=channel)
            if offer.option_groups:
                labels = configuration(
                    base_price=offer.price, groups=offer.option_groups, chosen=item.options
                ).labels
        lines.append(
            QuoteLine(
                item=item,
                list_price=list_price,
                price=price,
                options_labels=labels,
                problem=problem,
                cheaper_on=_cheaper_on(offer=offer, options=item.options, channel=channel),
            )
        )
    return Quote(
        cart=cart, channel=channel, currency=settings.OPERATOR_CURRENCY, lines=tuple(lines)
    )


def _owned_offer_ids(items: list[CartItem]) -> dict[int, set[int]]:
    owned: dict[int, set[int]] = {}
    rows = ProductInstance.objects.filter(
        line_id__in={item.line_id for item in items}, status__in=ProductInstance.LIVE_STATUSES
    ).values_list("line_id", "offer_id")
    for line_id, offer_id in rows:
        owned.setdefault(line_id, set()).add(offer_id)
    return owned


def _item_problem(*, item: CartItem, context, at: dt.datetime) -> str:
    offer = item.offer
    if offer.pk in context.owned_offer_ids:
        return f"already on for {msisdn_format(item.line.msisdn)}."
    decision = offer_decide(offer=offer, context=context)
    if not decision.eligible:
        return " ".join(decision.reasons)
    return ""


def _cheaper_on(*, offer: Offer, options: dict, channel: str) -> tuple[str, Decimal] | None:
    """The channel (other than this one) where it costs least, if cheaper than here."""
    prices = offer.channel_prices if isinstance(offer.channel_prices, dict) else {}
    here = channel_price(offer, channel=channel)
    best = None
    for other in prices:
        if other == channel or other not in (offer.channels or []):
            continue
        there = channel_price(offer, channel=other)
        if there < here and (best is None or there < best[1]):
            best = (other, there)
    if best is None:
        return None
    saving = here - best[1]
    if offer.option_groups and not options_validate(offer.option_groups, options):
        _, total_here = cart_item_price(offer=offer, options=options, channel=channel)
        return CHANNEL_LABELS[best[0]], total_here - saving
    return CHANNEL_LABELS[best[0]], best[1]
