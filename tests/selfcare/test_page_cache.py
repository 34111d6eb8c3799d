"""The dashboard and the offers page are served from the page cache while nothing on them has
changed, and made again as soon as anything she could see has: whoever wrote it, however."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpRequest
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Offer
from orders.models import Order, ProductInstance
from orders.services import product_instance_activate
from selfcare.models import Bucket, LedgerEntry, Notification
from selfcare.pageversions import watched_tables
from tests.factories import CustomerFactory, OfferFactory
from tests.orders.helpers import buy

pytestmark = pytest.mark.django_db

PAGES = ["/", "/offers/"]
# Read on every request whatever the page: who she is. The page version is read with her line.
SIGN_IN_TABLES = {"django_session", "auth_user", "selfcare_line", "selfcare_customer"}


def _get(client, url, **headers):
    """The page, and whether it was made (True) or came from the cache (False)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    made = any("selfcare_ledgerentry" in query["sql"] for query in queries.captured_queries)
    return response, made


def _warm(client, url):
    """Load the page until it comes from the cache: the first load sets the CSRF cookie, the
    second is kept, the third is served from the cache."""
    _get(client, url)
    _get(client, url)
    response, made = _get(client, url)
    assert not made
    return response


def _keys(response) -> list[str]:
    return re.findall(r'"idempotency_key": "([^"]*)"', response.text)


def _page(response) -> str:
    """The page without its switches' idempotency keys, new on every page served."""
    return re.sub(r'"idempotency_key": "[^"]*"', "", response.text)


@pytest.fixture(autouse=True)
def early_in_the_minute():
    """A page is kept for the minute it was made in: start each test at a minute's first
    second, so its loads never straddle two minutes (the clock runs on)."""
    with time_machine.travel(timezone.now().replace(second=1, microsecond=0), tick=True):
        yield


@pytest.fixture
def stacy(db):
    """A customer with a data add-on on (an allowance with a usage bar), a second add-on waiting
    for its confirmation code, messages, and offers with rules between them on sale."""
    customer = CustomerFactory(name="Stacy Smith", balance=Decimal("30.00"))
    data = OfferFactory(data_offer=True)
    buy(customer, data, key="data")
    product_instance_activate(product_instance_id=ProductInstance.objects.get(offer=data).pk)
    coded = OfferFactory(name="Coded Pass", requires_confirmation=True)
    buy(customer, coded, key="coded")
    OfferFactory(name="Games Club").excludes_offers.add(coded)
    OfferFactory(name="Roaming Week")
    return customer


@pytest.fixture
def stacy_client(client, stacy):
    client.force_login(stacy.user)
    return client


@pytest.mark.parametrize("url", PAGES)
def test_a_reload_with_nothing_changed_is_served_from_the_cache(stacy_client, url):
    assert _get(stacy_client, url)[1]

    again, made_again = _get(stacy_client, url)
    third, made_third = _get(stacy_client, url)

    assert made_again  # the first load had no CSRF cookie yet: the page it made carries one
    assert not made_third
    assert _page(third) == _page(again)
    assert third["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize("url", PAGES)
def test_a_cached_page_costs_only_signing_her_in(stacy_client, url):
    _warm(stacy_client, url)

    with CaptureQueriesContext(connection) as queries:
        stacy_client.get(url)

    tables = {t for q in queries.captured_queries for t in re.findall(r'"(\w+)"\.', q["sql"])}
    assert tables <= SIGN_IN_TABLES | {"selfcare_account", "selfcare_pagechange"}
    assert len(queries) <= 3


@pytest.mark.parametrize("url", PAGES)
def test_a_page_made_for_the_cache_costs_one_query_more_than_a_hard_reload(stacy_client, url):
    _get(stacy_client, url)  # the CSRF cookie
    with CaptureQueriesContext(connection) as hard_reload:
        stacy_client.get(url, headers={"Cache-Control": "no-cache"})
    with CaptureQueriesContext(connection) as kept:
        made = _get(stacy_client, url)[1]

    assert made
    assert len(kept) == len(hard_reload) + 1
    # Her versions are read before anything the page shows.
    shown = [i for i, query in enumerate(kept) if "selfcare_pagechange" in query["sql"]]
    assert shown
    assert shown[0] < min(i for i, q in enumerate(kept) if "selfcare_ledgerentry" in q["sql"])


@pytest.mark.parametrize("url", PAGES)
def test_every_table_a_page_reads_is_watched_by_a_trigger(stacy_client, url):
    """A new query on a page, on a table no trigger watches, would let the cache serve a stale
    page: this fails until the table is watched (`watch(...)` in its app's AppConfig.ready)."""
    with CaptureQueriesContext(connection) as queries:
        response = stacy_client.get(url, headers={"Cache-Control": "no-cache"})
    assert response.status_code == 200
    assert "Waiting for your code" in response.text  # the awaiting-order look-up ran too

    read = {
        table
        for query in queries.captured_queries
        for table in re.findall(r'(?:FROM|JOIN)\s+"(\w+)"', query["sql"])
    }
    assert "selfcare_bucket" in read or url != "/"
    assert read - {"django_session", "auth_user", "selfcare_pagechange"} <= watched_tables(
        connection
    )


def _add_ledger_entry(customer):
    LedgerEntry.objects.create(
        account=customer.account, amount=Decimal("5.00"), kind="top_up", reference="fix-1"
    )
    return '<span id="balance">€25.00</span>'


def _use_data(customer):
    Bucket.objects.filter(line__customer=customer).update(used=15360 - 1024)
    return "1 GB left"


def _suspend_add_on(customer):
    ProductInstance.objects.filter(customer=customer, status="active").update(status="suspended")
    return ">Suspended</span>"


def _read_messages(customer):
    assert Notification.objects.filter(customer=customer, read_at__isnull=True).exists()
    Notification.objects.filter(customer=customer).update(read_at=timezone.now())
    return '!<span class="badge">'


def _rename_her(customer):
    customer.name = "Stacy Jones"
    customer.save(update_fields=["name"])
    return "Stacy Jones"


def _cancel_waiting_order(customer):
    Order.objects.filter(customer=customer, status="pending").update(status="cancelled")
    return "!Waiting for your code"


def _rename_offer(customer):
    Offer.objects.filter(name="Roaming Week").update(name="Roaming Fortnight")
    return "Roaming Fortnight"


def _retire_offer(customer):
    Offer.objects.filter(name="Roaming Week").update(status=Offer.Status.RETIRED)
    return "!Roaming Week"


def _add_rule(customer):
    Offer.objects.get(name="Roaming Week").requires_offers.add(OfferFactory(name="Base Bundle"))
    return "!Roaming Week"


WRITES = {
    # Each behind the services' back, as a fix-up in a shell or an admin edit would be.
    "/": [_add_ledger_entry, _use_data, _suspend_add_on, _read_messages, _rename_her],
    "/offers/": [
        _add_ledger_entry,
        _suspend_add_on,
        _cancel_waiting_order,
        _rename_offer,
        _retire_offer,
        _add_rule,
    ],
}


@pytest.mark.parametrize(
    ("url", "write"), [(url, write) for url, writes in WRITES.items() for write in writes]
)
def test_any_write_she_could_see_makes_the_page_again(stacy, stacy_client, url, write):
    before = _warm(stacy_client, url)

    expected = write(stacy)
    response, made = _get(stacy_client, url)

    assert made
    if expected.startswith("!"):
        assert expected[1:] in before.text
        assert expected[1:] not in response.text
    else:
        assert expected not in before.text
        assert expected in response.text


def test_writes_she_cannot_see_leave_the_cache_alone(stacy, stacy_client):
    from selfcare.services import interaction_record

    before = _warm(stacy_client, "/")
    other = CustomerFactory()
    LedgerEntry.objects.create(
        account=other.account, amount=Decimal("5.00"), kind="top_up", reference="other-1"
    )
    interaction_record(customer=stacy, kind="note", channel="agent", summary="Called about it")

    response, made = _get(stacy_client, "/")

    assert not made
    assert _page(response) == _page(before)


def test_times_on_a_cached_page_move_on_with_the_minute(stacy, stacy_client):
    ends = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(hours=2)
    ProductInstance.objects.filter(customer=stacy, status="active").update(ends_at=ends)
    with time_machine.travel(ends - dt.timedelta(minutes=30, seconds=10), tick=False):
        before = _warm(stacy_client, "/")
    with time_machine.travel(ends - dt.timedelta(minutes=29, seconds=50), tick=False):
        response, made = _get(stacy_client, "/")

    assert "(30\xa0minutes left)" in before.text
    assert made
    assert "(29\xa0minutes left)" in response.text


def test_an_offer_that_goes_off_sale_on_the_minute_is_gone_on_that_minute(stacy, stacy_client):
    ends = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=5)
    Offer.objects.filter(name="Roaming Week").update(available_until=ends)
    with time_machine.travel(ends - dt.timedelta(seconds=1), tick=False):
        assert "Roaming Week" in _warm(stacy_client, "/offers/").text
    with time_machine.travel(ends, tick=False):
        assert "Roaming Week" not in stacy_client.get("/offers/").text


def test_each_session_gets_its_own_page_and_its_csrf_token_works(stacy, stacy_client):
    _warm(stacy_client, "/offers/")
    phone = Client(enforce_csrf_checks=True)
    phone.force_login(stacy.user)
    _get(phone, "/offers/")
    page = _warm(phone, "/offers/")

    assert not set(_keys(page)) & set(_keys(stacy_client.get("/offers/")))
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page.text).group(1)
    roaming = Offer.objects.get(name="Roaming Week")
    key = re.search(
        rf'addons/{roaming.pk}/on/" hx-vals=\'{{"idempotency_key": "([^"]+)"', page.text
    ).group(1)
    response = phone.post(
        f"/addons/{roaming.pk}/on/",
        {"idempotency_key": key},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )

    assert response.status_code == 200
    assert ProductInstance.objects.filter(customer=stacy, offer=roaming).count() == 1


def test_every_page_served_from_the_cache_carries_new_idempotency_keys(stacy_client):
    """Two tabs opened on the same page never share a tap: turning an add-on on in one, then off,
    then on in the other buys it again instead of replaying the first order."""
    first = _warm(stacy_client, "/offers/")
    second, made = _get(stacy_client, "/offers/")

    assert not made
    assert len(_keys(second)) == len(_keys(first)) >= 1
    assert not set(_keys(second)) & set(_keys(first))
    assert len(set(_keys(second))) == len(_keys(second))


def test_a_hard_reload_makes_the_page_again(stacy_client):
    before = _warm(stacy_client, "/offers/")

    response, made = _get(stacy_client, "/offers/", **{"Cache-Control": "no-cache"})

    assert made
    assert not set(_keys(before)) & set(_keys(response))


def test_a_page_with_messages_to_show_is_made_for_them_and_not_kept(stacy_client):
    before = _warm(stacy_client, "/")
    # What a checkout leaves for the page it redirects to.
    cookie = CookieStorage(HttpRequest())._encode([Message(25, "Thank you: 1 on the way.")])
    stacy_client.cookies["messages"] = cookie

    shown, made = _get(stacy_client, "/")
    after, made_after = _get(stacy_client, "/")

    assert made
    assert "Thank you: 1 on the way." in shown.text
    assert not made_after
    assert _page(after) == _page(before)  # the page with the message was not kept


def test_htmx_requests_and_query_strings_are_never_served_from_the_cache(stacy_client):
    _warm(stacy_client, "/")

    assert _get(stacy_client, "/", **{"HX-Request": "true"})[1]
    assert _get(stacy_client, "/?focus=1")[1]


def test_with_the_page_cache_off_every_load_makes_the_page(stacy_client, settings):
    settings.PAGE_CACHE = None
    _get(stacy_client, "/")

    assert _get(stacy_client, "/")[1]
    assert _get(stacy_client, "/")[1]
