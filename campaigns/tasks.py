from celery import shared_task

from . import services


@shared_task
def gift_return_due_task() -> int:
    return services.gift_return_due()


@shared_task
def gift_return_task(gift_id: int) -> None:
    services.gift_return(gift_id=gift_id)
