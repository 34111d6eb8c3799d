from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from selfcare.models import Bucket, Customer, Interaction, Notification
from selfcare.services import account_credit, interaction_record, notification_send

from ..models import Order, OrderItem, ProductInstance
from ..provisioning import network_adapter
from ..selectors import product_instance_refund_quote
from .activation import attempt_record, provisioning_request
from .common import OrderError, lock_account_and_line, order_create, order_set_status, order_start


class NotCancellableError(OrderError):
    pass


class RefundChangedError(OrderError):
    """The refund is no longer what the customer was shown; she must confirm the new amount."""

    def __init__(self, amount: Decimal, currency: str):
        super().__init__(
            f"The refund is now {currency} {amount}, not what you were shown. Please confirm again."
        )
        self.amount = amount


def _close_buckets(instance: ProductInstance, *, at) -> None:
    """Allowances stop the moment a product is switched off, so nothing is used after the refund."""
    Bucket.objects.filter(granted_by_instance=instance.pk).exclude(valid_until__lte=at).update(
        valid_until=at
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
) -> Order:
    """Switch a product off at the customer's request: the switch's "off".

    Under the customer's locks: replays of `idempotency_key` return the first order; the refund is
    computed by the offer's policy (and must equal `expected_refund`, the amount she was shown, when
    given); a termination order, `pending_terminate`, closed allowances and the refund on the ledger
    are written at once; deprovisioning runs after commit.

    Raises ProductInstance.DoesNotExist (not hers), NotCancellableError, RefundChangedError.
    """
    from ..tasks import product_instance_deprovision_task

    instance = ProductInstance.objects.select_related("offer").get(
        pk=product_instance_id, customer=customer
    )
    account, line = lock_account_and_line(customer=customer, line_id=instance.line_id)
    existing = Order.objects.filter(customer=customer, idempotency_key=idempotency_key).first()
    if existing is not None:
        if not existing.items.filter(
            action=OrderItem.Action.TERMINATE, product_instance_id=instance.pk
        ).exists():
            raise NotCancellableError("This request was already used for another order.")
        return existing

    instance = (
        ProductInstance.objects.select_for_update().select_related("offer").get(pk=instance.pk)
    )
    if instance.status not in (ProductInstance.Status.ACTIVE, ProductInstance.Status.SUSPENDED):
        raise NotCancellableError(
            f"{instance.offer.name} is {instance.get_status_display().lower()}: "
            "it cannot be switched off now."
        )
    now = timezone.now()
    refund = product_instance_refund_quote(product_instance=instance, at=now)
    if expected_refund is not None and refund != expected_refund:
        raise RefundChangedError(refund, instance.offer.currency)

    order = order_create(
        customer=customer,
        line=line,
        channel=channel,
        idempotency_key=idempotency_key,
        placed_by=actor_user,
    )
    item = OrderItem.objects.create(
        order=order,
        action=OrderItem.Action.TERMINATE,
        offer=instance.offer,
        product_instance=instance,
        refund_amount=refund,
    )
    reason = (
        "Switched off by the customer"
        if actor == Interaction.Actor.CUSTOMER
        else "Switched off by an agent"
    )
    instance.request_termination(reason=reason, at=now)
    instance.save(update_fields=["status", "status_reason", "status_changed_at"])
    _close_buckets(instance, at=now)
    account_credit(
        account=account,
        amount=refund,
        description=f"Refund: {instance.offer.name} switched off",
        reference=f"refund:order-item:{item.pk}",
    )
    order_start(order=order)
    interaction_record(
        customer=customer,
        kind=Interaction.Kind.ORDER_PLACED,
        channel=channel,
        actor=actor,
        actor_user=actor_user,
        summary=f"Switched off {instance.offer.name}; refund {instance.offer.currency} {refund}",
        data={"order_id": order.pk, "product_instance_id": instance.pk, "refund": str(refund)},
    )
    product_instance_deprovision_task.delay_on_commit(instance.pk)
    return order


@transaction.atomic
def product_instance_expire(*, product_instance_id: int) -> ProductInstance | None:
    """End a product whose period is over (no refund on a natural end) and schedule its
    deprovisioning. Does nothing if it is gone, no longer active, or not yet due."""
    from ..tasks import product_instance_deprovision_task

    instance = (
        ProductInstance.objects.select_for_update(of=("self",))
        .select_related("offer")
        .filter(pk=product_instance_id)
        .first()
    )
    now = timezone.now()
    if (
        instance is None
        or instance.status != ProductInstance.Status.ACTIVE
        or instance.ends_at is None
        or instance.ends_at > now
    ):
        return instance
    instance.request_termination(reason="Its period ended", at=now)
    instance.save(update_fields=["status", "status_reason", "status_changed_at"])
    _close_buckets(instance, at=instance.ends_at)
    product_instance_deprovision_task.delay_on_commit(instance.pk)
    return instance


def product_instance_deprovision(*, product_instance_id: int) -> ProductInstance | None:
    """Remove a `pending_terminate` product from the network, then mark it `terminated`, complete
    its termination order and tell the customer. The network call runs outside the transaction and
    is idempotent; a product no longer pending is left alone."""
    instance = (
        ProductInstance.objects.select_related("offer", "line")
        .filter(pk=product_instance_id)
        .first()
    )
    if instance is None or instance.status != ProductInstance.Status.PENDING_TERMINATE:
        return instance
    attempt_record(instance)
    network_adapter().deactivate(provisioning_request(instance))

    with transaction.atomic():
        instance = (
            ProductInstance.objects.select_for_update(of=("self",))
            .select_related("offer", "customer")
            .get(pk=product_instance_id)
        )
        if instance.status != ProductInstance.Status.PENDING_TERMINATE:
            return instance
        now = timezone.now()
        instance.terminate(at=now)
        instance.save(update_fields=["status", "terminated_at", "status_changed_at"])
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
            order = Order.objects.select_for_update().get(pk=item.order_id)
            order.complete(at=now)
            order_set_status(order=order, from_status=Order.Status.IN_PROGRESS)
            body = f"{instance.offer.name} is off."
            if item.refund_amount:
                body += f" {instance.offer.currency} {item.refund_amount} is back on your balance."
        else:
            body = f"{instance.offer.name} has ended."
        interaction_record(
            customer=instance.customer,
            kind=Interaction.Kind.ADDON_STATUS,
            channel="system",
            summary=body,
            data={"product_instance_id": instance.pk},
        )
        notification_send(
            customer=instance.customer,
            medium=Notification.Medium.IN_APP,
            subject=f"{instance.offer.name} is off",
            body=body,
        )
    return instance
