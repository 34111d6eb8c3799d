"""Telling the network about a service barred for out-of-bundle use, and about its lifting. The
bar itself is decided and recorded by the customer domain's rating (selfcare.services.usage)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from selfcare.models import ServiceBar

from ..provisioning import network_adapter


@transaction.atomic
def service_bar_sync(*, service_bar_id: int) -> None:
    """Make the network match the bar: bar it while it is open, lift it once lifted. Locks the
    bar; records each answer, so a job run twice calls the network once. A bar lifted before the
    network heard of it is never sent. Raises the adapter's errors (the task retries)."""
    bar = (
        ServiceBar.objects.select_for_update()
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
