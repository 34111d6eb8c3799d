"""What she is told when an add-on of hers is suspended, resumed, scheduled to start later or
has its options changed: one message each, in-app and the way she prefers (as her other add-on
messages), from its template in templates/notifications/ like every other message, written in
her language with dates in the operator's time zone (`notification_render`)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from selfcare.models import Notification
from selfcare.services import notification_send

from ..models import ProductInstance


def product_suspended_tell(*, instance: ProductInstance) -> Notification:
    """Her add-on is suspended: its time stops until she resumes it."""
    return _send(instance, "addon_suspended")


def product_resumed_tell(*, instance: ProductInstance) -> Notification:
    """Her add-on is on again, until its (moved) end if it has one."""
    return _send(instance, "addon_resumed", ends_at=instance.ends_at)


def product_scheduled_tell(*, instance: ProductInstance) -> Notification:
    """Her add-on is bought to start later: when, and what it cost."""
    return _send(
        instance, "addon_scheduled", starts_at=instance.starts_at, amount=instance.paid_amount
    )


def product_changed_tell(
    *, instance: ProductInstance, after: Iterable[str], due_now: Decimal
) -> Notification:
    """Her bundle's options changed: what it gives now, and what was charged or given back."""
    return _send(
        instance,
        "addon_changed",
        gives=list(after),
        amount=max(due_now, 0),
        refund=max(-due_now, 0),
    )


def _send(instance: ProductInstance, template: str, **context) -> Notification:
    # Her preferred medium, as her other add-on messages; an SMS also lands in her inbox.
    offer = instance.offer
    return notification_send(
        customer=instance.customer,
        template=template,
        context={"offer_name": offer.name, "currency": offer.currency, **context},
    )
