"""`make bench`: the portal's benchmarks on PostgreSQL, Redis, a real Celery worker and a real WSGI
server. See bench/README.md for what each one measures; the usage feed's
benchmark is bench/usage.py (BENCH_USAGE_EVENTS, BENCH_USAGE_LINES).

Environment: DATABASE_URL (its database gets a `_bench` suffix unless it has one; it is dropped
and made again), REDIS_URL, and the BENCH_* knobs below.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "var" / "bench"


def _knob(name: str, default: int) -> int:
    return int(os.environ.get(f"BENCH_{name}", default))


CUSTOMERS = _knob("CUSTOMERS", 200)
WARMUP_TAPS = _knob("WARMUP_TAPS", 10)
NOOPS = _knob("NOOPS", 200)
CATALOG_OFFERS = _knob("CATALOG_OFFERS", 30)
WRK_SECONDS = _knob("WRK_SECONDS", 10)
WEB_WORKERS = _knob("WEB_WORKERS", 2)
WEB_THREADS = _knob("WEB_THREADS", 2)
WORKER_POOL = os.environ.get("BENCH_WORKER_POOL", "prefork")
WORKER_CONCURRENCY = _knob("WORKER_CONCURRENCY", 2)

# Every page is made for its request (there is no page cache): what the first load after a
# tap costs. Targets as a share of the reference page's requests/s in the same run.
PAGE_TARGETS = {"/ (dashboard) made fresh": 40.0, "/offers/ made fresh": 30.0}
TAP_TARGET_P95_MS = 50.0
# Above this share of the CPUs used by other processes during a phase, its figure is flagged.
NOISY_PERCENT = 10.0


def say(message: str) -> None:
    print(message, flush=True)


def main() -> int:
    from bench.database import (
        bench_database_url,
        bench_environment,
        database_recreate,
        libpq_dsn,
    )

    database_url = bench_database_url(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/selfcare_bench")
    )
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/2")
    bench_environment(database_url=database_url, redis_url=redis_url)
    started = time.monotonic()
    say(f"database {database_url} (dropped and made again), broker {redis_url}")
    database_recreate(database_url)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    say(f"migrated in {time.monotonic() - started:.1f} s")

    from bench import processes
    from bench.measure import worker_wait_ready
    from bench.report import table

    worker = web = None
    try:
        fixtures = _fixtures()
        say(f"data ready at {time.monotonic() - started:.1f} s")
        env = dict(os.environ)
        worker = processes.worker_start(
            env=env,
            cwd=ROOT,
            log_dir=LOG_DIR,
            queue=_queue(),
            pool=WORKER_POOL,
            concurrency=WORKER_CONCURRENCY,
        )
        port = processes.free_port()
        web = processes.web_start(
            env=env,
            cwd=ROOT,
            log_dir=LOG_DIR,
            port=port,
            workers=WEB_WORKERS,
            threads=WEB_THREADS,
        )
        reference_path = f"/bench/reference/{fixtures['tap_offer'].pk}/"
        processes.wait_for_http(web, port=port, path=reference_path)
        worker_wait_ready(worker)
        say(f"worker and web server up at {time.monotonic() - started:.1f} s")

        figures = _measure(fixtures, port=port, dsn=libpq_dsn(database_url), worker=worker, web=web)
        say("SQL queries per request (in-process test client)")
        figures["queries"] = _query_counts(fixtures)
        say(table(["request", "add-ons owned", "queries"], [list(q) for q in figures["queries"]]))
        worker.check()
        web.check()
    finally:
        for process in (web, worker):
            if process is not None:
                process.stop()
    # On its own, after the worker and the web server stopped: the feed's own figures.
    from bench import usage

    figures["usage"] = usage.run(dsn=libpq_dsn(database_url), env=dict(os.environ))
    _print_figures(figures)
    say(f"\ntotal {time.monotonic() - started:.0f} s; logs in {LOG_DIR.relative_to(ROOT)}/")
    return 0


def _queue() -> str:
    from django.conf import settings

    return settings.CELERY_TASK_DEFAULT_QUEUE


def _fixtures() -> dict:
    from bench import data
    from selfcare.celery import app

    tap_offer, *_ = data.offers_publish(count=1, prefix="bench-tap")
    catalog = data.offers_publish(count=CATALOG_OFFERS, prefix="bench-catalog")
    tappers = data.customers_create(
        count=WARMUP_TAPS + CUSTOMERS, prefix="tap", balance=Decimal("50.00")
    )
    one, tap_query = data.customers_create(count=2, prefix="one", balance=Decimal("50.00"))
    (many,) = data.customers_create(count=1, prefix="many", balance=Decimal("1000.00"))
    data.addons_own(customer=one, offers=[tap_offer])
    data.addons_own(customer=many, offers=catalog)
    # The purchases above scheduled activation jobs for what is already active: drop them (and
    # anything an interrupted run left) so the worker starts on an empty queue.
    app.control.purge()
    return {
        "tap_offer": tap_offer,
        "catalog": catalog,
        "tappers": [data.session_create(customer=c) for c in tappers],
        "one": data.session_create(customer=one),
        "many": many,
        "tap_query": tap_query,
    }


def _measure(fixtures: dict, *, port: int, dsn: str, worker, web) -> dict:
    from django.conf import settings

    from bench import measure, processes
    from bench.report import percentiles, summary, table

    offer_id = fixtures["tap_offer"].pk
    tappers = fixtures["tappers"]
    others = processes.Interference(worker.popen.pid, web.popen.pid)
    busy = {}

    def phase_done(name: str) -> None:
        busy[name] = others.percent()
        if busy[name] >= NOISY_PERCENT:
            say(f"  WARNING: other processes used {busy[name]:.0f} % of the CPUs meanwhile")

    say(f"tap-to-active: {WARMUP_TAPS} warm-up taps, then {CUSTOMERS} customers one at a time")
    measure.tap_to_active(port=port, dsn=dsn, offer_id=offer_id, signed_in=tappers[:WARMUP_TAPS])
    others.start()
    taps, blank_keys = measure.tap_to_active(
        port=port, dsn=dsn, offer_id=offer_id, signed_in=tappers[WARMUP_TAPS:]
    )
    phase_done("tap")
    worker.check()
    tap, tap_response = summary([t.total_ms for t in taps]), summary([t.response_ms for t in taps])
    say(f"  tap-to-active ms  {percentiles(tap)}")
    say(f"  POST answered ms  {percentiles(tap_response)}")

    say(f"noop round trip: 20 warm-up, then {NOOPS}")
    measure.noop_round_trips(count=20)
    others.start()
    noops = measure.noop_round_trips(count=NOOPS)
    phase_done("noop")
    noop = summary(noops)
    say(f"  round trip ms     {percentiles(noop)}")

    one = fixtures["one"]
    cookie = f"{settings.SESSION_COOKIE_NAME}={one.session_key}"
    pages = [
        ("reference", f"/bench/reference/{offer_id}/", fixtures["tap_offer"].name, ()),
        ("/ (dashboard) made fresh", "/", fixtures["tap_offer"].name, ()),
        ("/offers/ made fresh", "/offers/", fixtures["catalog"][-1].name, ()),
    ]
    rates = {}
    for label, path, expect, headers in pages:
        # Signed in as a browser is after its first page: session and CSRF cookies.
        browser = measure.page_check(port=port, path=path, cookie=cookie, expect=expect)
        say(f"wrk {label}: 2 s warm-up, {WRK_SECONDS} s measured")
        measure.wrk(port=port, path=path, cookie=browser, headers=headers, seconds=2)
        others.start()
        rates[label] = measure.wrk(
            port=port, path=path, cookie=browser, headers=headers, seconds=WRK_SECONDS
        )
        phase_done(label)
    reference = rates["reference"].requests_per_s
    rows = [
        [label, f"{r.requests_per_s:.0f}", f"{100 * r.requests_per_s / reference:.0f} %"]
        for label, r in rates.items()
    ]
    say(table(["page", "req/s", "of reference"], rows))
    return {
        "tap": tap,
        "tap_response": tap_response,
        "noop": noop,
        "blank_keys": blank_keys,
        "pages": rates,
        "busy": busy,
    }


def _query_counts(fixtures: dict) -> list[tuple[str, str, str]]:
    import uuid

    from bench.measure import query_count
    from orders.selectors.pricing import offer_price
    from selfcare.models import Channel

    one, many = fixtures["one"].customer, fixtures["many"]
    counts = []
    for path in ("/", "/offers/"):
        for customer in (one, many):
            owned = str(customer.products.count())
            counts.append((f"GET {path}", owned, str(query_count(user=customer.user, path=path))))
    tap_path = f"/addons/{fixtures['tap_offer'].pk}/on/"
    # A tap carries the price on its card (without it the view answers 400).
    price = offer_price(offer=fixtures["tap_offer"], options={}, channel=Channel.PORTAL)
    tapped = query_count(
        user=fixtures["tap_query"].user,
        path=tap_path,
        method="post",
        data={"idempotency_key": uuid.uuid4().hex, "expected_price": str(price)},
    )
    counts.append((f"POST {tap_path}", "0 -> 1", str(tapped)))
    return counts


def _print_figures(figures: dict) -> None:
    from bench import usage
    from bench.report import percentiles, table

    if figures["blank_keys"]:
        say(
            f"\nNOTE: /offers/ rendered the switch with an empty idempotency key for "
            f"{figures['blank_keys']} of {CUSTOMERS} customers (the view answers 400 to that); "
            "the benchmark tapped with a fresh key of its own."
        )
    pool = WORKER_POOL if WORKER_POOL == "solo" else f"{WORKER_POOL} x{WORKER_CONCURRENCY}"
    say(
        f"\nAll figures: {CUSTOMERS} taps, {NOOPS} noops, Celery worker {pool}, granian WSGI "
        f"{WEB_WORKERS} workers x {WEB_THREADS} threads, wrk -t2 -c32 -d{WRK_SECONDS}s, "
        f"{os.cpu_count()} cores. 'others' = CPU used by unrelated processes meanwhile."
    )
    busy = {name: f"{value:.0f} %" for name, value in figures["busy"].items()}
    tap = figures["tap"]
    rows = [
        [
            "tap-to-active (ms)",
            percentiles(tap),
            f"p95 < {TAP_TARGET_P95_MS:.0f} ms",
            _verdict(tap["p95"] < TAP_TARGET_P95_MS),
            busy["tap"],
        ],
        ["  POST answered (ms)", percentiles(figures["tap_response"]), "", "", ""],
        ["noop round trip (ms)", percentiles(figures["noop"]), "", "", busy["noop"]],
    ]
    pages = figures["pages"]
    reference = pages["reference"].requests_per_s
    for label, result in pages.items():
        share = 100 * result.requests_per_s / reference
        value = (
            f"{result.requests_per_s:6.0f} req/s  {share:3.0f} % of ref  "
            f"(latency p50 {result.latency_p50_ms:.0f} ms, p99 {result.latency_p99_ms:.0f} ms)"
        )
        target, verdict = "", ""
        if label in PAGE_TARGETS:
            target = f">= {PAGE_TARGETS[label]:.0f} % of ref"
            verdict = _verdict(share >= PAGE_TARGETS[label])
        rows.append([f"GET {label}", value, target, verdict, busy[label]])
    for request, owned, count in figures["queries"]:
        rows.append([f"SQL queries {request}, {owned} add-ons", count, "", "", ""])
    rows.extend(usage.rows(figures["usage"], verdict=_verdict))
    say(table(["figure", "value", "target", "", "others"], rows))


def _verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    # Run as a script, Python puts bench/ first on the path; the project root belongs there.
    sys.path[0] = str(ROOT)
    signal.signal(signal.SIGTERM, _interrupt)
    # Ctrl-C stops the run even when started from a shell that ignores SIGINT in the background.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        say("interrupted; every process the benchmark started was stopped")
        sys.exit(130)
