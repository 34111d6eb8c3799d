"""Outgoing messages: written from templates, carried by the configured backend, retried, and
their delivery recorded."""

import datetime as dt
import json
import logging
import socket
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.utils import timezone

from selfcare.models import Interaction, Line, Notification, TopUp, TrackedLink
from selfcare.notifications import DeliveryError, EmailBackend, backend_for, inbox_media
from selfcare.services import (
    NOTIFICATION_TEMPLATES,
    notification_deliver,
    notification_retry_stuck,
    notification_send,
)
from selfcare.tasks import notification_backoff, notification_deliver_task
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

CONSOLE = "selfcare.notifications.ConsoleBackend"
FILE = "selfcare.notifications.FileBackend"
GATEWAY = "selfcare.notifications.HttpSmsGatewayBackend"


def use_sms_backend(settings, path):
    settings.NOTIFICATION_BACKENDS = {**settings.NOTIFICATION_BACKENDS, "sms": path}


def send(customer, template="addon_active", **kwargs):
    context = kwargs.pop("context", {"offer_name": "Data 15GB", "msisdn": "351960000001"})
    return notification_send(customer=customer, template=template, context=context, **kwargs)


def messages_recorded(customer):
    return list(
        Interaction.objects.filter(
            customer=customer,
            kind__in=[Interaction.Kind.MESSAGE_SENT, Interaction.Kind.MESSAGE_FAILED],
        ).values_list("kind", "summary")
    )


# --- Templates ---------------------------------------------------------------------------------

EVERY_VALUE = {
    "offer_name": "Data 15GB",
    "msisdn": "351960000001",
    "ends_at": None,
    "reason": "The network did not confirm the activation in time",
    "refund": "6.13",
    "price": "9.99",
    "balance": "5.01",
    "short": True,
    "currency": "EUR",
    "code": "123456",
    "valid_minutes": 5,
    "giver_name": "Stacy Martin",
    "friend_msisdn": "351910000002",
    "days": 7,
    "agent_name": "Alex",
    "message": "Stacy, 5GB for €5 this week only.",
}


@pytest.mark.parametrize("template", NOTIFICATION_TEMPLATES)
def test_every_template_writes_a_short_subject_and_body(customer, template):
    values = {
        **EVERY_VALUE,
        "ends_at": timezone.now(),
        "refund": Decimal("6.13"),
        "price": Decimal("9.99"),
        "balance": Decimal("5.01"),
        "amount": Decimal("10.00"),
        "top_up": TopUp(pk=1, method="card", card_brand="Visa", card_last4="4242"),
        "cap": Decimal("5.00"),
        "spent": Decimal("4.10"),
        "month_end": timezone.now().date(),
    }
    message = send(customer, template, context=values, link_target="/offers/")

    assert message.template == template
    assert message.subject
    assert message.body
    assert "{" not in message.subject + message.body
    assert "\n" not in message.body  # one line: SMS-friendly
    assert len(message.body) <= 320  # two SMS at most


def test_a_message_is_plain_text_nothing_is_html_escaped(customer):
    message = send(customer, context={"offer_name": "TV & Games 'Plus'", "msisdn": "351960000001"})

    assert message.subject == "TV & Games 'Plus' is active"
    assert message.body == "TV & Games 'Plus' is now active on +351 960 000 001."


def test_an_unknown_template_is_refused_and_nothing_is_written(customer):
    with pytest.raises(ValueError, match="Unknown notification template: nope"):
        send(customer, "nope")

    assert not Notification.objects.exists()


def test_cart_shared_carries_a_tracked_link_to_the_cart(settings):
    settings.PORTAL_URL = "https://selfcare.example.com/"
    customer = CustomerFactory(name="Stacy Martin")

    message = send(customer, "cart_shared", context={"agent_name": "Alex"}, link_target="/cart/")

    link = TrackedLink.objects.get()
    assert (link.customer, link.notification, link.target) == (customer, message, "/cart/")
    assert message.body == (
        f"Stacy, Alex has prepared your cart: https://selfcare.example.com/l/{link.token}/"
    )
    without_agent = send(customer, "cart_shared", context={}, link_target="/cart/")
    token = TrackedLink.objects.get(notification=without_agent).token
    assert without_agent.body == (
        f"Stacy, your cart is ready: https://selfcare.example.com/l/{token}/"
    )


def test_a_promotion_is_its_message_and_its_link(customer, settings):
    settings.PORTAL_URL = "https://selfcare.example.com"

    message = send(
        customer,
        "promotion",
        context={"message": "5GB for €5 this week."},
        link_target="/offers/3/",
        campaign_id=42,
    )

    link = TrackedLink.objects.get()
    assert (message.campaign_id, link.campaign_id) == (42, 42)
    assert message.subject == "News from Tejo Mobile"
    assert message.body == f"5GB for €5 this week. https://selfcare.example.com/l/{link.token}/"


# --- Medium: her preference, and where it can really go ------------------------------------------


def test_by_default_she_is_texted_on_her_line(customer, line):
    message = send(customer)

    assert (message.medium, message.recipient, message.status) == ("sms", line.msisdn, "queued")


def test_she_is_written_the_way_she_prefers(db):
    customer = CustomerFactory(email="ana@example.com")
    customer.preferred_medium = "email"
    customer.save()

    message = send(customer)

    assert (message.medium, message.recipient) == ("email", "ana@example.com")


def test_an_email_without_an_address_goes_to_her_inbox(customer):
    customer.preferred_medium = "email"
    customer.save()

    message = send(customer)

    assert (message.medium, message.recipient) == ("in_app", "")


def test_a_text_without_an_active_line_goes_to_her_inbox(customer):
    Line.objects.filter(customer=customer).update(status=Line.Status.SUSPENDED)

    message = send(customer, "confirmation_code", medium="sms", context={"code": "123456"})

    assert (message.medium, message.recipient) == ("in_app", "")


def test_a_text_goes_to_her_home_line_never_to_a_travel_line(customer, line):
    """Her home line by the one rule (`line_get_home`), even when a travel line is older."""
    Line.objects.filter(pk=line.pk).update(temporary=True)  # the older line is her travel line
    home = Line.objects.create(customer=customer, msisdn="351919999999", base_plan=line.base_plan)

    assert send(customer).recipient == "351919999999"
    Line.objects.filter(pk=home.pk).update(status=Line.Status.SUSPENDED)
    message = send(customer)
    assert (message.medium, message.recipient) == ("in_app", "")


def test_a_medium_given_by_the_caller_beats_her_preference(customer, line):
    customer.preferred_medium = "in_app"
    customer.save()

    preferred, texted = send(customer), send(customer, medium="sms")

    assert (preferred.medium, texted.medium, texted.recipient) == ("in_app", "sms", line.msisdn)


def test_a_message_leaves_only_after_commit(customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = send(customer)

    message.refresh_from_db()
    assert (message.status, message.attempts, len(callbacks)) == ("queued", 0, 1)
    for callback in callbacks:
        callback()
    message.refresh_from_db()
    assert message.status == "sent"


# --- Backends ----------------------------------------------------------------------------------


def test_the_console_backend_logs_the_message_and_it_is_recorded_as_sent(customer, line, caplog):
    message = send(customer)

    with caplog.at_level(logging.INFO, logger="selfcare.notifications"):
        delivered = notification_deliver(notification_id=message.pk)

    assert [r.getMessage() for r in caplog.records] == [
        f"SMS to {line.msisdn}: Data 15GB is active — Data 15GB is now active on +351 960 000 001."
    ]
    assert (delivered.status, delivered.attempts, delivered.error) == ("sent", 1, "")
    assert delivered.sent_at is not None
    assert messages_recorded(customer) == [("message_sent", "SMS sent: Data 15GB is active")]


def test_the_file_backend_writes_exactly_one_json_line_per_message(
    customer, line, settings, tmp_path
):
    use_sms_backend(settings, FILE)
    settings.NOTIFICATION_FILE_PATH = str(tmp_path / "var" / "messages.jsonl")
    message = send(customer)

    notification_deliver(notification_id=message.pk)

    lines = (tmp_path / "var" / "messages.jsonl").read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert {k: v for k, v in record.items() if k != "at"} == {
        "id": message.pk,
        "medium": "sms",
        "to": line.msisdn,
        "customer_id": customer.pk,
        "template": "addon_active",
        "campaign_id": None,
        "subject": "Data 15GB is active",
        "body": "Data 15GB is now active on +351 960 000 001.",
    }
    second = send(customer, context={"offer_name": "Games Club", "msisdn": line.msisdn})
    notification_deliver(notification_id=second.pk)
    assert len((tmp_path / "var" / "messages.jsonl").read_text().splitlines()) == 2


def test_delivering_twice_sends_once(customer, settings, tmp_path):
    use_sms_backend(settings, FILE)
    settings.NOTIFICATION_FILE_PATH = str(tmp_path / "messages.jsonl")
    message = send(customer)

    notification_deliver(notification_id=message.pk)
    notification_deliver(notification_id=message.pk)
    notification_deliver_task.apply(args=[message.pk])

    assert len((tmp_path / "messages.jsonl").read_text().splitlines()) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 1)
    assert len(messages_recorded(customer)) == 1


def test_the_email_backend_sends_through_djangos_mail(mailoutbox, settings):
    settings.DEFAULT_FROM_EMAIL = "Selfcare Mobile <noreply@example.com>"
    customer = CustomerFactory(email="ana@example.com")
    message = send(customer, medium="email")

    notification_deliver(notification_id=message.pk)

    assert [(m.subject, m.body, m.to, m.from_email) for m in mailoutbox] == [
        (
            "Data 15GB is active",
            "Data 15GB is now active on +351 960 000 001.",
            ["ana@example.com"],
            "Selfcare Mobile <noreply@example.com>",
        )
    ]
    message.refresh_from_db()
    assert message.status == "sent"
    assert messages_recorded(customer) == [("message_sent", "E-mail sent: Data 15GB is active")]


def test_the_email_backend_mirrors_to_the_inbox_only_while_mail_stays_on_this_machine(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    assert EmailBackend().mirrors_to_inbox
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert not EmailBackend().mirrors_to_inbox


def test_an_in_app_message_is_sent_by_being_there(customer):
    message = send(customer, medium="in_app")

    delivered = notification_deliver(notification_id=message.pk)

    assert (delivered.status, delivered.recipient) == ("sent", "")
    assert messages_recorded(customer) == [("message_sent", "In-app sent: Data 15GB is active")]


def test_each_medium_has_its_configured_backend_and_the_inbox_shows_the_mirrored_ones(settings):
    use_sms_backend(settings, CONSOLE)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert type(backend_for("sms")).__name__ == "ConsoleBackend"
    assert type(backend_for("email")).__name__ == "EmailBackend"
    assert type(backend_for("in_app")).__name__ == "InAppBackend"
    assert inbox_media() == ["in_app", "sms"]

    use_sms_backend(settings, GATEWAY)
    assert inbox_media() == ["in_app"]


def test_retries_wait_longer_each_time_up_to_a_cap(settings):
    settings.NOTIFICATION_RETRY_BACKOFF_SECONDS = 10
    settings.NOTIFICATION_MAX_RETRY_WAIT_SECONDS = 60

    assert [notification_backoff(n) for n in range(5)] == [10, 20, 40, 60, 60]


# --- The HTTP SMS gateway, against a real local HTTP server ---------------------------------------


class Gateway:
    """A tiny SMS gateway: records each request and answers the next queued (status, body),
    then `default`."""

    def __init__(self):
        self.requests = []
        self.answers = []
        self.default = (202, {"id": "msg-1"})


@pytest.fixture
def gateway(settings, monkeypatch):
    state = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(
                {"path": self.path, "headers": dict(self.headers), "json": json.loads(raw)}
            )
            status, body = state.answers.pop(0) if state.answers else state.default
            payload = json.dumps(body).encode() if isinstance(body, dict) else body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    use_sms_backend(settings, GATEWAY)
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/v1/messages"
    settings.SMS_GATEWAY_TOKEN = "gw-token-123"
    settings.SMS_GATEWAY_SENDER = "Selfcare"
    settings.SMS_GATEWAY_TIMEOUT_SECONDS = 5
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


def test_the_gateway_gets_to_from_and_text_with_a_bearer_token(customer, line, gateway):
    message = send(customer)

    delivered = notification_deliver(notification_id=message.pk)

    [request] = gateway.requests
    assert request["path"] == "/v1/messages"
    assert request["headers"]["Authorization"] == "Bearer gw-token-123"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["Idempotency-Key"] == f"notification-{message.pk}"
    assert request["json"] == {
        "to": line.msisdn,
        "from": "Selfcare",
        "text": "Data 15GB is now active on +351 960 000 001.",
    }
    assert (delivered.status, delivered.attempts, delivered.error) == ("sent", 1, "")
    assert messages_recorded(customer) == [("message_sent", "SMS sent: Data 15GB is active")]


def test_a_gateway_error_is_retried_later_the_message_stays_queued_with_the_error(
    customer, gateway
):
    gateway.default = (500, {"detail": "Upstream carrier down"})
    message = send(customer)

    with pytest.raises(DeliveryError, match="SMS gateway answered 500: Upstream carrier down"):
        notification_deliver(notification_id=message.pk)

    message.refresh_from_db()
    assert (message.status, message.attempts, message.error, message.sent_at) == (
        "queued",
        1,
        "SMS gateway answered 500: Upstream carrier down",
        None,
    )
    assert messages_recorded(customer) == []


def test_a_gateway_that_cannot_be_reached_is_retried_later(customer, gateway, settings):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{port}/v1/messages"
    message = send(customer)

    with pytest.raises(DeliveryError, match="SMS gateway unreachable"):
        notification_deliver(notification_id=message.pk)

    message.refresh_from_db()
    assert message.status == "queued"
    assert message.error.startswith("SMS gateway unreachable")
    assert gateway.requests == []


def test_a_message_the_gateway_refuses_fails_at_once_with_its_words(customer, gateway):
    gateway.default = (400, {"detail": "Invalid destination number"})
    message = send(customer)

    failed = notification_deliver(notification_id=message.pk)

    assert len(gateway.requests) == 1
    assert (failed.status, failed.attempts, failed.error, failed.sent_at) == (
        "failed",
        1,
        "SMS gateway refused the message (400): Invalid destination number",
        None,
    )
    assert messages_recorded(customer) == [
        (
            "message_failed",
            "SMS not delivered: Data 15GB is active (SMS gateway refused the message (400): "
            "Invalid destination number)",
        )
    ]


def test_a_transient_failure_then_success_sends_it_once(customer, gateway, celery_runs_retries):
    gateway.answers = [(503, "Service Unavailable")]
    message = send(customer)

    notification_deliver_task.apply(args=[message.pk])

    assert len(gateway.requests) == 2
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == ("sent", 2, "")
    assert messages_recorded(customer) == [("message_sent", "SMS sent: Data 15GB is active")]


def test_after_the_last_retry_the_message_is_failed_and_that_is_in_her_history(
    customer, gateway, settings, celery_runs_retries
):
    settings.NOTIFICATION_MAX_RETRIES = 2
    gateway.default = (502, "Bad Gateway")
    message = send(customer)

    notification_deliver_task.apply(args=[message.pk])

    assert len(gateway.requests) == 3  # the first try and 2 retries
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == (
        "failed",
        3,
        "SMS gateway answered 502: Bad Gateway",
    )
    assert messages_recorded(customer) == [
        (
            "message_failed",
            "SMS not delivered: Data 15GB is active (SMS gateway answered 502: Bad Gateway)",
        )
    ]
    # given up for good: another run sends nothing
    notification_deliver_task.apply(args=[message.pk])
    assert len(gateway.requests) == 3


def test_an_unconfigured_sms_gateway_is_retried_like_an_outage(customer, settings):
    use_sms_backend(settings, "selfcare.notifications.HttpSmsGatewayBackend")
    settings.SMS_GATEWAY_URL = ""
    notification = send(customer)

    with pytest.raises(DeliveryError, match="not configured"):
        notification_deliver(notification_id=notification.pk)

    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("queued", 1)


def test_the_sweep_sends_lost_messages_again_and_gives_up_day_old_ones(
    customer, settings, django_capture_on_commit_callbacks
):
    sent_now = send(customer)  # its job is still on its way: left alone
    with time_machine.travel(timezone.now() - dt.timedelta(hours=2)):
        lost = send(customer)
    with time_machine.travel(timezone.now() - dt.timedelta(days=2)):
        stale = send(customer)

    with django_capture_on_commit_callbacks(execute=True):
        counts = notification_retry_stuck()

    assert counts == {"sent_again": 1, "given_up": 1, "waiting": 0}
    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert statuses == {sent_now.pk: "queued", lost.pk: "sent", stale.pk: "failed"}
    assert Interaction.objects.filter(kind="message_failed").count() == 1
