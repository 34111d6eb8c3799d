"""The customer's journeys through the portal, over HTTP, on the demo data."""

import re

import pytest

from orders.models import Order, ProductInstance
from selfcare.models import BYTES_PER_MB as MB
from selfcare.models import LedgerEntry
from tests.orders.helpers import tap

pytestmark = pytest.mark.django_db

# A tap as htmx sends it: the answer is the switch's card (without JavaScript the same forms are
# answered with a redirect and a message: test_without_javascript.py).
HTMX = {"HTTP_HX_REQUEST": "true"}


def switch_html(response, offer):
    match = re.search(
        rf'<article[^>]*id="addon-{offer.pk}".*?</article>', response.text, flags=re.S
    )
    assert match, f"no switch for {offer.name}"
    return match.group(0)


def status_of(html):
    return re.search(r'class="switch-status"[^>]*>\s*(.*?)\s*</span>', html, flags=re.S).group(1)


def test_stacy_logs_in_and_sees_her_line_balance_and_allowances(login):
    client = login("stacy")

    response = client.get("/")

    assert response.status_code == 200
    assert "Hello, Stacy Martin" in response.text
    assert "+351 910 000 001" in response.text
    assert '<span id="balance">€30.00</span>' in response.text
    assert "1.9 GB left of 5 GB" in response.text  # 5120 - 3180 MB of plan data
    assert re.search(rf'<progress max="{5120 * MB}"\s+value="{3180 * MB}"', response.text)
    assert "You have no add-ons yet." in response.text


def test_the_offers_page_shows_a_switch_per_offer_named_by_the_offer(login, offers):
    response = login("stacy").get("/offers/")

    for name in ("Data 15GB", "Mobile TV Night Pass", "Games Club"):
        html = switch_html(response, offers[name])
        pk = offers[name].pk
        assert f'<h3 class="addon-name" id="offer-{pk}-name">{name}</h3>' in html
        assert 'role="switch"' in html
        assert 'aria-checked="false"' in html
        assert f'aria-labelledby="offer-{pk}-name"' in html
        assert status_of(html) == "Off"


def test_tapping_on_shows_activating_at_once_then_active_by_itself(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    night = offers["Mobile TV Night Pass"]

    # when she taps the switch (the job has not run yet)
    with django_capture_on_commit_callbacks() as jobs:
        response = client.post(f"/addons/{night.pk}/on/", tap(night, "tap-0000001"), **HTMX)

    # then the switch says "Activating…", is on, polls, and her balance shows the charge
    html = switch_html(response, night)
    assert response.status_code == 200
    assert status_of(html) == "Activating…"
    assert 'aria-checked="true"' in html
    assert 'aria-disabled="true"' in html
    assert f'hx-get="/addons/{night.pk}/?was=pending_active" hx-trigger="every 700ms"' in html
    assert '<span id="balance" hx-swap-oob="true">€28.00</span>' in response.text
    assert re.search(r"Mobile TV Night Pass:\s+activating", response.text)

    # when the worker has activated it, the next poll settles the switch and announces it
    jobs[0]()
    response = client.get(f"/addons/{night.pk}/?was=pending_active")
    html = switch_html(response, night)
    assert status_of(html) == "Active"
    assert "hx-trigger" not in html
    assert "04:00" in html  # until 04:00 next morning
    assert re.search(
        r'<div hx-swap-oob="innerHTML:#live-region">\s*Mobile TV Night Pass:\s+active',
        response.text,
    )

    # and a poll with no change announces nothing
    response = client.get(f"/addons/{night.pk}/?was=active")
    assert "live-region" not in response.text


def test_switching_off_confirms_the_refund_then_credits_exactly_that(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    data = offers["Data 15GB"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/addons/{data.pk}/on/", tap(data, "tap-0000001"))
    instance = ProductInstance.objects.get(offer=data)
    assert instance.status == "active"

    # when she taps it off, she is asked first, with the amount
    response = client.get(f"/addons/owned/{instance.pk}/off/")
    assert "Switch off Data 15GB?" in response.text
    assert "<strong>€10.00 back to your balance.</strong>" in response.text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', response.text).group(1)
    assert 'name="expected_refund" value="10.00"' in response.text

    # when she confirms
    with django_capture_on_commit_callbacks() as jobs:
        response = client.post(
            f"/addons/owned/{instance.pk}/off/",
            {"idempotency_key": key, "expected_refund": "10.00"},
            **HTMX,
        )

    # then the switch goes off, the balance shows the refund, and the job finishes it
    html = switch_html(response, data)
    assert status_of(html) == "Switching off…"
    assert 'aria-checked="false"' in html
    assert '<span id="balance" hx-swap-oob="true">€30.00</span>' in response.text
    jobs[0]()
    html = switch_html(client.get(f"/addons/{data.pk}/?was=pending_terminate"), data)
    assert status_of(html) == "Off"
    assert LedgerEntry.objects.get(kind="refund").amount == 10


def test_a_night_pass_off_says_nothing_will_be_refunded(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    night = offers["Mobile TV Night Pass"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/addons/{night.pk}/on/", tap(night, "tap-0000001"))
    instance = ProductInstance.objects.get(offer=night)

    response = client.get(f"/addons/owned/{instance.pk}/off/")

    assert "<strong>Nothing will be refunded</strong> (no refund)." in response.text


def test_a_failed_activation_shows_on_the_switch_with_its_reason_and_refunds(
    login, offers, settings, celery_runs_retries, django_capture_on_commit_callbacks
):
    settings.NETWORK_SIMULATED_FAILURE_RATE = 1.0
    settings.ACTIVATION_MAX_RETRIES = 1
    client = login("stacy")
    games = offers["Games Club"]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/addons/{games.pk}/on/", tap(games, "tap-0000001"))
    response = client.get(f"/addons/{games.pk}/?was=pending_active")

    html = switch_html(response, games)
    assert status_of(html) == "Failed — refunded"
    assert "The network did not confirm the activation in time." in html
    assert 'aria-checked="false"' in html
    assert '<span id="balance" hx-swap-oob="true">€30.00</span>' in response.text
    assert Order.objects.get().status == "failed"


def test_sam_is_suspended_sees_no_offers_and_is_told_why(login):
    response = login("sam").get("/offers/")

    assert 'role="switch"' not in response.text
    assert (
        "Your line is suspended: an unpaid top-up card was charged back. Call us on 1696 to "
        "reactivate it." in response.text
    )


def test_the_orders_page_lists_orders_with_their_status_history(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/addons/{offers['Data 15GB'].pk}/on/", tap(offers["Data 15GB"], "tap-0000001")
        )

    response = client.get("/orders/")

    order = Order.objects.get()
    assert f"Order #{order.pk}" in response.text
    assert "Switch on Data 15GB" in response.text
    assert "Charged €10.00" in response.text
    history = re.search(r'<ol class="history".*?</ol>', response.text, flags=re.S).group(0)
    assert re.findall(r"</time>\s+(\w[\w ]*?)\s+</li>", history) == [
        "Acknowledged",
        "In progress",
        "Completed",
    ]


def test_the_dashboard_lists_her_add_ons_with_their_switches(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/addons/{offers['Data 15GB'].pk}/on/", tap(offers["Data 15GB"], "tap-0000001")
        )

    response = client.get("/")

    html = switch_html(response, offers["Data 15GB"])
    assert status_of(html) == "Active"
    assert "Data 15GB data" in response.text  # its allowance, with a usage bar
    assert '<span id="balance">€20.00</span>' in response.text


def test_staff_without_a_line_are_sent_to_their_tools(login):
    response = login("pm").get("/")

    assert response.status_code == 403
    assert "This portal is for customers" in response.text
    assert 'href="/admin/"' in response.text


def test_every_switch_on_a_page_carries_its_own_fresh_key_that_a_tap_sends(login, offers):
    client = login("stacy")

    page = client.get("/offers/").text
    keys = re.findall(r'name="idempotency_key" value="([^"]*)"', page)

    assert len(keys) >= 3
    assert all(re.fullmatch(r"[0-9a-f-]{36}", key) for key in keys)
    assert len(set(keys)) == len(keys)
    for _ in range(2):  # every load is made for its request, with keys of its own
        again = re.findall(r'name="idempotency_key" value="([^"]*)"', client.get("/offers/").text)
        assert len(again) == len(keys)
        assert not set(again) & set(keys)
    data = offers["Data 15GB"]
    card = re.search(rf'id="addon-{data.pk}".*?</article>', page, flags=re.S).group(0)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', card).group(1)
    price = re.search(r'name="expected_price" value="([^"]+)"', card).group(1)
    response = client.post(
        f"/addons/{data.pk}/on/", {"idempotency_key": key, "expected_price": price}, **HTMX
    )
    assert response.status_code == 200


def test_pages_load_htmx_alone_so_a_refusal_is_swapped_into_its_card(login):
    # django-htmx's debug helper replaces the whole page on any 4xx when DEBUG is on
    page = login("stacy").get("/offers/").text

    assert '<script src="/static/django_htmx/htmx-2.min.js" defer></script>' in page
    assert "django-htmx.js" not in page


def test_the_operators_name_is_in_the_title_and_header(login, settings):
    settings.OPERATOR_NAME = "Acme Mobile"

    page = login("stacy").get("/").text

    assert "· Acme Mobile</title>" in page
    assert ">Acme Mobile</a>" in page


def test_a_switch_change_tells_the_page_and_the_dashboard_refreshes_its_allowances(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    page = client.get("/").text
    assert 'hx-get="/allowances/"' in page
    assert 'hx-trigger="addons-changed from:body"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/addons/{offers['Data 15GB'].pk}/on/",
            tap(offers["Data 15GB"], "tap-0000001"),
            **HTMX,
        )
    assert response["HX-Trigger"] == "addons-changed"
    # a poll that changes nothing does not
    assert "HX-Trigger" not in client.get(f"/addons/{offers['Data 15GB'].pk}/?was=active")

    allowances = client.get("/allowances/").text
    assert "Data 15GB data" in allowances
    assert "15 GB left of 15 GB" in allowances
    assert "<h1>" not in allowances
