"""The limits she sets on her line's out-of-bundle use: "stop when my allowance is used up" and a
monthly spend cap in euros. Written here (her, or an agent for her, each change in the limit's
history); applied by the rating (`selfcare.services.usage._out_of_bundle_charge`, both rating
paths), which charges nothing beyond them and bars the service instead (`ServiceBar` with its
cause, the network told on commit). Bars they caused are lifted here: when she turns "stop" off
or raises (or drops) the cap, when a new allowance of the unit arrives (`limit_bars_lift_for_
allowances`, from `orders.services.activation.buckets_grant`), and at the month's start
(`spend_cap_bars_lift_due`, a beat sweep). A top-up never lifts them (`service_bar_lift` lifts
only the bars a balance caused)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from catalog.policies import money_text

from ..models import (
    Account,
    Bucket,
    DomainEvent,
    LedgerEntry,
    Line,
    ServiceBar,
    UsageLimit,
    UsageLimitChange,
)
from ..models_limits import SPEND_CAP_MAX
from ..selectors import OUT_OF_BUNDLE_REFERENCE, month_start
from .events import EventRow
from .messages import notification_send

# Her warnings, in % of her monthly cap: "near" before it is reached, "reached" when it is.
SPEND_CAP_NEAR_AT = 80
SPEND_CAP_REACHED_AT = 100


class UsageLimitError(ValueError):
    """What she asked for cannot be set; `field` names what is wrong ("monthly_cap") and the
    message says why. Nothing was changed."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class LimitChoice:
    """The limits in force for a line, or a choice she is about to save: whether use stops when
    her allowances are used up, and her monthly cap (None: no cap)."""

    stop_when_used_up: bool
    monthly_cap: Decimal | None
    chosen: bool = True

    @property
    def warn_at(self) -> Decimal | None:
        """The spend at which she is warned (SPEND_CAP_NEAR_AT % of her cap)."""
        if self.monthly_cap is None:
            return None
        return (self.monthly_cap * SPEND_CAP_NEAR_AT / 100).quantize(Decimal("0.01"))


NO_LIMITS = LimitChoice(False, None, chosen=False)


def limit_choice_from(limit: UsageLimit | None) -> LimitChoice:
    if limit is None:
        return NO_LIMITS
    return LimitChoice(limit.stop_when_used_up, limit.monthly_cap, chosen=True)


def spend_cap_clean(value) -> Decimal | None:
    """A cap as she typed it: empty for none, else euros and cents, more than zero and at most
    SPEND_CAP_MAX. Raises UsageLimitError (field "monthly_cap")."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = value.strip().replace("€", "").replace(",", ".") if isinstance(value, str) else value
    try:
        cap = Decimal(str(text))
    except InvalidOperation:
        cap = None
    if cap is None or not cap.is_finite():
        raise UsageLimitError(
            gettext("Type the limit in euros, e.g. 5 or 5.50, or leave it empty for no limit."),
            field="monthly_cap",
        )
    if cap <= 0:
        raise UsageLimitError(
            gettext(
                "The limit must be more than €0.00. To use nothing beyond your allowances, tick"
                " “Stop when my allowance is used up” instead."
            ),
            field="monthly_cap",
        )
    if cap > SPEND_CAP_MAX:
        raise UsageLimitError(
            gettext("The limit can be at most %(max)s.") % {"max": money_text(SPEND_CAP_MAX)},
            field="monthly_cap",
        )
    if cap != cap.quantize(Decimal("0.01")):
        raise UsageLimitError(gettext("Euros and cents only, e.g. 5.50."), field="monthly_cap")
    return cap.quantize(Decimal("0.01"))


def month_key(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m")


def spend_this_month(*, line_ids, at: dt.datetime) -> dict[int, Decimal]:
    """What out-of-bundle use was charged on each line since the start of `at`'s month, from
    the ledger (its references name the line). One query."""
    line_ids = set(line_ids)
    spent: dict[int, Decimal] = defaultdict(Decimal)
    if not line_ids:
        return spent
    rows = LedgerEntry.objects.filter(
        kind=LedgerEntry.Kind.CHARGE,
        reference__startswith=OUT_OF_BUNDLE_REFERENCE,
        created_at__gte=month_start(at),
        account__in=Account.objects.filter(customer__lines__id__in=line_ids),
    ).values_list("reference", "amount")
    for reference, amount in rows:
        line_id = int(reference.split(":")[2])
        if line_id in line_ids:
            spent[line_id] -= amount
    return spent


def usage_limit_save(
    *,
    line: Line,
    stop_when_used_up: bool,
    monthly_cap,
    channel: str,
    changed_by=None,
    by_agent: bool = False,
    at: dt.datetime | None = None,
) -> UsageLimit:
    """Set the limits of `line`, checked first (UsageLimitError: nothing changes). Writes a
    history row with who changed them (her, or the agent `changed_by` when `by_agent`) if
    anything changed, and lifts the bars the new limits no longer call for: "stop" turned off
    lifts its bars; a cap dropped, or raised above what she spent this month, lifts the cap's.
    Locks the line, as the rating does, so a batch rated at the same time sees the limits
    before or after, never half. The network hears of each lift on commit."""
    cap = spend_cap_clean(monthly_cap)
    stop = bool(stop_when_used_up)
    at = at or timezone.now()
    with transaction.atomic():
        Line.objects.select_for_update(no_key=True).filter(pk=line.pk).first()
        limit, created = UsageLimit.objects.get_or_create(
            line=line, defaults={"stop_when_used_up": stop, "monthly_cap": cap}
        )
        if not created and (limit.stop_when_used_up, limit.monthly_cap) == (stop, cap):
            return limit
        limit.stop_when_used_up, limit.monthly_cap = stop, cap
        limit.save(update_fields=["stop_when_used_up", "monthly_cap", "updated_at"])
        UsageLimitChange.objects.create(
            limit=limit,
            stop_when_used_up=stop,
            monthly_cap=cap,
            channel=channel,
            changed_by=changed_by,
            by_agent=by_agent,
            changed_at=at,
        )
        causes = []
        if not stop:
            causes.append(ServiceBar.Cause.STOP)
        if cap is None or cap > spend_this_month(line_ids=[line.pk], at=at)[line.pk]:
            causes.append(ServiceBar.Cause.SPEND_CAP)
        if causes:
            _bars_lift(lines=[line.pk], causes=causes, at=at)
    return limit


def _bars_lift(*, lines, causes, at: dt.datetime, services=None, barred_before=None) -> int:
    """Lift the open bars of `lines` that `causes` made (of `services`, barred before
    `barred_before`, when given), in the caller's transaction; the network hears on commit."""
    # Imported here: the rating (usage.py) imports this module for the limits it applies.
    from .usage import _bar_sync_on_commit

    bars = ServiceBar.objects.select_for_update().filter(
        line_id__in=lines, cause__in=causes, lifted_at__isnull=True
    )
    if services is not None:
        bars = bars.filter(service__in=services)
    if barred_before is not None:
        bars = bars.filter(barred_at__lt=barred_before)
    lifted = list(bars.order_by("id"))
    for bar in lifted:
        bar.lifted_at = at
        bar.save(update_fields=["lifted_at"])
        _bar_sync_on_commit(bar)
    return len(lifted)


def limit_bars_lift_for_allowances(*, buckets: list[Bucket], at: dt.datetime | None = None) -> int:
    """New allowances arrived (a purchase, a renewal, a change): lift the "stop" bars on their
    line for each unit they give (general allowances only: TV-only data does not make data
    usable again). Called in the grant's transaction; returns how many bars were lifted."""
    services = defaultdict(set)
    for bucket in buckets:
        if bucket.scope == Bucket.Scope.GENERAL and bucket.initial > bucket.used:
            services[bucket.line_id].add(ServiceBar.FOR_UNIT[bucket.unit])
    at = at or timezone.now()
    lifted = 0
    for line_id, line_services in services.items():
        lifted += _bars_lift(
            lines=[line_id], causes=[ServiceBar.Cause.STOP], services=line_services, at=at
        )
    return lifted


@transaction.atomic
def spend_cap_bars_lift_due(*, at: dt.datetime | None = None) -> int:
    """The month's start (operator's time zone): lift every bar a spend cap made in an earlier
    month; the network hears on commit. Beat runs it every few minutes; a second run finds
    nothing. Returns how many bars were lifted."""
    at = at or timezone.now()
    lines = (
        ServiceBar.objects.filter(
            cause=ServiceBar.Cause.SPEND_CAP, lifted_at__isnull=True, barred_at__lt=month_start(at)
        )
        .values_list("line_id", flat=True)
        .distinct()
    )
    return _bars_lift(
        lines=list(lines),
        causes=[ServiceBar.Cause.SPEND_CAP],
        at=at,
        barred_before=month_start(at),
    )


def spend_cap_rows(
    *, line: Line, cap: Decimal, spent: Decimal, at: dt.datetime, currency: str
) -> list[EventRow]:
    """The warnings a spend of `spent` this month calls for on a line capped at `cap`: near (at
    SPEND_CAP_NEAR_AT %) and reached. Their cause names the month and the cap, so each is
    recorded once a month, and again if she sets another cap."""
    rows = []
    for percent, kind in (
        (SPEND_CAP_NEAR_AT, DomainEvent.Kind.SPEND_CAP_NEAR),
        (SPEND_CAP_REACHED_AT, DomainEvent.Kind.SPEND_CAP_REACHED),
    ):
        if spent * 100 >= cap * percent:
            rows.append(
                EventRow(
                    kind,
                    line.customer_id,
                    f"spend-cap:{line.pk}:{month_key(at)}:{cap}:{percent}",
                    at,
                    {
                        "cap": str(cap),
                        "spent": str(spent),
                        "threshold": percent,
                        "currency": currency,
                        "month_end": (month_start(at) + dt.timedelta(days=32))
                        .replace(day=1)
                        .date()
                        .isoformat(),
                    },
                    line.pk,
                )
            )
    return rows


SPEND_CAP_KINDS = (DomainEvent.Kind.SPEND_CAP_NEAR, DomainEvent.Kind.SPEND_CAP_REACHED)


def spend_cap_alerts_send(*, events: list[DomainEvent]) -> int:
    """For each spend-cap event, the `spend_cap_alert` message ("You have used €4.10 of your
    €5.00 limit this month"), the way she prefers. Runs in the event dispatch's transaction
    (through `alerts_send_for_events`), so each event is told once. Returns how many."""
    sent = 0
    for event in events:
        if event.kind not in SPEND_CAP_KINDS:
            continue
        facts = event.facts
        notification_send(
            customer=event.customer,
            template="spend_cap_alert",
            context={
                "reached": event.kind == DomainEvent.Kind.SPEND_CAP_REACHED,
                "cap": Decimal(facts["cap"]),
                "spent": Decimal(facts["spent"]),
                "currency": facts.get("currency", "EUR"),
                "month_end": dt.date.fromisoformat(facts["month_end"]),
            },
        )
        sent += 1
    return sent


def usage_limits_map(*, line_ids) -> dict[int, UsageLimit]:
    """The limits set on these lines (lines without any are absent). One query."""
    return {limit.line_id: limit for limit in UsageLimit.objects.filter(line_id__in=line_ids)}
