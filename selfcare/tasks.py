from celery import shared_task

from . import services


@shared_task(bind=True, max_retries=5, retry_backoff=True, retry_backoff_max=300)
def notification_deliver_task(self, notification_id: int) -> None:
    try:
        services.notification_deliver(notification_id=notification_id)
    except ConnectionError as exc:
        raise self.retry(exc=exc) from exc
