"""Reads of the service bars the network has to be told about."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from selfcare.models import SERVICE_BAR_UNSYNCED, ServiceBar


def service_bar_ids_stuck(*, before: dt.datetime, limit: int = 1000) -> list[int]:
    """Bars the network has not confirmed (not barred there yet, or lifted here and not there),
    changed before `before`, and that no job has taken up since then either (nor waits for a
    retry due after it): their network job was lost."""
    return list(
        ServiceBar.objects.filter(SERVICE_BAR_UNSYNCED)
        .filter(
            Q(lifted_at__isnull=True, barred_at__lt=before)
            | Q(lifted_at__isnull=False, lifted_at__lt=before)
        )
        .filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=before))
        .order_by("barred_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
