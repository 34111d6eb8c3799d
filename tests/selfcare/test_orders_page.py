"""Her orders are readable: grouped by day, filterable by what they did, 20 a page; a kind we do
not list is said, and all are shown."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from orders.models import Order, OrderItem
from orders.selectors import order_page_for_customer
from tests.factories import CustomerFactory, OfferFactory
from tests.orders.helpers import buy

pytestmark = pytest.mark.django_db

NOON_4_DEC = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def customer(db):
    return CustomerFactory(balance=Decimal("500.00"))


def orders_bought(customer, count, *, first_at=NOON_4_DEC, step=dt.timedelta(minutes=1)):
    """`count` orders of offers of their own, the n-th placed at first_at + n * step."""
    orders = []
    for i in range(count):
        offer = OfferFactory(price=Decimal("1.00"), data_mb=100, name=f"Pack {len(orders):02d}")
        order = buy(customer, offer, key=f"key-{offer.pk:05d}")
        Order.objects.filter(pk=order.pk).update(created_at=first_at + i * step)
        orders.append(order)
    return orders


def order_ids(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<h3 id="order-(\d+)">', page)]


def days_of(page: str) -> list[str]:
    return re.findall(r'<h2 id="orders-day-[^"]+">\s*<time[^>]*>([^<]+)</time>', page)


def test_her_orders_are_grouped_by_day_newest_first(customer_client, customer):
    yesterday = orders_bought(customer, 2, first_at=NOON_4_DEC - dt.timedelta(days=1))
    today = orders_bought(customer, 1)

    page = customer_client.get("/orders/").content.decode()

    assert days_of(page) == ["Friday 4 December 2026", "Thursday 3 December 2026"]
    assert order_ids(page) == [today[0].pk, yesterday[1].pk, yesterday[0].pk]
    assert "Charged €1.00" in page
    assert "Page 1 of" not in page  # one page: no pager


def test_she_filters_her_orders_by_kind(customer_client, customer):
    switched_on, switched_off = orders_bought(customer, 2)
    OrderItem.objects.filter(order=switched_off).update(action=OrderItem.Action.TERMINATE)

    page = customer_client.get("/orders/", {"kind": "terminate"}).content.decode()
    assert order_ids(page) == [switched_off.pk]
    assert '<option value="terminate" selected>Switch off</option>' in page

    page = customer_client.get("/orders/", {"kind": "add"}).content.decode()
    assert order_ids(page) == [switched_on.pk]

    page = customer_client.get("/orders/", {"kind": "suspend"}).content.decode()
    assert order_ids(page) == []
    assert "No orders of this kind yet." in page


def test_a_kind_we_do_not_list_is_said_and_all_orders_are_shown(customer_client, customer):
    orders = orders_bought(customer, 2)
    before = list(Order.objects.values_list("pk", "status", "created_at"))

    response = customer_client.get("/orders/", {"kind": "nonsense"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "We list no orders of that kind: here are all of them." in page
    assert order_ids(page) == [orders[1].pk, orders[0].pk]
    assert list(Order.objects.values_list("pk", "status", "created_at")) == before


def test_her_orders_are_paged_20_at_a_time_keeping_the_filter(customer_client, customer):
    orders = orders_bought(customer, 22)
    newest_first = [order.pk for order in reversed(orders)]

    first = customer_client.get("/orders/", {"kind": "add"}).content.decode()
    assert order_ids(first) == newest_first[:20]
    assert "Page 1 of 2" in first
    assert 'href="?kind=add&amp;page=2"' in first

    second = customer_client.get("/orders/", {"kind": "add", "page": "2"}).content.decode()
    assert order_ids(second) == newest_first[20:]
    assert 'href="?kind=add&amp;page=1"' in second

    assert "Page 2 of 2" in customer_client.get("/orders/", {"page": "7"}).content.decode()


def test_the_orders_page_is_hers_only(customer):
    orders_bought(CustomerFactory(balance=Decimal("50.00")), 1)

    assert list(order_page_for_customer(customer=customer)) == []
