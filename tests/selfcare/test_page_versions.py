"""The triggers behind the page cache: a write to a watched table moves the version of exactly the
customer it belongs to (or the catalog's), in the writing transaction, and nothing else does."""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from catalog.models import Offer
from orders.models import Order, OrderItem, ProductInstance
from orders.services import product_instance_activate
from selfcare.models import Bucket, Interaction, LedgerEntry, Line, Notification, PageVersion
from selfcare.pageversions import watched_tables
from tests.factories import CustomerFactory, OfferFactory
from tests.orders.helpers import buy, race

pytestmark = pytest.mark.django_db


def versions(*scopes) -> tuple:
    found = dict(PageVersion.objects.filter(scope__in=scopes).values_list("scope", "version"))
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
    scopes = (her.pk, someone_else.pk, PageVersion.CATALOG)
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

    assert moves == (1, 1, 0)


def test_a_catalog_write_moves_the_catalogs_version_alone(her, someone_else):
    offer = Offer.objects.get()

    assert _moved(her, someone_else, lambda: Offer.objects.update(name="Data 20GB")) == (0, 0, 1)
    assert _moved(her, someone_else, lambda: offer.excludes_offers.add(OfferFactory())) == (
        0,
        0,
        2,  # the new offer, then the rule
    )


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


def test_the_watched_tables_are_the_ones_the_migrations_name():
    assert watched_tables(connection) == {
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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_writes_each_move_her_version_once():
    """No increment is lost when her rows are written at once from many connections: two
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
