"""Every wrong request gets a clear message or a 4xx, changes nothing, and is never a 500."""

import pytest
from django.test import Client

from orders.models import Order, ProductInstance
from selfcare.models import LedgerEntry
from tests.orders.helpers import shown_price, tap

pytestmark = pytest.mark.django_db

# As htmx posts from the card: the answer is the card with the reason (the same posts without
# JavaScript are answered with a redirect and a message: test_without_javascript.py).
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def state():
    """A snapshot of everything a request could write."""

    def snapshot():
        return (
            Order.objects.count(),
            ProductInstance.objects.count(),
            list(LedgerEntry.objects.values_list("pk", flat=True)),
            list(ProductInstance.objects.values_list("status", flat=True)),
        )

    return snapshot


@pytest.fixture
def stacy_active_data(login, offers, django_capture_on_commit_callbacks):
    client = login("stacy")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/addons/{offers['Data 15GB'].pk}/on/", tap(offers["Data 15GB"], "tap-0000001")
        )
    return ProductInstance.objects.get()


def test_a_tap_by_a_customer_who_is_not_eligible_is_refused_with_the_reason(login, offers, state):
    client = login("sam")
    before = state()

    response = client.post(
        f"/addons/{offers['Data 15GB'].pk}/on/", tap(offers["Data 15GB"], "tap-0000001"), **HTMX
    )

    assert response.status_code == 409
    assert "Your line is suspended: an unpaid top-up card was charged back." in response.text
    assert 'role="alert"' in response.text
    assert state() == before


def test_a_tap_without_enough_balance_says_so(
    login, offers, state, django_capture_on_commit_callbacks
):
    client = login("tom")  # €15
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/addons/{offers['Data 15GB'].pk}/on/", tap(offers["Data 15GB"], "tap-0000001")
        )
    before = state()

    response = client.post(
        f"/addons/{offers['Games Club'].pk}/on/", tap(offers["Games Club"], "tap-0000002"), **HTMX
    )
    response = client.post(
        f"/addons/{offers['Data 15GB'].pk}/on/", tap(offers["Data 15GB"], "tap-0000003"), **HTMX
    )

    assert response.status_code == 409
    assert "Data 15GB is already on." in response.text
    assert state()[0] == before[0] + 1  # only the Games Club order (€3.99 of €5 left)
    response = client.post(
        f"/addons/{offers['Mobile TV Night Pass'].pk}/on/",
        tap(offers["Mobile TV Night Pass"], "tap-0000004"),
        **HTMX,
    )
    assert response.status_code == 409
    assert "Your balance is €1.01; this costs €2.00. Top up and try again." in response.text


def test_a_request_without_the_csrf_token_is_forbidden(demo, offers, state):
    from django.contrib.auth.models import User

    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="stacy"))
    before = state()

    response = client.post(
        f"/addons/{offers['Data 15GB'].pk}/on/", tap(offers["Data 15GB"], "tap-0000001")
    )

    assert response.status_code == 403
    assert state() == before


def test_a_replayed_tap_changes_nothing(login, offers, state):
    client = login("stacy")
    url = f"/addons/{offers['Data 15GB'].pk}/on/"
    client.post(url, tap(offers["Data 15GB"], "tap-0000001"))
    before = state()

    response = client.post(url, tap(offers["Data 15GB"], "tap-0000001"), **HTMX)

    assert response.status_code == 200
    assert state() == before


def test_switching_off_another_customers_add_on_is_not_found(login, stacy_active_data, state):
    client = login("tom")
    before = state()

    for method in ("get", "post"):
        response = getattr(client, method)(
            f"/addons/owned/{stacy_active_data.pk}/off/",
            {"idempotency_key": "off-0000001", "expected_refund": "10.00"},
        )
        assert response.status_code == 404

    assert state() == before


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/addons/999999/"),
        ("get", "/addons/99999999999999999999999/"),
        ("post", "/addons/99999999999999999999999/on/"),
        ("post", "/addons/999999/on/"),
        ("get", "/addons/owned/999999/off/"),
        ("post", "/addons/owned/999999/off/"),
    ],
)
def test_unknown_ids_are_not_found(login, state, method, url):
    client = login("stacy")
    before = state()

    response = getattr(client, method)(url, {"idempotency_key": "tap-0000001"})

    assert response.status_code == 404
    assert state() == before


def test_a_draft_offer_cannot_be_reached_by_its_id(login, state):
    from tests.factories import OfferFactory

    draft = OfferFactory(draft=True)
    client = login("stacy")
    before = state()

    assert client.get(f"/addons/{draft.pk}/").status_code == 404
    assert client.post(f"/addons/{draft.pk}/on/", tap(draft, "k-000001")).status_code == 404
    assert state() == before


@pytest.mark.parametrize(
    "data",
    [{}, {"idempotency_key": ""}, {"idempotency_key": "short"}, {"idempotency_key": "x" * 65}],
)
def test_a_malformed_tap_is_a_bad_request(login, offers, state, data):
    client = login("stacy")
    before = state()

    response = client.post(f"/addons/{offers['Data 15GB'].pk}/on/", data, **HTMX)

    assert response.status_code == 400
    assert "That request was malformed; please tap again." in response.text
    assert state() == before


@pytest.mark.parametrize("price", [None, "", "ten", "-1"])
def test_a_tap_without_the_price_on_its_card_is_a_bad_request(login, offers, state, price):
    client = login("stacy")
    before = state()
    data = {"idempotency_key": "tap-0000001"}
    if price is not None:
        data["expected_price"] = price

    response = client.post(f"/addons/{offers['Data 15GB'].pk}/on/", data, HTTP_HX_REQUEST="true")

    assert response.status_code == 400
    assert "That request was malformed; please tap again." in response.text
    assert 'role="alert"' in response.text
    assert state() == before
    assert not Order.objects.exists()
    assert not LedgerEntry.objects.exclude(kind="top_up").exists()
    # and the same tap with the price on the card is taken
    data["expected_price"] = shown_price(offers["Data 15GB"])
    response = client.post(f"/addons/{offers['Data 15GB'].pk}/on/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "name", ["My Fixed Price Bundle", "Gift 1GB", "Travel Line 30 days", "Monthly Bundle"]
)
@pytest.mark.parametrize("price", [None, "", "ten"])
@pytest.mark.parametrize("as_page", [False, True])
def test_a_form_without_the_price_it_showed_is_a_bad_request(
    login, offers, state, name, price, as_page
):
    import datetime as dt

    from django.utils import timezone

    from tests.selfcare.test_sims import VALID

    answers = {
        "My Fixed Price Bundle": {"data": "20gb", "voice": "unlimited", "extra": "vod"},
        "Gift 1GB": {"friend_msisdn": "351910000002"},
        "Travel Line 30 days": {"iccid": VALID},
        "Monthly Bundle": {
            "starts_at": (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        },
    }[name]
    client = login("stacy")
    offer = offers[name]
    before = state()
    data = {"idempotency_key": "tap-0000001", **answers}
    if price is not None:
        data["expected_price"] = price
    # as htmx posts it from the card, or as the no-JavaScript page posts it
    extra = {"page": "1"} if as_page else {}
    headers = {} if as_page else {"HTTP_HX_REQUEST": "true"}

    response = client.post(f"/addons/{offer.pk}/configure/", {**data, **extra}, **headers)

    assert response.status_code == 400
    assert "That request was malformed; please try again." in response.text
    assert ("<html" in response.text) == as_page
    assert state() == before
    assert not Order.objects.exists()
    assert not LedgerEntry.objects.exclude(kind="top_up").exists()
    # and the same answers with the price the form shows are taken
    data["expected_price"] = shown_price(offer, **answers)
    response = client.post(f"/addons/{offer.pk}/configure/", {**data, **extra}, **headers)
    assert response.status_code == (302 if as_page else 200)


@pytest.mark.parametrize(
    "data",
    [
        {"idempotency_key": "off-0000001"},
        {"idempotency_key": "off-0000001", "expected_refund": "ten"},
        {"idempotency_key": "off-0000001", "expected_refund": "-1"},
    ],
)
def test_a_malformed_switch_off_is_a_bad_request(login, stacy_active_data, state, data):
    client = login("stacy")
    before = state()

    response = client.post(f"/addons/owned/{stacy_active_data.pk}/off/", data, **HTMX)

    assert response.status_code == 400
    assert state() == before


def test_a_switch_off_with_a_stale_amount_is_refused_with_the_new_one(
    login, stacy_active_data, state
):
    from selfcare.models import BYTES_PER_MB as MB
    from selfcare.models import Bucket

    Bucket.objects.filter(granted_by_instance=stacy_active_data.pk).update(used=1536 * MB)
    client = login("stacy")
    before = state()

    response = client.post(
        f"/addons/owned/{stacy_active_data.pk}/off/",
        {"idempotency_key": "off-0000001", "expected_refund": "10.00"},
        **HTMX,
    )

    assert response.status_code == 409
    assert "The refund is now €9.00, not what you were shown. Please confirm again." in (
        response.text
    )
    assert state() == before


@pytest.mark.parametrize("url", ["/addons/1/on/", "/addons/owned/1/off/"])
def test_wrong_methods_are_refused(login, url):
    assert login("stacy").put(url).status_code == 405


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/"),
        ("get", "/offers/"),
        ("get", "/orders/"),
        ("get", "/addons/1/"),
        ("post", "/addons/1/on/"),
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(client, method, url):
    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={url}"


def test_an_htmx_request_from_an_expired_session_sends_the_page_to_log_in(client):
    response = client.get(
        "/addons/1/", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/offers/"}
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/offers/"


def test_a_customer_without_a_line_is_told_so(client):
    from tests.factories import CustomerFactory

    customer = CustomerFactory()
    customer.lines.all().delete()
    client.force_login(customer.user)

    for url in ("/", "/offers/", "/addons/1/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "You have no line with us right now" in response.text


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        ("tomorrow evening", "Enter a date and time, e.g. 2026-12-24 18:00."),
        ("2020-01-01T10:00", "Pick a start in the future."),
        ("2099-01-01T10:00", "Pick a start within the next 90 days."),
    ],
)
def test_a_wrong_start_date_is_said_next_to_the_field(login, offers, state, starts_at, message):
    client = login("stacy")
    before = state()

    response = client.post(
        f"/addons/{offers['Monthly Bundle'].pk}/configure/",
        {
            "idempotency_key": "tap-0000001",
            "expected_price": shown_price(offers["Monthly Bundle"]),
            "starts_at": starts_at,
        },
    )

    assert response.status_code == 400
    assert f'role="alert">{message}</p>' in response.text
    assert state() == before


def test_a_start_later_is_scheduled(login, offers):
    import datetime as dt

    from django.utils import timezone

    client = login("stacy")
    later = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(
        f"/addons/{offers['Monthly Bundle'].pk}/configure/",
        {
            "idempotency_key": "tap-0000001",
            "expected_price": shown_price(offers["Monthly Bundle"]),
            "starts_at": later,
        },
        **HTMX,
    )

    assert response.status_code == 200
    instance = ProductInstance.objects.get()
    assert instance.status == "scheduled"
    assert "Scheduled" in response.text
    assert "Starts " in response.text


@pytest.mark.parametrize("code", ["", "12 34", "abcdef", "1234567"])
def test_a_malformed_code_is_said_next_to_the_field(login, offers, code):
    from tests.selfcare.test_sims import VALID

    client = login("stacy")
    client.post(
        f"/addons/{offers['Travel Line 30 days'].pk}/configure/",
        {**tap(offers["Travel Line 30 days"], "tap-0000001"), "iccid": VALID},
    )
    order = Order.objects.get()

    response = client.post(f"/orders/{order.pk}/confirm/", {"code": code})

    assert response.status_code == 400
    assert 'class="field-error"' in response.text
    order.refresh_from_db()
    assert order.status == "pending"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "manage/"),
        ("get", "change/"),
        ("post", "suspend/"),
        ("post", "stop_renewal/"),
    ],
)
def test_another_customers_add_on_cannot_be_managed(login, stacy_active_data, state, method, path):
    client = login("tom")
    before = state()

    response = getattr(client, method)(
        f"/addons/owned/{stacy_active_data.pk}/{path}", {"idempotency_key": "k-0000001"}
    )

    assert response.status_code == 404
    assert state() == before


def test_an_unknown_control_is_not_found(login, stacy_active_data):
    response = login("stacy").post(
        f"/addons/owned/{stacy_active_data.pk}/explode/", {"idempotency_key": "k-0000001"}
    )

    assert response.status_code == 404


def test_someone_elses_order_code_and_gift_are_not_found(login, offers):
    from tests.selfcare.test_sims import VALID

    stacy = login("stacy")
    stacy.post(
        f"/addons/{offers['Travel Line 30 days'].pk}/configure/",
        {**tap(offers["Travel Line 30 days"], "tap-0000001"), "iccid": VALID},
    )
    order = Order.objects.get()
    stacy.logout()
    tom = login("tom")

    assert tom.post(f"/orders/{order.pk}/confirm/", {"code": "123456"}).status_code == 404
    assert tom.get(f"/orders/{order.pk}/code/").status_code == 404
    assert tom.post("/gifts/999999/accept/").status_code == 404
