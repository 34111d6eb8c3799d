"""Thin Celery entry points of the customer domain: each takes ids and calls one service, which
it imports inside its body (STYLE rule 16: the services import these tasks at the top)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone


def notification_backoff(retries: int) -> int:
    """Seconds before retry number `retries + 1`: the first wait doubled each time, capped."""
    return min(
        settings.NOTIFICATION_RETRY_BACKOFF_SECONDS * 2**retries,
        settings.NOTIFICATION_MAX_RETRY_WAIT_SECONDS,
    )


@shared_task(bind=True, max_retries=None)
def notification_deliver_task(self, notification_id: int) -> None:
    """Send one message; a transient failure is retried with exponential backoff, up to
    NOTIFICATION_MAX_RETRIES times, then the message is given up (`failed`, in her history).
    A message waiting for its retry records when it is due, so the stuck sweep leaves it be."""
    from .notifications import DeliveryError
    from .services import notification_deliver, notification_fail, notification_retry_record

    try:
        notification_deliver(notification_id=notification_id)
    except DeliveryError as exc:
        if self.request.retries >= settings.NOTIFICATION_MAX_RETRIES:
            notification_fail(notification_id=notification_id, error=str(exc))
            return
        countdown = notification_backoff(self.request.retries)
        notification_retry_record(
            notification_id=notification_id,
            retry_at=timezone.now() + dt.timedelta(seconds=countdown),
        )
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task
def notification_retry_stuck_task() -> dict:
    from .services import notification_retry_stuck

    return notification_retry_stuck()


@shared_task
def spend_cap_bars_lift_due_task() -> int:
    """The month's start: the bars her monthly spend cap made are lifted."""
    from .services.limits import spend_cap_bars_lift_due

    return spend_cap_bars_lift_due()


@shared_task
def topup_settle_task(topup_id: int) -> None:
    """Ask the payment gateway what became of a card top-up it did not answer for."""
    from .services.topup import topup_settle_pending

    topup_settle_pending(topup_id=topup_id)


@shared_task
def topup_settle_pending_task() -> int:
    from .services.topup import topup_settle_pending_due

    return topup_settle_pending_due()


@shared_task
def topup_auto_task(customer_id: int) -> None:
    """Her balance fell below her auto top-up threshold: top her up from her saved card."""
    from .services.auto_topup import auto_topup_run

    auto_topup_run(customer_id=customer_id)


@shared_task(bind=True, max_retries=5)
def event_dispatch_task(self, event_ids: list[int]) -> int:
    """Hand a batch of new events to their subscribers (usage alerts, ...); a failure is retried,
    and the stuck sweep publishes again what is still not dispatched."""
    from .services.events import event_dispatch

    try:
        return event_dispatch(event_ids=event_ids)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=min(2**self.request.retries, 60)) from exc


@shared_task
def event_dispatch_stuck_task() -> int:
    from .services.events import event_dispatch_stuck

    return event_dispatch_stuck()


@shared_task
def contract_anniversary_record_task() -> int:
    from .services.events import contract_anniversary_record

    return contract_anniversary_record()


@shared_task
def security_records_prune_task() -> dict:
    from .services.retention import security_records_prune

    return security_records_prune()
