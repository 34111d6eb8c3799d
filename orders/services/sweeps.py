"""Due-date sweeps run by beat every minute. PostgreSQL is the source of truth for what is due;
the broker only wakes workers up, so a lost message is found again by the next sweep."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from ..models import ProductInstance
from ..selectors import (
    order_ids_unconfirmed,
    product_instance_ids_due_for_expiry,
    product_instance_ids_due_for_renewal,
    product_instance_ids_due_to_start,
    product_instance_ids_stuck,
)


def product_instance_expire_due(*, at: dt.datetime | None = None) -> int:
    """Enqueue the expiry of every active product whose end has passed. Returns how many."""
    from ..tasks import product_instance_expire_task

    ids = product_instance_ids_due_for_expiry(at=at or timezone.now())
    for pk in ids:
        product_instance_expire_task.delay(pk)
    return len(ids)


def product_instance_start_due(*, at: dt.datetime | None = None) -> int:
    """Start every postponed product whose start has come. Returns how many."""
    from ..tasks import product_instance_start_task

    ids = product_instance_ids_due_to_start(at=at or timezone.now())
    for pk in ids:
        product_instance_start_task.delay(pk)
    return len(ids)


def product_instance_renew_due(*, at: dt.datetime | None = None) -> int:
    """Enqueue the renewal of every recurring product whose period has ended. Returns how many.
    A renewal enqueued twice is charged once (see `product_instance_renew`)."""
    from ..tasks import product_instance_renew_task

    ids = product_instance_ids_due_for_renewal(at=at or timezone.now())
    for pk in ids:
        product_instance_renew_task.delay(pk)
    return len(ids)


def order_confirmation_expire_due(*, at: dt.datetime | None = None) -> int:
    """Cancel the orders whose confirmation codes all expired unused. Returns how many."""
    from ..tasks import order_confirmation_expire_task

    ids = order_ids_unconfirmed(at=at or timezone.now())
    for pk in ids:
        order_confirmation_expire_task.delay(pk)
    return len(ids)


def product_instance_retry_stuck(*, at: dt.datetime | None = None) -> dict[str, int]:
    """Enqueue again the work of every product left pending past its deadline (a lost message, a
    killed worker, a broker restart). Returns how many of each kind."""
    from ..tasks import product_instance_activate_task, product_instance_deprovision_task

    now = at or timezone.now()
    before = now - dt.timedelta(seconds=settings.PENDING_DEADLINE_SECONDS)
    activating = product_instance_ids_stuck(
        status=ProductInstance.Status.PENDING_ACTIVE, before=before
    )
    terminating = product_instance_ids_stuck(
        status=ProductInstance.Status.PENDING_TERMINATE, before=before
    )
    # Counted as an attempt now, so the next sweep does not enqueue them again before they run.
    ProductInstance.objects.filter(pk__in=[*activating, *terminating]).update(last_attempt_at=now)
    for pk in activating:
        product_instance_activate_task.delay(pk)
    for pk in terminating:
        product_instance_deprovision_task.delay(pk)
    return {"activation": len(activating), "deprovisioning": len(terminating)}
