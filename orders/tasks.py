"""Thin Celery entry points: each takes ids, calls one service, owns its retry policy, and is
safe to run twice (the services check state under a lock; ledger references are unique).

Each task imports its service inside its body (STYLE rule 16): the services import these tasks
at the top to schedule them, so the import runs one way only."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from selfcare.said import Said

from .provisioning import NetworkError, NetworkTransientError

# Retries of network work wait 2, 4, 8… seconds, never longer than this. A job waiting for its
# retry records when the retry is due, so the stuck sweep leaves it alone until then.
MAX_RETRY_WAIT_SECONDS = 60


def backoff(retries: int) -> int:
    return min(settings.ACTIVATION_RETRY_BACKOFF_SECONDS * 2**retries, MAX_RETRY_WAIT_SECONDS)


def _retry_later(task, *, product_instance_id: int, exc: Exception):
    """Record when the retry is due (see `product_instance_retry_record`), then ask for it."""
    from .services import product_instance_retry_record

    countdown = backoff(task.request.retries)
    product_instance_retry_record(
        product_instance_id=product_instance_id,
        retry_at=timezone.now() + dt.timedelta(seconds=countdown),
    )
    return task.retry(exc=exc, countdown=countdown)


def _reason(exc: Exception) -> str:
    """Why the network refused, as the error said it: a Said (read in her language) if it was
    one, for str() would make it plain English."""
    said_as = exc.args[0] if exc.args else ""
    return said_as if isinstance(said_as, Said) else str(exc)


@shared_task(bind=True, max_retries=None)
def product_instance_activate_task(self, product_instance_id: int) -> None:
    from .services import product_instance_activate, product_instance_fail_activation

    try:
        product_instance_activate(product_instance_id=product_instance_id)
    except NetworkTransientError as exc:
        if self.request.retries >= settings.ACTIVATION_MAX_RETRIES:
            product_instance_fail_activation(
                product_instance_id=product_instance_id, reason=_reason(exc)
            )
            return
        raise _retry_later(self, product_instance_id=product_instance_id, exc=exc) from exc
    except NetworkError as exc:
        product_instance_fail_activation(
            product_instance_id=product_instance_id, reason=_reason(exc)
        )


@shared_task(bind=True, max_retries=8)
def product_instance_deprovision_task(self, product_instance_id: int) -> None:
    from .services import product_instance_deprovision

    try:
        product_instance_deprovision(product_instance_id=product_instance_id)
    except (NetworkTransientError, NetworkError) as exc:
        # The customer's side is already settled (refunded, allowances closed); keep trying the
        # network, and the stuck sweep picks it up again if the retries run out.
        raise _retry_later(self, product_instance_id=product_instance_id, exc=exc) from exc


@shared_task(bind=True, max_retries=8)
def product_instance_release_task(self, product_instance_id: int) -> None:
    from .services import product_instance_release

    try:
        product_instance_release(product_instance_id=product_instance_id)
    except (NetworkTransientError, NetworkError) as exc:
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc


@shared_task(bind=True, max_retries=8)
def service_bar_sync_task(self, service_bar_id: int) -> None:
    """Published by name by the usage feed's rating (selfcare.services.usage)."""
    from .services import service_bar_retry_record, service_bar_sync

    try:
        service_bar_sync(service_bar_id=service_bar_id)
    except (NetworkTransientError, NetworkError) as exc:
        countdown = backoff(self.request.retries)
        service_bar_retry_record(
            service_bar_id=service_bar_id,
            retry_at=timezone.now() + dt.timedelta(seconds=countdown),
        )
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task
def service_bar_retry_stuck_task() -> int:
    from .services import service_bar_retry_stuck

    return service_bar_retry_stuck()


@shared_task
def product_instance_expire_task(product_instance_id: int) -> None:
    from .services import product_instance_expire

    product_instance_expire(product_instance_id=product_instance_id)


@shared_task
def product_instance_expire_due_task() -> int:
    from .services import product_instance_expire_due

    return product_instance_expire_due()


@shared_task
def order_confirmation_expire_task(order_id: int) -> None:
    from .services import order_confirmation_expire

    order_confirmation_expire(order_id=order_id)


@shared_task
def product_instance_start_task(product_instance_id: int) -> None:
    from .services import product_instance_start

    product_instance_start(product_instance_id=product_instance_id)


@shared_task
def order_confirmation_expire_due_task() -> int:
    from .services import order_confirmation_expire_due

    return order_confirmation_expire_due()


@shared_task
def product_instance_start_due_task() -> int:
    from .services import product_instance_start_due

    return product_instance_start_due()


@shared_task
def bucket_rollover_due_task() -> int:
    from .services import bucket_rollover_due

    return bucket_rollover_due()


@shared_task
def product_instance_renew_task(product_instance_id: int) -> None:
    from .services import product_instance_renew

    product_instance_renew(product_instance_id=product_instance_id)


@shared_task
def product_instance_renew_due_task() -> int:
    from .services import product_instance_renew_due

    return product_instance_renew_due()


@shared_task
def product_instance_retry_stuck_task() -> dict:
    from .services import product_instance_retry_stuck

    return product_instance_retry_stuck()


@shared_task
def product_instance_remind_task(product_instance_id: int) -> None:
    from .services import product_instance_remind

    product_instance_remind(product_instance_id=product_instance_id)


@shared_task
def product_instance_remind_due_task() -> int:
    from .services import product_instance_remind_due

    return product_instance_remind_due()
