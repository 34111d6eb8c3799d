"""Thin Celery entry points of the customer domain: each takes ids and calls one service."""

from celery import shared_task
from django.conf import settings

from . import services
from .services.messages import DeliveryError, notification_backoff


@shared_task(bind=True, max_retries=None)
def notification_deliver_task(self, notification_id: int) -> None:
    """Send one message; a transient failure is retried with exponential backoff, up to
    NOTIFICATION_MAX_RETRIES times, then the message is given up (`failed`, in her history)."""
    try:
        services.notification_deliver(notification_id=notification_id)
    except DeliveryError as exc:
        if self.request.retries >= settings.NOTIFICATION_MAX_RETRIES:
            services.notification_fail(notification_id=notification_id, error=str(exc))
            return
        raise self.retry(exc=exc, countdown=notification_backoff(self.request.retries)) from exc


@shared_task
def notification_retry_stuck_task() -> dict:
    return services.notification_retry_stuck()
