"""Every read of orders and products that is more than a `get`, scoped to its owner."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, F, OuterRef, Prefetch, Q, Sum
from django.utils import timezone
from django.utils.timesince import timeuntil

from catalog.eligibility import CustomerContext, Decision, offer_decide
from catalog.models import Offer
from catalog.options import configuration
from catalog.policies import money_round, operator_zone, refund_due
from selfcare.models import Bucket, Customer, Line

from .models import Order, OrderItem, ProductInstance

# A failed activation stays on the switch this long, so the customer sees why.
FAILURE_SHOWN_FOR = dt.timedelta(hours=24)


def customer_context_build(
    *, customer: Customer, line: Line, channel: str, at: dt.datetime, owned_offer_ids=None
) -> CustomerContext:
    """What eligibility needs to know of the customer, in at most two queries whatever the number
    of offers; pass `owned_offer_ids` if already read."""
    owned = owned_offer_ids
    if owned is None:
        owned = ProductInstance.objects.filter(
            line=line, status__in=ProductInstance.LIVE_STATUSES
        ).values_list("offer_id", flat=True)
    purchases: dict[int, list[dt.datetime]] = defaultdict(list)
    bought = (
        ProductInstance.objects.filter(
            customer=customer, created_at__gt=at - relativedelta(months=12)
        )
        .exclude(status=ProductInstance.Status.FAILED)
        .values_list("offer_id", "created_at")
    )
    for offer_id, created_at in bought:
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


@dataclass
class AddonSwitch:
    """What one switch shows and what a tap on it does: the offer, what the line owns of it,
    whether it may be bought. The template renders these; it decides nothing."""

    offer: Offer
    instance: ProductInstance | None
    decision: Decision | None = None
    at: dt.datetime = field(default_factory=timezone.now)
    # The order waiting for her confirmation code, if any.
    awaiting_order_id: int | None = None
    # A fresh idempotency key for the next tap: a double tap resends the same one.
    key: str = field(default_factory=lambda: str(uuid.uuid4()))

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
    def is_gift_waiting(self) -> bool:
        return self.offer.is_gift and self.state == ProductInstance.Status.SCHEDULED

    @property
    def needs_input(self) -> bool:
        offer = self.offer
        return bool(offer.option_groups or offer.creates_temporary_line or offer.is_gift)

    @property
    def tap(self) -> str:
        """What tapping does: "code", "off" (confirm a switch-off), "configure", "buy" or "none"."""
        if self.busy or (not self.checked and self.decision and not self.decision.eligible):
            return "none"
        if self.awaiting_order_id:
            return "code"
        if self.checked and self.instance:
            return "off"
        return "configure" if self.needs_input else "buy"

    @property
    def status_label(self) -> str:
        Status = ProductInstance.Status
        if self.awaiting_order_id:
            return "Waiting for your code"
        if self.ending_later:
            return f"On until {_when(self.instance.ends_at)}"
        if self.is_gift_waiting:
            return "Gift sent"
        if self.failed:
            return "Failed — refunded" if self.instance.paid_amount else "Failed"
        labels = {
            Status.PENDING_ACTIVE: "Activating…",
            Status.PENDING_TERMINATE: "Switching off…",
            Status.SCHEDULED: "Scheduled",
            Status.ACTIVE: "Active",
            Status.SUSPENDED: "Suspended",
        }
        return labels.get(self.state, "Off")

    @property
    def note(self) -> str:
        """One more line under the offer: why it failed or waits, when it starts, or when a limit
        lifts."""
        instance = self.instance
        if self.is_gift_waiting:
            return (
                f"Waiting for {instance.options.get('friend_msisdn')} to accept; it comes back "
                "to you if not accepted within 7 days."
            )
        if self.state == ProductInstance.Status.SCHEDULED and instance.starts_at:
            return f"Starts {_when(instance.starts_at)}."
        if self.state in (ProductInstance.Status.FAILED, ProductInstance.Status.SUSPENDED):
            return instance.status_reason
        if self.ending_later:
            return instance.status_reason
        if not self.checked and self.decision and self.decision.limited_only:
            return self.decision.reasons[0]
        return ""

    @property
    def announcement(self) -> str:
        """What the live region says when the switch changes."""
        if self.failed:
            refunded = " Your money was refunded." if self.instance.paid_amount else ""
            return f"{self.offer.name}: failed. {self.instance.status_reason}{refunded}"
        return f"{self.offer.name}: {self.status_label.rstrip('…').lower()}"


def _switch_instances(*, line: Line, at: dt.datetime, offer_ids=None) -> dict[int, ProductInstance]:
    """The instance each switch reflects: the live one, else a recent failure; each with the
    order waiting for her confirmation code, if any."""
    instances = (
        ProductInstance.objects.filter(line=line)
        .select_related("offer")
        .filter(
            Q(status__in=ProductInstance.LIVE_STATUSES)
            | Q(status=ProductInstance.Status.FAILED, status_changed_at__gte=at - FAILURE_SHOWN_FOR)
        )
    )
    if offer_ids is not None:
        instances = instances.filter(offer_id__in=offer_ids)
    by_offer: dict[int, ProductInstance] = {}
    for instance in instances.order_by("-created_at", "-id"):
        current = by_offer.get(instance.offer_id)
        if current is None or (instance.is_live and not current.is_live):
            by_offer[instance.offer_id] = instance
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
    instances = _switch_instances(line=line, at=at)
    context = customer_context_build(
        customer=customer,
        line=line,
        channel=channel,
        at=at,
        owned_offer_ids=[i.offer_id for i in instances.values() if i.is_live],
    )
    switches = []
    offers = Offer.objects.filter(status=Offer.Status.PUBLISHED).prefetch_related(
        "requires_offers", "excludes_offers"
    )
    for offer in offers:
        decision = offer_decide(offer=offer, context=context)
        instance = instances.get(offer.pk)
        if decision.eligible or decision.limited_only or (instance and instance.is_live):
            switches.append(_switch(offer, instance, decision=decision, at=at))
    return switches


def _switch(offer, instance, *, decision=None, at) -> AddonSwitch:
    awaiting = getattr(instance, "awaiting_order_id", None) if instance else None
    return AddonSwitch(
        offer=offer, instance=instance, decision=decision, at=at, awaiting_order_id=awaiting
    )


def addon_switch_list_owned(*, line: Line) -> list[AddonSwitch]:
    """The add-ons the line owns now (and recent failures), for the dashboard."""
    at = timezone.now()
    instances = _switch_instances(line=line, at=at)
    switches = [_switch(instance.offer, instance, at=at) for instance in instances.values()]
    switches.sort(key=lambda s: (s.offer.display_order, s.offer.name))
    return switches


def addon_switch_get(*, customer: Customer, line: Line, offer_id: int, channel: str) -> AddonSwitch:
    """One switch, for an offer the customer may see (published, or one she owns or just lost).
    Raises Offer.DoesNotExist for any other id."""
    at = timezone.now()
    instance = _switch_instances(line=line, at=at, offer_ids=[offer_id]).get(offer_id)
    offers = (
        Offer.objects.all() if instance else Offer.objects.filter(status=Offer.Status.PUBLISHED)
    )
    offer = offers.get(pk=offer_id)
    context = customer_context_build(customer=customer, line=line, channel=channel, at=at)
    return _switch(offer, instance, decision=offer_decide(offer=offer, context=context), at=at)


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


def product_instance_get_for_customer(*, customer: Customer, pk: int) -> ProductInstance:
    return ProductInstance.objects.select_related("offer", "line").get(customer=customer, pk=pk)


def product_instance_refund_quote(*, product_instance: ProductInstance, at: dt.datetime) -> Decimal:
    """What switching `product_instance` off at `at` gives back, by its offer's refund policy;
    everything, for a postponed one that has not started."""
    if product_instance.status == ProductInstance.Status.SCHEDULED:
        return product_instance.paid_amount
    data = Bucket.objects.filter(
        granted_by_instance=product_instance.pk, unit=Bucket.Unit.MB, scope=Bucket.Scope.GENERAL
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
        data_initial_mb=data["initial"] or 0,
        data_used_mb=data["used"] or 0,
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
    *, product_instance: ProductInstance, options: dict, at: dt.datetime
) -> ModifyQuote:
    """The price effect of new (valid) options: the new price of a period from the next renewal,
    and the difference for what is left of this period, pro rata of time, charged or refunded
    now."""
    offer = product_instance.offer
    old = configuration(
        base_price=offer.price, groups=offer.option_groups, chosen=product_instance.options
    )
    new = configuration(base_price=offer.price, groups=offer.option_groups, chosen=options)
    due = Decimal(0)
    start, end = product_instance.started_at, product_instance.ends_at
    if start and end and end > at:
        left = Decimal((end - at).total_seconds()) / Decimal((end - start).total_seconds())
        due = money_round((new.price - old.price) * left, currency=offer.currency)
    return ModifyQuote(
        before=old.labels,
        after=new.labels,
        old_price=old.price,
        new_price=new.price,
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
    from .models import ConfirmationCode

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
    """Pending since before `before`, and no job has tried since then either. Orders still
    waiting for their confirmation code are not stuck: they wait for her."""
    return list(
        ProductInstance.objects.filter(status=status, status_changed_at__lt=before)
        .filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=before))
        .exclude(order_items__order__status=Order.Status.PENDING)
        .order_by("status_changed_at")
        .values_list("pk", flat=True)[:limit]
    )


@dataclass(frozen=True)
class Control:
    """Something she may do to an add-on she owns, and what it will do, said before she does."""

    action: str
    label: str
    consequence: str


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%a %-d %b, %H:%M")


def product_instance_controls(
    *, product_instance: ProductInstance, at: dt.datetime
) -> list[Control]:
    """What she may do to her add-on now, by what its offer allows and the state it is in."""
    instance, offer = product_instance, product_instance.offer
    Status = ProductInstance.Status
    controls = []
    if instance.status == Status.ACTIVE and offer.option_groups:
        controls.append(
            Control("change", "Change options", "See the new price before you confirm.")
        )
    if instance.status == Status.ACTIVE and offer.allows_suspend:
        left = (
            f" The {timeuntil(instance.ends_at, at)} left waits for you."
            if instance.ends_at
            else ""
        )
        controls.append(
            Control("suspend", "Suspend", f"It stops until you resume it; no time runs.{left}")
        )
    if instance.status == Status.SUSPENDED and instance.suspended_by_id is None:
        consequence = "It runs again at once."
        if instance.ends_at and instance.suspended_at:
            consequence += (
                f" It will end on {_when(instance.ends_at + (at - instance.suspended_at))}."
            )
        controls.append(Control("resume", "Resume", consequence))
    if instance.status == Status.ACTIVE and instance.renews and instance.ends_at:
        controls.append(
            Control(
                "stop_renewal",
                "Turn renewal off",
                f"It runs until {_when(instance.ends_at)}, then ends; it is not charged again.",
            )
        )
    return controls
