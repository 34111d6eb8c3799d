from celery import shared_task

from . import services


@shared_task(bind=True, max_retries=5)
def notification_deliver_task(self, notification_id: int) -> None:
    try:
        services.notification_deliver(notification_id=notification_id)
    except ConnectionError as exc:
        raise self.retry(exc=exc, countdown=min(2 ** (self.request.retries + 1), 300)) from exc
