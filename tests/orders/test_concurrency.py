"""Races with real threads on PostgreSQL, where row locks are real (SQLite has none to test)."""

from collections import Counter
from decimal import Decimal

import pytest

from orders.models import Order, ProductInstance
from orders.services import product_instance_purchase
from selfcare.models import LedgerEntry
from selfcare.selectors import customer_balance
from tests.orders.helpers import THREADS, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _purchase(customer, offer, key):
    return product_instance_purchase(
        customer=customer,
        line_id=customer.lines.get().pk,
        offer_id=offer.pk,
        channel="portal",
        idempotency_key=key,
    )


def test_twenty_simultaneous_double_taps_make_one_order_and_one_charge(customer, data_offer):
    outcomes = race(lambda i: _purchase(customer, data_offer, "double-tap-key"))

    assert all(isinstance(o, Order) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes}) == 1
    assert Order.objects.count() == 1
    assert ProductInstance.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="charge").count() == 1
    assert customer_balance(customer=customer) == Decimal("40.00")


def test_twenty_simultaneous_taps_with_different_keys_still_buy_it_once(customer, data_offer):
    outcomes = race(lambda i: _purchase(customer, data_offer, f"tap-key-{i:03d}"))

    kinds = Counter(type(o).__name__ for o in outcomes)
    assert kinds == {"Order": 1, "AlreadyOwnedError": THREADS - 1}, outcomes
    assert LedgerEntry.objects.filter(kind="charge").count() == 1


def test_simultaneous_purchases_never_overdraw_a_prepaid_balance(data_offer):
    from tests.factories import CustomerFactory, OfferFactory

    customer = CustomerFactory(balance=Decimal("25.00"))
    offers = [OfferFactory(price=Decimal("10.00")) for _ in range(5)]

    outcomes = race(lambda i: _purchase(customer, offers[i], f"key-{i:04d}"), count=5)

    kinds = Counter(type(o).__name__ for o in outcomes)
    assert kinds == {"Order": 2, "InsufficientBalanceError": 3}, outcomes
    assert customer_balance(customer=customer) == Decimal("5.00")


def test_two_simultaneous_purchases_of_a_once_a_month_offer_make_one_order(customer):
    from selfcare.models import Line
    from tests.factories import OfferFactory

    # given a customer with two lines, so only the monthly limit can stop the second purchase
    monthly = OfferFactory(purchase_limit=1, purchase_limit_window="calendar_month")
    lines = [customer.lines.get(), Line.objects.create(customer=customer, msisdn="351919999999")]

    # when she buys it on both lines at the same instant
    outcomes = race(
        lambda i: product_instance_purchase(
            customer=customer,
            line_id=lines[i].pk,
            offer_id=monthly.pk,
            channel="portal",
            idempotency_key=f"month-{i:04d}",
        ),
        count=2,
    )

    # then one order, and the other is refused by the limit
    kinds = Counter(type(o).__name__ for o in outcomes)
    assert kinds == {"Order": 1, "NotEligibleError": 1}, outcomes
    assert Order.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="charge").count() == 1


def test_twenty_simultaneous_checkouts_of_one_cart_make_one_set_of_orders(customer, data_offer):
    from orders.services import cart_checkout, cart_item_add

    cart = cart_item_add(customer=customer, offer_id=data_offer.pk, channel="portal")

    outcomes = race(
        lambda i: cart_checkout(
            customer=customer, cart_id=cart.pk, version=cart.version, channel="portal"
        )
    )

    assert all(isinstance(o, list) for o in outcomes), outcomes
    assert {tuple(order.pk for order in o) for o in outcomes} == {(Order.objects.get().pk,)}
    assert LedgerEntry.objects.filter(kind="charge").count() == 1
    assert customer_balance(customer=customer) == Decimal("40.00")


def test_two_editors_on_the_same_version_one_wins_the_other_is_told(customer, data_offer):
    from orders.models import CartItem
    from orders.services import (
        CartStaleError,
        cart_item_add,
        cart_item_configure,
        cart_item_remove,
    )
    from tests.factories import OfferFactory

    bundle = OfferFactory(
        option_groups=[
            {
                "key": "data",
                "label": "Data",
                "choices": [
                    {"value": "5gb", "label": "5 GB", "data_mb": 5120, "price": "0"},
                    {"value": "10gb", "label": "10 GB", "data_mb": 10240, "price": "4.00"},
                ],
            }
        ]
    )
    cart = cart_item_add(
        customer=customer, offer_id=bundle.pk, channel="portal", options={"data": "5gb"}
    )
    item = cart.items.get()

    def edit(i):
        if i == 0:
            return cart_item_remove(
                customer=customer, item_id=item.pk, version=cart.version, channel="portal"
            )
        return cart_item_configure(
            customer=customer,
            item_id=item.pk,
            options={"data": "10gb"},
            version=cart.version,
            channel="agent",
        )

    outcomes = race(edit, count=2)

    kinds = Counter(type(o).__name__ for o in outcomes)
    # Whoever comes second finds the cart changed (or the item gone): never a silent overwrite.
    assert kinds["Cart"] == 1, outcomes
    assert set(kinds) - {"Cart"} <= {"CartStaleError", "DoesNotExist"}
    loser = next(o for o in outcomes if type(o).__name__ != "Cart")
    assert isinstance(loser, (CartStaleError, CartItem.DoesNotExist))
