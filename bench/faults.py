"""`make bench-faults`: what happens to the jobs when a worker is killed or the broker restarts, on
PostgreSQL, a real Celery worker and beat. Not run by CI. See bench/README.md ("Faults").

1. A worker `kill -9`ed during 1,000 activations (Redis broker), started again 3 s later.
2. Redis shut down (`nosave`: every queued message is gone) during 500 purchases, started again
   3 s later.
3. The embedded default, the filesystem broker: a worker `kill -9`ed during 200 activations.

For each: jobs lost (a product still not active at the end), duplicate charges, second network
calls for the same product, purchases that committed and then raised, and the seconds from the
worker (or broker) being back until the last job waiting then had run (p100). Target: 0, 0, 30 s.

Environment: DATABASE_URL (its database gets a `_bench` suffix unless it has one; it is dropped
and made again), REDIS_URL (default database 5, flushed), BENCH_FAULTS_* knobs below. Redis must
be the one on 127.0.0.1:6379: the benchmark shuts it down and starts it again the way this
machine runs it, and makes sure it is running when it ends, whatever happened.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "var" / "bench-faults"
NETWORK_LOG = LOG_DIR / "network.log"


def _knob(name: str, default: int) -> int:
    return int(os.environ.get(f"BENCH_FAULTS_{name}", default))


ACTIVATIONS = _knob("ACTIVATIONS", 1000)
PURCHASES = _knob("PURCHASES", 500)
FILESYSTEM_ACTIVATIONS = _knob("FILESYSTEM_ACTIVATIONS", 200)
DOWN_SECONDS = _knob("DOWN_SECONDS", 3)
# Purchases per second: below what the worker can do (each activation is two jobs: the activation
# and its message), so jobs wait only when lost; a worker that cannot keep up makes every job
# late, which is no fault of the broker.
RATE = _knob("RATE", 10)
# How long to wait for the last job after the fault; a job not done by then is counted lost.
WAIT_SECONDS = _knob("WAIT_SECONDS", 300)
LATENCY_MS = _knob("NETWORK_LATENCY_MS", 20)
TARGET_RECOVERY_S = 30.0
REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
]


def say(message: str) -> None:
    print(message, flush=True)


def main(argv: list[str]) -> int:
    from bench.database import bench_database_url, database_recreate

    database_url = bench_database_url(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/selfcare_faults_bench")
    )
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        NETWORK_ADAPTER="bench.network.CountingNetworkAdapter",
        BENCH_NETWORK_LOG=str(NETWORK_LOG),
        BENCH_NETWORK_LATENCY_MS=str(LATENCY_MS),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    if argv == ["filesystem"]:
        return _filesystem_phase()

    started = time.monotonic()
    say(f"database {database_url} (dropped and made again), broker {redis_url} (flushed)")
    database_recreate(database_url)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    NETWORK_LOG.unlink(missing_ok=True)
    _redis("flushdb")

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from bench import data

    offers = data.offers_publish(count=9, prefix="faults")  # data add-ons at 0, 4 and 8
    customers = data.customers_create(
        count=1 + max(ACTIVATIONS, PURCHASES, FILESYSTEM_ACTIVATIONS),
        prefix="faults",
        balance=Decimal("50.00"),
    )
    say(f"data ready at {time.monotonic() - started:.1f} s")

    results = []
    try:
        say(f"1. worker kill -9 during {ACTIVATIONS} activations (Redis)")
        results.append(
            _phase(
                "worker kill -9, Redis",
                customers=customers[: ACTIVATIONS + 1],
                offer=offers[0],
                fault="worker",
                log_dir=LOG_DIR / "worker-kill",
            )
        )
        say(f"2. Redis restarted during {PURCHASES} purchases")
        results.append(
            _phase(
                "Redis restart",
                customers=customers[: PURCHASES + 1],
                offer=offers[4],
                fault="redis",
                log_dir=LOG_DIR / "redis-restart",
            )
        )
    finally:
        _redis_ensure_up()
    say(f"3. worker kill -9 during {FILESYSTEM_ACTIVATIONS} activations (filesystem broker)")
    results.append(_filesystem_phase_run())
    _print(results)
    say(f"\ntotal {time.monotonic() - started:.0f} s; logs in {LOG_DIR.relative_to(ROOT)}/")
    return 0


def _phase(label: str, *, customers, offer, fault: str, log_dir: Path) -> dict:
    """Start a worker and beat, buy `offer` for each customer (the first one a warm-up that
    waits for the worker), cause the fault at 30 % of the purchases and end it `DOWN_SECONDS`
    later, then wait for every product to be active and measure."""
    from django.utils import timezone

    from bench import processes
    from orders.models import Order, ProductInstance
    from orders.services import product_instance_purchase
    from selfcare.celery import app
    from selfcare.models import Channel, Line

    if log_dir.exists():
        shutil.rmtree(log_dir)
    app.control.purge()  # what an earlier, interrupted run left
    env = dict(os.environ)
    worker = _worker(env, log_dir / "worker-1")
    beat = processes.beat_start(env=env, cwd=ROOT, log_dir=log_dir)
    lines = dict(Line.objects.filter(customer__in=customers).values_list("customer_id", "pk"))
    fault_at = len(customers) * 3 // 10
    down_since = back_at = None
    committed_then_raised = refused = 0
    phase_started = timezone.now()
    paced = time.monotonic()
    try:
        for n, customer in enumerate(customers):
            if n == fault_at:
                down_since = time.monotonic()
                if fault == "worker":
                    worker.kill()
                else:
                    _redis_stop()
                say(f"  {fault} down after {n} purchases")
            if down_since and not back_at and time.monotonic() - down_since >= DOWN_SECONDS:
                worker, back_at = _back(fault, env, log_dir, worker, n)
            time.sleep(max(0.0, paced - time.monotonic()))
            paced = time.monotonic() + 1 / RATE
            key = uuid.uuid4().hex
            try:
                product_instance_purchase(
                    customer=customer,
                    line_id=lines[customer.pk],
                    offer_id=offer.pk,
                    channel=Channel.PORTAL,
                    idempotency_key=key,
                )
            except Exception as exc:  # counted, whatever it was
                if Order.objects.filter(idempotency_key=key).exists():
                    committed_then_raised += 1
                    say(f"  committed, then raised {type(exc).__name__}: {exc}"[:160])
                else:
                    refused += 1
            if n == 0:
                _wait_active(ProductInstance.objects.filter(offer=offer), timeout=60)
            if fault != "worker" or not down_since or back_at:
                worker = _supervise(worker, env, log_dir)
        if not back_at:
            time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - down_since)))
            worker, back_at = _back(fault, env, log_dir, worker, len(customers))
        instances = ProductInstance.objects.filter(offer=offer)
        worker = _wait_active(
            instances,
            timeout=WAIT_SECONDS,
            keep=lambda w: _supervise(w, env, log_dir),
            worker=worker,
        )
    finally:
        worker.stop()
        beat.stop()
    return _figures(
        label,
        instances=instances.exclude(pk__in=instances.order_by("pk").values("pk")[:1]),
        customers=customers,
        since=phase_started,
        back_at=back_at,
        committed_then_raised=committed_then_raised,
        refused=refused,
    )


def _worker(env: dict, log_dir: Path):
    from bench import processes
    from selfcare.celery import app

    return processes.worker_start(
        env=env,
        cwd=ROOT,
        log_dir=log_dir,
        queue=app.conf.task_default_queue,
        pool="prefork",
        concurrency=2,
    )


def _back(fault: str, env: dict, log_dir: Path, worker, n: int):
    from django.utils import timezone

    if fault == "worker":
        worker = _worker(env, log_dir / "worker-2")
    else:
        _redis_start()
    say(f"  {fault} back after {n} purchases")
    return worker, timezone.now()


def _wait_active(instances, *, timeout: float, keep=None, worker=None):
    """Wait until every product is active (or `timeout`), keeping the worker running with
    `keep(worker)` meanwhile. Returns the worker (restarted or not)."""
    deadline = time.monotonic() + timeout
    while instances.exclude(status="active").exists() or not instances.exists():
        if time.monotonic() > deadline:
            break
        if keep is not None:
            worker = keep(worker)
        time.sleep(0.2)
    return worker


def _supervise(worker, env: dict, log_dir: Path):
    """What the service manager does in production (systemd `Restart=always`, a container's
    restart policy): a worker that exited is started again, a second later. Celery's Redis
    transport can stop the worker with "Unrecoverable error" when Redis goes away mid-acknowledge;
    the jobs it held are then the stuck sweep's, like a killed worker's."""
    if worker.popen.poll() is None:
        return worker
    say(f"  worker exited with {worker.popen.returncode}: started again, as systemd would")
    worker.stop()  # its pool processes, if any were left, and its log
    time.sleep(1)
    restarts = len(list(log_dir.glob("worker-*")))
    return _worker(env, log_dir / f"worker-{restarts + 1}")


def _figures(label, *, instances, customers, since, back_at, committed_then_raised, refused):
    from bench.report import percentile
    from selfcare.models import LedgerEntry

    rows = list(instances.values_list("pk", "status", "created_at", "started_at"))
    ids = {pk for pk, *_ in rows}
    charges = LedgerEntry.objects.filter(
        kind=LedgerEntry.Kind.CHARGE, account__customer__in=customers, created_at__gte=since
    ).count()
    calls = collections.Counter()
    if NETWORK_LOG.exists():
        for line in NETWORK_LOG.read_text().splitlines():
            what, pk = line.split()
            if what == "activate" and int(pk) in ids:
                calls[int(pk)] += 1
    # Jobs bought before the worker (broker) was back and not done by then: what the fault held
    # up. The others show the ordinary wait from purchase to active.
    waiting = [
        started - back_at
        for _, status, created, started in rows
        if created < back_at and status == "active" and started > back_at
    ]
    others = [
        (started - created).total_seconds()
        for _, status, created, started in rows
        if status == "active" and (created >= back_at or started <= back_at)
    ]
    return {
        "label": label,
        "jobs": len(rows),
        "lost": sum(1 for _, status, *_ in rows if status != "active"),
        "duplicate_charges": charges - len(rows) - 1,  # the warm-up purchase is charged too
        "second_network_calls": sum(count - 1 for count in calls.values() if count > 1),
        "committed_then_raised": committed_then_raised,
        "refused": refused,
        "waiting_when_back": len(waiting),
        "recover_p100_s": max(waiting, default=dt.timedelta()).total_seconds(),
        "others_p99_s": percentile(others, 99) if others else 0.0,
    }


def _filesystem_phase_run() -> dict:
    """Phase 3 runs in a process of its own: the Celery app reads its broker from the settings
    once, and this one's is Redis."""
    broker = LOG_DIR / "broker"
    if broker.exists():
        shutil.rmtree(broker)
    for folder in ("queue", "control"):
        (broker / folder).mkdir(parents=True)
    env = dict(os.environ, BENCH_BROKER="filesystem", BENCH_BROKER_DIR=str(broker))
    done = subprocess.run(
        [sys.executable, __file__, "filesystem"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    *said, last = done.stdout.strip().splitlines()
    for line in said:
        say(line)
    return json.loads(last)


def _filesystem_phase() -> int:
    import django

    django.setup()
    from catalog.models import Offer
    from selfcare.models import Customer

    customers = list(
        Customer.objects.filter(user__username__startswith="faults").order_by("pk")[
            : FILESYSTEM_ACTIVATIONS + 1
        ]
    )
    figures = _phase(
        "worker kill -9, filesystem",
        customers=customers,
        offer=Offer.objects.get(code="faults-9"),
        fault="worker",
        log_dir=LOG_DIR / "filesystem",
    )
    print(json.dumps(figures), flush=True)
    return 0


def _redis(*args: str) -> str:
    from urllib.parse import urlsplit

    database = urlsplit(os.environ["REDIS_URL"]).path.lstrip("/") or "0"
    done = subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "-n", database, *args],
        capture_output=True,
        text=True,
        timeout=10,
    )
    return done.stdout.strip()


def _redis_up() -> bool:
    try:
        return _redis("ping") == "PONG"
    except subprocess.TimeoutExpired:
        return False


def _redis_stop() -> None:
    _redis("shutdown", "nosave")
    while _redis_up():
        time.sleep(0.05)


def _redis_start() -> None:
    subprocess.run(REDIS_START, check=True, capture_output=True)
    while not _redis_up():
        time.sleep(0.05)


def _redis_ensure_up() -> None:
    if not _redis_up():
        _redis_start()


def _print(results: list[dict]) -> None:
    from bench.report import table

    rows = []
    for r in results:
        rows.append(
            [
                r["label"],
                str(r["jobs"]),
                str(r["lost"]),
                str(r["duplicate_charges"]),
                str(r["second_network_calls"]),
                str(r["committed_then_raised"]),
                f"{r['recover_p100_s']:.1f} ({r['waiting_when_back']} waiting)",
                f"{r['others_p99_s']:.2f}",
                _verdict(r),
            ]
        )
    say(
        f"\nNetwork answers in {LATENCY_MS} ms; {RATE} purchases/s; Celery worker prefork x2 and "
        f"beat; fault at 30 % of the purchases, {DOWN_SECONDS} s down. Target: 0 lost, "
        f"0 duplicate charges, recovered within {TARGET_RECOVERY_S:.0f} s of the worker or "
        "broker being back."
    )
    headers = [
        "phase",
        "jobs",
        "lost",
        "dup. charges",
        "2nd network calls",
        "committed, then raised",
        "recover p100 s",
        "others p99 s",
        "",
    ]
    say(table(headers, rows))


def _verdict(r: dict) -> str:
    met = (
        r["lost"] == 0
        and r["duplicate_charges"] == 0
        and r["committed_then_raised"] == 0
        and r["recover_p100_s"] <= TARGET_RECOVERY_S
    )
    return "MET" if met else "MISSED"


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.path[0] = str(ROOT)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        _redis_ensure_up()
        say("interrupted; every process the benchmark started was stopped")
        sys.exit(130)
