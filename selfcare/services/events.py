"""The event log [TMF688]: what changed in a customer's context, recorded in the transaction of
the change that caused it, once per cause, and handed to Celery on commit.

Every writer calls `event_record` / `events_record` inside its own transaction: the events are
written with it or not at all (a rollback takes them too). A `cause` is unique, and the insert
skips a cause already recorded (ON CONFLICT DO NOTHING), so a replayed feed, a sweep run twice or
a job run again records nothing new; only the events really new are dispatched. The dispatch
(`event_dispatch_task`, one per batch of ids, published on commit) runs each subscriber of the
EVENT_SUBSCRIBERS setting on the events in one transaction and marks them dispatched, so a
subscriber (usage alerts, lifecycle campaigns) sees each event once; a dispatch whose job was
lost is published again by `event_dispatch_stuck`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q, Sum
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.module_loading import import_string

from catalog.policies import money_round, operator_zone

from ..jobs import job_fan_out, job_publish_on_commit
from ..models import Account, Bucket, Customer, DomainEvent, LedgerEntry, Line
from ..tasks import event_dispatch_task

logger = logging.getLogger(__name__)
Kind = DomainEvent.Kind

# The % of an allowance whose crossing is recorded; alerts are chosen among these.
BUCKET_THRESHOLDS = (50, 80, 100)
# Ids per dispatch job: a batch that records more is several jobs, which worker processes share
# (measured: 200 alerts in one job took 0.5-0.8 s to write, the last alert waiting for the rest).
DISPATCH_CHUNK = 100
# A dispatch not done this long after its events were recorded is taken for lost.
DISPATCH_DEADLINE = dt.timedelta(seconds=15)
# Events older than this are not dispatched again by the sweep (an alert a day late is noise).
DISPATCH_GIVE_UP = dt.timedelta(days=1)
INSERT_CHUNK = 500
COLUMNS = ("kind", "customer_id", "line_id", "facts", "occurred_at", "recorded_at", "cause")


class EventOutsideTransactionError(RuntimeError):
    """`event_record` was called outside the transaction of the change that caused it."""


@dataclass(frozen=True)
class EventRow:
    """An event to record: its kind, whose, what caused it, when, and its facts."""

    kind: str
    customer_id: int
    cause: str
    occurred_at: dt.datetime
    facts: dict = field(default_factory=dict)
    line_id: int | None = None


def events_record(*, rows: Iterable[EventRow], at: dt.datetime | None = None) -> list[int]:
    """Record `rows` in the caller's transaction, skipping every cause already recorded (by this
    call, an earlier one, or a transaction committing at the same moment: the unique index
    decides). Returns the ids of the events that are new, and publishes them, on commit, to
    `event_dispatch_task` (one job per DISPATCH_CHUNK ids). Raises EventOutsideTransactionError
    outside a transaction: an event is written with its cause or not at all."""
    if not connection.in_atomic_block:
        raise EventOutsideTransactionError(
            "Events are recorded inside the transaction of the change that caused them."
        )
    unique: dict[str, EventRow] = {}
    for row in rows:
        unique.setdefault(row.cause, row)
    if not unique:
        return []
    recorded_at = at or timezone.now()
    ids: list[int] = []
    rows = list(unique.values())
    for start in range(0, len(rows), INSERT_CHUNK):
        ids.extend(_insert(rows[start : start + INSERT_CHUNK], recorded_at=recorded_at))
    for start in range(0, len(ids), DISPATCH_CHUNK):
        job_publish_on_commit(event_dispatch_task, ids[start : start + DISPATCH_CHUNK])
    return ids


def event_record(
    *,
    kind: str,
    customer_id: int,
    cause: str,
    occurred_at: dt.datetime,
    facts: dict | None = None,
    line_id: int | None = None,
) -> int | None:
    """Record one event (see `events_record`); its id, or None when its cause was recorded
    before."""
    ids = events_record(
        rows=[EventRow(kind, customer_id, cause, occurred_at, facts or {}, line_id)]
    )
    return ids[0] if ids else None


def _insert(rows: list[EventRow], *, recorded_at: dt.datetime) -> list[int]:
    """One INSERT ... ON CONFLICT (cause) DO NOTHING RETURNING id (PostgreSQL and SQLite alike):
    `bulk_create(ignore_conflicts=True)` would not say which rows were new."""
    fields = {name: DomainEvent._meta.get_field(name.removesuffix("_id")) for name in COLUMNS}
    values, params = [], []
    for row in rows:
        raw = {
            "kind": row.kind,
            "customer_id": row.customer_id,
            "line_id": row.line_id,
            "facts": row.facts,
            "occurred_at": row.occurred_at,
            "recorded_at": recorded_at,
            "cause": row.cause[:120],
        }
        values.append("(" + ", ".join(["%s"] * len(COLUMNS)) + ")")
        params.extend(
            fields[name].get_db_prep_save(raw[name], connection=connection) for name in COLUMNS
        )
    table = DomainEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(  # our own table and column names; every value is a parameter
            f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES {', '.join(values)}"  # noqa: S608
            " ON CONFLICT (cause) DO NOTHING RETURNING id",
            params,
        )
        return sorted(row[0] for row in cursor.fetchall())


# Dispatch


def event_dispatch(*, event_ids: list[int], at: dt.datetime | None = None) -> int:
    """Run every subscriber on the events of `event_ids` not dispatched yet, then mark them
    dispatched, in one transaction: each subscriber sees each event once, and a failure leaves
    them all to run again. Events another dispatch holds are skipped (it does them). Returns how
    many were dispatched."""
    with transaction.atomic():
        events = list(
            DomainEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=event_ids, dispatched_at__isnull=True)
            .select_related("customer", "line")
            .order_by("occurred_at", "id")
        )
        if not events:
            return 0
        for path in settings.EVENT_SUBSCRIBERS:
            import_string(path)(events=events)
        DomainEvent.objects.filter(pk__in=[e.pk for e in events]).update(
            dispatched_at=at or timezone.now()
        )
    return len(events)


def event_dispatch_stuck(*, at: dt.datetime | None = None, limit: int = 10_000) -> int:
    """Publish again the dispatch of events whose job was lost (recorded more than
    DISPATCH_DEADLINE ago, less than DISPATCH_GIVE_UP, not dispatched). Returns how many jobs."""
    at = at or timezone.now()
    ids = list(
        DomainEvent.objects.filter(
            dispatched_at__isnull=True,
            recorded_at__lt=at - DISPATCH_DEADLINE,
            recorded_at__gte=at - DISPATCH_GIVE_UP,
        )
        .order_by("recorded_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    chunks = [ids[i : i + DISPATCH_CHUNK] for i in range(0, len(ids), DISPATCH_CHUNK)]
    return job_fan_out(task=event_dispatch_task, ids=chunks)


# Balance low


def low_balance_threshold() -> Decimal:
    return Decimal(str(settings.LOW_BALANCE_THRESHOLD))


def balance_low_rows(
    *, account: Account, before: Decimal, after: Decimal, entry_id: int, at: dt.datetime
) -> list[EventRow]:
    """A `BalanceLow` event if a ledger write took a prepaid balance from at least
    LOW_BALANCE_THRESHOLD to below it; its cause is that ledger entry."""
    threshold = low_balance_threshold()
    if account.kind != Account.Kind.PREPAID or not (before >= threshold > after):
        return []
    return [
        EventRow(
            Kind.BALANCE_LOW,
            account.customer_id,
            f"balance-low:ledger:{entry_id}",
            at,
            {
                "balance": str(after),
                "before": str(before),
                "threshold": str(threshold),
                "currency": account.currency,
            },
        )
    ]


def balance_low_record(
    *, account: Account, before: Decimal, after: Decimal, entry_id: int, at: dt.datetime
) -> None:
    """`balance_low_rows`, recorded in the caller's transaction."""
    events_record(
        rows=balance_low_rows(account=account, before=before, after=after, entry_id=entry_id, at=at)
    )


# The usage feed


class _LinePlace(NamedTuple):
    """What the events of a rated batch need of a line, read as values (no model instances: a
    batch touches thousands of lines)."""

    customer_id: int
    location_consent: bool
    last_country: str
    last_zone: str
    located_at: dt.datetime | None
    account_id: int | None
    account_kind: str | None
    currency: str | None


def usage_events_record(*, result, events: list, now: dt.datetime) -> list[int]:
    """Record what a rated batch changed, inside its transaction (the caller holds the
    accounts', lines' and allowances' locks): each allowance crossing 50, 80 or 100 % used (all
    crossed at once when one batch jumps past several) and used up; out-of-bundle use starting
    (once per line, unit and calendar month); a balance charged below LOW_BALANCE_THRESHOLD;
    roaming started in a country, and a zone entered (with her location consent), from the
    events rated; and keeps each line's last country and zone. An event's time is that of its
    line's last usage in the batch (the change happened by then). `result` is the batch's
    `usage.IngestResult`, `events` its valid `usage.UsageEvent`s (this module is imported by
    `usage`, so it names their types without importing them). Returns the new events' ids."""
    rated = [e for e in events if e.seq in result.located]
    last_at: dict[int, dt.datetime] = {}
    for e in events:
        if e.line_id not in last_at or e.at > last_at[e.line_id]:
            last_at[e.line_id] = e.at
    line_ids = (
        {c.line_id for c in result.buckets.values()}
        | set(result.lines)
        | {e.line_id for e in rated}
    )
    if not line_ids:
        return []
    lines = _lines_places(line_ids)
    rows = _bucket_rows(result=result, lines=lines, last_at=last_at)
    rows += _out_of_bundle_rows(result=result, lines=lines, last_at=last_at)
    rows += _balance_rows(result=result, lines=lines, now=now)
    rows += _location_rows(rated=rated, lines=lines)
    return events_record(rows=rows, at=now)


def _lines_places(line_ids: set[int]) -> dict[int, _LinePlace]:
    """The lines of `line_ids`, with their customer's consent and account, in one query. On
    PostgreSQL the ids go as one array: `pk__in` with a list makes a parameter per id (9,000 a
    batch), which psycopg takes longer to bind than the database to answer."""
    ids = list(line_ids)
    match = (
        RawSQL("SELECT unnest(%s::bigint[])", [ids]) if connection.vendor == "postgresql" else ids
    )
    return {
        pk: _LinePlace(*place)
        for pk, *place in Line.objects.filter(pk__in=match).values_list(
            "pk",
            "customer_id",
            "customer__location_consent",
            "last_country",
            "last_zone",
            "located_at",
            "customer__account__id",
            "customer__account__kind",
            "customer__account__currency",
        )
    }


def _crossed(before: int, after: int, initial: int) -> list[int]:
    return [t for t in BUCKET_THRESHOLDS if before * 100 < t * initial <= after * 100]


def _bucket_rows(*, result, lines, last_at) -> list[EventRow]:
    crossing = {
        c.bucket_id: (c, crossed)
        for c in result.buckets.values()
        if c.initial and (crossed := _crossed(c.used - c.drawn, c.used, c.initial))
    }
    if not crossing:
        return []
    rows = []
    for bucket in Bucket.objects.filter(pk__in=crossing).only(
        "pk", "line_id", "name", "said", "unit", "valid_until"
    ):
        change, crossed = crossing[bucket.pk]
        line_id = change.line_id
        line = lines[line_id]
        facts = {
            "bucket_id": bucket.pk,
            "bucket_name": bucket.name,
            "bucket_said": bucket.said,
            "unit": bucket.unit,
            "used": change.used,
            "initial": change.initial,
            "valid_until": bucket.valid_until.isoformat() if bucket.valid_until else None,
        }
        at = last_at[line_id]
        for threshold in crossed:
            rows.append(
                EventRow(
                    Kind.BUCKET_THRESHOLD_CROSSED,
                    line.customer_id,
                    f"bucket:{bucket.pk}:{threshold}",
                    at,
                    {**facts, "threshold": threshold},
                    line_id,
                )
            )
        if 100 in crossed:
            rows.append(
                EventRow(
                    Kind.BUCKET_DEPLETED,
                    line.customer_id,
                    f"bucket:{bucket.pk}:depleted",
                    at,
                    facts,
                    line_id,
                )
            )
    return rows


def _out_of_bundle_rows(*, result, lines, last_at) -> list[EventRow]:
    rows = []
    for line_id, change in result.lines.items():
        line = lines[line_id]
        at = last_at[line_id]
        month = timezone.localtime(at, operator_zone()).strftime("%Y-%m")
        for unit, quantity in change.out_of_bundle.items():
            if not quantity:
                continue
            rows.append(
                EventRow(
                    Kind.OUT_OF_BUNDLE_STARTED,
                    line.customer_id,
                    f"out-of-bundle:{line_id}:{unit}:{month}",
                    at,
                    {"unit": unit, "quantity": quantity, "month": month},
                    line_id,
                )
            )
    return rows


def _balance_rows(*, result, lines: dict[int, _LinePlace], now) -> list[EventRow]:
    """Balances the batch's out-of-bundle charges took below the threshold: the balance now and
    what was charged give the balance before."""
    charged: dict[int, Decimal] = defaultdict(Decimal)
    accounts: dict[int, Account] = {}
    for line_id, change in result.lines.items():
        line = lines[line_id]
        if change.charged > 0 and line.account_id is not None:
            accounts[line.account_id] = Account(
                pk=line.account_id,
                customer_id=line.customer_id,
                kind=line.account_kind,
                currency=line.currency,
            )
            charged[line.account_id] += change.charged
    if not accounts:
        return []
    rows = []
    totals = (
        LedgerEntry.objects.filter(account_id__in=accounts)
        .values("account_id")
        .annotate(total=Sum("amount"), last=Max("id"))
    )
    for total in totals:
        account = accounts[total["account_id"]]
        after = money_round(total["total"], currency=account.currency)
        rows += balance_low_rows(
            account=account,
            before=after + charged[account.pk],
            after=after,
            entry_id=total["last"],
            at=now,
        )
    return rows


def _location_rows(*, rated: list, lines: dict[int, _LinePlace]) -> list[EventRow]:
    """Walk each line's rated events in time order from its last known place: a country other
    than the last one is roaming started (none when back home); a zone other than the last one
    is a zone entered, only for a customer who consented (and only then is a zone kept). Events
    older than the line's last known place change nothing."""
    per_line: dict[int, list] = defaultdict(list)
    for e in rated:
        per_line[e.line_id].append(e)
    rows, changed = [], []
    for line_id, line_events in per_line.items():
        line = lines[line_id]
        consent = line.location_consent
        country, zone, located_at = line.last_country, line.last_zone, line.located_at
        for e in sorted(line_events, key=lambda e: (e.at, e.seq)):
            if located_at is not None and e.at < located_at:
                continue
            if e.country and e.country != country:
                rows.append(
                    EventRow(
                        Kind.ROAMING_STARTED,
                        line.customer_id,
                        f"roaming:{line_id}:{e.event_id}",
                        e.at,
                        {"country": e.country, "previous": country},
                        line_id,
                    )
                )
            country = e.country
            if consent and e.zone and e.zone != zone:
                rows.append(
                    EventRow(
                        Kind.ZONE_ENTERED,
                        line.customer_id,
                        f"zone:{line_id}:{e.event_id}",
                        e.at,
                        {"zone": e.zone, "previous": zone},
                        line_id,
                    )
                )
                zone = e.zone
            located_at = e.at
        if (country, zone, located_at) != (line.last_country, line.last_zone, line.located_at):
            changed.append((line_id, country, zone, located_at))
    _lines_locate(changed)
    return rows


def _lines_locate(places: list[tuple[int, str, str, dt.datetime | None]]) -> None:
    """Save the lines' last country, zone and time (`places`: id, country, zone, time). On
    PostgreSQL one UPDATE from arrays: `bulk_update` builds a CASE per row, which PostgreSQL
    walks for every row it updates, so a batch touching 9,000 lines took over a minute (the
    usage benchmark's 10,000-event batches)."""
    if not places:
        return
    if connection.vendor != "postgresql":
        Line.objects.bulk_update(
            [Line(pk=pk, last_country=c, last_zone=z, located_at=at) for pk, c, z, at in places],
            ["last_country", "last_zone", "located_at"],
        )
        return
    ids, countries, zones, times = (list(column) for column in zip(*places, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE selfcare_line l"
            " SET last_country = v.country, last_zone = v.zone, located_at = v.at"
            " FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[], %s::timestamptz[])"
            " AS v(id, country, zone, at) WHERE l.id = v.id",
            [ids, countries, zones, times],
        )


# Contract anniversaries


def contract_anniversary_record(*, at: dt.datetime | None = None, days_back: int = 3) -> int:
    """Record a `ContractAnniversary` for every customer whose contract started on this day of
    an earlier year (the last `days_back` days too, so a day the beat missed is caught up; a
    29 February start has its anniversary on 28 February in other years). One per customer per
    year whatever runs it how often. Returns how many were new."""
    at = at or timezone.now()
    today = timezone.localtime(at, operator_zone()).date()
    days = [today - dt.timedelta(days=n) for n in range(days_back)]
    match = Q(pk__in=[])
    for day in days:
        match |= Q(contract_start__month=day.month, contract_start__day=day.day)
        if day.month == 2 and day.day == 28 and not _leap(day.year):
            match |= Q(contract_start__month=2, contract_start__day=29)
    rows = []
    for customer_id, start in Customer.objects.filter(match).values_list("pk", "contract_start"):
        for day in days:
            if _anniversary_on(start, day):
                rows.append(
                    EventRow(
                        Kind.CONTRACT_ANNIVERSARY,
                        customer_id,
                        f"anniversary:{customer_id}:{day.year}",
                        at,
                        {"years": day.year - start.year, "contract_start": start.isoformat()},
                    )
                )
    with transaction.atomic():
        return len(events_record(rows=rows, at=at))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _anniversary_on(start: dt.date, day: dt.date) -> bool:
    if day.year <= start.year:
        return False
    if (start.month, start.day) == (day.month, day.day):
        return True
    return (
        (start.month, start.day) == (2, 29)
        and (day.month, day.day) == (2, 28)
        and not _leap(day.year)
    )
