"""Upkeep of the page-change log behind the page cache (see selfcare.pageversions)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import transaction
from django.utils import timezone

from ..models import PageChange

FOLD_BATCH = 5000


def page_changes_fold(*, before: dt.datetime | None = None) -> int:
    """Fold the page changes recorded before `before` (default: a minute ago) into one row per
    customer carrying their summed weight, so reading a version stays a sum of a few rows. Every
    version is the same afterwards: the rows go and their sum comes in one transaction. On
    PostgreSQL rows are claimed with SKIP LOCKED, so two sweeps at once never fold a row twice
    (elsewhere a second fold could only raise a version: a needless miss, never a stale page).
    Returns how many rows were folded."""
    before = before or timezone.now() - dt.timedelta(minutes=1)
    folded = last_id = 0
    while True:
        with transaction.atomic():
            rows = list(
                PageChange.objects.select_for_update(skip_locked=True)
                .filter(created_at__lt=before, id__gt=last_id)
                .order_by("id")
                .values_list("id", "scope", "weight")[:FOLD_BATCH]
            )
            counts = Counter(scope for _, scope, _ in rows)
            # A customer with a single old row is folded already: leave her alone.
            ids = [pk for pk, scope, _ in rows if counts[scope] > 1]
            totals = Counter()
            for _, scope, weight in rows:
                if counts[scope] > 1:
                    totals[scope] += weight
            if ids:
                PageChange.objects.filter(pk__in=ids).delete()
                PageChange.objects.bulk_create(
                    PageChange(scope=scope, weight=total) for scope, total in totals.items()
                )
        folded += len(ids)
        if len(rows) < FOLD_BATCH:
            return folded
        last_id = rows[-1][0]
