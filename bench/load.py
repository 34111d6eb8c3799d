"""`make bench-load`: BENCH_LOAD_USERS (200) simulated customers on the portal at once, through
granian (WSGI), PostgreSQL, Redis and a real Celery worker and beat, driven by locust
(bench/locustfile.py). Not run by CI.

Each simulated customer is a customer of her own (made set-based: a user, an account with an
opening balance, a prepaid line with its allowances, messages in her inbox and a history), signs
in through the login form with her mobile number and password, then reads her dashboard, the
offers, her activity and her inbox, and now and then buys the cheapest add-on with the form and
price the offers page showed her and switches it off again, as the portal's htmx posts do. Once
every customer has signed in, BENCH_LOAD_SECONDS (60) are measured: p50/p95 of page reads and of
purchases, requests/s and the error count. Any error, at any time, fails the run.

Environment: DATABASE_URL's server (the database is `bench_load`, dropped and made again;
BENCH_LOAD_DATABASE names another, which must start with `bench_load`), REDIS_URL (default db 9),
BENCH_LOAD_USERS, BENCH_LOAD_SPAWN_RATE (2/s), BENCH_LOAD_SECONDS, BENCH_LOAD_OFFERS (8 published
one-tap add-ons), BENCH_WEB_WORKERS / BENCH_WEB_THREADS (2 / 2), BENCH_WORKER_CONCURRENCY (2).
Logs in var/bench/load/.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "var" / "bench" / "load"
MB = 1024 * 1024
GB = 1024 * MB


def _knob(name: str, default: int) -> int:
    return int(os.environ.get(f"BENCH_LOAD_{name}", default))


USERS = _knob("USERS", 200)
# A sign-in costs a password hash (PBKDF2, about 0.5 s of CPU): 20 a second queued 200 of them
# behind 4 threads and past the 60 s timeout on 2 cores (bench/README.md, "Load").
SPAWN_RATE = _knob("SPAWN_RATE", 2)
SECONDS = _knob("SECONDS", 60)
OFFERS = _knob("OFFERS", 8)
WEB_WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", 2))
WEB_THREADS = int(os.environ.get("BENCH_WEB_THREADS", 2))
WORKER_CONCURRENCY = int(os.environ.get("BENCH_WORKER_CONCURRENCY", 2))
# Every simulated customer's password; the bench's customers exist only in its own database.
PASSWORD = "load-test-password"
# Signing in 200 customers costs 200 password hashes (PBKDF2, about 0.5 s of CPU each here).
SIGN_IN_TIMEOUT_S = 900


def say(message: str) -> None:
    print(message, flush=True)


def load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} (1 / 5 min), {os.cpu_count()} cores"


def load_database_url(url: str) -> str:
    """`bench_load` (or BENCH_LOAD_DATABASE) on DATABASE_URL's server."""
    from bench.database import named_database_url

    return named_database_url(url, name="bench_load", override="BENCH_LOAD_DATABASE")


# The customers


def customers_create(*, count: int) -> list[str]:
    """`count` prepaid customers like the demo's, set-based (INSERT ... SELECT over
    generate_series; the values are the bench's own constants, written into the SQL): each with
    a user whose password is PASSWORD (one hash, written to every row), an account with a €50
    opening balance, a home line on Prepaid Go with the plan's allowances (5 GB, 300 minutes,
    200 SMS), five messages in her inbox (two unread) and eight rows of history. Returns the
    mobile numbers they sign in with."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.db import connection

    from bench.campaigns import insert_select
    from selfcare.models import (
        Account,
        Bucket,
        Channel,
        Customer,
        Interaction,
        LedgerEntry,
        Line,
        Notification,
    )

    insert_select(
        User,
        source="generate_series(1, %s) AS n, (SELECT %s::text AS hash) AS h",
        columns={
            "username": "'load' || lpad(n::text, 5, '0')",
            "password": "h.hash",
            "email": "'load' || n || '@example.com'",
        },
        params=[count, make_password(PASSWORD)],
    )
    # Her number: 3519 6 and her rank, 8 digits in all after the country code.
    users = (
        "(SELECT id, substr(username, 5)::int AS n FROM auth_user"
        " WHERE username ~ '^load[0-9]+$') AS u"
    )
    insert_select(
        Customer,
        source=users,
        columns={
            "user_id": "u.id",
            "name": "'Load Customer ' || n",
            "email": "'load' || n || '@example.com'",
            "contract_start": "current_date - 3 * 365 + (n %% 365)",
            "marketing_consent": "true",
        },
    )
    customers = (
        "(SELECT c.id, substr(u.username, 5)::int AS n FROM selfcare_customer c"
        " JOIN auth_user u ON u.id = c.user_id) AS c"
    )
    insert_select(Account, source="selfcare_customer c", columns={"customer_id": "c.id"})
    insert_select(
        LedgerEntry,
        source="selfcare_account a",
        columns={
            "account_id": "a.id",
            "kind": f"'{LedgerEntry.Kind.TOP_UP}'",
            "amount": "50.00",
            "description": "'Opening balance'",
            "reference": "'top-up:opening:' || a.customer_id",
        },
    )
    insert_select(
        Line,
        source=customers,
        columns={
            "customer_id": "c.id",
            "msisdn": "'3519' || lpad((60000000 + n)::text, 8, '0')",
            "base_plan": "'Prepaid Go'",
        },
    )
    for name, unit, initial in (
        ("Plan data", Bucket.Unit.BYTES, 5 * GB),
        ("Plan minutes", Bucket.Unit.SECONDS, 300 * 60),
        ("Plan SMS", Bucket.Unit.MESSAGES, 200),
    ):
        insert_select(
            Bucket,
            source="selfcare_line l",
            columns={
                "line_id": "l.id",
                "name": f"'{name}'",
                "unit": f"'{unit}'",
                "initial": str(initial),
                "used": str(initial // 3),
                "valid_from": "now() - interval '10 days'",
                "valid_until": "now() + interval '20 days'",
            },
        )
    insert_select(
        Notification,
        source="selfcare_customer c CROSS JOIN generate_series(1, 5) AS m",
        columns={
            "customer_id": "c.id",
            "medium": f"'{Notification.Medium.IN_APP}'",
            "subject": "'Your monthly summary ' || m",
            "body": "'What you used this month, and what is left of your plan.'",
            "status": f"'{Notification.Status.SENT}'",
            "created_at": "now() - m * interval '3 days'",
            "sent_at": "now() - m * interval '3 days'",
            "read_at": "CASE WHEN m > 2 THEN now() - m * interval '2 days' END",
        },
    )
    insert_select(
        Interaction,
        source="selfcare_customer c CROSS JOIN generate_series(1, 8) AS m",
        columns={
            "customer_id": "c.id",
            "kind": f"'{Interaction.Kind.LOGIN}'",
            "channel": f"'{Channel.PORTAL}'",
            "actor": f"'{Interaction.Actor.CUSTOMER}'",
            "summary": "'Logged in to the self-care portal'",
            "created_at": "now() - m * interval '4 days'",
        },
    )
    with connection.cursor() as cursor:
        for model in (User, Customer, Account, LedgerEntry, Line, Bucket, Notification):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    return list(Line.objects.order_by("pk").values_list("msisdn", flat=True))


# The run


def locust_run(*, port: int, logins: Path, results: Path, env: dict) -> subprocess.CompletedProcess:
    """locust, headless, in a process of its own (it patches the standard library with gevent).
    Its own run time is only a bound: the locustfile stops it SECONDS after the last customer
    signed in."""
    args = [
        str(Path(sys.executable).parent / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        f"http://127.0.0.1:{port}",
        "-u",
        str(USERS),
        "-r",
        str(SPAWN_RATE),
        "-t",
        f"{SIGN_IN_TIMEOUT_S + SECONDS + 30}s",
        "--stop-timeout",
        "20",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = {
        **env,
        "BENCH_LOAD_LOGINS": str(logins),
        "BENCH_LOAD_RESULTS": str(results),
        "BENCH_LOAD_PASSWORD": PASSWORD,
        "BENCH_LOAD_USERS": str(USERS),
        "BENCH_LOAD_SECONDS": str(SECONDS),
    }
    with (LOG_DIR / "locust.log").open("w") as log:
        return subprocess.run(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def main() -> int:
    from bench.database import bench_environment, database_recreate, libpq_dsn

    database_url = load_database_url(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_load")
    )
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9")
    bench_environment(database_url=database_url, redis_url=redis_url)
    started = time.monotonic()
    say(f"database {database_url} (dropped and made again), broker {redis_url}; {load()}")
    database_recreate(libpq_dsn(database_url))

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)

    from bench import data, processes
    from bench.measure import worker_wait_ready
    from selfcare.celery import app

    offers = data.offers_publish(count=OFFERS, prefix="load")
    msisdns = customers_create(count=USERS)
    # Anything an interrupted run left on the benchmark's queue: the worker starts on nothing.
    app.control.purge()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    logins = LOG_DIR / "logins.txt"
    logins.write_text("".join(f"+{msisdn}\n" for msisdn in msisdns))
    results = LOG_DIR / "results.json"
    results.unlink(missing_ok=True)
    say(
        f"{len(offers)} offers published, {len(msisdns)} customers made "
        f"at {time.monotonic() - started:.1f} s"
    )

    env = dict(os.environ)
    worker = beat = web = None
    try:
        worker = processes.worker_start(
            env=env,
            cwd=ROOT,
            log_dir=LOG_DIR,
            queue=_queue(),
            pool="prefork",
            concurrency=WORKER_CONCURRENCY,
        )
        beat = processes.beat_start(env=env, cwd=ROOT, log_dir=LOG_DIR)
        port = processes.free_port()
        web = processes.web_start(
            env=env, cwd=ROOT, log_dir=LOG_DIR, port=port, workers=WEB_WORKERS, threads=WEB_THREADS
        )
        processes.wait_for_http(web, port=port, path="/accounts/login/")
        worker_wait_ready(worker)
        say(f"worker, beat and web server up at {time.monotonic() - started:.1f} s; {load()}")
        say(
            f"locust: {USERS} customers, {SPAWN_RATE}/s, each signs in; then {SECONDS} s "
            "measured (log in var/bench/load/locust.log)"
        )
        others = processes.Interference(worker.popen.pid, beat.popen.pid, web.popen.pid)
        others.start()
        run = locust_run(port=port, logins=logins, results=results, env=env)
        busy = others.percent()
        for process in (worker, beat, web):
            process.check()
    finally:
        for process in (web, beat, worker):
            if process is not None:
                process.stop()
    if not results.exists():
        say(f"FAILED: locust wrote no results (exit {run.returncode}); see {LOG_DIR}/locust.log")
        return 1
    figures = json.loads(results.read_text())
    ok = _print(figures, busy=busy)
    say(f"\ntotal {time.monotonic() - started:.0f} s; logs in {LOG_DIR.relative_to(ROOT)}/")
    if not ok or run.returncode != 0:
        say(f"FAILED: {figures['errors']} errors (locust exited {run.returncode}); see above")
        return 1
    return 0


def _queue() -> str:
    from django.conf import settings

    return settings.CELERY_TASK_DEFAULT_QUEUE


GROUPS = (
    ("page reads", "GET /, /offers/, /activity/, /inbox/"),
    ("purchases", "POST /addons/<offer>/on/"),
    ("switch-offs", "GET the confirm panel, POST /addons/owned/<id>/off/"),
    ("switch polls", "GET /addons/<offer>/ while busy, every 700 ms"),
    ("sign-ins", "POST /accounts/login/ (before the measured window)"),
)


def _print(figures: dict, *, busy: float) -> bool:
    """The figures as a table; False when anything failed."""
    from bench.report import percentiles, summary, table

    rows = []
    for group, what in GROUPS:
        times = figures["times"].get(group, [])
        value = percentiles(summary(times)) if times else "none"
        rows.append([group, str(len(times)), value, what])
    say(
        f"\n{figures['users']} customers signed in in {figures['sign_in_seconds']:.0f} s; "
        f"then {figures['seconds']:.0f} s measured: {figures['requests']} requests, "
        f"{figures['requests'] / figures['seconds']:.1f} req/s, {figures['cycles']} buy-and-"
        f"switch-off cycles completed. Other processes used {busy:.0f} % of the CPUs meanwhile; "
        f"{load()} at the end."
    )
    say(table(["requests (ms)", "count", "p50 / p95 / p99 / max", "what"], rows))
    errors = figures["errors"]
    say(f"errors: {errors} (sign-in included)")
    for message, count in sorted(figures["error_kinds"].items(), key=lambda kv: -kv[1])[:10]:
        say(f"  {count} x {message}")
    return errors == 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    # Run as a script, Python puts bench/ first on the path; the project root belongs there.
    sys.path[0] = str(ROOT)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        say("interrupted; every process the benchmark started was stopped")
        sys.exit(130)
