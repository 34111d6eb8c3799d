"""Reads of usage alerts and the event log: what is in force for a line, its changes, and a
customer's events. The portal and the console word them."""

from __future__ import annotations

from django.db.models import Q

from .models import AlertSetting, AlertSettingChange, Bucket, Customer, DomainEvent, Line
from .services.alerts import AlertChoice, alert_choice_from


def alert_choice_for(*, line: Line, bucket: Bucket | None = None) -> AlertChoice:
    """The alerts in force: the allowance's own setting, else the line's, else the default
    (80 % and 100 %, the way she prefers). One query."""
    mine = Q(bucket__isnull=True) | (Q(bucket=bucket) if bucket is not None else Q(pk__in=[]))
    settings = {s.bucket_id: s for s in AlertSetting.objects.filter(mine, line=line)}
    setting = settings.get(bucket.pk if bucket is not None else None) or settings.get(None)
    return alert_choice_from(setting)


def alert_change_list(*, line: Line, limit: int = 10) -> list[AlertSettingChange]:
    """The latest changes of the line's alert settings, newest first, with who made them."""
    return list(
        AlertSettingChange.objects.filter(setting__line=line)
        .select_related("changed_by", "setting__bucket")
        .order_by("-changed_at", "-id")[:limit]
    )


def event_list_for_customer(*, customer: Customer, limit: int = 30) -> list[DomainEvent]:
    """Her latest events, newest first (by when they happened), with their line."""
    return list(
        DomainEvent.objects.filter(customer=customer)
        .select_related("line")
        .order_by("-occurred_at", "-id")[:limit]
    )
