import os
import shutil

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import translation
from django.utils.translation import trans_real

from tests import factories

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


@pytest.fixture(scope="session", autouse=True)
def _translations_compiled():
    """The .mo files are made from the .po files (`make messages`), never committed: a test
    run straight from pytest (any test may read the Portuguese) compiles them if they are
    missing or older, and forgets any catalogue already read without them."""
    for locale_path in settings.LOCALE_PATHS:
        for po in locale_path.glob("*/LC_MESSAGES/django.po"):
            mo = po.with_suffix(".mo")
            if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
                call_command("compilemessages", locale=[po.parent.parent.name], verbosity=0)
                trans_real._translations = {}
                trans_real._default = None


def _unavailable(item, reason: str) -> None:
    # In CI every service is there: a missing one is a failure, never a silent skip.
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _unavailable(item, "needs PostgreSQL: set DATABASE_URL")
    if item.get_closest_marker("redis") and not os.environ.get("REDIS_URL"):
        _unavailable(item, "needs Redis: set REDIS_URL")
    if item.get_closest_marker("browser") and not shutil.which("chromium"):
        _unavailable(item, "needs Debian's chromium: make system-deps")


@pytest.fixture(autouse=True)
def _language_reset():
    """Each test ends in the default language: a request in Portuguese leaves it active in the
    thread (LocaleMiddleware activates and never deactivates), and the next test would write its
    labels in it."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _catalog_kept_per_test():
    """Each test starts with no catalog kept in this process: its transaction is rolled back
    afterwards, which takes the catalog's version back to one an earlier test kept offers under."""
    from catalog.selectors import offer_cache_clear

    offer_cache_clear()
    yield
    offer_cache_clear()


@pytest.fixture
def customer(db):
    return factories.CustomerFactory()


@pytest.fixture
def line(customer):
    return customer.lines.get()


@pytest.fixture
def data_offer(db):
    return factories.OfferFactory(data_offer=True)


@pytest.fixture
def night_pass(db):
    return factories.OfferFactory(night_pass=True)


@pytest.fixture
def customer_client(client, customer):
    client.force_login(customer.user)
    return client


@pytest.fixture
def celery_worker_thread(transactional_db, settings):
    """A real Celery worker consuming in a thread, jobs no longer run inline: what a customer gets
    with `make run`. Needs committed data, hence `transactional_db`."""
    from celery.contrib.testing.worker import start_worker

    from selfcare.celery import app

    app.conf.task_always_eager = False
    try:
        with start_worker(
            app,
            pool="solo",
            perform_ping_check=False,
            shutdown_timeout=10,
            queues=[settings.CELERY_TASK_DEFAULT_QUEUE, settings.CAMPAIGN_QUEUE],
        ):
            yield app
    finally:
        app.conf.task_always_eager = True


@pytest.fixture
def celery_runs_retries():
    """Inline jobs run their retries too (Celery raises Retry instead when errors propagate)."""
    from selfcare.celery import app

    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = True
