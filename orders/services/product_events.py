"""What the event log records about add-ons: bought, about to end, ended. Each is called inside
the transaction of the change, with a cause that makes it once per order or period."""

from __future__ import annotations

import datetime as dt

from selfcare.models import DomainEvent
from selfcare.services.events import event_record

from ..models import Order, ProductInstance


def _facts(instance: ProductInstance) -> dict:
    return {
        "product_instance_id": instance.pk,
        "offer_id": instance.offer_id,
        "offer_name": instance.offer.name,
    }


def product_purchased_record(*, order: Order, instance: ProductInstance, at: dt.datetime) -> None:
    """ProductPurchased, once per order: when it is charged (at purchase, or when the code of an
    offer that needs one confirms it)."""
    event_record(
        kind=DomainEvent.Kind.PRODUCT_PURCHASED,
        customer_id=order.customer_id,
        line_id=order.line_id,
        cause=f"order:{order.pk}:purchased",
        occurred_at=at,
        facts={
            **_facts(instance),
            "order_id": order.pk,
            "price": str(instance.price),
            "currency": instance.offer.currency,
            "channel": order.channel,
        },
    )


def product_expiring_record(*, instance: ProductInstance, at: dt.datetime) -> None:
    """ProductExpiring, once per end (a renewal moves the end, and its next end is another)."""
    event_record(
        kind=DomainEvent.Kind.PRODUCT_EXPIRING,
        customer_id=instance.customer_id,
        line_id=instance.line_id,
        cause=f"product:{instance.pk}:expiring:{instance.ends_at.isoformat()}",
        occurred_at=at,
        facts={
            **_facts(instance),
            "ends_at": instance.ends_at.isoformat(),
            "renews": instance.renews,
        },
    )


def product_ended_record(*, instance: ProductInstance, at: dt.datetime, switched_off: bool) -> None:
    """ProductEnded, once per product (terminated is final)."""
    event_record(
        kind=DomainEvent.Kind.PRODUCT_ENDED,
        customer_id=instance.customer_id,
        line_id=instance.line_id,
        cause=f"product:{instance.pk}:ended",
        occurred_at=at,
        facts={**_facts(instance), "switched_off": switched_off},
    )
