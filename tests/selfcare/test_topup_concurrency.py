"""Top-up races with real threads on PostgreSQL, where row locks are real."""

from collections import Counter
from decimal import Decimal

import pytest
from django.core.cache import cache

from selfcare.models import LedgerEntry, Notification, TopUp, Voucher
from selfcare.payments import Card
from selfcare.selectors import customer_balance
from selfcare.services import topup_by_card, topup_by_voucher, voucher_create
from tests.factories import CustomerFactory
from tests.orders.helpers import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

VISA = Card("4242424242424242", 12, 2030, "123")


@pytest.fixture(autouse=True)
def _gateway_forgets():
    cache.clear()
    yield
    cache.clear()


def test_ten_simultaneous_submits_of_one_card_form_make_one_top_up(customer):
    outcomes = race(
        lambda i: topup_by_card(
            customer=customer, amount="10.00", card=VISA, idempotency_key="same-form-key"
        ),
        count=10,
    )

    assert all(isinstance(o, TopUp) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes}) == 1
    assert TopUp.objects.count() == 1
    assert (
        LedgerEntry.objects.filter(kind="top_up", reference__startswith="top-up:")
        .exclude(reference__startswith="top-up:opening")
        .count()
        == 1
    )
    assert customer_balance(customer=customer) == Decimal("60.00")
    assert Notification.objects.filter(template="topup_receipt").count() == 1


def test_two_customers_using_one_voucher_at_once_one_gets_it(db):
    voucher_create(pin="1111 2222 3333 4444", serial="V-RACE", amount=Decimal("10.00"))
    customers = [CustomerFactory(), CustomerFactory()]

    outcomes = race(
        lambda i: topup_by_voucher(
            customer=customers[i], pin="1111222233334444", idempotency_key=f"race-{i}"
        ),
        count=2,
    )

    kinds = Counter(type(o).__name__ for o in outcomes)
    assert kinds == {"TopUp": 1, "VoucherError": 1}, outcomes
    loser = next(o for o in outcomes if not isinstance(o, TopUp))
    assert str(loser) == "This voucher has already been used."
    winner = next(o for o in outcomes if isinstance(o, TopUp)).customer
    assert Voucher.objects.get().used_by == winner
    assert sorted(customer_balance(customer=c) for c in customers) == [
        Decimal("50.00"),
        Decimal("60.00"),
    ]


def test_simultaneous_wrong_pins_are_counted_exactly_and_lock_at_the_limit(customer, settings):
    settings.VOUCHER_MAX_WRONG_PINS = 5

    outcomes = race(
        lambda i: topup_by_voucher(
            customer=customer, pin=f"{i:016d}", idempotency_key=f"guess-{i:03d}"
        ),
        count=12,
    )

    kinds = Counter(type(o).__name__ for o in outcomes)
    # five wrong tries are counted (the fifth says the lock), every later one is refused as locked
    assert kinds == {"VoucherError": 4, "VoucherLockedError": 8}, outcomes
    assert customer.voucher_pin_failures.count() == 5
