from celery import shared_task

from . import services


@shared_task
def gift_return_due_task() -> int:
    return services.gift_return_due()
