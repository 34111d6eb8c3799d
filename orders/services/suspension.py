"""Suspension: by the customer (her offer allows it), or because a product she activated makes
another redundant. A suspended product's time does not run: on resume its end, and its
allowances' end, move by as long as it was suspended."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_noop

from selfcare.models import Bucket, Customer, Interaction
from selfcare.said import said
from selfcare.services import interaction_record

from ..models import Order, ProductInstance
from ..selectors.actions import AddonAction
from .order_steps import (
    ControlDone,
    ControlStep,
    OrderError,
    control_order_run,
    status_reason_said,
)
from .product_messages import product_resumed_tell, product_suspended_tell

SUSPENSION_FIELDS = [
    "status",
    "status_reason",
    "status_said",
    "status_changed_at",
    "suspended_at",
    "suspended_by",
]


class NotSuspendableError(OrderError):
    pass


def _resume(instance: ProductInstance, *, at) -> None:
    paused = at - instance.suspended_at
    instance.resume(at=at)
    instance.save(update_fields=[*SUSPENSION_FIELDS, "ends_at"])
    Bucket.objects.filter(granted_by_instance=instance.pk, valid_until__isnull=False).update(
        valid_until=F("valid_until") + paused
    )
    Bucket.objects.filter(granted_by_instance=instance.pk).update(suspended=False)


def _suspend(instance: ProductInstance, *, reason: str, at, by=None) -> None:
    instance.suspend(reason=reason, at=at, by=by)
    instance.save(update_fields=SUSPENSION_FIELDS)
    Bucket.objects.filter(granted_by_instance=instance.pk).update(suspended=True)


def redundant_services_suspend(*, instance: ProductInstance, at) -> list[ProductInstance]:
    """Suspend what `instance` (just activated, locked by its caller) makes redundant."""
    # Most offers suspend nothing: one look at the rule, not a locking query of her products.
    suspends = list(instance.offer.suspends_offers.values_list("pk", flat=True))
    if not suspends:
        return []
    redundant = list(
        ProductInstance.objects.select_for_update(no_key=True)
        .select_related("offer")
        .filter(
            line_id=instance.line_id,
            status=ProductInstance.Status.ACTIVE,
            offer__in=suspends,
        )
    )
    for other in redundant:
        _suspend(
            other,
            reason=said(
                gettext_noop("Suspended while %(offer)s is active"), offer=instance.offer.name
            ),
            at=at,
            by=instance,
        )
        interaction_record(
            customer=instance.customer,
            kind=Interaction.Kind.ADDON_STATUS,
            channel="system",
            summary=said(
                gettext_noop("%(offer)s suspended while %(other)s is active"),
                offer=other.offer.name,
                other=instance.offer.name,
            ),
            data={"product_instance_id": other.pk, "suspended_by": instance.pk},
        )
    return redundant


def redundant_services_resume(*, instance: ProductInstance, at) -> list[ProductInstance]:
    """Bring back what `instance` (ending, locked by the caller) had suspended."""
    suspended = list(
        ProductInstance.objects.select_for_update(no_key=True)
        .select_related("offer")
        .filter(suspended_by=instance, status=ProductInstance.Status.SUSPENDED)
    )
    for other in suspended:
        _resume(other, at=at)
        interaction_record(
            customer=instance.customer,
            kind=Interaction.Kind.ADDON_STATUS,
            channel="system",
            summary=said(
                gettext_noop("%(offer)s is back now that %(other)s has ended"),
                offer=other.offer.name,
                other=instance.offer.name,
            ),
            data={"product_instance_id": other.pk},
        )
    return suspended


@transaction.atomic
def product_instance_suspend(
    *,
    customer: Customer,
    product_instance_id: int,
    channel: str,
    idempotency_key: str,
    actor: str = Interaction.Actor.CUSTOMER,
    actor_user=None,
    reason: str = "",
) -> Order:
    """Suspend an add-on whose offer allows it; its time stops until she resumes it. An order of
    its own, completed at once (`control_order_run`). Raises NotSuspendableError (not allowed
    now, by `product_instance_actions`), ProductInstance.DoesNotExist."""

    def work(step: ControlStep) -> ControlDone:
        why = status_reason_said(
            actor=actor,
            by_her=gettext_noop("Suspended by you"),
            by_agent=gettext_noop("Suspended by an agent"),
            reason=reason,
        )
        _suspend(step.instance, reason=why, at=step.at)
        step.instance.customer = customer
        product_suspended_tell(instance=step.instance)
        name = step.instance.offer.name
        return ControlDone(
            summary=said(
                gettext_noop("Suspended %(offer)s. Reason: %(reason)s"), offer=name, reason=reason
            )
            if reason
            else said(gettext_noop("Suspended %(offer)s"), offer=name),
            data={"reason": reason},
        )

    return control_order_run(
        customer=customer,
        product_instance_id=product_instance_id,
        action=AddonAction.SUSPEND,
        channel=channel,
        idempotency_key=idempotency_key,
        actor=actor,
        actor_user=actor_user,
        refused=NotSuspendableError,
        work=work,
    )


@transaction.atomic
def product_instance_resume(
    *,
    customer: Customer,
    product_instance_id: int,
    channel: str,
    idempotency_key: str,
    actor: str = Interaction.Actor.CUSTOMER,
    actor_user=None,
) -> Order:
    """Resume an add-on she suspended; its end moves by as long as it was suspended. One that
    another product made redundant comes back by itself when that one ends, not before. An
    order of its own, completed at once. Raises NotSuspendableError,
    ProductInstance.DoesNotExist."""

    def work(step: ControlStep) -> ControlDone:
        _resume(step.instance, at=step.at)
        step.instance.customer = customer
        product_resumed_tell(instance=step.instance)
        return ControlDone(
            summary=said(gettext_noop("Resumed %(offer)s"), offer=step.instance.offer.name)
        )

    return control_order_run(
        customer=customer,
        product_instance_id=product_instance_id,
        action=AddonAction.RESUME,
        channel=channel,
        idempotency_key=idempotency_key,
        actor=actor,
        actor_user=actor_user,
        refused=NotSuspendableError,
        work=work,
    )
