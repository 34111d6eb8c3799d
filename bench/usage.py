"""The usage feed's benchmark: a JSON Lines file of BENCH_USAGE_EVENTS events (1 M) over
BENCH_USAGE_LINES lines (50,000) with their allowances, rated by `manage.py ingest_usage` in
batches of 10,000 (the command, in a process of its own, so its peak memory is its own), beside a
raw `COPY` of the same rows into an unindexed table in the same run. The command also rates a
file a tenth the size first, to show its peak memory does not grow with the file.

Run by `bench/run.py` (`make bench`) on its freshly migrated database, or alone:
`.venv/bin/python bench/usage.py` (same DATABASE_URL rules: a `_bench` database, dropped and made
again).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "var" / "bench"
MB = 1024 * 1024
GB = 1024 * MB
# What the mediation file carries, roughly as a day's traffic mix does.
SERVICES = [("data", 70), ("voice", 14), ("sms", 10), ("tv", 6)]
COPY_COLUMNS = "line_id, event_id, service, quantity, unit, at, country, zone"
UNITS = {"data": "bytes", "tv": "bytes", "vod": "bytes", "voice": "seconds", "sms": "messages"}
TARGET_PERCENT = 50.0
BATCH_SIZE = 10_000


def _knob(name: str, default: int) -> int:
    return int(os.environ.get(f"BENCH_USAGE_{name}", default))


EVENTS = _knob("EVENTS", 1_000_000)
LINES = _knob("LINES", 50_000)


@dataclass(frozen=True)
class Ingest:
    events: int
    seconds: float
    rss_before_mb: float  # after Django started, before the first batch
    rss_peak_mb: float
    summary: str

    @property
    def rate(self) -> float:
        return self.events / self.seconds


@dataclass(frozen=True)
class UsageFigures:
    lines: int
    ingest: Ingest
    small: Ingest
    copy_rate: float
    indexed_copy_rate: float

    @property
    def percent(self) -> float:
        return 100 * self.ingest.rate / self.copy_rate


def say(message: str) -> None:
    print(message, flush=True)


# The lines, made in bulk: the figure is the feed's, not the customer sign-up's.


def lines_create(*, count: int, now: dt.datetime) -> list[tuple[int, str]]:
    """`count` prepaid customers, each with an account, a line, an opening balance and the
    allowances of a plan (5 GB of data, 300 minutes, 200 SMS; a TV-only 2 GB on every fifth line).
    Every tenth line has only 20 MB of data, so part of the feed is out of bundle, and every
    fiftieth of those has no balance, so its data is barred. Returns (line id, msisdn)."""
    from django.contrib.auth.models import User

    from selfcare.models import Account, Bucket, Customer, LedgerEntry, Line

    batch = 5000
    start = now - dt.timedelta(days=10)
    until = now + dt.timedelta(days=20)
    users = User.objects.bulk_create(
        (User(username=f"feed{n:06d}", password="!") for n in range(count)), batch_size=batch
    )
    customers = Customer.objects.bulk_create(
        (
            Customer(user=user, name=f"Feed Customer {n}", contract_start=start.date())
            for n, user in enumerate(users)
        ),
        batch_size=batch,
    )
    accounts = Account.objects.bulk_create(
        (Account(customer=c) for c in customers), batch_size=batch
    )
    LedgerEntry.objects.bulk_create(
        (
            LedgerEntry(
                account=a,
                kind=LedgerEntry.Kind.TOP_UP,
                amount=Decimal("20.00"),
                description="Opening balance",
                reference=f"top-up:opening:{a.customer_id}",
            )
            for n, a in enumerate(accounts)
            if n % 500 != 0
        ),
        batch_size=batch,
    )
    lines = Line.objects.bulk_create(
        (
            Line(customer=c, msisdn=f"35196{n:07d}", base_plan="Prepaid Go")
            for n, c in enumerate(customers)
        ),
        batch_size=batch,
    )

    def buckets():
        for n, line in enumerate(lines):
            common = {"line": line, "valid_from": start, "valid_until": until}
            data = 20 * MB if n % 10 == 0 else 5 * GB
            yield Bucket(name="Plan data", unit=Bucket.Unit.BYTES, initial=data, **common)
            yield Bucket(name="Plan minutes", unit=Bucket.Unit.SECONDS, initial=300 * 60, **common)
            yield Bucket(name="Plan SMS", unit=Bucket.Unit.MESSAGES, initial=200, **common)
            if n % 5 == 0:
                yield Bucket(
                    name="TV", unit=Bucket.Unit.BYTES, scope=Bucket.Scope.TV, initial=2 * GB,
                    **common,
                )  # fmt: skip

    Bucket.objects.bulk_create(buckets(), batch_size=batch)
    return [(line.pk, line.msisdn) for line in lines]


# The feed


def events_generate(*, lines: list[tuple[int, str]], count: int, prefix: str, end: dt.datetime):
    """`count` events over `lines`, in time order over the hour before `end` (as a mediation
    file comes), as (line id, msisdn, event dict). Always the same for the same arguments."""
    rng = random.Random(f"{prefix}-{count}")
    services = [name for name, weight in SERVICES for _ in range(weight)]
    begin = end - dt.timedelta(hours=1)
    step = dt.timedelta(hours=1) / count
    for n in range(count):
        line_id, msisdn = lines[rng.randrange(len(lines))]
        service = services[rng.randrange(len(services))]
        if service == "voice":
            quantity = rng.randint(1, 600)
        elif service == "sms":
            quantity = 1
        else:
            quantity = rng.randint(1024, 2 * MB)
        yield (
            line_id,
            msisdn,
            {
                "id": f"{prefix}-{n:08d}",
                "msisdn": msisdn,
                "service": service,
                "quantity": quantity,
                "unit": UNITS[service],
                "at": (begin + n * step).isoformat(),
            },
        )


def files_write(*, lines, count: int, prefix: str, end: dt.datetime) -> tuple[Path, Path]:
    """The JSON Lines file the command reads, and the same rows as COPY text for the baseline."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    feed, rows = DATA_DIR / f"usage-{prefix}.jsonl", DATA_DIR / f"usage-{prefix}.copy"
    with feed.open("w") as jsonl, rows.open("w") as text:
        for line_id, _, event in events_generate(lines=lines, count=count, prefix=prefix, end=end):
            jsonl.write(json.dumps(event) + "\n")
            text.write(
                f"{line_id}\t{event['id']}\t{event['service']}\t{event['quantity']}\t"
                f"{event['unit']}\t{event['at']}\t\t\n"
            )
    return feed, rows


# The two measurements


def copy_rate(*, dsn: str, rows: Path, count: int, indexed: bool = False) -> float:
    """Rows per second of a plain `COPY ... FROM STDIN` of `rows` into a table with the feed's
    columns and no index, constraint or key: the database's raw bulk-load speed. `indexed`: into
    a copy of the usage table with its indexes instead (what any insert of the rows pays)."""
    import psycopg

    with psycopg.connect(dsn) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_usage_copy")
        if indexed:
            conn.execute("CREATE TABLE bench_usage_copy (LIKE selfcare_usagerecord INCLUDING ALL)")
            # What the rating adds to each row, as defaults.
            conn.execute(
                "ALTER TABLE bench_usage_copy ALTER rated_against SET DEFAULT '{}',"
                " ALTER out_of_bundle SET DEFAULT 0, ALTER created_at SET DEFAULT now()"
            )
        else:
            conn.execute(
                "CREATE TABLE bench_usage_copy (line_id bigint, event_id varchar(64),"
                " service varchar(10), quantity bigint, unit varchar(10), at timestamptz,"
                " country varchar(2), zone varchar(32))"
            )
        conn.commit()
        started = time.perf_counter()
        with (
            conn.cursor() as cursor,
            rows.open("rb") as source,
            cursor.copy(f"COPY bench_usage_copy ({COPY_COLUMNS}) FROM STDIN") as copy,
        ):
            while block := source.read(1 << 20):
                copy.write(block)
        conn.commit()
        seconds = time.perf_counter() - started
        copied = conn.execute("SELECT count(*) FROM bench_usage_copy").fetchone()[0]
        conn.execute("DROP TABLE bench_usage_copy")
    if copied != count:
        raise RuntimeError(f"COPY wrote {copied} rows of {count}.")
    return count / seconds


def ingest(*, feed: Path, count: int, env: dict) -> Ingest:
    """`manage.py ingest_usage FEED` in a process of its own (this module's `_child`): its
    seconds from the first line read to the summary, and its peak resident memory."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.usage", "--ingest", str(feed)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"ingest_usage failed:\n{done.stderr[-3000:]}")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    return Ingest(events=count, **answer)


def _peak_rss_mb() -> float:
    """This process's peak resident memory. Not `getrusage`: on Linux its maximum carries over
    from the parent that forked it, here the benchmark holding 50,000 lines."""
    for row in Path("/proc/self/status").read_text().splitlines():
        if row.startswith("VmHWM:"):
            return int(row.split()[1]) / 1024
    raise RuntimeError("No VmHWM in /proc/self/status (Linux only).")


def _child(feed: str) -> None:
    """In the child: the command itself, timed, and the process's peak memory."""
    import io

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    connection.ensure_connection()
    before = _peak_rss_mb()
    out = io.StringIO()
    started = time.perf_counter()
    call_command("ingest_usage", feed, batch_size=BATCH_SIZE, stdout=out)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rss_before_mb": before,
                "rss_peak_mb": _peak_rss_mb(),
                "summary": out.getvalue().splitlines()[0],
            }
        )
    )


def run(*, dsn: str, env: dict) -> UsageFigures:
    """The whole benchmark, on the (migrated) database `dsn` of the caller's Django settings."""
    from django.utils import timezone

    now = timezone.now()
    started = time.monotonic()
    say(f"usage feed: {LINES:,} lines with their allowances")
    lines = lines_create(count=LINES, now=now)
    small_count = max(EVENTS // 10, 1)
    small_feed, _ = files_write(lines=lines, count=small_count, prefix="small", end=now)
    feed, rows = files_write(lines=lines, count=EVENTS, prefix="feed", end=now)
    say(
        f"  data and files ready in {time.monotonic() - started:.0f} s "
        f"({feed.stat().st_size / MB:.0f} MB of JSON Lines)"
    )
    # The smaller file first, on the same lines: its allowances are drawn, not reset.
    small = ingest(feed=small_feed, count=small_count, env=env)
    say(f"  ingest_usage {small_count:,} events: {small.rate:,.0f} events/s, {small.summary}")
    rate = copy_rate(dsn=dsn, rows=rows, count=EVENTS)
    say(f"  COPY {EVENTS:,} rows into an unindexed table: {rate:,.0f} rows/s")
    indexed = copy_rate(dsn=dsn, rows=rows, count=EVENTS, indexed=True)
    say(f"  COPY {EVENTS:,} rows into a copy of the usage table, indexes and all: {indexed:,.0f}")
    big = ingest(feed=feed, count=EVENTS, env=env)
    say(f"  ingest_usage {EVENTS:,} events: {big.rate:,.0f} events/s, {big.summary}")
    for path in (small_feed, feed, rows, DATA_DIR / "usage-small.copy"):
        path.unlink(missing_ok=True)
    return UsageFigures(
        lines=LINES, ingest=big, small=small, copy_rate=rate, indexed_copy_rate=indexed
    )


def rows(figures: UsageFigures, *, verdict) -> list[list[str]]:
    """Rows of run.py's figures table."""
    ingest, small = figures.ingest, figures.small
    return [
        [
            f"usage ingest, {ingest.events:,} events / {figures.lines:,} lines",
            f"{ingest.rate:8,.0f} events/s  {figures.percent:3.0f} % of COPY",
            f">= {TARGET_PERCENT:.0f} % of COPY",
            verdict(figures.percent >= TARGET_PERCENT),
            "",
        ],
        ["  COPY, same rows, no index", f"{figures.copy_rate:8,.0f} rows/s", "", "", ""],
        [
            "  COPY, same rows, usage table's indexes",
            f"{figures.indexed_copy_rate:8,.0f} rows/s",
            "",
            "",
            "",
        ],
        [
            "  ingest peak memory (MB)",
            f"{small.events:,} events {small.rss_peak_mb:.0f}, "
            f"{ingest.events:,} events {ingest.rss_peak_mb:.0f} "
            f"(at start {ingest.rss_before_mb:.0f})",
            "flat",
            verdict(ingest.rss_peak_mb <= small.rss_peak_mb * 1.1),
            "",
        ],
    ]


def main() -> int:
    from bench.database import (
        bench_database_url,
        bench_environment,
        database_recreate,
        libpq_dsn,
    )
    from bench.report import table

    database_url = bench_database_url(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/selfcare_bench")
    )
    bench_environment(
        database_url=database_url,
        redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/2"),
    )
    say(f"database {database_url} (dropped and made again)")
    database_recreate(database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    figures = run(dsn=libpq_dsn(database_url), env=dict(os.environ))
    verdict = lambda ok: "MET" if ok else "MISSED"  # noqa: E731
    say(table(["figure", "value", "target", "", "others"], rows(figures, verdict=verdict)))
    return 0


if __name__ == "__main__":
    sys.path[0] = str(ROOT)
    if sys.argv[1:2] == ["--ingest"]:
        _child(sys.argv[2])
    else:
        sys.exit(main())
