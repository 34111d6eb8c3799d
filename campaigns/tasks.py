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


# Lifecycle campaigns: every task below runs on the `campaigns` queue (CELERY_TASK_ROUTES), so
# a campaign's sends never wait in front of an activation or a transactional message; all but
# the two sweeps (`selfcare.celery.CAMPAIGN_SWEEPS`), which must not wait behind the sends.


@shared_task
def campaign_deliveries_send_task(delivery_ids: list[int]) -> int:
    from .services import campaign_deliveries_send

    return campaign_deliveries_send(delivery_ids=delivery_ids)


@shared_task
def campaign_deliveries_due_task() -> int:
    """Messages that waited for quiet hours to end, and queued ones whose job was lost."""
    from .services import campaign_deliveries_due

    return campaign_deliveries_due()


@shared_task
def campaign_schedules_run_task() -> int:
    from .services import campaign_schedules_run

    return campaign_schedules_run()


@shared_task
def campaign_schedule_run_task(campaign_id: int, occurrence: str) -> int:
    from .services import campaign_schedule_run

    return campaign_schedule_run(campaign_id=campaign_id, occurrence=occurrence)
