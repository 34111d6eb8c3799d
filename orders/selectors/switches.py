"""The add-on switches the portal shows: what each says and what a tap on it does."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Q
from django.utils import timezone

from catalog.eligibility import Decision, offer_decide
from catalog.models import Billing, Offer
from catalog.policies import channel_price, contract_years
from catalog.selectors import offer_list_published
from catalog.shelves import SHELF_ORDER, OfferGets, Shelf, offer_gets, offer_shelf
from selfcare.models import Customer, Line

from ..kinds import kind_for
from ..models import Order, OrderItem, ProductInstance
from .actions import AddonActions, product_instance_actions
from .pricing import offer_price
from .products import FAILURE_SHOWN_FOR, customer_context_build, offer_needs_input


@dataclass
class AddonShelf:
    """One group of the add-ons page: a shelf (`catalog.shelves.Shelf`) and its switches."""

    shelf: Shelf
    switches: list[AddonSwitch]


@dataclass
class AddonSwitch:
    """What one switch shows and what a tap on it does: the offer, what the line owns of it,
    whether it may be bought. States, amounts and datetimes only: the portal's `switches`
    template tags word them. The template renders these; it decides nothing."""

    offer: Offer
    instance: ProductInstance | None
    decision: Decision | None = None
    at: dt.datetime = field(default_factory=timezone.now)
    # The order waiting for her confirmation code, if any.
    awaiting_order_id: int | None = None
    # A fresh idempotency key for the next tap: a double tap resends the same one.
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    # Her full years of contract, where known: a loyalty reward's card says what she gets.
    contract_years: int | None = None

    @property
    def gets(self) -> OfferGets:
        """What the offer gives her (`catalog.shelves.offer_gets`), with her years."""
        return offer_gets(offer=self.offer, contract_years=self.contract_years)

    @property
    def shelf(self) -> Shelf:
        return offer_shelf(self.offer)

    @property
    def owned(self) -> bool:
        return self.instance is not None and self.instance.is_live

    @property
    def price(self):
        """What a period costs her: what she pays now for one she owns (her options, the price
        she bought it at); else what a purchase in the portal charges (`offer_price`), or, for
        a bundle whose options add to it, the base they add to."""
        if self.owned:
            return self.instance.price
        if self.price_from:
            return channel_price(self.offer, channel="portal")
        return offer_price(offer=self.offer, options={}, channel="portal")

    @property
    def price_from(self) -> bool:
        """Its price depends on the options she will pick: `price` is where it starts."""
        return not self.owned and bool(self.offer.option_groups)

    @property
    def discounted(self) -> bool:
        return not self.owned and self.offer.price is not None and self.price < self.offer.price

    @property
    def free(self) -> bool:
        return not self.price

    @property
    def recurring(self) -> bool:
        return self.offer.billing == Billing.RECURRING

    @property
    def state(self) -> str:
        return self.instance.status if self.instance else "off"

    @property
    def ending_later(self) -> bool:
        """Renewal turned off: still on until its end."""
        instance = self.instance
        return (
            self.state == ProductInstance.Status.PENDING_TERMINATE
            and instance.ends_at is not None
            and instance.ends_at > self.at
        )

    @property
    def checked(self) -> bool:
        return self.ending_later or self.state in (
            ProductInstance.Status.PENDING_ACTIVE,
            ProductInstance.Status.ACTIVE,
            ProductInstance.Status.SUSPENDED,
            ProductInstance.Status.SCHEDULED,
        )

    @property
    def busy(self) -> bool:
        """Work is under way: the switch polls until it settles."""
        if self.awaiting_order_id:
            return False
        return self.state == ProductInstance.Status.PENDING_ACTIVE or (
            self.state == ProductInstance.Status.PENDING_TERMINATE and not self.ending_later
        )

    @property
    def failed(self) -> bool:
        return self.state == ProductInstance.Status.FAILED

    @property
    def paid_before_start(self) -> bool:
        """A postponed start she has paid for already (at purchase), waiting to start."""
        return (
            self.state == ProductInstance.Status.SCHEDULED
            and not self.is_gift_waiting
            and bool(self.instance.paid_amount)
        )

    @property
    def is_gift_waiting(self) -> bool:
        """Her share of a gift, waiting for her friend: the kind that waits at purchase, with
        no start of its own, until something else starts it."""
        return self.state == ProductInstance.Status.SCHEDULED and kind_for(
            self.offer
        ).scheduled_at_purchase(offer=self.offer)

    @property
    def needs_input(self) -> bool:
        return offer_needs_input(offer=self.offer)

    @cached_property
    def actions(self) -> AddonActions | None:
        """What may be done to the add-on she owns (or lately lost), None for one she never had."""
        if self.instance is None:
            return None
        return product_instance_actions(product_instance=self.instance, at=self.at)

    @property
    def tap(self) -> str:
        """What tapping does: "code", "off" (confirm a switch-off), "configure", "buy" or "none"
        (a gift waiting for her friend, for one, cannot be switched off)."""
        if self.busy or (not self.checked and self.decision and not self.decision.eligible):
            return "none"
        if self.awaiting_order_id:
            return "code"
        if self.checked and self.instance:
            return "off" if self.actions.can_switch_off else "none"
        return "configure" if self.needs_input else "buy"

    @property
    def manageable(self) -> bool:
        """Her add-on has a manage panel (what she may do to it beyond the switch, or that
        nothing can be done): one she owns, not busy, not waiting to start."""
        return self.owned and not self.busy and self.state != ProductInstance.Status.SCHEDULED

    @property
    def runs_until(self) -> dt.datetime | None:
        """When an active add-on's period ends, to show; None otherwise."""
        if self.state == ProductInstance.Status.ACTIVE:
            return self.instance.ends_at
        return None


def _switch_instances(
    *, line: Line, at: dt.datetime, offer_ids=None, catalog: dict[int, Offer] | None = None
) -> dict[int, ProductInstance]:
    """The instance each switch reflects: the live one, else a recent failure; each with the
    order waiting for her confirmation code, if any. With `catalog` (the published offers by
    id), each instance's offer is taken from it, and only offers no longer on sale are read."""
    instances = ProductInstance.objects.filter(line=line)
    if catalog is None:
        instances = instances.select_related("offer")
    instances = instances.filter(
        Q(status__in=ProductInstance.LIVE_STATUSES)
        | Q(status=ProductInstance.Status.FAILED, status_changed_at__gte=at - FAILURE_SHOWN_FOR)
    )
    if offer_ids is not None:
        instances = instances.filter(offer_id__in=offer_ids)
    by_offer: dict[int, ProductInstance] = {}
    for instance in instances.order_by("-created_at", "-id"):
        current = by_offer.get(instance.offer_id)
        if current is None or (instance.is_live and not current.is_live):
            by_offer[instance.offer_id] = instance
    if catalog is not None:
        off_sale = Offer.objects.in_bulk({i.offer_id for i in by_offer.values()} - catalog.keys())
        for instance in by_offer.values():
            instance.offer = catalog.get(instance.offer_id) or off_sale[instance.offer_id]
    # Only an instance still pending activation can be waiting for a code: look those up only.
    pending = [i.pk for i in by_offer.values() if i.status == ProductInstance.Status.PENDING_ACTIVE]
    if pending:
        awaiting = dict(
            OrderItem.objects.filter(
                product_instance_id__in=pending,
                action=OrderItem.Action.ADD,
                order__status=Order.Status.PENDING,
            ).values_list("product_instance_id", "order_id")
        )
        for instance in by_offer.values():
            instance.awaiting_order_id = awaiting.get(instance.pk)
    return by_offer


def addon_switch_list_for_offers(
    *, customer: Customer, line: Line, channel: str
) -> list[AddonSwitch]:
    """Every published offer the customer may buy, and every one she owns, as switches."""
    at = timezone.now()
    offers = offer_list_published()
    instances = _switch_instances(line=line, at=at, catalog={offer.pk: offer for offer in offers})
    context = customer_context_build(
        customer=customer,
        line=line,
        channel=channel,
        at=at,
        owned_offer_ids=[i.offer_id for i in instances.values() if i.is_live],
    )
    years = contract_years(contract_start=customer.contract_start, on=timezone.localdate(at))
    switches = []
    for offer in offers:
        decision = offer_decide(offer=offer, context=context)
        instance = instances.get(offer.pk)
        if decision.eligible or decision.limited_only or (instance and instance.is_live):
            switch = _switch(offer, instance, decision=decision, at=at)
            switch.contract_years = years
            switches.append(switch)
    return switches


def addon_switch_shelves(*, switches: list[AddonSwitch]) -> list[AddonShelf]:
    """The switches grouped by shelf, shelves in their order, each keeping the switches' order;
    a shelf with no switch is left out."""
    shelves: dict[Shelf, list[AddonSwitch]] = {}
    for switch in switches:
        shelves.setdefault(switch.shelf, []).append(switch)
    return [
        AddonShelf(shelf=shelf, switches=shelves[shelf])
        for shelf in sorted(shelves, key=SHELF_ORDER.__getitem__)
    ]


def _switch(offer, instance, *, decision=None, at) -> AddonSwitch:
    awaiting = getattr(instance, "awaiting_order_id", None) if instance else None
    return AddonSwitch(
        offer=offer, instance=instance, decision=decision, at=at, awaiting_order_id=awaiting
    )


def addon_switch_list_owned(*, line: Line) -> list[AddonSwitch]:
    """The add-ons the line owns now (and recent failures), for the dashboard."""
    at = timezone.now()
    catalog = {offer.pk: offer for offer in offer_list_published()}
    instances = _switch_instances(line=line, at=at, catalog=catalog)
    switches = [_switch(instance.offer, instance, at=at) for instance in instances.values()]
    switches.sort(key=lambda s: (s.offer.display_order, s.offer.name))
    return switches


def addon_switch_get(*, customer: Customer, line: Line, offer_id: int, channel: str) -> AddonSwitch:
    """One switch, for an offer the customer may see (published, or one she owns or just lost).
    Raises Offer.DoesNotExist for any other id."""
    at = timezone.now()
    instance = _switch_instances(line=line, at=at, offer_ids=[offer_id]).get(offer_id)
    if instance is not None and instance.is_live:
        # What she owns decides what the switch shows; eligibility only matters to buy it.
        return _switch(instance.offer, instance, at=at)
    offer = (
        instance.offer
        if instance is not None
        else Offer.objects.get(pk=offer_id, status=Offer.Status.PUBLISHED)
    )
    context = customer_context_build(customer=customer, line=line, channel=channel, at=at)
    switch = _switch(offer, instance, decision=offer_decide(offer=offer, context=context), at=at)
    switch.contract_years = contract_years(
        contract_start=customer.contract_start, on=timezone.localdate(at)
    )
    return switch


def addon_switch_for_order(*, order: Order) -> AddonSwitch:
    """The switch of what `order` switched on, as it stands just after the purchase."""
    item = (
        OrderItem.objects.select_related("product_instance__offer")
        .filter(order=order, action=OrderItem.Action.ADD)
        .get()
    )
    instance = item.product_instance
    awaiting = order.pk if order.status == Order.Status.PENDING else None
    return AddonSwitch(offer=instance.offer, instance=instance, awaiting_order_id=awaiting)
