"""Reads of orders and products: eligibility context, refunds and quotes, sweeps' due ids."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, OuterRef, Prefetch, Q, Sum
from django.db.models.fields.json import KT

from catalog.eligibility import CustomerContext
from catalog.models import Offer, SalesChannel
from catalog.options import configuration
from catalog.policies import money_round, operator_zone, refund_due
from selfcare.models import Bucket, Customer, Line

from ..kinds import kind_for
from ..models import Order, OrderItem, ProductInstance
from .pricing import offer_price

# A failed activation stays on the switch this long, so the customer sees why.
FAILURE_SHOWN_FOR = dt.timedelta(hours=24)


def customer_context_build(
    *, customer: Customer, line: Line, channel: str, at: dt.datetime, owned_offer_ids=None
) -> CustomerContext:
    """What eligibility needs to know of the customer, in one query whatever the number of offers:
    what the line owns (pass `owned_offer_ids` if already read) and what she bought lately."""
    Status = ProductInstance.Status
    since = at - relativedelta(months=12)
    bought_lately = Q(created_at__gt=since) & ~Q(status=Status.FAILED)
    wanted = (
        bought_lately
        if owned_offer_ids is not None
        else (bought_lately | Q(line=line, status__in=ProductInstance.LIVE_STATUSES))
    )
    rows = ProductInstance.objects.filter(wanted, customer=customer).values_list(
        "offer_id", "line_id", "status", "created_at"
    )
    owned = set(owned_offer_ids or ())
    purchases: dict[int, list[dt.datetime]] = defaultdict(list)
    for offer_id, line_id, status, created_at in rows:
        if (
            owned_offer_ids is None
            and line_id == line.pk
            and status in ProductInstance.LIVE_STATUSES
        ):
            owned.add(offer_id)
        if created_at > since and status != Status.FAILED:
            purchases[offer_id].append(created_at)
    return CustomerContext(
        lifecycle_status=customer.lifecycle_status,
        status_reason=customer.status_reason,
        channel=channel,
        at=at,
        tenure_days=(at.astimezone(operator_zone()).date() - customer.contract_start).days,
        base_plan=line.base_plan,
        segments=frozenset(customer.segments),
        owned_offer_ids=frozenset(owned),
        purchases={offer_id: tuple(times) for offer_id, times in purchases.items()},
    )


def offer_needs_input(*, offer: Offer) -> bool:
    """The offer asks for something before it can be bought (her options, a SIM card, a
    friend's number): the portal's switch opens its form instead of buying, the console asks
    for it before it goes in her cart. The one place that says so, from its kind."""
    return kind_for(offer).needs_input(offer=offer)


def product_instance_get_for_customer(*, customer: Customer, pk: int) -> ProductInstance:
    return ProductInstance.objects.select_related("offer", "line").get(customer=customer, pk=pk)


def product_instance_refund_quote(*, product_instance: ProductInstance, at: dt.datetime) -> Decimal:
    """What switching `product_instance` off at `at` gives back, by its offer's refund policy;
    everything, for a postponed one that has not started."""
    if product_instance.status == ProductInstance.Status.SCHEDULED:
        return product_instance.paid_amount
    # In bytes: the policy's share of unused data is the same whatever the unit.
    data = Bucket.objects.filter(
        granted_by_instance=product_instance.pk,
        unit=Bucket.Unit.BYTES,
        scope=Bucket.Scope.GENERAL,
    ).aggregate(initial=Sum("initial"), used=Sum("used"))
    if (
        product_instance.status == ProductInstance.Status.SUSPENDED
        and product_instance.suspended_at
    ):
        # Its time stopped when it was suspended: what was left then is still unused.
        at = product_instance.suspended_at
    return refund_due(
        product_instance.offer,
        paid=product_instance.paid_amount,
        started_at=product_instance.started_at,
        ends_at=product_instance.ends_at,
        at=at,
        data_initial_bytes=data["initial"] or 0,
        data_used_bytes=data["used"] or 0,
    )


@dataclass(frozen=True)
class ModifyQuote:
    """What changing a bundle's options does, shown before she confirms."""

    before: tuple[str, ...]
    after: tuple[str, ...]
    old_price: Decimal
    new_price: Decimal
    due_now: Decimal  # charged now (> 0) or refunded now (< 0), for the rest of this period
    currency: str

    @property
    def charge_now(self) -> Decimal:
        return max(self.due_now, Decimal(0))

    @property
    def refund_now(self) -> Decimal:
        return max(-self.due_now, Decimal(0))


def product_instance_modify_quote(
    *,
    product_instance: ProductInstance,
    options: dict,
    at: dt.datetime,
    channel: str = SalesChannel.PORTAL,
) -> ModifyQuote:
    """The price effect of new (valid) options: the new price of a period from the next renewal
    (as a purchase on `channel` would charge them), and the difference from what she pays now
    for what is left of this period, pro rata of time, charged or refunded now."""
    offer = product_instance.offer
    old = configuration(
        base_price=offer.price, groups=offer.option_groups, chosen=product_instance.options
    )
    new = configuration(base_price=offer.price, groups=offer.option_groups, chosen=options)
    new_price = offer_price(offer=offer, options=options, channel=channel)
    old_price = product_instance.price
    due = Decimal(0)
    start, end = product_instance.started_at, product_instance.ends_at
    if start and end and end > at:
        left = Decimal((end - at).total_seconds()) / Decimal((end - start).total_seconds())
        due = money_round((new_price - old_price) * left, currency=offer.currency)
    return ModifyQuote(
        before=old.labels,
        after=new.labels,
        old_price=old_price,
        new_price=new_price,
        due_now=due,
        currency=offer.currency,
    )


def order_list_for_customer(*, customer: Customer, limit: int = 50) -> list[Order]:
    return list(
        Order.objects.filter(customer=customer)
        .select_related("line")
        .prefetch_related(
            Prefetch("items", queryset=OrderItem.objects.select_related("offer")),
            "status_changes",
        )[:limit]
    )


def order_page_for_customer(
    *, customer: Customer, action: str = "", page: int | str | None = 1, per_page: int = 20
) -> Page:
    """One page of her orders, newest first, with their items and status history; only those
    with an item of `action` (switch on, switch off...) when given. A page number that is not one
    (or past the last) gives the nearest page, as Paginator.get_page does."""
    orders = Order.objects.filter(customer=customer)
    if action:
        orders = orders.filter(
            Exists(OrderItem.objects.filter(order=OuterRef("pk"), action=action))
        )
    orders = orders.select_related("line").prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.select_related("offer")),
        "status_changes",
    )
    return Paginator(orders, per_page).get_page(page)


def product_instance_ids_due_for_expiry(*, at: dt.datetime, limit: int = 1000) -> list[int]:
    """Products whose end has come: active ones that do not renew, and those set to end then
    (renewal turned off) that no job has tried to deprovision since."""
    Status = ProductInstance.Status
    return list(
        ProductInstance.objects.filter(ends_at__lte=at)
        .filter(
            Q(status=Status.ACTIVE, renews=False)
            | Q(status=Status.PENDING_TERMINATE, last_attempt_at__isnull=True)
            | Q(status=Status.PENDING_TERMINATE, last_attempt_at__lt=F("ends_at"))
        )
        .order_by("ends_at")
        .values_list("pk", flat=True)[:limit]
    )


def order_ids_unconfirmed(*, at: dt.datetime, limit: int = 1000) -> list[int]:
    """Orders waiting for a code none of whose codes can still be used."""
    from ..models import ConfirmationCode

    valid = ConfirmationCode.objects.filter(
        order=OuterRef("pk"), used_at__isnull=True, expires_at__gt=at
    )
    return list(
        Order.objects.filter(status=Order.Status.PENDING)
        .exclude(Exists(valid))
        .values_list("pk", flat=True)[:limit]
    )


def product_instance_ids_due_to_start(*, at: dt.datetime, limit: int = 1000) -> list[int]:
    return list(
        ProductInstance.objects.filter(status=ProductInstance.Status.SCHEDULED, starts_at__lte=at)
        .exclude(order_items__order__status=Order.Status.PENDING)
        .order_by("starts_at")
        .values_list("pk", flat=True)[:limit]
    )


def product_instance_ids_due_for_renewal(*, at: dt.datetime, limit: int = 1000) -> list[int]:
    return list(
        ProductInstance.objects.filter(
            status=ProductInstance.Status.ACTIVE, renews=True, ends_at__lte=at
        )
        .order_by("ends_at")
        .values_list("pk", flat=True)[:limit]
    )


def product_instance_ids_stuck(*, status: str, before: dt.datetime, limit: int = 1000) -> list[int]:
    """Pending since before `before`, and no job has taken it up since then either (nor waits
    for a retry due after it). Orders still waiting for their confirmation code are not stuck:
    they wait for her; nor is a product set to end later (renewal turned off) before its end."""
    return list(
        ProductInstance.objects.filter(status=status, status_changed_at__lt=before)
        .filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=before))
        .exclude(status=ProductInstance.Status.PENDING_TERMINATE, ends_at__gt=before)
        .exclude(order_items__order__status=Order.Status.PENDING)
        .order_by("status_changed_at")
        .values_list("pk", flat=True)[:limit]
    )


@dataclass(frozen=True)
class TemporaryLine:
    """A second line she bought (Travel Line): its number, the product that opened it, and when it
    ends (None when it has no end)."""

    msisdn: str
    offer_name: str
    ends_at: dt.datetime | None


def temporary_line_list_for_customer(*, customer: Customer) -> list[TemporaryLine]:
    """Her temporary lines that are open now, by the products that opened them, soonest end first;
    one query, of the three values shown."""
    rows = (
        ProductInstance.objects.filter(
            customer=customer,
            offer__creates_temporary_line=True,
            status__in=ProductInstance.LIVE_STATUSES,
            options__has_key="msisdn",
        )
        # As text (->> on PostgreSQL): read as JSON, SQLite would give a number back.
        .annotate(msisdn=KT("options__msisdn"))
        .order_by(F("ends_at").asc(nulls_last=True), "id")
        .values_list("msisdn", "offer__name", "ends_at")
    )
    return [
        TemporaryLine(msisdn=msisdn, offer_name=offer_name, ends_at=ends_at)
        for msisdn, offer_name, ends_at in rows
    ]
