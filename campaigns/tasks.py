"""Thin Celery entry points of campaigns; each imports its service inside its body (STYLE
rule 16: the services import these tasks at the top)."""

from celery import shared_task


@shared_task
def gift_return_due_task() -> int:
    from .services import gift_return_due

    return gift_return_due()


@shared_task
def gift_return_task(gift_id: int) -> None:
    from .services import gift_return

    gift_return(gift_id=gift_id)
