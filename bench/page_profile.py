"""`make bench-profile`: where a page's time goes, per request, in-process.

Makes the benchmark's data (31 offers on sale, a customer owning one add-on) in a database of its
own, then times each page with Django's test client through the whole middleware stack, beside
the reference page, and prints a cProfile of the slowest. Every request makes its page: there is
no page cache, so this is what the first load after a tap costs.

    .venv/bin/python bench/page_profile.py [PATH ...]      # default: / and /offers/
    BENCH_PROFILE_REQUESTS=200 BENCH_PROFILE_TOP=40 .venv/bin/python bench/page_profile.py /offers/
    BENCH_PROFILE_SQL=1 ...    also print each page's SQL
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = int(os.environ.get("BENCH_PROFILE_REQUESTS", 100))
TOP = int(os.environ.get("BENCH_PROFILE_TOP", 30))
CATALOG_OFFERS = int(os.environ.get("BENCH_CATALOG_OFFERS", 30))


def say(message: str) -> None:
    print(message, flush=True)


def main(paths: list[str]) -> int:
    from bench.database import bench_database_url, database_recreate

    database_url = bench_database_url(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/selfcare_profile_bench")
    )
    os.environ.update(DJANGO_SETTINGS_MODULE="bench.settings", DATABASE_URL=database_url)
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/2")
    database_recreate(database_url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from bench import data

    call_command("migrate", interactive=False, verbosity=0)
    tap_offer, *_ = data.offers_publish(count=1, prefix="bench-tap")
    data.offers_publish(count=CATALOG_OFFERS, prefix="bench-catalog")
    (customer,) = data.customers_create(count=1, prefix="one", balance=Decimal("50.00"))
    data.addons_own(customer=customer, offers=[tap_offer])

    client = Client()
    client.force_login(customer.user)
    reference = f"/bench/reference/{tap_offer.pk}/"
    timings = {}
    for path in [reference, *(paths or ["/", "/offers/"])]:
        for _ in range(10):  # warm-up: templates compiled, connections open
            _get(client, path)
        started = time.perf_counter()
        for _ in range(REQUESTS):
            _get(client, path)
        timings[path] = (time.perf_counter() - started) * 1000 / REQUESTS
    if os.environ.get("BENCH_PROFILE_SQL"):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        for path in paths or ["/", "/offers/"]:
            with CaptureQueriesContext(connection) as queries:
                _get(client, path)
            say(f"\n=== {path}: {len(queries)} queries ===")
            for query in queries:
                say(f"{query['time']}s  {query['sql'][:400]}")
    base = timings[reference]
    for path, ms in timings.items():
        say(f"{path:40} {ms:7.2f} ms/request  {100 * base / ms:5.0f} % of the reference's rate")

    for path in paths or ["/", "/offers/"]:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(REQUESTS):
            _get(client, path)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(TOP)
        stats.sort_stats("tottime").print_stats(TOP)
        say(f"\n=== {path}: {REQUESTS} requests ===\n{out.getvalue()}")
    return 0


def _get(client, path: str) -> None:
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}")


if __name__ == "__main__":
    sys.path[0] = str(ROOT)
    sys.exit(main(sys.argv[1:]))
