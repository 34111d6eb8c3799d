"""How products end: switched off by the customer, renewal turned off, or their period over.

Every ending goes `pending_terminate` (with `ends_at` saying when) -> deprovisioning on the network
-> `terminated`. A switch-off ends now; turning renewal off ends at the period's end.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from catalog.policies import money_text
from selfcare.jobs import job_publish_on_commit
from selfcare.models import Bucket, Customer, Interaction, LedgerEntry, Notification
from selfcare.said import Day, money, said
from selfcare.services import account_credit, interaction_record, notification_send

from ..kinds import kind_for
from ..models import Order, OrderItem, ProductInstance
from ..provisioning import network_adapter
from ..selectors import product_instance_refund_quote
from ..selectors.actions import AddonAction
from ..tasks import product_instance_deprovision_task
from .activation import attempt_record, network_done, network_done_record, provisioning_request
from .order_steps import (
    ControlDone,
    ControlStep,
    OrderError,
    control_order_run,
    order_complete,
    status_reason_said,
)
from .product_events import product_ended_record
from .suspension import redundant_services_resume

# Why a recurring add-on ends when its renewal cannot be paid: the renewal tells her, so its
# deprovisioning does not tell her a second time.
RENEWAL_FAILED_REASON = gettext_noop("Not renewed: the balance was too low")
TERMINATION_FIELDS = [
    "status",
    "status_reason",
    "status_said",
    "status_changed_at",
    "renews",
    "ends_at",
]


class NotCancellableError(OrderError):
    pass


class RefundChangedError(OrderError):
    """The refund is no longer what the customer was shown; she must confirm the new amount."""

    def __init__(self, amount: Decimal, currency: str):
        super().__init__(
            gettext("The refund is now %(amount)s, not what you were shown. Please confirm again.")
            % {"amount": money_text(amount, currency)}
        )
        self.amount = amount


class RefundNotAllowedError(OrderError):
    pass


def goodwill_check(*, instance: ProductInstance, refund: Decimal, goodwill: Decimal, actor_user):
    """A refund beyond the policy: only a supervisor, never negative, never more than the period
    cost in all."""
    if not goodwill:
        return
    if goodwill < 0:
        raise RefundNotAllowedError(gettext("A goodwill refund cannot be negative."))
    if actor_user is None or not actor_user.has_perm("orders.refund_beyond_policy"):
        raise RefundNotAllowedError(
            gettext(
                "A refund beyond the offer's policy needs a supervisor: ask one to switch it off."
            )
        )
    if refund + goodwill > instance.paid_amount:
        currency = instance.offer.currency
        raise RefundNotAllowedError(
            gettext("The refunds cannot add up to more than she paid (%(paid)s).")
            % {"paid": money_text(instance.paid_amount, currency)}
        )


def _given_back(item: OrderItem) -> Decimal:
    """What a switch-off gave back in all: the policy's refund and any goodwill on top."""
    goodwill = (
        LedgerEntry.objects.filter(reference=f"goodwill:order-item:{item.pk}")
        .values_list("amount", flat=True)
        .first()
    )
    return item.refund_amount + (goodwill or 0)


def _close_buckets(instance: ProductInstance, *, at) -> None:
    """Allowances stop the moment a product is switched off, so nothing is used after the refund."""
    Bucket.objects.filter(granted_by_instance=instance.pk).exclude(valid_until__lte=at).update(
        valid_until=at
    )


def _is_ending_now(instance: ProductInstance, *, at) -> bool:
    return instance.status == ProductInstance.Status.PENDING_TERMINATE and (
        instance.ends_at is None or instance.ends_at <= at
    )


@transaction.atomic
def product_instance_cancel(
    *,
    customer: Customer,
    product_instance_id: int,
    channel: str,
    idempotency_key: str,
    expected_refund: Decimal | None = None,
    actor: str = Interaction.Actor.CUSTOMER,
    actor_user=None,
    reason: str = "",
    goodwill: Decimal = Decimal("0.00"),
) -> Order:
    """Switch a product off now, at the customer's request: the switch's "off". An agent gives
    the `reason`, and may add a `goodwill` refund beyond the offer's policy (up to what the
    current period cost) only with the `orders.refund_beyond_policy` permission (supervisors).

    Under the customer's locks (`control_order_run`): replays of `idempotency_key` return the first
    order; refused unless `product_instance_actions` allows it now; the refund is
    computed by the offer's policy (and must equal `expected_refund`, the amount she was shown, when
    given); a termination order, `pending_terminate` ending now, closed allowances and the refund on
    the ledger are written at once; deprovisioning runs after commit.

    Raises ProductInstance.DoesNotExist (not hers), NotCancellableError, RefundChangedError,
    RefundNotAllowedError.
    """

    def work(step: ControlStep) -> ControlDone:
        instance, account, now = step.instance, step.account, step.at
        refund = product_instance_refund_quote(product_instance=instance, at=now)
        if expected_refund is not None and refund != expected_refund:
            raise RefundChangedError(refund, instance.offer.currency)
        goodwill_check(instance=instance, refund=refund, goodwill=goodwill, actor_user=actor_user)

        item = step.open(refund_amount=refund)
        why = status_reason_said(
            actor=actor,
            by_her=gettext_noop("Switched off by the customer"),
            by_agent=gettext_noop("Switched off by an agent"),
            reason=reason,
        )
        instance.request_termination(reason=why, at=now, ends_at=now)
        instance.save(update_fields=TERMINATION_FIELDS)
        _close_buckets(instance, at=now)
        account_credit(
            account=account,
            amount=refund,
            description=said(gettext_noop("%(offer)s switched off"), offer=instance.offer.name),
            reference=f"refund:order-item:{item.pk}",
        )
        if goodwill:
            account_credit(
                account=account,
                amount=goodwill,
                description=said(
                    gettext_noop("Goodwill refund: %(offer)s"), offer=instance.offer.name
                ),
                reference=f"goodwill:order-item:{item.pk}",
                kind=LedgerEntry.Kind.CREDIT,
            )
        job_publish_on_commit(product_instance_deprovision_task, instance.pk)
        currency = instance.offer.currency
        summary = said(
            gettext_noop("Switched off %(offer)s; refund %(refund)s"),
            offer=instance.offer.name,
            refund=money(refund, currency),
        )
        if goodwill:
            summary = said(
                gettext_noop("%(what)s + goodwill %(goodwill)s"),
                what=summary,
                goodwill=money(goodwill, currency),
            )
        if reason:
            summary = said(
                gettext_noop("%(what)s. Reason: %(reason)s"), what=summary, reason=reason
            )
        return ControlDone(
            summary=summary,
            data={"refund": str(refund), "goodwill": str(goodwill), "reason": reason},
            # Deprovisioning completes the order.
            completed=False,
        )

    return control_order_run(
        customer=customer,
        product_instance_id=product_instance_id,
        action=AddonAction.SWITCH_OFF,
        channel=channel,
        idempotency_key=idempotency_key,
        actor=actor,
        actor_user=actor_user,
        refused=NotCancellableError,
        work=work,
    )


@transaction.atomic
def product_instance_renewal_stop(
    *,
    customer: Customer,
    product_instance_id: int,
    channel: str,
    idempotency_key: str,
    actor: str = Interaction.Actor.CUSTOMER,
    actor_user=None,
) -> Order:
    """Turn renewal off: the product keeps running to the end of the period she paid for, is not
    charged again, and ends then (`pending_terminate` until `ends_at`). An order of its own,
    completed at once: nothing changes on the network until the end.

    Raises ProductInstance.DoesNotExist (not hers), NotCancellableError (nothing renews)."""

    def work(step: ControlStep) -> ControlDone:
        instance = step.instance
        step.open()
        ends = Day(instance.ends_at, time=True)
        instance.request_termination(
            reason=said(gettext_noop("Renewal turned off: ends %(ends)s"), ends=ends),
            at=step.at,
            ends_at=instance.ends_at,
        )
        instance.save(update_fields=TERMINATION_FIELDS)
        return ControlDone(
            summary=said(
                gettext_noop("Turned renewal of %(offer)s off; it ends %(ends)s"),
                offer=instance.offer.name,
                ends=ends,
            )
        )

    return control_order_run(
        customer=customer,
        product_instance_id=product_instance_id,
        action=AddonAction.STOP_RENEWAL,
        channel=channel,
        idempotency_key=idempotency_key,
        actor=actor,
        actor_user=actor_user,
        refused=NotCancellableError,
        work=work,
    )


@transaction.atomic
def product_instance_expire(*, product_instance_id: int) -> ProductInstance | None:
    """End a product whose period is over and that does not renew (no refund on a natural end),
    and schedule its deprovisioning. Does nothing if it is gone, renews, or is not yet due."""
    instance = (
        ProductInstance.objects.select_for_update(of=("self",), no_key=True)
        .select_related("offer")
        .filter(pk=product_instance_id)
        .first()
    )
    now = timezone.now()
    if instance is None or instance.ends_at is None or instance.ends_at > now:
        return instance
    if instance.status == ProductInstance.Status.ACTIVE and not instance.renews:
        instance.request_termination(
            reason=said(gettext_noop("Its period ended")), at=now, ends_at=instance.ends_at
        )
        _close_buckets(instance, at=instance.ends_at)
    elif instance.status != ProductInstance.Status.PENDING_TERMINATE or (
        instance.last_attempt_at and instance.last_attempt_at >= instance.ends_at
    ):
        # Not ending, or its deprovisioning is under way already (the stuck sweep watches it).
        return instance
    instance.last_attempt_at = now
    instance.save(update_fields=[*TERMINATION_FIELDS, "last_attempt_at"])
    job_publish_on_commit(product_instance_deprovision_task, instance.pk)
    return instance


def product_instance_deprovision(*, product_instance_id: int) -> ProductInstance | None:
    """Remove a `pending_terminate` product whose end has come from the network, then mark it
    `terminated`, complete its termination order and tell the customer. The network call runs
    outside the transaction and is idempotent, and its success is recorded at once, so a job run
    again makes no second call (see `product_instance_activate`); a product not due or no longer
    pending is left alone."""
    instance = (
        ProductInstance.objects.select_related("offer", "line")
        .filter(pk=product_instance_id)
        .first()
    )
    if instance is None or not _is_ending_now(instance, at=timezone.now()):
        return instance
    attempt_record(instance)
    if not network_done(instance):
        network_adapter().deactivate(provisioning_request(instance))
        network_done_record(instance)

    with transaction.atomic():
        instance = (
            ProductInstance.objects.select_for_update(of=("self",), no_key=True)
            .select_related("offer", "customer")
            .get(pk=product_instance_id)
        )
        now = timezone.now()
        if not _is_ending_now(instance, at=now):
            return instance
        instance.terminate(at=now)
        instance.save(update_fields=["status", "terminated_at", "status_changed_at"])
        _close_buckets(instance, at=now)
        redundant_services_resume(instance=instance, at=now)
        kind_for(instance.offer).on_terminated(instance, at=now)
        item = (
            OrderItem.objects.filter(
                product_instance=instance,
                action=OrderItem.Action.TERMINATE,
                order__status=Order.Status.IN_PROGRESS,
            )
            .order_by("-id")
            .first()
        )
        if item is not None:
            order = Order.objects.select_for_update(no_key=True).get(pk=item.order_id)
            order_complete(order=order, at=now)
            if item.refund_amount:
                body = said(
                    gettext_noop("%(offer)s is off. %(refund)s is back on your balance."),
                    offer=instance.offer.name,
                    refund=money(item.refund_amount, instance.offer.currency),
                )
            else:
                body = said(gettext_noop("%(offer)s is off."), offer=instance.offer.name)
        else:
            body = said(gettext_noop("%(offer)s has ended."), offer=instance.offer.name)
        interaction_record(
            customer=instance.customer,
            kind=Interaction.Kind.ADDON_STATUS,
            channel="system",
            summary=body,
            data={"product_instance_id": instance.pk},
        )
        product_ended_record(instance=instance, at=now, switched_off=item is not None)
        if instance.status_reason == RENEWAL_FAILED_REASON:
            # The renewal that failed has told her already ("was not renewed"): one message.
            return instance
        notification_send(
            customer=instance.customer,
            template="addon_off" if item is not None else "addon_ended",
            # Her switch-off goes the way she prefers; a natural end (a night pass at 04:00) is
            # no reason for a text: her inbox says it.
            medium=None if item is not None else Notification.Medium.IN_APP,
            context={
                "offer_name": instance.offer.name,
                "refund": _given_back(item) if item is not None else None,
                "currency": instance.offer.currency,
            },
        )
    return instance
