"""Upkeep of the page-change log behind the page cache (see selfcare.pageversions)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from ..models import PageChange

FOLD_SCOPES = 500


def page_changes_fold(*, before: dt.datetime | None = None) -> int:
    """Fold, for each customer (and the catalog) with more than one change recorded before
    `before` (default: a minute ago), those rows into one carrying their summed weight, so
    reading a version stays a sum of a few rows. Every version is the same afterwards: the rows
    go and their sum comes in one transaction. Only the rows being folded are locked (writers
    never lock change rows); a second fold at the same moment waits, then finds them gone.
    Returns how many rows were folded."""
    before = before or timezone.now() - dt.timedelta(minutes=1)
    scopes = list(
        PageChange.objects.filter(created_at__lt=before)
        .values("scope")
        .annotate(rows=Count("id"))
        .filter(rows__gt=1)
        .order_by("scope")
        .values_list("scope", flat=True)
    )
    folded = 0
    for start in range(0, len(scopes), FOLD_SCOPES):
        chunk = scopes[start : start + FOLD_SCOPES]
        with transaction.atomic():
            rows = list(
                PageChange.objects.select_for_update(no_key=True)
                .filter(scope__in=chunk, created_at__lt=before)
                .order_by("id")
                .values_list("id", "scope", "weight")
            )
            totals = Counter()
            for _, scope, weight in rows:
                totals[scope] += weight
            PageChange.objects.filter(pk__in=[pk for pk, _, _ in rows]).delete()
            PageChange.objects.bulk_create(
                PageChange(scope=scope, weight=total, created_at=before)
                for scope, total in totals.items()
            )
        folded += len(rows)
    return folded
