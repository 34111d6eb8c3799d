"""Each of the operator's examples walked end to end through the portal, on the demo data."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine

from campaigns.models import Gift
from orders.models import Order, ProductInstance
from selfcare.models import BYTES_PER_MB as MB
from selfcare.models import Bucket, LedgerEntry, Line, Notification
from selfcare.services import usage_ingest
from tests.orders.helpers import shown_price, tap
from tests.selfcare.test_sims import with_check_digit

pytestmark = pytest.mark.django_db

# The examples walked as htmx walks them, each answer a fragment of the page (without
# JavaScript the same forms are pages and redirects: test_without_javascript.py).
HTMX = {"HTTP_HX_REQUEST": "true"}


def tap_on(client, offer, key="tap-0000001", **fields):
    """What the offer's configure form posts: her answers and the price it shows for them."""
    data = {"idempotency_key": key, "expected_price": shown_price(offer, **fields), **fields}
    return client.post(f"/addons/{offer.pk}/configure/", data, **HTMX)


def field_error(response):
    return re.search(r'class="field-error"[^>]*>(.*?)</p>', response.text, flags=re.S).group(1)


def stacy_product(offers, name):
    return ProductInstance.objects.get(offer=offers[name], customer__user__username="stacy")


def test_data_15gb_refunds_unused_data_and_is_once_a_month(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    data = offers["Data 15GB"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/addons/{data.pk}/on/", tap(data, "tap-0000001"))
    instance = stacy_product(offers, "Data 15GB")
    # she uses up her plan's data (it ends first), then 5,944 MB of the 15 GB
    plan = Bucket.objects.get(line=instance.line, name="Plan data")
    usage_ingest(
        events=[
            {
                "id": "n-1",
                "msisdn": instance.line.msisdn,
                "service": "data",
                "quantity": plan.remaining + 5944 * MB,
                "unit": "bytes",
                "at": dt.datetime.now(dt.UTC).isoformat(),
            }
        ]
    )

    confirm = client.get(f"/addons/owned/{instance.pk}/off/")
    assert "<strong>€6.13 back to your balance.</strong>" in confirm.text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', confirm.text).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/addons/owned/{instance.pk}/off/", {"idempotency_key": key, "expected_refund": "6.13"}
        )

    assert LedgerEntry.objects.get(kind="refund").amount == Decimal("6.13")
    # and not again this month: the offers page says when
    page = client.get("/offers/")
    assert "You can buy this once per calendar month: available again on 1 " in page.text


def test_night_pass_tv_counts_against_tv_data_not_hers(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/addons/{offers['Mobile TV Night Pass'].pk}/on/",
            tap(offers["Mobile TV Night Pass"], "tap-0000001"),
        )
    line = Line.objects.get(customer__user__username="stacy")
    plan = Bucket.objects.get(line=line, name="Plan data")

    usage_ingest(
        events=[
            {
                "id": "tv-1",
                "msisdn": line.msisdn,
                "service": "tv",
                "quantity": 800 * MB,
                "unit": "bytes",
                "at": dt.datetime.now(dt.UTC).isoformat(),
            }
        ]
    )

    assert Bucket.objects.get(pk=plan.pk).used == plan.used
    assert Bucket.objects.get(line=line, scope="tv").used == 800 * MB


def test_gift_1gb_from_stacy_to_tom_both_get_1gb(
    login, client, offers, django_capture_on_commit_callbacks
):
    gift_offer = offers["Gift 1GB"]
    stacy = login("stacy")

    # a wrong number is said next to the field, and nothing is bought
    response = tap_on(stacy, gift_offer, friend_msisdn="351 999 000 000")
    assert response.status_code == 400
    assert field_error(response) == "That number is not one of ours: check it."
    assert not Order.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = tap_on(stacy, gift_offer, key="tap-0000002", friend_msisdn="351 910 000 002")
    assert response.status_code == 200
    gift = Gift.objects.get()
    assert Notification.objects.filter(
        customer__user__username="tom", subject="Stacy Martin gave you Gift 1GB"
    ).exists()

    # tom accepts in the portal
    client.logout()
    tom = login("tom")
    page = tom.get("/gifts/")
    assert "Gift 1GB from Stacy Martin" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = tom.post(f"/gifts/{gift.pk}/accept/", **HTMX)
    assert "Accepted: your gift is being activated." in response.text
    for username in ("stacy", "tom"):
        assert (
            Bucket.objects.get(
                line__customer__user__username=username, name="Gift 1GB data"
            ).initial
            == 1024 * MB
        )


def test_travel_line_validates_the_sim_confirms_with_a_code_then_opens_a_line(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    travel = offers["Travel Line 30 days"]

    response = tap_on(client, travel, iccid="8935 1012 3456")
    assert response.status_code == 400
    assert field_error(response) == "The SIM card number has 19 or 20 digits; this one has 12."

    sim = with_check_digit("893510123456789012")
    with django_capture_on_commit_callbacks(execute=True):
        response = tap_on(client, travel, key="tap-0000002", iccid=sim)
    assert "We sent a 6-digit code by SMS" in response.text
    order = Order.objects.get()
    code = re.match(r"(\d{6}) ", Notification.objects.get(medium="sms").body).group(1)

    response = client.post(f"/orders/{order.pk}/confirm/", {"code": "12345"}, **HTMX)
    assert field_error(response) == "The code has 6 digits."
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/orders/{order.pk}/confirm/", {"code": code}, **HTMX)

    assert response.status_code == 200
    second = Line.objects.get(temporary=True)
    assert (second.base_plan, second.iccid) == ("Family Bundle M", sim)


def test_loyalty_data_gives_stacy_300_mb_for_three_years(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/addons/{offers['Loyalty Data'].pk}/on/", tap(offers["Loyalty Data"], "tap-0000001")
        )

    assert Bucket.objects.get(name="Loyalty Data data").initial == 300 * MB
    assert not LedgerEntry.objects.filter(kind="charge").exists()  # free


def test_loyalty_data_is_not_offered_to_tom_with_two_months(login, offers):
    page = login("tom").get("/offers/")

    assert page.status_code == 200
    assert "Data 15GB" in page.text  # her offers page, with what she may buy
    assert "Loyalty Data" not in page.text


def test_video_rollover_turns_unused_plan_data_into_vod_data(
    login, offers, django_capture_on_commit_callbacks
):
    from orders.services import bucket_rollover_due

    client = login("stacy")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/addons/{offers['Video Rollover'].pk}/on/",
            tap(offers["Video Rollover"], "tap-0000001"),
        )
    plan = Bucket.objects.get(name="Plan data", line__customer__user__username="stacy")

    with time_machine.travel(plan.valid_until + dt.timedelta(minutes=1)):
        assert bucket_rollover_due() == 1

    rolled = Bucket.objects.get(rolled_from=plan)
    assert (rolled.scope, rolled.initial) == ("vod", plan.initial - plan.used)


def test_monthly_bundle_renews_cannot_refund_and_makes_games_club_wait(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/addons/{offers['Games Club'].pk}/on/", tap(offers["Games Club"], "tap-0000001")
        )
        client.post(
            f"/addons/{offers['Monthly Bundle'].pk}/on/",
            tap(offers["Monthly Bundle"], "tap-0000002"),
        )

    games = stacy_product(offers, "Games Club")
    bundle = stacy_product(offers, "Monthly Bundle")
    assert (games.status, bundle.status, bundle.renews) == ("suspended", "active", True)
    confirm = client.get(f"/addons/owned/{bundle.pk}/off/")
    assert "<strong>Nothing will be refunded</strong> (no refund)." in confirm.text

    # turning renewal off is shown with its consequence, then done
    panel = client.get(f"/addons/owned/{bundle.pk}/manage/")
    assert "then ends; it is not charged again." in panel.text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', panel.text).group(1)
    client.post(f"/addons/owned/{bundle.pk}/stop_renewal/", {"idempotency_key": key})
    bundle.refresh_from_db()
    assert (bundle.status, bundle.renews) == ("pending_terminate", False)


def test_my_fixed_price_bundle_options_and_a_change_with_its_price(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    bundle = offers["My Fixed Price Bundle"]

    response = tap_on(client, bundle, data="5gb", voice="300")
    assert response.status_code == 400
    assert field_error(response) == "Pick one of the extra options."

    with django_capture_on_commit_callbacks(execute=True):
        tap_on(client, bundle, key="tap-0000002", data="5gb", voice="300", extra="music")
    instance = stacy_product(offers, "My Fixed Price Bundle")
    assert instance.status == "active"

    url = f"/addons/owned/{instance.pk}/change/"
    preview = client.post(
        url, {"idempotency_key": "chg-000001", "data": "20gb", "voice": "300", "extra": "vod"}
    )
    assert "New price €20.00 every 30 days (was €15.00)." in preview.text
    due = re.search(r'name="expected_due_now" value="([^"]+)"', preview.text).group(1)
    assert Decimal(due) == Decimal("5.00")  # the whole period is left

    client.post(
        url,
        {
            "idempotency_key": "chg-000001",
            "data": "20gb",
            "voice": "300",
            "extra": "vod",
            "expected_due_now": due,
            "confirm": "1",
        },
    )
    instance.refresh_from_db()
    assert instance.options["data"] == "20gb"
    assert instance.price == Decimal("20.00")


def test_third_party_services_each_charge_is_its_own_line_in_her_history(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/addons/{offers['Games Club'].pk}/on/", tap(offers["Games Club"], "tap-0000001")
        )
        client.post(
            f"/addons/{offers['News Alerts'].pk}/on/", tap(offers["News Alerts"], "tap-0000002")
        )

    page = client.get("/account/")

    assert "Charge: Games Club" in page.text
    assert "Charge: News Alerts" in page.text
    assert "Top-up: Opening balance" in page.text
    assert '<span id="balance">€25.02</span>' in page.text


def test_a_change_of_options_cannot_be_confirmed_without_its_price(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    bundle = offers["My Fixed Price Bundle"]
    with django_capture_on_commit_callbacks(execute=True):
        tap_on(client, bundle, data="5gb", voice="300", extra="music")
    instance = stacy_product(offers, "My Fixed Price Bundle")

    response = client.post(
        f"/addons/owned/{instance.pk}/change/",
        {
            "idempotency_key": "chg-000001",
            "data": "20gb",
            "voice": "300",
            "extra": "music",
            "confirm": "1",
        },
    )

    assert response.status_code == 400
    assert "Check the price of this change before you confirm it." in response.text
    instance.refresh_from_db()
    assert instance.options["data"] == "5gb"
