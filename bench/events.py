"""Event-to-alert latency: from the commit of an ingest batch that takes BENCH_EVENTS_LINES lines
(200) past 80 % of an allowance, to each of their alert messages queued (the `Notification` row
written by the worker's event dispatch), over BENCH_EVENTS_ROUNDS rounds (5). Target: p95 ≤ 1 s.

A real Celery worker (prefork, BENCH_WORKER_CONCURRENCY processes, 2) on Redis takes the batch's
dispatch job; the batch is rated by `usage_ingest` as the feed rates it. The clock starts at the
batch's commit (an on-commit callback registered before the batch, so it runs first) and stops
at each message's `created_at` (the worker's clock: the same machine).

`make bench` runs it after bench/run.py; alone: `.venv/bin/python bench/events.py` (a `_bench`
database of DATABASE_URL, dropped and made again; REDIS_URL).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "var" / "bench"
TARGET_P95_MS = 1000.0
MB = 1024 * 1024


def _knob(name: str, default: int) -> int:
    return int(os.environ.get(f"BENCH_{name}", default))


LINES = _knob("EVENTS_LINES", 200)
ROUNDS = _knob("EVENTS_ROUNDS", 5)
CONCURRENCY = _knob("WORKER_CONCURRENCY", 2)


def say(message: str) -> None:
    print(message, flush=True)


def _round(*, lines, number: int) -> list[float]:
    """One batch taking every line from 70 % to 85 % of a fresh 1 GB allowance; the latency of
    each alert, in ms."""
    from django.db import transaction
    from django.utils import timezone

    from selfcare.models import Bucket, Notification
    from selfcare.services import usage_ingest

    now = timezone.now()
    Bucket.objects.bulk_create(
        Bucket(
            line=line,
            name=f"Bench data {number}",
            unit=Bucket.Unit.BYTES,
            initial=1024 * MB,
            used=700 * MB,
            valid_from=now - dt.timedelta(days=1),
            # Sooner than any earlier round's: drawn first.
            valid_until=now + dt.timedelta(days=10) - dt.timedelta(hours=number),
        )
        for line in lines
    )
    # Each batch meets an idle worker: the previous batch's messages are sent first (their
    # delivery jobs queue on the same worker).
    deadline = time.monotonic() + 60
    while Notification.objects.filter(status=Notification.Status.QUEUED).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("The previous alerts were not sent within 60 s")
        time.sleep(0.05)
    before = Notification.objects.filter(template="usage_alert").count()
    committed = {}
    feed = [
        {
            "id": f"bench-events-{number}-{line.pk}",
            "msisdn": line.msisdn,
            "service": "data",
            "quantity": 150 * MB,
            "unit": "bytes",
            "at": now.isoformat(),
        }
        for line in lines
    ]
    with transaction.atomic():
        transaction.on_commit(lambda: committed.setdefault("at", timezone.now()))
        usage_ingest(events=feed)
    deadline = time.monotonic() + 60
    while Notification.objects.filter(template="usage_alert").count() < before + len(lines):
        if time.monotonic() > deadline:
            raise RuntimeError("Not every alert was queued within 60 s; see the worker's log")
        time.sleep(0.02)
    created = Notification.objects.filter(template="usage_alert").order_by("-id")[: len(lines)]
    return [
        (at - committed["at"]).total_seconds() * 1000
        for at in created.values_list("created_at", flat=True)
    ]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(*, env: dict) -> dict:
    """Start a worker, measure ROUNDS batches of LINES lines, stop the worker. Needs Django set
    up on a migrated benchmark database."""
    from bench import data, processes
    from bench.measure import worker_wait_ready
    from selfcare.celery import app

    customers = data.customers_create(count=LINES, prefix="alert", balance=Decimal("20.00"))
    lines = [c.lines.get() for c in customers]
    app.control.purge()
    worker = processes.worker_start(
        env=env,
        cwd=ROOT,
        log_dir=LOG_DIR / "events",
        queue=_queue(),
        pool="prefork",
        concurrency=CONCURRENCY,
    )
    try:
        worker_wait_ready(worker)
        latencies = []
        for number in range(1, ROUNDS + 1):
            batch = _round(lines=lines, number=number)
            say(f"  batch {number}: first {min(batch):.0f} ms, last {max(batch):.0f} ms")
            latencies += batch
        worker.check()
    finally:
        worker.stop()
    return {
        "alerts": len(latencies),
        "p50": statistics.median(latencies),
        "p95": _percentile(latencies, 0.95),
        "max": max(latencies),
    }


def _queue() -> str:
    from django.conf import settings

    return settings.CELERY_TASK_DEFAULT_QUEUE


def report(figures: dict) -> str:
    ok = figures["p95"] <= TARGET_P95_MS
    return (
        f"event-to-alert latency ({figures['alerts']} alerts, {ROUNDS} batches of {LINES} "
        f"lines past 80 %): p50 {figures['p50']:.0f} ms, p95 {figures['p95']:.0f} ms, "
        f"max {figures['max']:.0f} ms (target p95 <= {TARGET_P95_MS:.0f} ms: "
        f"{'met' if ok else 'MISSED'})"
    )


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from bench.database import bench_database_url, bench_environment, database_recreate

    database_url = bench_database_url(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/selfcare_bench")
    )
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/2")
    bench_environment(database_url=database_url, redis_url=redis_url)
    say(f"database {database_url} (dropped and made again), broker {redis_url}")
    database_recreate(database_url)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    figures = run(env=dict(os.environ))
    say(report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
