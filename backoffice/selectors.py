"""The call centre's reads: finding a customer, and everything about her on one page.

An agent reaches a customer only through these; each costs the same number of queries whatever
she owns, bought or did.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q

from catalog.models import Offer, SalesChannel
from catalog.policies import channel_price
from orders.models import Cart, CartItem, Order, OrderItem, ProductInstance
from orders.selectors import (
    AddonActions,
    Quote,
    addon_switch_list_for_offers,
    cart_get_open,
    cart_quote,
    offer_needs_input,
    product_instance_actions,
)
from selfcare.models import (
    AlertSettingChange,
    Bucket,
    Channel,
    Customer,
    DomainEvent,
    Interaction,
    Line,
    Notification,
)
from selfcare.selectors import customer_balance, interaction_list_for_customer, line_get_home
from selfcare.selectors_alerts import alert_change_list, alert_choice_for, event_list_for_customer
from selfcare.services.alerts import AlertChoice

SEARCH_LIMIT = 20
# A query made only of these is a phone number, typed the way people type them.
PHONE_LIKE = re.compile(r"[\d\s+\-().]+")


@dataclass(frozen=True)
class SearchResult:
    query: str
    customers: tuple[Customer, ...] = ()
    # More customers match than are shown: the agent should type more.
    truncated: bool = False


def customer_search(*, query: str, limit: int = SEARCH_LIMIT) -> SearchResult:
    """Customers whose number contains the digits typed (spaces, "+" and dashes ignored), or
    whose name or e-mail contains the text typed; at most `limit`, by name, each with her lines.
    Two queries."""
    query = query.strip()
    if not query:
        return SearchResult(query=query)
    match = Q(name__icontains=query) | Q(email__icontains=query)
    digits = re.sub(r"\D", "", query)
    if digits and PHONE_LIKE.fullmatch(query):
        match |= Q(pk__in=Line.objects.filter(msisdn__contains=digits).values("customer_id"))
    rows = list(
        Customer.objects.filter(match)
        .order_by("name", "id")
        .prefetch_related(Prefetch("lines", queryset=Line.objects.order_by("temporary", "id")))[
            : limit + 1
        ]
    )
    return SearchResult(query=query, customers=tuple(rows[:limit]), truncated=len(rows) > limit)


def customer_get_for_agent(*, customer_id: int) -> Customer:
    """Raises Customer.DoesNotExist."""
    return Customer.objects.select_related("account").get(pk=customer_id)


def offer_get_on_sale(*, offer_id: int) -> Offer:
    """Raises Offer.DoesNotExist for an offer that is not published."""
    return Offer.objects.get(pk=offer_id, status=Offer.Status.PUBLISHED)


def cart_item_get_for_customer(*, customer: Customer, item_id: int) -> CartItem:
    """An item of her open cart, with its offer and the cart. Raises CartItem.DoesNotExist."""
    return CartItem.objects.select_related("offer", "cart", "line").get(
        pk=item_id, cart__customer=customer, cart__status=Cart.Status.OPEN
    )


def product_instance_get_for_agent(*, customer: Customer, instance_id: int) -> ProductInstance:
    """One of her products. Raises ProductInstance.DoesNotExist (not hers, or no such id)."""
    return ProductInstance.objects.select_related("offer", "line").get(
        pk=instance_id, customer=customer
    )


@dataclass(frozen=True)
class AgentOffer:
    """An offer the agent may put in her cart, at the call centre's price, and where it costs
    her less: (channel label, price) or None."""

    offer: Offer
    price: Decimal
    needs_input: bool
    cheaper_on: tuple[str, Decimal] | None = None


def _cheaper_elsewhere(offer: Offer, *, price: Decimal) -> tuple[str, Decimal] | None:
    labels = dict(SalesChannel.choices)
    prices = offer.channel_prices if isinstance(offer.channel_prices, dict) else {}
    elsewhere = [
        (channel_price(offer, channel=channel), labels[channel])
        for channel in prices
        if channel != Channel.AGENT and channel in labels and channel in (offer.channels or [])
    ]
    best = min(elsewhere, default=None)
    return (best[1], best[0]) if best is not None and best[0] < price else None


@dataclass(frozen=True)
class AgentAddon:
    """An add-on she owns, with what the agent may do to it now (`product_instance_actions`,
    the same answer her portal and the services give)."""

    instance: ProductInstance
    actions: AddonActions


@dataclass(frozen=True)
class Customer360:
    customer: Customer
    balance: Decimal
    lines: tuple[Line, ...]
    # Her home line (`line_get_home`) if it is active: the line the agent adds to her cart for.
    home_line: Line | None
    addons: tuple[AgentAddon, ...]
    ended_addons: tuple[ProductInstance, ...]
    quote: Quote
    offers: tuple[AgentOffer, ...]
    orders: tuple[Order, ...]
    notifications: tuple[Notification, ...]
    interactions: tuple[Interaction, ...]
    # The event log's latest facts about her (a list of its own beside her history), and the
    # usage alerts of her home line with their latest changes.
    events: tuple[DomainEvent, ...] = ()
    alert_line: Line | None = None
    alert_choice: AlertChoice | None = None
    alert_changes: tuple[AlertSettingChange, ...] = ()

    @property
    def currency(self) -> str:
        return self.customer.account.currency

    @property
    def configurable_item_ids(self) -> frozenset[int]:
        """The cart items whose options the agent may change."""
        return frozenset(
            line.item.pk for line in self.quote.lines if offer_needs_input(offer=line.offer)
        )


def _lines_with_allowances(*, customer: Customer, at: dt.datetime) -> list[Line]:
    current = (
        Bucket.objects.filter(valid_from__lte=at)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=at))
        .order_by("valid_until", "id")
    )
    return list(
        Line.objects.filter(customer=customer)
        .order_by("temporary", "id")
        .prefetch_related(Prefetch("buckets", queryset=current, to_attr="current_buckets"))
    )


def _offers_for_cart(*, customer: Customer, line: Line | None, cart: Cart | None):
    """What she may buy on the agent channel now and is not already in her cart for `line`."""
    if line is None:
        return ()
    items = cart.items.all() if cart else ()
    in_cart = {item.offer_id for item in items if item.line_id == line.pk}
    switches = addon_switch_list_for_offers(customer=customer, line=line, channel=Channel.AGENT)
    offers = []
    for switch in switches:
        offer = switch.offer
        if (
            switch.decision is None
            or not switch.decision.eligible
            or (switch.instance and switch.instance.is_live)
            or offer.pk in in_cart
        ):
            continue
        price = channel_price(offer, channel=Channel.AGENT)
        offers.append(
            AgentOffer(
                offer=offer,
                price=price,
                needs_input=offer_needs_input(offer=offer),
                cheaper_on=_cheaper_elsewhere(offer, price=price),
            )
        )
    return tuple(offers)


def order_list_recent(*, customer: Customer, limit: int = 10) -> list[Order]:
    """Her latest orders with their items and who placed them: three queries."""
    return list(
        Order.objects.filter(customer=customer)
        .select_related("line", "placed_by")
        .prefetch_related(Prefetch("items", queryset=OrderItem.objects.select_related("offer")))[
            :limit
        ]
    )


def customer_360(*, customer: Customer, at: dt.datetime, history: int = 100) -> Customer360:
    """Everything an agent sees of a customer: profile, balance, lines with their allowances
    now, the add-ons she owns (and those that ended lately), her open cart quoted at the call
    centre's prices, what the agent may add to it, her orders, the messages sent to her and her
    history on every channel (internal notes included). A fixed number of queries."""
    cart = cart_get_open(customer=customer)
    lines = _lines_with_allowances(customer=customer, at=at)
    home = alert_line = line_get_home(customer=customer)
    if home is not None and home.status != Line.Status.ACTIVE:
        home = None  # suspended: nothing can be added to her cart for it
    products = ProductInstance.objects.filter(customer=customer).select_related("offer", "line")
    return Customer360(
        customer=customer,
        balance=customer_balance(customer=customer),
        lines=tuple(lines),
        home_line=home,
        addons=tuple(
            AgentAddon(instance, product_instance_actions(product_instance=instance, at=at))
            for instance in products.filter(status__in=ProductInstance.LIVE_STATUSES).order_by(
                "line_id", "offer__display_order", "offer__name"
            )
        ),
        ended_addons=tuple(
            products.exclude(status__in=ProductInstance.LIVE_STATUSES).order_by(
                "-status_changed_at", "-id"
            )[:10]
        ),
        quote=cart_quote(customer=customer, channel=Channel.AGENT, cart=cart, at=at),
        offers=_offers_for_cart(customer=customer, line=home, cart=cart),
        orders=tuple(order_list_recent(customer=customer)),
        notifications=tuple(Notification.objects.filter(customer=customer)[:10]),
        interactions=tuple(
            interaction_list_for_customer(customer=customer, public=False, limit=history)
        ),
        events=tuple(event_list_for_customer(customer=customer)),
        alert_line=alert_line,
        alert_choice=alert_choice_for(line=alert_line) if alert_line else None,
        alert_changes=tuple(alert_change_list(line=alert_line)) if alert_line else (),
    )
