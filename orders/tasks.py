"""Thin Celery entry points: each takes ids, calls one service, owns its retry policy, and is
safe to run twice (the services check state under a lock; ledger references are unique)."""

from celery import shared_task
from django.conf import settings

from . import services
from .provisioning import NetworkError, NetworkTransientError

# Retries of network work wait 2, 4, 8… seconds, never longer than this: a wait beyond the stuck
# sweep's deadline would let the sweep start a second chain beside this one.
MAX_RETRY_WAIT_SECONDS = 60


def backoff(retries: int) -> int:
    return min(settings.ACTIVATION_RETRY_BACKOFF_SECONDS * 2**retries, MAX_RETRY_WAIT_SECONDS)


@shared_task(bind=True, max_retries=None)
def product_instance_activate_task(self, product_instance_id: int) -> None:
    try:
        services.product_instance_activate(product_instance_id=product_instance_id)
    except NetworkTransientError as exc:
        if self.request.retries >= settings.ACTIVATION_MAX_RETRIES:
            services.product_instance_fail_activation(
                product_instance_id=product_instance_id, reason=str(exc)
            )
            return
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
    except NetworkError as exc:
        services.product_instance_fail_activation(
            product_instance_id=product_instance_id, reason=str(exc)
        )


@shared_task(bind=True, max_retries=8)
def product_instance_deprovision_task(self, product_instance_id: int) -> None:
    try:
        services.product_instance_deprovision(product_instance_id=product_instance_id)
    except (NetworkTransientError, NetworkError) as exc:
        # The customer's side is already settled (refunded, allowances closed); keep trying the
        # network, and the stuck sweep picks it up again if the retries run out.
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc


@shared_task(bind=True, max_retries=8)
def product_instance_release_task(self, product_instance_id: int) -> None:
    try:
        services.product_instance_release(product_instance_id=product_instance_id)
    except (NetworkTransientError, NetworkError) as exc:
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc


@shared_task
def product_instance_expire_task(product_instance_id: int) -> None:
    services.product_instance_expire(product_instance_id=product_instance_id)


@shared_task
def product_instance_expire_due_task() -> int:
    return services.product_instance_expire_due()


@shared_task
def order_confirmation_expire_task(order_id: int) -> None:
    services.order_confirmation_expire(order_id=order_id)


@shared_task
def product_instance_start_task(product_instance_id: int) -> None:
    services.product_instance_start(product_instance_id=product_instance_id)


@shared_task
def order_confirmation_expire_due_task() -> int:
    return services.order_confirmation_expire_due()


@shared_task
def product_instance_start_due_task() -> int:
    return services.product_instance_start_due()


@shared_task
def bucket_rollover_due_task() -> int:
    return services.bucket_rollover_due()


@shared_task
def product_instance_renew_task(product_instance_id: int) -> None:
    services.product_instance_renew(product_instance_id=product_instance_id)


@shared_task
def product_instance_renew_due_task() -> int:
    return services.product_instance_renew_due()


@shared_task
def product_instance_retry_stuck_task() -> dict:
    return services.product_instance_retry_stuck()


@shared_task
def product_instance_remind_task(product_instance_id: int) -> None:
    services.product_instance_remind(product_instance_id=product_instance_id)


@shared_task
def product_instance_remind_due_task() -> int:
    return services.product_instance_remind_due()
