"""A page costs the same number of SQL queries whatever the customer owns."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import ProductInstance
from orders.services import product_instance_activate
from tests.factories import CustomerFactory, OfferFactory
from tests.orders.helpers import buy

pytestmark = pytest.mark.django_db

PAGES = ["/", "/offers/", "/orders/", "/cart/", "/activity/", "/inbox/"]
# Each full page counts the unread messages for the Inbox badge: one COUNT. The dashboard also
# reads her plan's rates and her last 30 days of use (one query each, summed per day).
# The dashboard: 9, her last three months of data for the next best offer (3), the
# campaigns' recommendation cards (1) and her temporary lines (1).
MAX_QUERIES = {"/": 14, "/offers/": 7, "/orders/": 7, "/cart/": 11, "/activity/": 5, "/inbox/": 5}


def _customer_owning(offers):
    """A customer who owns `offers`, each of them put in her cart first (so the cart page quotes
    as many items as she owns add-ons, each saying it is already on)."""
    from orders.services import cart_item_add

    customer = CustomerFactory(balance=Decimal("500.00"))
    for i, offer in enumerate(offers):
        cart_item_add(customer=customer, offer_id=offer.pk, channel="portal")
        buy(customer, offer, key=f"key-{i:05d}")
    for instance in ProductInstance.objects.filter(customer=customer):
        product_instance_activate(product_instance_id=instance.pk)
    return customer


def _queries(client, customer, url):
    """What making the page costs: every page is made for its request, the published catalog
    read once per catalog version (so after a first page, as a customer's page is)."""
    client.force_login(customer.user)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", PAGES)
def test_a_page_costs_the_same_with_1_add_on_or_30(client, url):
    offers = [OfferFactory(price=Decimal("1.00"), data_mb=100) for _ in range(30)]
    one = _customer_owning(offers[:1])
    thirty = _customer_owning(offers)

    with_one = _queries(client, one, url)
    with_thirty = _queries(client, thirty, url)

    assert with_one == with_thirty
    assert with_thirty <= MAX_QUERIES[url]


def test_the_offers_page_costs_the_same_for_5_offers_or_100(client):
    customer = CustomerFactory()
    client.force_login(customer.user)
    offers = [OfferFactory() for _ in range(5)]
    offers[0].requires_offers.add(offers[1])
    offers[2].excludes_offers.add(offers[3])

    with_5 = _queries(client, customer, "/offers/")
    for i in range(95):
        extra = OfferFactory(purchase_limit=1, purchase_limit_window="calendar_month")
        if i % 10 == 0:
            extra.requires_offers.add(offers[0])
    with_100 = _queries(client, customer, "/offers/")

    assert with_5 == with_100


def test_a_busy_switchs_poll_reads_only_what_the_switch_shows(
    client, django_assert_num_queries, settings
):
    customer = _customer_owning([])
    offer = OfferFactory(data_mb=100)
    buy(customer, offer)  # activation has not run: the switch polls
    client.force_login(customer.user)

    # user, line with customer and account, the line's products with their offers, whether one
    # waits for a code (and the session, unless Redis holds it), and nothing else: no eligibility
    # for what she already owns
    session_in_db = settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    with django_assert_num_queries(4 + session_in_db):
        response = client.get(f"/addons/{offer.pk}/?was=pending_active")

    assert "Activating…" in response.text
