"""Due-date sweeps run by beat every minute, and the stuck sweep every few seconds. PostgreSQL is
the source of truth for what is due; the broker only wakes workers up, so a lost message is found
again by the next sweep. Each selects due ids and fans out one job per id (`job_fan_out`)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from selfcare.jobs import job_fan_out
from selfcare.models import Account
from selfcare.selectors import account_balance
from selfcare.services import notification_send

from ..models import ProductInstance
from ..selectors import (
    order_ids_unconfirmed,
    product_instance_ids_due_for_expiry,
    product_instance_ids_due_for_renewal,
    product_instance_ids_due_to_start,
    product_instance_ids_stuck,
)
from ..tasks import (
    order_confirmation_expire_task,
    product_instance_activate_task,
    product_instance_deprovision_task,
    product_instance_expire_task,
    product_instance_remind_task,
    product_instance_renew_task,
    product_instance_start_task,
)
from .product_events import product_expiring_record


def product_instance_expire_due(*, at: dt.datetime | None = None) -> int:
    """Enqueue the expiry of every active product whose end has passed. Returns how many."""
    ids = product_instance_ids_due_for_expiry(at=at or timezone.now())
    return job_fan_out(task=product_instance_expire_task, ids=ids)


def product_instance_start_due(*, at: dt.datetime | None = None) -> int:
    """Start every postponed product whose start has come. Returns how many."""
    ids = product_instance_ids_due_to_start(at=at or timezone.now())
    return job_fan_out(task=product_instance_start_task, ids=ids)


def product_instance_renew_due(*, at: dt.datetime | None = None) -> int:
    """Enqueue the renewal of every recurring product whose period has ended. Returns how many.
    A renewal enqueued twice is charged once (see `product_instance_renew`)."""
    ids = product_instance_ids_due_for_renewal(at=at or timezone.now())
    return job_fan_out(task=product_instance_renew_task, ids=ids)


def order_confirmation_expire_due(*, at: dt.datetime | None = None) -> int:
    """Cancel the orders whose confirmation codes all expired unused. Returns how many."""
    ids = order_ids_unconfirmed(at=at or timezone.now())
    return job_fan_out(task=order_confirmation_expire_task, ids=ids)


def product_instance_retry_stuck(*, at: dt.datetime | None = None) -> dict[str, int]:
    """Enqueue again the work of every product whose job was lost: pending, and neither its change
    of status nor its last attempt (a job starting, this sweep's last enqueue, or the retry a job
    waits for) is within PENDING_DEADLINE_SECONDS. Beat runs it every STUCK_SWEEP_SECONDS, so
    work a killed worker held, or whose message a broker restart dropped, runs again within
    about the deadline plus one sweep. A job enqueued twice is harmless: the jobs re-check the
    state under a lock, and a network call already done is not made again. Returns how many of
    each kind."""
    now = at or timezone.now()
    before = now - dt.timedelta(seconds=settings.PENDING_DEADLINE_SECONDS)
    activating = product_instance_ids_stuck(
        status=ProductInstance.Status.PENDING_ACTIVE, before=before
    )
    terminating = product_instance_ids_stuck(
        status=ProductInstance.Status.PENDING_TERMINATE, before=before
    )
    # Counted as an attempt now, so the next sweeps leave them to the job enqueued here for one
    # deadline (a backlog in the queue is not enqueued again every few seconds).
    ProductInstance.objects.filter(pk__in=[*activating, *terminating]).update(last_attempt_at=now)
    return {
        "activation": job_fan_out(task=product_instance_activate_task, ids=activating),
        "deprovisioning": job_fan_out(task=product_instance_deprovision_task, ids=terminating),
    }


# Products whose period is this long or shorter (a night pass, a day pass) are not reminded.
REMINDER_MIN_PERIOD = dt.timedelta(days=2)


def _due_for_reminder(*, at: dt.datetime):
    """Active products ending within REMINDER_LEAD_HOURS whose period is longer than
    REMINDER_MIN_PERIOD, and whose current end she was not reminded of yet."""
    lead = dt.timedelta(hours=settings.REMINDER_LEAD_HOURS)
    return (
        ProductInstance.objects.filter(
            status=ProductInstance.Status.ACTIVE, ends_at__gt=at, ends_at__lte=at + lead
        )
        .alias(period_start=Coalesce("period_started_at", "started_at"))
        .filter(period_start__lt=F("ends_at") - REMINDER_MIN_PERIOD)
        .exclude(reminded_for_ends_at=F("ends_at"))
    )


def product_instance_remind_due(*, at: dt.datetime | None = None, limit: int = 5000) -> int:
    """Enqueue a reminder for every product that ends or renews within the lead time and was not
    reminded of that end yet. Returns how many. A reminder enqueued twice is sent once."""
    ids = list(
        _due_for_reminder(at=at or timezone.now())
        .order_by("ends_at")
        .values_list("pk", flat=True)[:limit]
    )
    return job_fan_out(task=product_instance_remind_task, ids=ids)


@transaction.atomic
def product_instance_remind(*, product_instance_id: int, at: dt.datetime | None = None) -> bool:
    """Tell her that a product ends soon (`addon_ending_soon`) or renews soon, with its price
    (`addon_renewing_soon`, and whether her prepaid balance can pay it). Once per period: under
    the product's lock, the end she was reminded of is recorded, and a renewal (or a resume)
    moves the end, so the next period is reminded again. Returns whether a reminder was sent."""
    instance = (
        _due_for_reminder(at=at or timezone.now())
        .select_for_update(of=("self",), no_key=True)
        .select_related("offer", "customer__account")
        .filter(pk=product_instance_id)
        .first()
    )
    if instance is None:
        return False
    instance.reminded_for_ends_at = instance.ends_at
    instance.save(update_fields=["reminded_for_ends_at"])
    offer = instance.offer
    context = {
        "offer_name": offer.name,
        "ends_at": instance.ends_at,
        "price": instance.price,
        "currency": offer.currency,
    }
    account = instance.customer.account
    if instance.renews and account.kind == Account.Kind.PREPAID:
        balance = account_balance(account=account)
        context.update(balance=balance, short=balance < instance.price)
    notification_send(
        customer=instance.customer,
        template="addon_renewing_soon" if instance.renews else "addon_ending_soon",
        context=context,
    )
    product_expiring_record(instance=instance, at=at or timezone.now())
    return True
