"""The triggers behind the page cache: a write to a watched table records a page change for
exactly the customer it belongs to (or the catalog), in the writing transaction; nothing else
does; and, on PostgreSQL, no two transactions ever wait for each other because of it."""

import copy
import datetime as dt
import threading
import time
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from catalog.models import Offer
from orders.models import Order, OrderItem, ProductInstance
from orders.services import (
    activation,
    product_instance_activate,
    product_instance_cancel,
    product_instance_purchase,
    purchase,
)
from selfcare.models import (
    Bucket,
    Interaction,
    LedgerEntry,
    Line,
    Notification,
    PageChange,
    UsageRecord,
)
from selfcare.pageversions import triggers_install, watched_tables, watches
from selfcare.services import page_changes_fold, usage_record
from tests.factories import CustomerFactory, OfferFactory
from tests.orders.helpers import buy, race

pytestmark = pytest.mark.django_db


def versions(*scopes) -> tuple:
    found = dict(
        PageChange.objects.filter(scope__in=scopes)
        .values("scope")
        .annotate(total=Sum("weight"))
        .values_list("scope", "total")
    )
    return tuple(found.get(scope, 0) for scope in scopes)


@pytest.fixture
def her(db):
    customer = CustomerFactory()
    offer = OfferFactory(data_offer=True)
    buy(customer, offer, key="k1")
    product_instance_activate(product_instance_id=ProductInstance.objects.get().pk)
    return customer


@pytest.fixture
def someone_else(db):
    return CustomerFactory()


def _moved(her, someone_else, write) -> tuple:
    """How far `write` moved her version, someone else's and the catalog's."""
    scopes = (her.pk, someone_else.pk, PageChange.CATALOG)
    before = versions(*scopes)
    write()
    return tuple(after - was for after, was in zip(versions(*scopes), before, strict=True))


WRITES = {
    "ledger insert": lambda c: LedgerEntry.objects.create(
        account=c.account, kind="top_up", amount=Decimal("1.00"), reference="t-1"
    ),
    "ledger delete": lambda c: LedgerEntry.objects.filter(account=c.account).delete(),
    "allowance update": lambda c: Bucket.objects.filter(line__customer=c).update(used=5),
    "allowance delete": lambda c: Bucket.objects.filter(line__customer=c).delete(),
    "add-on update": lambda c: ProductInstance.objects.filter(customer=c).update(status="failed"),
    "order update": lambda c: Order.objects.filter(customer=c).update(status="failed"),
    "order item update": lambda c: OrderItem.objects.filter(order__customer=c).update(
        action="remove"
    ),
    "message insert": lambda c: Notification.objects.create(
        customer=c, medium="sms", subject="Hi", body="Hi"
    ),
    "message read": lambda c: Notification.objects.filter(customer=c).update(
        read_at=timezone.now()
    ),
    "customer update": lambda c: type(c).objects.filter(pk=c.pk).update(name="Someone"),
    "account update": lambda c: (
        type(c.account).objects.filter(pk=c.account.pk).update(currency="GBP")
    ),
    "line update": lambda c: Line.objects.filter(customer=c).update(base_plan="Go Max"),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_write_to_her_rows_moves_her_version_alone(her, someone_else, write):
    her_moves, others_move, catalog_moves = _moved(her, someone_else, lambda: write(her))

    assert her_moves >= 1
    assert (others_move, catalog_moves) == (0, 0)


def test_a_line_moved_to_someone_else_moves_both_versions(her, someone_else):
    moves = _moved(
        her, someone_else, lambda: Line.objects.filter(customer=her).update(customer=someone_else)
    )

    assert moves[0] >= 1
    assert moves[1] >= 1
    assert moves[2] == 0


def test_a_catalog_write_moves_the_catalogs_version_alone(her, someone_else):
    offer = Offer.objects.get()

    def write():
        Offer.objects.update(name="Data 20GB")
        offer.excludes_offers.add(OfferFactory())

    her_moves, others_move, catalog_moves = _moved(her, someone_else, write)

    assert (her_moves, others_move) == (0, 0)
    assert catalog_moves >= 1


def test_writes_no_page_shows_move_nothing(her, someone_else):
    def write():
        Interaction.objects.create(
            customer=her, kind="note", channel="agent", summary="Called about roaming"
        )

    assert _moved(her, someone_else, write) == (0, 0, 0)


def test_a_rolled_back_write_moves_nothing(her, someone_else):
    def write():
        try:
            with transaction.atomic():
                WRITES["ledger insert"](her)
                raise RuntimeError
        except RuntimeError:
            pass

    assert _moved(her, someone_else, write) == (0, 0, 0)


def test_the_watched_tables_are_the_ones_the_apps_name():
    assert (
        watched_tables(connection)
        == {w.table for w in watches()}
        == {
            "selfcare_customer",
            "selfcare_account",
            "selfcare_ledgerentry",
            "selfcare_line",
            "selfcare_bucket",
            "selfcare_notification",
            "orders_productinstance",
            "orders_order",
            "orders_orderitem",
            "catalog_offer",
            "catalog_offer_requires_offers",
            "catalog_offer_excludes_offers",
            "catalog_offer_suspends_offers",
        }
    )


def test_triggers_a_migration_lost_are_made_again_after_migrate(her, someone_else):
    with connection.cursor() as cursor:
        for event in ("insert", "update", "delete"):
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"DROP TRIGGER pagechange_selfcare_bucket_{event} ON selfcare_bucket"
                )
            else:
                cursor.execute(f"DROP TRIGGER pagechange_selfcare_bucket_{event}")
    assert "selfcare_bucket" not in watched_tables(connection)

    triggers_install(using="default")

    assert "selfcare_bucket" in watched_tables(connection)
    assert _moved(her, someone_else, lambda: WRITES["allowance update"](her))[0] >= 1


def _migrate_field(model, old, new):
    """Change a column as `migrate` would: its signals around the schema editor."""
    emit_pre_migrate_signal(verbosity=0, interactive=False, db="default")
    with connection.schema_editor() as editor:
        editor.alter_field(model, old, new)
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


@pytest.mark.django_db(transaction=True)
def test_a_table_a_migration_rebuilds_is_still_watched_afterwards():
    """SQLite rebuilds a table for most column changes (a new table renamed into its place) and
    refuses while another table's trigger reads it: `migrate` drops the triggers first and makes
    them again after. Here her line's table, which her allowances' trigger reads."""
    field = Line._meta.get_field("base_plan")
    wider = copy.copy(field)
    wider.max_length = field.max_length + 20
    _migrate_field(Line, field, wider)
    try:
        customer, other = CustomerFactory(), CustomerFactory()
        assert watched_tables(connection) == {w.table for w in watches()}
        assert _moved(customer, other, lambda: WRITES["line update"](customer))[0] >= 1
    finally:
        _migrate_field(Line, wider, field)


# --- PostgreSQL: many connections at once ----------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_writes_each_move_her_version():
    """No change is lost when her rows are written at once from many connections: two
    different states of her pages never share a version."""
    customer = CustomerFactory()
    (before,) = versions(customer.pk)

    outcomes = race(
        lambda i: LedgerEntry.objects.create(
            account=customer.account, kind="top_up", amount=Decimal("1.00"), reference=f"r-{i}"
        )
    )

    assert all(isinstance(o, LedgerEntry) for o in outcomes), outcomes
    assert versions(customer.pk) == (before + 20,)


def _interleave(first, second, *, hold, until):
    """Run `first` and `second` in two connections: `first` pauses in `hold` until `second` has
    gone through `until` (or 3 s). Returns each one's result or exception."""
    reached, held = threading.Event(), threading.Event()
    outcomes = {}

    def run(name, target, wait=None):
        try:
            if wait is not None:
                wait.wait(5)
            outcomes[name] = target()
        except Exception as exc:
            outcomes[name] = exc
        finally:
            connection.close()

    def holding(original):
        def wrapper(*args, **kwargs):
            if threading.current_thread().name == "first":
                held.set()
                reached.wait(3)
            return original(*args, **kwargs)

        return wrapper

    def passing(original):
        def wrapper(*args, **kwargs):
            result = original(*args, **kwargs)
            if threading.current_thread().name == "second":
                reached.set()
                time.sleep(0.3)
            return result

        return wrapper

    module, name = hold
    other_module, other_name = until
    with (
        mock.patch.object(module, name, holding(getattr(module, name))),
        mock.patch.object(other_module, other_name, passing(getattr(other_module, other_name))),
    ):
        threads = [
            threading.Thread(target=run, args=("first", first), name="first"),
            threading.Thread(target=run, args=("second", second, held), name="second"),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_tap_while_her_last_add_on_is_still_activating_never_deadlocks():
    """She taps B while A's activation is writing: the purchase holds her account and line, the
    activation has written her add-on and its allowances. Neither waits on a page change."""
    customer = CustomerFactory()
    line = customer.lines.get()
    a, b = OfferFactory(data_offer=True), OfferFactory(name="B")
    with mock.patch("orders.tasks.product_instance_activate_task.delay_on_commit"):
        buy(customer, a, key="a")
        pending = ProductInstance.objects.get(offer=a)

        outcomes = _interleave(
            lambda: product_instance_purchase(
                customer=customer,
                line_id=line.pk,
                offer_id=b.pk,
                channel="portal",
                idempotency_key="b",
            ),
            lambda: product_instance_activate(product_instance_id=pending.pk),
            hold=(purchase, "tracked_link_for_purchase"),
            until=(activation, "buckets_grant"),
        )

    assert not any(isinstance(o, Exception) for o in outcomes.values()), outcomes
    assert sorted(ProductInstance.objects.values_list("status", flat=True)) == [
        "active",
        "pending_active",
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_usage_rated_while_she_switches_the_add_on_off_never_deadlocks():
    """Usage locks her allowances, then spends them; the switch-off has written her order and
    then closes the same allowances."""
    import orders.services.termination as termination

    customer = CustomerFactory()
    line = customer.lines.get()
    offer = OfferFactory(data_offer=True)
    buy(customer, offer, key="a")  # jobs run at once here: it is active
    instance = ProductInstance.objects.get()
    assert instance.status == "active"

    with mock.patch("orders.tasks.product_instance_deprovision_task.delay_on_commit"):
        outcomes = _interleave(
            lambda: usage_record(
                line=line, event_id="e1", service="general", mb=10, at=timezone.now()
            ),
            lambda: product_instance_cancel(
                customer=customer,
                product_instance_id=instance.pk,
                channel="portal",
                idempotency_key="off",
            ),
            hold=(type(Bucket.objects), "bulk_update"),
            until=(termination, "_close_buckets"),
        )

    assert not any(isinstance(o, Exception) for o in outcomes.values()), outcomes
    assert UsageRecord.objects.get(event_id="e1").mb == 10
    assert ProductInstance.objects.get().status == "pending_terminate"


def test_folding_keeps_every_version_and_leaves_one_row_each(monkeypatch):
    """Round after round, with more customers than a fold takes at a time: each ends with one
    row, her version unchanged by the fold."""
    monkeypatch.setattr("selfcare.services.pages.FOLD_SCOPES", 2)
    customers = [CustomerFactory() for _ in range(5)]
    scopes = [c.pk for c in customers] + [PageChange.CATALOG]
    for round_ in range(3):
        for customer in customers:
            LedgerEntry.objects.create(
                account=customer.account,
                kind="top_up",
                amount=Decimal("1.00"),
                reference=f"{customer.pk}-{round_}",
            )
        before = versions(*scopes)

        folded = page_changes_fold(before=timezone.now() + dt.timedelta(seconds=1))
        again = page_changes_fold(before=timezone.now() + dt.timedelta(seconds=1))

        assert versions(*scopes) == before
        assert folded > 0
        assert again == 0  # one row each already
        for customer in customers:
            assert PageChange.objects.filter(scope=customer.pk).count() == 1


def test_folding_leaves_recent_changes_and_runs_every_five_minutes(settings):
    stacy = CustomerFactory()
    rows = PageChange.objects.filter(scope=stacy.pk).count()
    assert rows > 1

    assert page_changes_fold() == 0  # all made this minute

    assert PageChange.objects.filter(scope=stacy.pk).count() == rows
    assert settings.CELERY_BEAT_SCHEDULE["fold-page-changes"] == {
        "task": "selfcare.tasks.page_changes_fold_task",
        "schedule": 300.0,
    }
