"""The network's usage feed: one service, `usage_ingest`, behind the command and the API.

A batch is validated event by event (a bad event is rejected on its own), then rated in one
transaction: the accounts and lines it touches are locked in id order (accounts first, as a
purchase does), ids seen before are dropped, each line's allowances are drawn in order, what no
allowance covers is charged at the plan's rates, and a service whose use the balance cannot pay
is barred. On PostgreSQL the draw is set-based (`usage_sql`); elsewhere, and for the few lines
whose batch straddles an allowance's start or end, `usage_rate_reference` draws event by event.
Both give the same result (tests/selfcare/test_usage_properties.py).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from catalog.policies import money_round
from catalog.selectors import base_plan_map
from selfcare.celery import app as celery_app
from selfcare.jobs import job_publish_on_commit
from selfcare.services.events import events_record, usage_events_record

from ..models import (
    BYTES_PER_MB,
    SECONDS_PER_MINUTE,
    Account,
    Bucket,
    LedgerEntry,
    Line,
    OutOfBundleTally,
    ServiceBar,
    UsageRecord,
)
from ..said import words_json
from ..selectors import OUT_OF_BUNDLE_REFERENCE

Service = UsageRecord.Service
# Looked up once: `Service.values` builds a new list on every call, a cost per event.
SERVICES = frozenset(Service.values)
# The most one event may carry: larger is taken for a mediation error, not usage.
MAX_QUANTITY = {
    Bucket.Unit.BYTES: 100 * 1024 * BYTES_PER_MB,  # 100 GB
    Bucket.Unit.SECONDS: 24 * 60 * SECONDS_PER_MINUTE,  # a day-long call
    Bucket.Unit.MESSAGES: 1000,
}
# Network clocks drift a little; an event further ahead than this is refused.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
MAX_EVENTS_PER_BATCH = 10_000
# Two feeds carrying one event id at once: the batch that loses is rated again, from the start.
CONCURRENT_DUPLICATE_ATTEMPTS = 3
COUNTRY = re.compile(r"^[A-Z]{2}$")
FAR = dt.datetime.max.replace(tzinfo=dt.UTC)
# The network job that tells the network about a bar; orders owns the network adapter, and the
# customer domain does not import orders, so it is published by name.
SERVICE_BAR_SYNC_TASK = "orders.tasks.service_bar_sync_task"


@dataclass(frozen=True)
class UsageEvent:
    seq: int  # its position in the batch: ties in time are rated in feed order
    event_id: str
    line_id: int
    service: str
    unit: str
    quantity: int
    at: dt.datetime
    country: str = ""
    zone: str = ""


@dataclass(frozen=True)
class Rejection:
    event_id: str | None
    reason: str
    position: int  # 1-based, in the batch


@dataclass(frozen=True)
class BucketChange:
    bucket_id: int
    line_id: int
    drawn: int
    used: int  # after the batch
    initial: int


@dataclass
class LineChange:
    out_of_bundle: dict[str, int] = field(default_factory=dict)  # unit -> quantity
    charged: Decimal = Decimal("0.00")
    barred: list[str] = field(default_factory=list)


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    buckets: dict[int, BucketChange] = field(default_factory=dict)
    lines: dict[int, LineChange] = field(default_factory=dict)
    # The batch positions (`UsageEvent.seq`) of the rated events that may have moved a line to
    # another country or zone (every rated one, or a superset of the changes), for the events log.
    located: set[int] = field(default_factory=set)

    def add(self, other: IngestResult) -> None:
        """Fold a later batch's result into this one (the command's running summary)."""
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected.extend(other.rejected)

    def summary(self) -> dict:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": len(self.rejected),
            "rejections": [
                {"id": r.event_id, "position": r.position, "reason": r.reason}
                for r in self.rejected
            ],
        }


# Validation


def _parse_at(value) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        at = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def _validate(raw, *, position: int, lines: dict[str, int], now: dt.datetime):
    """A `UsageEvent`, or the reason it is refused."""
    if not isinstance(raw, dict):
        return "not a JSON object"
    event_id = raw.get("id")
    if not isinstance(event_id, str) or not event_id.strip():
        return "missing id"
    if len(event_id) > 64:
        return "id longer than 64 characters"
    line_id = lines.get(raw.get("msisdn")) if isinstance(raw.get("msisdn"), str) else None
    if line_id is None:
        return "unknown number"
    service = raw.get("service")
    if not isinstance(service, str) or service not in SERVICES:
        return "unknown service"
    unit = UsageRecord.SERVICE_UNITS[service]
    if raw.get("unit") != unit:
        return f"unit must be {unit} for {service}"
    quantity = raw.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        return "quantity is not a whole number"
    if quantity < 0:
        return "negative quantity"
    if quantity > MAX_QUANTITY[unit]:
        return f"quantity too large (at most {MAX_QUANTITY[unit]} {unit})"
    at = _parse_at(raw.get("at"))
    if at is None:
        return "malformed time (ISO 8601 with a time zone)"
    if at > now + FUTURE_TOLERANCE:
        return "time in the future"
    country = raw.get("country") or ""
    if not isinstance(country, str) or (country and not COUNTRY.match(country)):
        return "malformed country (ISO 3166 alpha-2)"
    zone = raw.get("zone") or ""
    if not isinstance(zone, str) or len(zone) > 32:
        return "malformed zone"
    return UsageEvent(position, event_id, line_id, service, unit, quantity, at, country, zone)


def usage_events_validate(
    *, events: Iterable, now: dt.datetime | None = None
) -> tuple[list[UsageEvent], list[Rejection], int]:
    """Split a batch into valid events, rejections and a count of ids repeated within it (the
    first one is kept). One query: the lines of the batch's numbers."""
    now = now or timezone.now()
    events = list(events)
    numbers = {e.get("msisdn") for e in events if isinstance(e, dict)}
    numbers = {n for n in numbers if isinstance(n, str)}
    lines = dict(Line.objects.filter(msisdn__in=numbers).values_list("msisdn", "id"))
    valid, rejected, seen, repeated = [], [], set(), 0
    for position, raw in enumerate(events, start=1):
        checked = _validate(raw, position=position, lines=lines, now=now)
        if isinstance(checked, str):
            event_id = raw.get("id") if isinstance(raw, dict) else None
            rejected.append(
                Rejection(event_id if isinstance(event_id, str) else None, checked, position)
            )
        elif checked.event_id in seen:
            repeated += 1
        else:
            seen.add(checked.event_id)
            valid.append(checked)
    return valid, rejected, repeated


# The service


def usage_ingest(
    *, events: Iterable, now: dt.datetime | None = None, fast: bool | None = None
) -> IngestResult:
    """Validate and rate one batch of network events; never rates an event id twice.

    Runs in one transaction: every event of the batch that is valid is rated, or none is.
    Locks the accounts, then the lines, of the batch in id order, so two feeds rating one line
    serialise; then its allowances. An id that another feed commits while this batch is rated
    makes the batch roll back and be rated again, with that id a duplicate (at most
    CONCURRENT_DUPLICATE_ATTEMPTS times). Schedules, on commit, the network job of each new bar.
    `fast` picks the set-based path (default: on PostgreSQL)."""
    valid, rejected, repeated = usage_events_validate(events=events, now=now)
    if fast is None:
        fast = connection.vendor == "postgresql"
    for attempt in range(1, CONCURRENT_DUPLICATE_ATTEMPTS + 1):
        result = IngestResult(duplicates=repeated, rejected=rejected)
        if not valid:
            return result
        try:
            with transaction.atomic():
                _rate(events=valid, result=result, fast=fast)
                _out_of_bundle_charge(result=result, now=now or timezone.now())
                # What changed for campaigns and alerts, in the same transaction (events.py).
                usage_events_record(result=result, events=valid, now=now or timezone.now())
        except IntegrityError as exc:
            # Another feed committed one of these ids after this batch looked for ids seen
            # before: rated again from the start, those ids are seen and counted as duplicates.
            if "event_id" not in str(exc) or attempt == CONCURRENT_DUPLICATE_ATTEMPTS:
                raise
        else:
            return result
    raise AssertionError("unreachable")  # pragma: no cover


def _rate(*, events: list[UsageEvent], result: IngestResult, fast: bool) -> None:
    if fast:
        # Imported here: the set-based path builds on this module's types.
        from .usage_sql import usage_rate_set_based

        usage_rate_set_based(events=events, result=result)
    else:
        _lock(line_ids={e.line_id for e in events})
        usage_rate_write(events=_drop_seen(events, result=result), result=result)


def _lock(*, line_ids: set[int]) -> None:
    """The accounts, then the lines, in id order (the order a purchase takes them in)."""
    list(
        Account.objects.select_for_update(no_key=True, of=("self",))
        .filter(customer__lines__id__in=line_ids)
        .order_by("id")
        .values_list("id", flat=True)
    )
    list(
        Line.objects.select_for_update(no_key=True)
        .filter(id__in=line_ids)
        .order_by("id")
        .values_list("id", flat=True)
    )


def _drop_seen(events: list[UsageEvent], *, result: IngestResult) -> list[UsageEvent]:
    seen = set(
        UsageRecord.objects.filter(event_id__in=[e.event_id for e in events]).values_list(
            "event_id", flat=True
        )
    )
    result.duplicates += len(seen)
    return [e for e in events if e.event_id not in seen]


def usage_rate_write(*, events: list[UsageEvent], result: IngestResult) -> None:
    """Rate `events` (none seen before) with the reference path and write what it drew."""
    records, draws = usage_rate_reference(events=events)
    UsageRecord.objects.bulk_create(records, batch_size=2000)
    Bucket.objects.bulk_update([bucket for bucket, _ in draws.values()], ["used"])
    for bucket, drawn in draws.values():
        result.buckets[bucket.pk] = BucketChange(
            bucket.pk, bucket.line_id, drawn, bucket.used, bucket.initial
        )
    result.located.update(e.seq for e in events)
    for record in records:
        out_of_bundle_add(
            result=result, line_id=record.line_id, unit=record.unit, quantity=record.out_of_bundle
        )
    result.accepted += len(records)


def _draw_order(bucket: Bucket):
    return (bucket.valid_until or FAR, bucket.pk)


def usage_rate_reference(
    *, events: list[UsageEvent]
) -> tuple[list[UsageRecord], dict[int, tuple[Bucket, int]]]:
    """Draw each event, in time order per line, from the allowances valid when it happened: its
    service's own allowance first (TV-only data for TV), then general allowances of its unit,
    each soonest-to-expire first; suspended products' allowances are skipped. Returns the
    records to write and, per bucket drawn, (bucket, quantity drawn). The caller holds the
    lines' locks; this locks their buckets."""
    line_ids = {e.line_id for e in events}
    buckets = defaultdict(list)
    for bucket in (
        Bucket.objects.select_for_update(no_key=True)
        .filter(line_id__in=line_ids, suspended=False, used__lt=F("initial"))
        .order_by("id")
    ):
        buckets[bucket.line_id].append(bucket)
    draws: dict[int, tuple[Bucket, int]] = {}
    records = []
    for event in sorted(events, key=lambda e: (e.line_id, e.at, e.seq)):
        eligible = sorted(
            (
                b
                for b in buckets[event.line_id]
                if b.unit == event.unit
                and b.valid_from <= event.at
                and (b.valid_until is None or b.valid_until > event.at)
            ),
            key=_draw_order,
        )
        own = [b for b in eligible if b.scope == event.service]
        general = [b for b in eligible if b.scope == Bucket.Scope.GENERAL]
        left, rated_against = event.quantity, {}
        for bucket in own + general:
            take = min(bucket.initial - bucket.used, left)
            if take <= 0:
                continue
            bucket.used += take
            left -= take
            rated_against[str(bucket.pk)] = take
            draws[bucket.pk] = (bucket, draws.get(bucket.pk, (bucket, 0))[1] + take)
            if not left:
                break
        records.append(
            UsageRecord(
                line_id=event.line_id,
                event_id=event.event_id,
                service=event.service,
                quantity=event.quantity,
                unit=event.unit,
                at=event.at,
                country=event.country,
                zone=event.zone,
                rated_against=rated_against,
                out_of_bundle=left,
            )
        )
    return records, draws


def out_of_bundle_add(*, result: IngestResult, line_id: int, unit: str, quantity: int) -> None:
    if quantity:
        change = result.lines.setdefault(line_id, LineChange())
        change.out_of_bundle[unit] = change.out_of_bundle.get(unit, 0) + quantity


# Out of bundle: charge, or bar


def _price(plan, unit: str, quantity: int) -> Decimal:
    if unit == Bucket.Unit.BYTES:
        return plan.rate_per_mb * quantity / BYTES_PER_MB
    if unit == Bucket.Unit.SECONDS:
        return plan.rate_per_minute * quantity / SECONDS_PER_MINUTE
    return plan.rate_per_sms * quantity


UNIT_WORDS = {Bucket.Unit.BYTES: "data", Bucket.Unit.SECONDS: "calls", Bucket.Unit.MESSAGES: "SMS"}
# The ledger's lines for out-of-bundle use, said in the reader's language (selfcare/said.py).
OUT_OF_BUNDLE_WORDS = {
    Bucket.Unit.BYTES: (
        gettext_noop("Out-of-bundle data"),
        gettext_noop("Out-of-bundle data (owed)"),
    ),
    Bucket.Unit.SECONDS: (
        gettext_noop("Out-of-bundle calls"),
        gettext_noop("Out-of-bundle calls (owed)"),
    ),
    Bucket.Unit.MESSAGES: (
        gettext_noop("Out-of-bundle SMS"),
        gettext_noop("Out-of-bundle SMS (owed)"),
    ),
}


def out_of_bundle_ledger_line(unit: str, *, owed: bool = False) -> dict:
    """A ledger line's description and words for out-of-bundle `unit`."""
    words = OUT_OF_BUNDLE_WORDS[unit][owed]
    return {"description": words, "said": words_json(words)}


# The bars her limits make: lifted by the limits' own rules, never by a top-up.
LIMIT_CAUSES = (ServiceBar.Cause.STOP, ServiceBar.Cause.SPEND_CAP)
BAR_REASONS = {
    ServiceBar.Cause.BALANCE: "Balance too low for out-of-bundle {what}",
    ServiceBar.Cause.STOP: "Allowance used up: she asked to stop, not to pay for {what}",
    ServiceBar.Cause.SPEND_CAP: "Monthly out-of-bundle limit reached ({what})",
}


def _out_of_bundle_charge(*, result: IngestResult, now: dt.datetime) -> None:
    """Charge each line's new out-of-bundle use at its plan's rates, on the running total per
    unit rounded once, within her limits (`selfcare.services.limits`): with "stop when my
    allowance is used up" none of it is charged and the service is barred; with a monthly cap
    it is charged up to the cap and the service barred once the cap is reached, her warnings
    recorded as events. What her limits let go is `waived` (neither charged nor owed). What a
    prepaid balance cannot pay stays owed and bars the service. Runs under the lines' locks
    (the rating's), so two batches near a cap are charged one after the other."""
    if not result.lines:
        return
    # Imported here: the limits' lifts build on this module's bar sync.
    from .limits import spend_cap_rows, spend_this_month, usage_limits_map

    lines = {
        line.pk: line
        for line in Line.objects.filter(pk__in=result.lines).select_related("customer__account")
    }
    plans = base_plan_map(names={line.base_plan for line in lines.values()})
    accounts = {line.customer.account.pk: line.customer.account for line in lines.values()}
    balances = dict(
        LedgerEntry.objects.filter(account_id__in=accounts)
        .values_list("account_id")
        .annotate(total=Sum("amount"))
    )
    tallies = {
        (t.line_id, t.unit): t
        for t in OutOfBundleTally.objects.select_for_update().filter(line_id__in=result.lines)
    }
    open_bars = set(
        ServiceBar.objects.filter(line_id__in=result.lines, lifted_at__isnull=True).values_list(
            "line_id", "service"
        )
    )
    limits = usage_limits_map(line_ids=result.lines)
    capped = [pk for pk, limit in limits.items() if limit.monthly_cap is not None]
    spent = spend_this_month(line_ids=capped, at=now)
    batch = uuid.uuid4().hex[:12]
    entries, new_tallies, bars, warnings = [], [], [], []
    for line_id, change in sorted(result.lines.items()):
        line = lines[line_id]
        account = line.customer.account
        plan = plans[line.base_plan]
        limit = limits.get(line_id)
        stop = limit is not None and limit.stop_when_used_up
        cap = limit.monthly_cap if limit is not None else None
        for unit, quantity in sorted(change.out_of_bundle.items()):
            tally = tallies.get((line_id, unit))
            if tally is None:
                tally = OutOfBundleTally(line_id=line_id, unit=unit)
                new_tallies.append(tally)
            # Owed before this batch (what a balance could not pay), then this batch's cost.
            before = money_round(_price(plan, unit, tally.quantity), currency=account.currency)
            owed = before - tally.charged - tally.waived
            tally.quantity += quantity
            total = money_round(_price(plan, unit, tally.quantity), currency=account.currency)
            new = total - before
            cause = None
            if stop:
                allowed, cause = Decimal("0.00"), ServiceBar.Cause.STOP
            elif cap is not None:
                room = max(cap - spent[line_id] - owed, Decimal("0.00"))
                allowed = min(new, room)
                if new >= room:
                    cause = ServiceBar.Cause.SPEND_CAP
            else:
                allowed = new
            tally.waived += new - allowed
            due = owed + allowed
            payable = due
            if cap is not None:
                payable = min(payable, max(cap - spent[line_id], Decimal("0.00")))
            if account.kind == Account.Kind.PREPAID:
                payable = min(payable, max(balances.get(account.pk, Decimal(0)), Decimal(0)))
            if payable > 0:
                entries.append(
                    LedgerEntry(
                        account=account,
                        kind=LedgerEntry.Kind.CHARGE,
                        amount=-payable,
                        **out_of_bundle_ledger_line(unit),
                        reference=f"{OUT_OF_BUNDLE_REFERENCE}{batch}:{line_id}:{unit}",
                    )
                )
                balances[account.pk] = balances.get(account.pk, Decimal(0)) - payable
                tally.charged += payable
                change.charged += payable
                if cap is not None:
                    spent[line_id] += payable
            if cause is None and payable < due:
                cause = ServiceBar.Cause.BALANCE
            service = ServiceBar.FOR_UNIT[unit]
            if cause is not None and (line_id, service) not in open_bars:
                open_bars.add((line_id, service))
                change.barred.append(service)
                bars.append(
                    ServiceBar(
                        line_id=line_id,
                        service=service,
                        cause=cause,
                        barred_at=now,
                        reason=BAR_REASONS[cause].format(what=UNIT_WORDS[unit]),
                    )
                )
        if cap is not None:
            warnings.extend(
                spend_cap_rows(
                    line=line, cap=cap, spent=spent[line_id], at=now, currency=account.currency
                )
            )
    LedgerEntry.objects.bulk_create(entries)
    # Imported here: auto top-up builds on the top-up services, which build on this module.
    from .auto_topup import auto_topup_maybe_on_commit

    for entry in entries:
        below = entry.account.auto_topup_below
        if below is not None and balances[entry.account.pk] < below:
            auto_topup_maybe_on_commit(
                customer_id=entry.account.customer_id, balance=balances[entry.account.pk]
            )
    OutOfBundleTally.objects.bulk_create(new_tallies)
    _tallies_update([t for t in tallies.values() if t.line_id in result.lines])
    for bar in ServiceBar.objects.bulk_create(bars):
        _bar_sync_on_commit(bar)
    if warnings:
        events_record(rows=warnings, at=now)


def _tallies_update(tallies: list[OutOfBundleTally]) -> None:
    """Save the tallies' new totals. On PostgreSQL one UPDATE from arrays: `bulk_update` builds
    a CASE per row in Python, which cost more than the rest of the charge on a large batch."""
    if connection.vendor != "postgresql":
        OutOfBundleTally.objects.bulk_update(tallies, ["quantity", "charged", "waived"])
        return
    if not tallies:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE selfcare_outofbundletally t"
            " SET quantity = v.quantity, charged = v.charged, waived = v.waived"
            " FROM unnest(%s::bigint[], %s::bigint[], %s::numeric[], %s::numeric[])"
            " AS v(id, quantity, charged, waived)"
            " WHERE t.id = v.id",
            [
                [t.pk for t in tallies],
                [t.quantity for t in tallies],
                [t.charged for t in tallies],
                [t.waived for t in tallies],
            ],
        )


def _bar_sync_on_commit(bar: ServiceBar) -> None:
    # bulk_create sets primary keys on PostgreSQL and SQLite alike.
    job_publish_on_commit(celery_app.signature(SERVICE_BAR_SYNC_TASK), bar.pk)


@transaction.atomic
def service_bar_lift(*, line: Line, service: str, now: dt.datetime | None = None) -> bool:
    """Lift the open bar her balance caused on `line`'s `service` (after a top-up) and, on
    commit, tell the network. Returns False if nothing was barred, or if her limits barred it
    (money does not lift those: `selfcare.services.limits`). Locks the bar's row; safe to call
    twice."""
    bar = (
        ServiceBar.objects.select_for_update()
        .filter(line=line, service=service, lifted_at__isnull=True, cause=ServiceBar.Cause.BALANCE)
        .first()
    )
    if bar is None:
        return False
    bar.lifted_at = now or timezone.now()
    bar.save(update_fields=["lifted_at"])
    _bar_sync_on_commit(bar)
    return True


def out_of_bundle_settle(
    *, line: Line, service: str, available: Decimal, reference: str
) -> Decimal | None:
    """Pay what `line`'s out-of-bundle use barred as `service` still owes (what the balance could
    not pay when it was rated), if `available` covers it: one charge under `reference`, and the
    tally marked paid. Returns what was charged (zero when nothing was owed), or None when
    `available` is not enough, or when her limits barred it, which no payment lifts (nothing
    written). The caller holds her account's lock; this locks the tally."""
    if ServiceBar.objects.filter(
        line=line, service=service, lifted_at__isnull=True, cause__in=LIMIT_CAUSES
    ).exists():
        return None
    unit = next(u for u, s in ServiceBar.FOR_UNIT.items() if s == service)
    tally = OutOfBundleTally.objects.select_for_update().filter(line=line, unit=unit).first()
    if tally is None:
        return Decimal("0.00")
    account = line.customer.account
    plan = base_plan_map(names={line.base_plan})[line.base_plan]
    total = money_round(_price(plan, unit, tally.quantity), currency=account.currency)
    owed = max(total - tally.charged - tally.waived, Decimal("0.00"))
    if owed > available:
        return None
    if owed:
        LedgerEntry.objects.create(
            account=account,
            kind=LedgerEntry.Kind.CHARGE,
            amount=-owed,
            **out_of_bundle_ledger_line(unit, owed=True),
            reference=reference,
        )
        tally.charged += owed
        tally.save(update_fields=["charged"])
    return owed


def service_bar_list_open(*, line: Line) -> list[ServiceBar]:
    return list(ServiceBar.objects.filter(line=line, lifted_at__isnull=True))
