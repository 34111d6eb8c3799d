"""The in-app inbox: her messages only, newest first; read one or all; the unread badge."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from selfcare.models import Notification
from selfcare.services import notification_deliver, notification_fail, notification_send
from tests.factories import CustomerFactory, OfferFactory, UserFactory
from tests.orders.helpers import buy

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def message(customer, offer_name, medium=None, *, delivered=True):
    sent = notification_send(
        customer=customer,
        template="addon_active",
        medium=medium,
        context={"offer_name": offer_name, "msisdn": "351960000001"},
    )
    if delivered:
        notification_deliver(notification_id=sent.pk)
    return sent


def subjects(response) -> list[str]:
    return re.findall(r'<h2 id="message-\d+-subject">(.*?)</h2>', response.text)


def nav_inbox(html: str) -> str:
    """The Inbox link's accessible name: its aria-label, else its text."""
    link = re.search(r'<a id="nav-inbox"(.*?)>(.*?)</a>', html, re.DOTALL)
    label = re.search(r'aria-label="([^"]*)"', link.group(1))
    return label.group(1) if label else " ".join(re.sub(r"<[^>]+>", "", link.group(2)).split())


@pytest.fixture
def other(db):
    return CustomerFactory()


def test_the_inbox_lists_her_messages_newest_first_and_nothing_else(
    customer, other, customer_client, settings
):
    message(customer, "First", medium="in_app")
    message(customer, "Second")  # SMS through the console: mirrored to her inbox
    queued = message(customer, "Third", medium="in_app", delivered=False)
    failed = message(customer, "Never delivered", delivered=False)
    notification_fail(notification_id=failed.pk, error="Gateway refused it")
    customer.email = "ana@example.com"
    customer.save()
    message(customer, "By e-mail", medium="email")
    message(other, "Not hers", medium="in_app")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # real e-mail: not here

    response = customer_client.get("/inbox/")

    assert response.status_code == 200
    assert subjects(response) == ["Third is active", "Second is active", "First is active"]
    assert "Not hers" not in response.text
    card = re.search(rf'<article[^>]*id="message-{queued.pk}".*?</article>', response.text, re.S)
    assert "In-app" in card.group(0)
    assert "Unread" in card.group(0)
    assert "Mark as read" in card.group(0)
    assert f'action="/inbox/{queued.pk}/read/"' in card.group(0)


def test_with_a_real_sms_gateway_her_texts_are_not_in_the_inbox(
    customer, customer_client, settings
):
    message(customer, "Texted")
    settings.NOTIFICATION_BACKENDS = {
        **settings.NOTIFICATION_BACKENDS,
        "sms": "selfcare.notifications.HttpSmsGatewayBackend",
    }

    response = customer_client.get("/inbox/")

    assert subjects(response) == []
    assert "No messages yet." in response.text
    assert nav_inbox(response.text) == "Inbox"


def test_a_visitor_is_sent_to_log_in(client):
    response = client.get("/inbox/")

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/inbox/")


def test_every_page_shows_how_many_are_unread(customer, other, customer_client):
    message(customer, "One", medium="in_app")
    message(customer, "Two")
    message(other, "Not hers", medium="in_app")

    page = customer_client.get("/").text

    assert nav_inbox(page) == "Inbox, 2 unread"
    assert '<span class="badge">2</span>' in page


def test_the_badge_costs_one_count_query_on_a_page_and_none_in_a_partial(customer, customer_client):
    message(customer, "One", medium="in_app")
    offer = OfferFactory(data_mb=100)
    buy(customer, offer)  # not activated: the switch polls

    with CaptureQueriesContext(connection) as page:
        customer_client.get("/")
    with CaptureQueriesContext(connection) as poll:
        customer_client.get(f"/addons/{offer.pk}/?was=pending_active", headers=HTMX)

    touching = [q["sql"] for q in page if "selfcare_notification" in q["sql"]]
    assert len(touching) == 1
    assert touching[0].startswith("SELECT COUNT(*)")
    assert not [q for q in poll if "selfcare_notification" in q["sql"]]


def test_staff_pages_count_nothing(client):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/inbox/")

    assert response.status_code == 403
    assert nav_inbox(response.text) == "Inbox"
    assert not [q for q in queries if "selfcare_notification" in q["sql"]]


def test_marking_one_read_without_javascript_goes_back_to_it(customer, customer_client):
    first = message(customer, "First", medium="in_app")
    second = message(customer, "Second", medium="in_app")

    response = customer_client.post(f"/inbox/{first.pk}/read/")

    assert (response.status_code, response["Location"]) == (302, f"/inbox/#message-{first.pk}")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None
    page = customer_client.get("/inbox/").text
    assert nav_inbox(page) == "Inbox, 1 unread"


def test_marking_one_read_with_htmx_swaps_the_message_and_the_badge(customer, customer_client):
    first = message(customer, "First", medium="in_app")
    message(customer, "Second", medium="in_app")

    response = customer_client.post(f"/inbox/{first.pk}/read/", headers=HTMX)

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<article class="card inbox-message"\n')
    assert f'id="message-{first.pk}"' in response.text
    assert "Mark as read" not in response.text
    assert "Unread" not in response.text
    assert 'hx-swap-oob="true"' in response.text
    assert nav_inbox(response.text) == "Inbox, 1 unread"
    assert "Mark all as read" in response.text  # one is still unread
    assert '<div id="live-region" hx-swap-oob="innerHTML">Marked as read.</div>' in response.text


def test_reading_a_message_again_keeps_when_it_was_first_read(customer, customer_client):
    first = message(customer, "First", medium="in_app")
    customer_client.post(f"/inbox/{first.pk}/read/")
    first.refresh_from_db()
    read_at = first.read_at

    response = customer_client.post(f"/inbox/{first.pk}/read/")

    assert response.status_code == 302
    first.refresh_from_db()
    assert first.read_at == read_at


def test_reading_is_a_post(customer, customer_client):
    first = message(customer, "First", medium="in_app")

    response = customer_client.get(f"/inbox/{first.pk}/read/")

    assert response.status_code == 405
    first.refresh_from_db()
    assert first.read_at is None


def test_another_customers_message_is_not_found_and_nothing_changes(
    customer, other, customer_client
):
    hers = message(customer, "Hers", medium="in_app")
    theirs = message(other, "Theirs", medium="in_app")

    response = customer_client.post(f"/inbox/{theirs.pk}/read/")

    assert response.status_code == 404
    assert list(Notification.objects.order_by("pk").values_list("pk", "read_at")) == [
        (hers.pk, None),
        (theirs.pk, None),
    ]


def test_mark_all_read_without_javascript(customer, other, customer_client):
    message(customer, "One", medium="in_app")
    message(customer, "Two")
    theirs = message(other, "Theirs", medium="in_app")

    response = customer_client.post("/inbox/read-all/")

    assert (response.status_code, response["Location"]) == (302, "/inbox/")
    assert not Notification.objects.filter(customer=customer, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    page = customer_client.get("/inbox/").text
    assert nav_inbox(page) == "Inbox"
    assert "Mark all as read" not in page
    assert "Unread" not in page


def test_mark_all_read_with_htmx_swaps_the_list_and_the_badge(customer, customer_client):
    message(customer, "One", medium="in_app")
    message(customer, "Two", medium="in_app")

    response = customer_client.post("/inbox/read-all/", headers=HTMX)

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="inbox">')
    assert subjects(response) == ["Two is active", "One is active"]
    assert "Mark as read" not in response.text
    assert "Mark all as read" not in response.text
    assert nav_inbox(response.text) == "Inbox"
    assert "All messages marked as read." in response.text
