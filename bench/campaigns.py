"""`make bench-campaigns`: lifecycle campaigns at scale, on PostgreSQL, Redis and the worker
processes production runs (Procfile): a default-queue worker (prefork x2) and a worker of the
campaigns queue (prefork x1, settings.CAMPAIGN_QUEUE); beat too with BENCH_CAMPAIGNS_BEAT=1.

1. **event to decisions.** BENCH_CAMPAIGNS_COUNT (500) running campaigns spread over trigger
   kinds and parameters (most on an allowance's 50/80/100 % used, over plans, segments and
   units), and one ingest batch of BENCH_CAMPAIGNS_EVENTS (10,000) usage events, each taking a
   line across a threshold. The time from the batch's commit until every decision is written
   (every event of the batch dispatched: the dispatch writes its deliveries and marks its
   events in one transaction). Target: <= 2 s.
2. **a schedule over the whole base.** A `schedule:once` campaign over BENCH_CAMPAIGNS_CUSTOMERS
   (1,000,000) customers: from its run being published (what beat does) until its decisions are
   written and its send jobs published (the first send starts only after them: the campaigns
   worker runs one job at a time). Target: <= 60 s. Then the campaigns worker's send rate over
   BENCH_CAMPAIGNS_SEND_SECONDS (30 s), and the campaign is ended.
3. **a tap during a blast.** Tap-to-active p95 (bench/measure.py's tap, through granian) with
   nothing else running, then while a campaign of BENCH_CAMPAIGNS_BLAST (100,000) messages is
   being sent. Target: within 1.5x of idle.

The population is made set-based (INSERT ... SELECT over generate_series): the figures are the
campaigns', not the sign-up's. Customers: 80 % with marketing consent, 30 % with location
consent, five plans and five segment mixes in turn, tenures up to 5 years; every tenth is in the
segment `blast` (phase 3's audience).

Environment: DATABASE_URL's server (the database itself is `bench_campaigns`, dropped and made
again; BENCH_CAMPAIGNS_DATABASE names another, which must start with `bench_campaigns`),
REDIS_URL (default db 8), BENCH_CAMPAIGNS_PHASES (`1,2,3`) and the knobs above. Logs in
var/bench/campaigns/.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "var" / "bench" / "campaigns"
GB = 1024**3


def _knob(name: str, default: int) -> int:
    return int(os.environ.get(f"BENCH_CAMPAIGNS_{name}", default))


CAMPAIGNS = _knob("COUNT", 500)
EVENTS = _knob("EVENTS", 10_000)
CUSTOMERS = _knob("CUSTOMERS", 1_000_000)
BLAST = _knob("BLAST", 100_000)
SEND_SECONDS = _knob("SEND_SECONDS", 30)
TAPS = _knob("TAPS", 100)
WARMUP_TAPS = _knob("WARMUP_TAPS", 10)
# Beat's sweeps republish every message and send queued longer than their deadline (15 s, 30 s):
# behind a backlog of thousands they add jobs faster than the workers take them (bench/README.md).
BEAT = _knob("BEAT", 0)
# The campaigns worker's niceness (`nice -n`): 0 as the Procfile runs it.
CAMPAIGNS_NICE = _knob("NICE", 0)
PHASES = {int(p) for p in os.environ.get("BENCH_CAMPAIGNS_PHASES", "1,2,3").split(",") if p}
CAMPAIGN_QUEUE = "bench-campaigns"

TARGET_DECIDED_S = 2.0
TARGET_SCHEDULE_S = 60.0
TARGET_TAP_RATIO = 1.5

PLANS = ("Prepaid Go", "Prepaid Plus", "Postpaid S", "Postpaid M", "Postpaid L")
SEGMENTS = ("youth", "family", "business", "traveller")
# Every customer's segments, by n % 5; every tenth customer is also in `blast`.
SEGMENT_MIX = ('["youth"]', '["family"]', '["business", "traveller"]', "[]", '["traveller"]')
# What the feed's usage is, as a day's mix: (service, unit, weight, allowance).
SERVICES = (
    ("data", "bytes", 7, GB),
    ("voice", "seconds", 2, 300 * 60),
    ("sms", "messages", 1, 200),
)


def say(message: str) -> None:
    print(message, flush=True)


def load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load {one:.2f} / {five:.2f}"


# The database


def campaigns_database_url(url: str) -> str:
    """`bench_campaigns` (or BENCH_CAMPAIGNS_DATABASE) on DATABASE_URL's server."""
    from bench.database import named_database_url

    return named_database_url(url, name="bench_campaigns", override="BENCH_CAMPAIGNS_DATABASE")


def insert_select(model, *, source: str, columns: dict[str, str], params=()) -> int:
    """INSERT INTO `model`'s table SELECT ... FROM `source`: the `columns` given as SQL
    expressions (over `source`), every other column its field's default (now() for
    `auto_now_add`). Returns how many rows were written."""
    from django.db import connection

    names, values, defaults = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        names.append(f.column)
        if f.column in columns:
            values.append(columns[f.column])
        elif getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False):
            values.append("now()")
        else:
            values.append("%s")
            defaults.append(f.get_db_prep_save(f.get_default(), connection=connection))
    unknown = set(columns) - set(names)
    if unknown:
        raise ValueError(f"{model.__name__} has no column {', '.join(sorted(unknown))}")
    with connection.cursor() as cursor:
        cursor.execute(  # our own names; every value is a parameter
            f"INSERT INTO {model._meta.db_table} ({', '.join(names)})"
            f" SELECT {', '.join(values)} FROM {source}",
            [*defaults, *params],
        )
        return cursor.rowcount


def population_create(*, count: int) -> None:
    """`count` customers, each with a user, a prepaid account and one line, set-based. Customer
    n (1..count) has plan PLANS[n % 5], segments SEGMENT_MIX[n // 5 % 5] (and `blast` when n % 10 is
    0), marketing consent unless n % 10 >= 8, location consent when n // 7 % 10 < 3, and a contract
    started n % 1800 days ago."""
    from django.contrib.auth.models import User
    from django.db import connection

    from selfcare.models import Account, Customer, Line

    insert_select(
        User,
        source="generate_series(1, %s) AS n",
        columns={
            "username": "'cb' || lpad(n::text, 7, '0')",
            "password": "'!'",
            "email": "'cb' || n || '@example.com'",
        },
        params=[count],
    )
    segments = " ".join(f"WHEN {i} THEN '{mix}'::jsonb" for i, mix in enumerate(SEGMENT_MIX))
    insert_select(
        Customer,
        source="(SELECT id, substr(username, 3)::int AS n FROM auth_user"
        " WHERE username ~ '^cb[0-9]+$') AS u",
        columns={
            "user_id": "u.id",
            "name": "'Bench ' || n",
            "email": "'cb' || n || '@example.com'",
            "contract_start": "current_date - (n %% 1800)",
            "segments": f"(CASE (n / 5) %% 5 {segments} END)"
            " || (CASE WHEN n %% 10 = 0 THEN '[\"blast\"]'::jsonb ELSE '[]'::jsonb END)",
            "marketing_consent": "n %% 10 < 8",
            "location_consent": "(n / 7) %% 10 < 3",
        },
    )
    insert_select(Account, source="selfcare_customer c", columns={"customer_id": "c.id"})
    plans = " ".join(f"WHEN {i} THEN '{plan}'" for i, plan in enumerate(PLANS))
    insert_select(
        Line,
        source="(SELECT c.id, substr(u.username, 3)::int AS n FROM selfcare_customer c"
        " JOIN auth_user u ON u.id = c.user_id) AS c",
        columns={
            "customer_id": "c.id",
            "msisdn": "'3519' || lpad(n::text, 8, '0')",
            "base_plan": f"(CASE n %% 5 {plans} END)",
        },
    )
    with connection.cursor() as cursor:
        for table in ("auth_user", "selfcare_customer", "selfcare_account", "selfcare_line"):
            cursor.execute(f"ANALYZE {table}")


def msisdn(n: int) -> str:
    return f"3519{n:08d}"


# 1. Event to decisions


def offers_make() -> list:
    from bench import data

    return data.offers_publish(count=8, prefix="cb-offer")


def campaigns_make(*, count: int, offers: list) -> Counter:
    """`count` running campaigns, started through `campaign_start`, spread as an operator's are:
    60 % on an allowance's % used (50, 80 or 100; data, minutes, SMS or any), the rest on an
    allowance used up, balance low, out of bundle, roaming, a zone, an add-on ending or bought,
    an anniversary; audiences over plans, segments and tenure; priorities, holdouts, caps and
    quiet hours varied. Returns how many per trigger."""
    from campaigns.models import Campaign, Trigger
    from campaigns.services import campaign_start

    spread = [
        (Trigger.BUCKET_THRESHOLD_CROSSED, 60),
        (Trigger.BUCKET_DEPLETED, 8),
        (Trigger.BALANCE_LOW, 7),
        (Trigger.OUT_OF_BUNDLE_STARTED, 5),
        (Trigger.ROAMING_STARTED, 5),
        (Trigger.ZONE_ENTERED, 5),
        (Trigger.PRODUCT_EXPIRING, 4),
        (Trigger.PRODUCT_PURCHASED, 3),
        (Trigger.CONTRACT_ANNIVERSARY, 3),
    ]
    triggers = [trigger for trigger, share in spread for _ in range(share)]
    units = ("bytes", "bytes", "seconds", "messages", "")
    plan_rules = ([], [PLANS[0]], [PLANS[1], PLANS[2]], [PLANS[3]], [PLANS[4], PLANS[0]], [])
    segment_rules = ([], ["youth"], ["family"], [], ["business"], ["traveller"], [])
    made: Counter = Counter()
    for i in range(count):
        trigger = triggers[i % len(triggers)]
        offer = offers[i % len(offers)]
        terms = {
            "name": f"Bench campaign {i + 1}",
            "code": f"bench-{i + 1}",
            "trigger": trigger,
            "audience_plans": plan_rules[i % len(plan_rules)],
            "audience_segments": segment_rules[i % len(segment_rules)],
            "audience_min_tenure_days": (0, 0, 90, 365)[i % 4],
            "offer": offer,
            "action": "recommend" if i % 10 == 9 else "message",
            "message": "{first_name}, {left} left until {ends}: {offer} for {price}.",
            "priority": 10 + (i * 37) % 90,
            "holdout_percent": (0, 10, 10, 5)[i % 4],
            "cap_messages": 1 + i % 2,
            "cap_days": 7,
            "quiet_hours": i % 2 == 0,
        }
        if trigger == Trigger.BUCKET_THRESHOLD_CROSSED:
            # (i // 60) walks the thresholds independently of the units (i % 5).
            terms["threshold_percent"] = (50, 80, 100)[(i // len(triggers)) % 3]
        if trigger in (Trigger.BUCKET_THRESHOLD_CROSSED, Trigger.BUCKET_DEPLETED):
            terms["bucket_unit"] = units[i % len(units)]
        if trigger == Trigger.BALANCE_LOW:
            terms["balance_below"] = Decimal(("2.00", "1.00")[i % 2])
        if trigger == Trigger.ROAMING_STARTED:
            terms["place"] = ("ES", "FR", "GB", "US", "")[i % 5]
        if trigger == Trigger.ZONE_ENTERED:
            terms["place"] = ("", "lisbon-centre", "porto-ribeira")[i % 3]
        if trigger == Trigger.PRODUCT_EXPIRING:
            terms["trigger_offer"] = offers[(i + 1) % len(offers)] if i % 2 else None
        campaign = Campaign.objects.create(**terms)
        campaign_start(campaign_id=campaign.pk)
        made[trigger] += 1
    return made


def feed_make(*, count: int, now: dt.datetime) -> tuple[list[dict], Counter]:
    """`count` usage events, one per line (customers 1..count), each taking the line's one
    allowance across 50, 80 or 100 % used (n % 3), in the mix of SERVICES. The allowances are
    written here, set-based. Returns the feed and how many events cross each threshold."""
    from django.db import connection, transaction

    weights = [service for service in SERVICES for _ in range(service[2])]
    # From (used %, to used %) for each threshold: 45 -> 55, 75 -> 85, 90 -> 100.
    steps = ((45, 55, 50), (75, 85, 80), (90, 100, 100))
    rows, feed, crossing = [], [], Counter()
    for n in range(1, count + 1):
        service, unit, _weight, initial = weights[n % len(weights)]
        before, after, threshold = steps[n % 3]
        used = initial * before // 100
        quantity = initial * after // 100 - used
        rows.append((msisdn(n), unit, initial, used))
        feed.append(
            {
                "id": f"cb-{n}",
                "msisdn": msisdn(n),
                "service": service,
                "quantity": quantity,
                "unit": unit,
                "at": (now - dt.timedelta(seconds=5)).isoformat(),
            }
        )
        crossing[threshold] += 1
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_allowance (msisdn text, unit text, initial bigint,"
            " used bigint) ON COMMIT DROP"
        )
        with cursor.copy("COPY bench_allowance FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            "INSERT INTO selfcare_bucket (line_id, name, unit, scope, initial, used, carried,"
            " valid_from, valid_until, suspended)"
            " SELECT l.id, 'Plan ' || a.unit, a.unit, 'general', a.initial, a.used, 0,"
            " %s, %s, false FROM bench_allowance a JOIN selfcare_line l ON l.msisdn = a.msisdn",
            [now - dt.timedelta(days=10), now + dt.timedelta(days=20)],
        )
        cursor.execute("ANALYZE selfcare_bucket")
    return feed, crossing


@dataclass(frozen=True)
class Decided:
    events: int
    decisions: int
    seconds: float
    ingest_seconds: float
    outcomes: Counter
    # Writing these decisions alone, in one session: into an empty copy of the deliveries table
    # with its indexes, and into the table itself with its foreign keys checked (`write_floor`).
    floor_indexed_s: float
    floor_table_s: float


def events_decide(*, feed: list[dict]) -> Decided:
    """Rate `feed` as one batch (`usage_ingest`, as the feed does), then wait until every event
    it recorded is dispatched. The clock starts at the batch's commit: an on-commit callback
    registered before the batch, so it runs first."""
    from django.db import transaction
    from django.db.models import Count

    from campaigns.models import Delivery
    from selfcare.models import DomainEvent
    from selfcare.services import usage_ingest

    last_event = DomainEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    committed = {}
    started = time.perf_counter()
    with transaction.atomic():
        transaction.on_commit(lambda: committed.setdefault("at", time.perf_counter()))
        result = usage_ingest(events=feed)
    if result.rejected:
        raise RuntimeError(f"The feed was refused: {result.rejected[:3]}")
    batch = DomainEvent.objects.filter(pk__gt=last_event)
    deadline = time.monotonic() + 600
    while batch.filter(dispatched_at__isnull=True).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("Not every event was dispatched within 10 minutes: see the logs")
        time.sleep(0.005)
    done = time.perf_counter()
    outcomes = Counter(
        dict(
            Delivery.objects.filter(event_id__gt=last_event)
            .values("outcome")
            .annotate(n=Count("pk"))
            .values_list("outcome", "n")
        )
    )
    indexed_s, table_s = write_floor(after_event=last_event)
    return Decided(
        events=batch.count(),
        decisions=sum(outcomes.values()),
        seconds=done - committed["at"],
        ingest_seconds=committed["at"] - started,
        outcomes=outcomes,
        floor_indexed_s=indexed_s,
        floor_table_s=table_s,
    )


def write_floor(*, after_event: int) -> tuple[float, float]:
    """The least time writing the batch's decisions takes, whatever decides them: the rows as
    written (events after `after_event`), inserted in one statement (1) into an empty copy of
    the deliveries table with its indexes, (2) into the table itself, in place of themselves,
    with its deferred foreign keys checked. Both rolled back: nothing changes."""
    from django.db import connection, transaction

    from campaigns.models import Delivery

    table = Delivery._meta.db_table
    timings = []
    for target in ("copy", "table"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE bench_decided ON COMMIT DROP AS"
                f" SELECT * FROM {table} WHERE event_id > %s",
                [after_event],
            )
            if target == "copy":
                cursor.execute(f"CREATE TEMPORARY TABLE bench_floor (LIKE {table} INCLUDING ALL)")
                into = "bench_floor"
            else:
                cursor.execute(f"DELETE FROM {table} WHERE event_id > %s", [after_event])
                into = table
            started = time.perf_counter()
            cursor.execute(f"INSERT INTO {into} SELECT * FROM bench_decided")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            timings.append(time.perf_counter() - started)
            transaction.set_rollback(True)
    return timings[0], timings[1]


def quiesce() -> int:
    """Drop the jobs an earlier phase left waiting (its messages still to send), so that each
    phase starts on idle workers: both queues emptied until they stay empty (a job running when
    they were emptied publishes its follow-ups). Returns how many jobs were dropped. What they
    were for stays queued in the database; without beat nothing publishes it again."""
    from django.db import connection

    from selfcare.celery import app

    # As autovacuum would have by now (this benchmark's server may run without it): a phase's
    # plans are made on statistics that know the rows the last phase wrote.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE campaigns_delivery, selfcare_domainevent, selfcare_notification")
    dropped = 0
    while True:
        with app.connection_for_write() as conn:
            purged = sum(
                conn.default_channel.queue_purge(queue) or 0
                for queue in (app.conf.task_default_queue, CAMPAIGN_QUEUE)
            )
        dropped += purged
        if not purged:
            return dropped
        time.sleep(2)


# 2. A schedule over the whole base


@dataclass(frozen=True)
class Scheduled:
    audience: int
    decided_s: float
    queued_s: float
    send_rate: float
    sent: int
    send_seconds: float


def scheduled_campaign_make(*, code: str, segments: list[str], message: str):
    """A `schedule:once` campaign due in a second (a start refuses a time past), without
    holdout or quiet hours, started; returns it once due."""
    from django.utils import timezone

    from campaigns.models import Campaign, Trigger
    from campaigns.services import campaign_start

    due = timezone.now() + dt.timedelta(seconds=1)
    campaign = Campaign.objects.create(
        name=code.replace("-", " ").capitalize(),
        code=code,
        trigger=Trigger.SCHEDULE_ONCE,
        schedule_at=due,
        audience_segments=segments,
        action="message",
        link_to="topup",
        message=message,
        holdout_percent=0,
        quiet_hours=False,
        cap_messages=1,
        cap_days=1,
    )
    campaign = campaign_start(campaign_id=campaign.pk)
    time.sleep(max(0.0, (due - timezone.now()).total_seconds()) + 0.05)
    return campaign


def schedule_run(campaign) -> tuple[int, float, float]:
    """Publish the campaign's run as beat does; wait until its decisions are written and its
    send jobs published (its first send: the campaigns worker takes one job at a time, so the
    run has returned). Returns (decisions, seconds to written, seconds to published)."""
    from campaigns.models import Delivery, ScheduleRun
    from campaigns.services import campaign_schedules_run

    started = time.perf_counter()
    campaign_schedules_run()
    runs = ScheduleRun.objects.filter(campaign=campaign)
    deadline = time.monotonic() + 900
    decided_s = None
    sent = Delivery.objects.filter(campaign=campaign, outcome=Delivery.Outcome.SENT)
    while True:
        if decided_s is None and runs.filter(finished_at__isnull=False).exists():
            decided_s = time.perf_counter() - started
        if decided_s is not None and sent.exists():
            queued_s = time.perf_counter() - started
            break
        if time.monotonic() > deadline:
            raise RuntimeError("The schedule's run did not finish within 15 minutes")
        time.sleep(0.02)
    return runs.get().decided, decided_s, queued_s


def send_rate(campaign, *, seconds: float) -> tuple[int, float]:
    """Messages the campaigns worker sends per second over `seconds`."""
    from campaigns.models import Delivery

    sent = Delivery.objects.filter(campaign=campaign, outcome=Delivery.Outcome.SENT)
    first, started = sent.count(), time.perf_counter()
    time.sleep(seconds)
    last, elapsed = sent.count(), time.perf_counter() - started
    return last - first, (last - first) / elapsed


def campaign_stop(campaign) -> None:
    """End it (what it queued is dropped) and drop its send jobs still waiting."""
    from campaigns.services import campaign_end
    from selfcare.celery import app

    campaign_end(campaign_id=campaign.pk)
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(CAMPAIGN_QUEUE)


# 3. A tap during a blast


@dataclass(frozen=True)
class Taps:
    idle_p95: float
    busy_p95: float
    idle_p50: float
    busy_p50: float
    sent_during: int
    blast: int


def taps_measure(*, env: dict, dsn: str) -> Taps:
    """Tap-to-active idle, then while a campaign of BLAST messages is being sent."""
    from bench import data, measure, processes
    from bench.report import percentile
    from campaigns.models import Delivery

    tap_offer, *_ = data.offers_publish(count=1, prefix="cb-tap")
    tappers = data.customers_create(
        count=2 * (WARMUP_TAPS + TAPS), prefix="cbtap", balance=Decimal("50.00")
    )
    signed_in = [data.session_create(customer=c) for c in tappers]
    idle, busy = signed_in[: WARMUP_TAPS + TAPS], signed_in[WARMUP_TAPS + TAPS :]
    port = processes.free_port()
    web = processes.web_start(env=env, cwd=ROOT, log_dir=LOG_DIR, port=port, workers=2, threads=2)
    try:
        processes.wait_for_http(web, port=port, path=f"/bench/reference/{tap_offer.pk}/")

        def taps(who):
            measure.tap_to_active(
                port=port, dsn=dsn, offer_id=tap_offer.pk, signed_in=who[:WARMUP_TAPS]
            )
            done, _ = measure.tap_to_active(
                port=port, dsn=dsn, offer_id=tap_offer.pk, signed_in=who[WARMUP_TAPS:]
            )
            return [t.total_ms for t in done]

        say(f"  idle: {WARMUP_TAPS} warm-up taps, then {TAPS} ({load()})")
        idle_ms = taps(idle)
        campaign = scheduled_campaign_make(
            code="bench-blast", segments=["blast"], message="{first_name}, top up today."
        )
        audience, decided_s, queued_s = schedule_run(campaign)
        say(f"  blast of {audience:,} decided in {decided_s:.1f} s, sending from {queued_s:.1f} s")
        sent = Delivery.objects.filter(campaign=campaign, outcome=Delivery.Outcome.SENT)
        before = sent.count()
        say(f"  during the blast: {WARMUP_TAPS} warm-up taps, then {TAPS} ({load()})")
        busy_ms = taps(busy)
        during = sent.count() - before
        pending = Delivery.objects.filter(campaign=campaign, outcome__in=Delivery.PENDING).count()
        if not pending:
            say("  WARNING: the blast was over before the taps were: not measured during it")
        campaign_stop(campaign)
        web.check()
    finally:
        web.stop()
    return Taps(
        idle_p95=percentile(idle_ms, 95),
        busy_p95=percentile(busy_ms, 95),
        idle_p50=percentile(idle_ms, 50),
        busy_p50=percentile(busy_ms, 50),
        sent_during=during,
        blast=audience,
    )


# The run


def workers_start(env: dict) -> list:
    """The default queue's worker (prefork x2) and the campaigns queue's (prefork x1), as the
    Procfile runs them, and beat with BENCH_CAMPAIGNS_BEAT=1; each in a process group of its
    own."""
    from django.conf import settings

    from bench import processes

    def worker(name: str, queue: str, concurrency: int, nice: int = 0):
        args = [
            *(["nice", "-n", str(nice)] if nice else []),
            str(processes.BIN / "celery"),
            "-A",
            "selfcare",
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            f"--queues={queue}",
            f"--hostname={name}@bench-campaigns",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ]
        return processes.Process(
            f"{name} worker", args, env=env, cwd=ROOT, log_path=LOG_DIR / f"{name}.log"
        )

    started = [
        worker("default", settings.CELERY_TASK_DEFAULT_QUEUE, 2),
        worker("campaigns", settings.CAMPAIGN_QUEUE, 1, nice=CAMPAIGNS_NICE),
    ]
    if BEAT:
        started.append(processes.beat_start(env=env, cwd=ROOT, log_dir=LOG_DIR))
    return started


def main() -> int:
    from bench.database import bench_environment, database_recreate, libpq_dsn

    database_url = campaigns_database_url(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/selfcare")
    )
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/8")
    bench_environment(database_url=database_url, redis_url=redis_url, CAMPAIGN_QUEUE=CAMPAIGN_QUEUE)
    started = time.monotonic()
    say(f"database {database_url} (dropped and made again), broker {redis_url}; {load()}")
    database_recreate(database_url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from bench.measure import worker_wait_ready
    from selfcare.celery import app

    call_command("migrate", interactive=False, verbosity=0)
    population_create(count=CUSTOMERS)
    say(f"{CUSTOMERS:,} customers made at {time.monotonic() - started:.0f} s")
    offers = offers_make()
    made = campaigns_make(count=CAMPAIGNS, offers=offers) if 1 in PHASES else Counter()
    say(
        f"{sum(made.values())} campaigns running at {time.monotonic() - started:.0f} s: "
        + ", ".join(f"{trigger} {n}" for trigger, n in made.items())
    )
    feed, crossing = feed_make(count=EVENTS, now=timezone.now()) if 1 in PHASES else ([], {})
    with app.connection_for_write() as conn:
        for queue in (app.conf.task_default_queue, CAMPAIGN_QUEUE):
            conn.default_channel.queue_purge(queue)
    processes = workers_start(dict(os.environ))
    figures: dict = {}
    try:
        worker_wait_ready(processes[0])
        if 1 in PHASES:
            say(f"1. {EVENTS:,} usage events crossing {dict(crossing)} ({load()})")
            figures[1] = events_decide(feed=feed)
            f = figures[1]
            say(
                f"  ingest {f.ingest_seconds:.1f} s; {f.events:,} events, {f.decisions:,} decisions"
                f" written {f.seconds:.2f} s after the commit; {dict(f.outcomes)}"
            )
        if 2 in PHASES:
            say(f"  {quiesce():,} jobs of phase 1 dropped")
            say(f"2. a schedule over {CUSTOMERS:,} customers ({load()})")
            campaign = scheduled_campaign_make(
                code="bench-everyone", segments=[], message="{first_name}, new prices."
            )
            audience, decided_s, queued_s = schedule_run(campaign)
            say(
                f"  {audience:,} decided in {decided_s:.1f} s,"
                f" send jobs published by {queued_s:.1f} s"
            )
            sent, rate = send_rate(campaign, seconds=SEND_SECONDS)
            say(f"  sent {sent:,} in {SEND_SECONDS} s: {rate:,.0f} messages/s ({load()})")
            campaign_stop(campaign)
            figures[2] = Scheduled(audience, decided_s, queued_s, rate, sent, SEND_SECONDS)
        if 3 in PHASES:
            say(f"  {quiesce():,} jobs of phase 2 dropped")
            say(f"3. tap-to-active, idle and during a blast of {BLAST:,} ({load()})")
            figures[3] = taps_measure(env=dict(os.environ), dsn=libpq_dsn(database_url))
        for process in processes:
            process.check()
    finally:
        for process in processes:
            process.stop()
    report(figures)
    say(f"\ntotal {time.monotonic() - started:.0f} s; {load()}; logs in var/bench/campaigns/")
    return 0


def report(figures: dict) -> None:
    from bench.report import table

    def verdict(ok: bool) -> str:
        return "MET" if ok else "MISSED"

    rows = []
    if 1 in figures:
        f = figures[1]
        rows.append(
            [
                f"{CAMPAIGNS} campaigns, {EVENTS:,} usage events: commit to decided",
                f"{f.seconds:.2f} s ({f.events:,} events, {f.decisions:,} decisions)",
                f"<= {TARGET_DECIDED_S:.0f} s",
                verdict(f.seconds <= TARGET_DECIDED_S),
            ]
        )
        rows.append(
            [
                "  writing those decisions alone: indexes / and foreign keys",
                f"{f.floor_indexed_s:.2f} s / {f.floor_table_s:.2f} s",
                "",
                "",
            ]
        )
    if 2 in figures:
        f = figures[2]
        rows.append(
            [
                f"schedule over {CUSTOMERS:,}: decided / sends queued",
                f"{f.decided_s:.1f} s / {f.queued_s:.1f} s ({f.audience:,} decisions)",
                f"<= {TARGET_SCHEDULE_S:.0f} s",
                verdict(f.queued_s <= TARGET_SCHEDULE_S),
            ]
        )
        rows.append(["  campaigns worker send rate", f"{f.send_rate:,.0f} messages/s", "", ""])
    if 3 in figures:
        f = figures[3]
        ratio = f.busy_p95 / f.idle_p95
        rows.append(
            [
                f"tap-to-active p95 idle / during a {f.blast:,} blast",
                f"{f.idle_p95:.1f} / {f.busy_p95:.1f} ms = {ratio:.2f}x"
                f" (p50 {f.idle_p50:.1f} / {f.busy_p50:.1f}; {f.sent_during:,} sent meanwhile)",
                f"<= {TARGET_TAP_RATIO}x",
                verdict(ratio <= TARGET_TAP_RATIO),
            ]
        )
    say("\n" + table(["figure", "value", "target", ""], rows))


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.path[0] = str(ROOT)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        say("interrupted; every process the benchmark started was stopped")
        sys.exit(130)
