"""Telling the network about a service barred for out-of-bundle use, and about its lifting. The
bar itself is decided and recorded by the customer domain's rating (selfcare.services.usage)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from selfcare.jobs import job_fan_out
from selfcare.models import ServiceBar

from ..provisioning import network_adapter
from ..selectors import service_bar_ids_stuck
from ..tasks import service_bar_sync_task


@transaction.atomic
def service_bar_sync(*, service_bar_id: int) -> None:
    """Make the network match the bar: bar it while it is open, lift it once lifted. Locks the
    bar; records each answer, so a job run twice calls the network once. A bar lifted before the
    network heard of it is never sent. Raises the adapter's errors (the task retries)."""
    bar = (
        # The bar's row only: the line is read, not locked (it is locked account first, then
        # line, by every service that writes it).
        ServiceBar.objects.select_for_update(of=("self",))
        .select_related("line")
        .filter(pk=service_bar_id)
        .first()
    )
    if bar is None:
        return
    adapter = network_adapter()
    if bar.lifted_at is None and bar.network_barred_at is None:
        adapter.bar(msisdn=bar.line.msisdn, service=bar.service)
        bar.network_barred_at = timezone.now()
        bar.save(update_fields=["network_barred_at"])
    elif bar.lifted_at is not None and bar.network_barred_at and not bar.network_lifted_at:
        adapter.lift_bar(msisdn=bar.line.msisdn, service=bar.service)
        bar.network_lifted_at = timezone.now()
        bar.save(update_fields=["network_lifted_at"])


def service_bar_retry_record(*, service_bar_id: int, retry_at: dt.datetime) -> None:
    """A job waits for its retry until `retry_at`: the stuck sweep leaves the bar alone until
    then."""
    ServiceBar.objects.filter(pk=service_bar_id).update(last_attempt_at=retry_at)


def service_bar_retry_stuck(*, at: dt.datetime | None = None) -> int:
    """Enqueue again the network job of every bar or lift the network has not confirmed, when
    neither its change nor its last attempt (this sweep's last enqueue, or the retry a job waits
    for) is within PENDING_DEADLINE_SECONDS: its job was lost (a killed worker, a publish that
    failed, a broker restart). Beat runs it every STUCK_SWEEP_SECONDS. A job enqueued twice is
    harmless: `service_bar_sync` re-checks under the bar's lock and calls the network once.
    Returns how many were enqueued."""
    now = at or timezone.now()
    ids = service_bar_ids_stuck(
        before=now - dt.timedelta(seconds=settings.PENDING_DEADLINE_SECONDS)
    )
    # Counted as an attempt now, so the next sweeps leave them to this job for one deadline.
    ServiceBar.objects.filter(pk__in=ids).update(last_attempt_at=now)
    return job_fan_out(task=service_bar_sync_task, ids=ids)
