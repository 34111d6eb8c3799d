"""What the event log records about add-ons: bought, about to end, ended. Each is called inside
the transaction of the change, with a cause that makes it once per order or period."""

from __future__ import annotations

import datetime as dt

from selfcare.models import DomainEvent
from selfcare.services.events import event_record

from ..models import Order, ProductInstance


def _product_event_record(
    *, kind: str, instance: ProductInstance, cause: str, at: dt.datetime, **facts
) -> None:
    """One event about `instance`, on her and its line, with what every product event says."""
    event_record(
        kind=kind,
        customer_id=instance.customer_id,
        line_id=instance.line_id,
        cause=cause,
        occurred_at=at,
        facts={
            "product_instance_id": instance.pk,
            "offer_id": instance.offer_id,
            "offer_name": instance.offer.name,
            **facts,
        },
    )


def product_purchased_record(*, order: Order, instance: ProductInstance, at: dt.datetime) -> None:
    """ProductPurchased, once per order: when it is charged (at purchase, or when the code of an
    offer that needs one confirms it)."""
    _product_event_record(
        kind=DomainEvent.Kind.PRODUCT_PURCHASED,
        instance=instance,
        cause=f"order:{order.pk}:purchased",
        at=at,
        order_id=order.pk,
        price=str(instance.price),
        currency=instance.offer.currency,
        channel=order.channel,
    )


def product_expiring_record(*, instance: ProductInstance, at: dt.datetime) -> None:
    """ProductExpiring, once per end (a renewal moves the end, and its next end is another)."""
    _product_event_record(
        kind=DomainEvent.Kind.PRODUCT_EXPIRING,
        instance=instance,
        cause=f"product:{instance.pk}:expiring:{instance.ends_at.isoformat()}",
        at=at,
        ends_at=instance.ends_at.isoformat(),
        renews=instance.renews,
    )


def product_ended_record(*, instance: ProductInstance, at: dt.datetime, switched_off: bool) -> None:
    """ProductEnded, once per product (terminated is final)."""
    _product_event_record(
        kind=DomainEvent.Kind.PRODUCT_ENDED,
        instance=instance,
        cause=f"product:{instance.pk}:ended",
        at=at,
        switched_off=switched_off,
    )
