"""Reads of the limits she sets: what is in force for a line, its changes, and what out-of-bundle
use cost this month. The portal and the console word them."""

from __future__ import annotations

import datetime as dt

from .models import Line, UsageLimit, UsageLimitChange
from .services.limits import LimitChoice, limit_choice_from, spend_this_month


def limit_choice_for(*, line: Line) -> LimitChoice:
    """The limits in force on `line` (none set: no limits). One query."""
    return limit_choice_from(UsageLimit.objects.filter(line=line).first())


def limit_change_list(*, line: Line, limit: int = 10) -> list[UsageLimitChange]:
    """The latest changes of the line's limits, newest first, with who made them."""
    return list(
        UsageLimitChange.objects.filter(limit__line=line)
        .select_related("changed_by")
        .order_by("-changed_at", "-id")[:limit]
    )


def limit_spent_this_month(*, line: Line, at: dt.datetime):
    """What out-of-bundle use cost on `line` since the 1st (operator's time zone). One query."""
    return spend_this_month(line_ids=[line.pk], at=at)[line.pk]
