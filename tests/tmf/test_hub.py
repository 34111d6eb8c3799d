"""The event hub (TMF688 style): a system registers a listener on an API's hub and receives that
API's events, signed, in order, retried after the listener was down, each once; callbacks only on
hosts the operator allows. The listener is a real HTTP server on 127.0.0.1, in a thread."""

import datetime as dt
import hashlib
import hmac
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from orders.models import ProductInstance
from selfcare.celery import app
from selfcare.models import DomainEvent
from selfcare.services import usage_ingest
from selfcare.services.events import event_dispatch, event_record
from tests.api.helpers import system_token
from tests.factories import UserFactory
from tests.orders.helpers import buy
from tests.selfcare.test_usage import bucket
from tests.selfcare.test_usage import event as usage_event
from tests.tmf.conformance import conforms
from tmf.hub import LIVE_CACHE_KEY
from tmf.hub_delivery import hub_deliver_due
from tmf.models import HubDelivery, HubEvent, HubListener
from tmf.tasks import hub_listener_deliver_task

pytestmark = pytest.mark.django_db
ORDERING = "/tmf-api/productOrderingManagement/v4/hub"


class Listener:
    """A listener system: records each POST it gets and answers with `status` (and `location`
    for a redirect)."""

    def __init__(self):
        self.received: list[dict] = []
        self.status = 200
        self.location = None
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                listener.received.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                self.send_response(listener.status)
                if listener.location:
                    self.send_header("Location", listener.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/events"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.received]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _hub(settings):
    settings.TMF_HUB_ALLOWED_HOSTS = ["127.0.0.1"]
    cache.delete(LIVE_CACHE_KEY)
    yield
    # The cache outlives the test's rolled-back listeners.
    cache.delete(LIVE_CACHE_KEY)


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def system(client):
    return {"Authorization": f"Bearer {system_token(client, name='crm', scopes=['events:listen'])}"}


def register(client, headers, callback, *, path=ORDERING, query=None):
    body = {"callback": callback} | ({"query": query} if query is not None else {})
    return client.post(path, body, content_type="application/json", headers=headers)


def signed(received: dict, secret: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), received["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(received["headers"]["X-Hub-Signature-256"], expected)


# Registering


def test_a_system_registers_a_listener_and_gets_tmf_hub_with_its_secret(client, system, listener):
    response = register(
        client, system, listener.url, query="eventType=ProductOrderStateChangeEvent"
    )

    assert response.status_code == 201
    body = response.json()
    conforms("TMF622", "EventSubscription", body)
    row = HubListener.objects.get()
    assert body == {
        "id": str(row.pk),
        "callback": listener.url,
        "query": "eventType=ProductOrderStateChangeEvent",
        "secret": row.secret,
        "@type": "Hub",
    }
    assert len(body["secret"]) >= 40
    assert (row.api, row.event_types) == (
        "productOrderingManagement",
        ["ProductOrderStateChangeEvent"],
    )


@pytest.mark.parametrize(
    "callback",
    [
        "http://partner.example/events",  # not listed
        "http://localhost:9/events",  # resolves to 127.0.0.1, but the name is not listed
        "http://user:pw@127.0.0.1/events",
        "ftp://127.0.0.1/events",
        "not a url",
    ],
)
def test_a_callback_outside_the_allowed_hosts_is_refused(client, system, callback):
    response = register(client, system, callback)

    assert response.status_code == 400
    body = response.json()
    conforms("TMF622", "Error", body)
    assert body["code"] == "callbackNotAllowed"
    assert not HubListener.objects.exists()


def test_nothing_is_allowed_by_default(client, system, settings):
    settings.TMF_HUB_ALLOWED_HOSTS = []

    response = register(client, system, "http://127.0.0.1:9/events")

    assert response.status_code == 400
    assert not HubListener.objects.exists()


@pytest.mark.parametrize(
    "query", ["eventType=ProductStateChangeEvent", "state=completed", "eventType="]
)
def test_a_query_for_events_this_hub_does_not_tell_is_refused(client, system, listener, query):
    response = register(client, system, listener.url, query=query)

    assert response.status_code == 400
    assert response.json()["code"] == "invalidQuery"
    assert not HubListener.objects.exists()


def test_only_a_system_with_events_listen_may_register(client, customer_client, listener):
    other = {"Authorization": f"Bearer {system_token(client, name='c', scopes=['catalog:read'])}"}

    assert register(client, other, listener.url).status_code == 403
    assert register(customer_client, {}, listener.url).status_code == 403
    assert register(client, {}, listener.url).status_code in (401, 403)
    assert not HubListener.objects.exists()


def test_unregistering_stops_deliveries_and_only_the_owner_may(
    client, system, listener, customer, data_offer, django_capture_on_commit_callbacks
):
    hub_id = register(client, system, listener.url).json()["id"]
    stranger = {
        "Authorization": f"Bearer {system_token(client, name='x', scopes=['events:listen'])}"
    }

    assert client.delete(f"{ORDERING}/{hub_id}", headers=stranger).status_code == 404
    assert client.delete(f"{ORDERING}/{hub_id}", headers=system).status_code == 204
    assert client.delete(f"{ORDERING}/{hub_id}", headers=system).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        buy(customer, data_offer)

    assert listener.received == []
    assert not HubEvent.objects.exists()
    assert HubListener.objects.get().unregistered_at is not None


# Delivering


def test_order_and_product_events_arrive_signed_in_order_in_tmf_shape(
    client, system, listener, customer, data_offer, django_capture_on_commit_callbacks
):
    secret = register(client, system, listener.url).json()["secret"]
    inventory = register(
        client,
        system,
        listener.url,
        path="/tmf-api/productInventory/v4/hub",
        query="eventType=ProductStateChangeEvent",
    ).json()["secret"]

    with django_capture_on_commit_callbacks(execute=True):
        order = buy(customer, data_offer)  # activated by its job, run at once in tests

    instance = ProductInstance.objects.get()
    assert instance.status == "active"
    by_type = {}
    for received in listener.received:
        event = json.loads(received["body"])
        by_type.setdefault(event["eventType"], []).append(event)
        key = inventory if event["eventType"].startswith("ProductState") else secret
        assert signed(received, key)
        assert received["headers"]["X-Hub-Event-Id"] == event["eventId"]
    orders = by_type.pop("ProductOrderCreateEvent") + by_type.pop("ProductOrderStateChangeEvent")
    assert [e["event"]["productOrder"]["state"] for e in orders] == [
        "acknowledged",
        "inProgress",
        "completed",
    ]
    assert [int(e["eventId"]) for e in orders] == sorted(int(e["eventId"]) for e in orders)
    for event in orders:
        conforms("TMF622", event["eventType"], event)
        assert event["event"]["productOrder"]["id"] == str(order.pk)
    products = by_type.pop("ProductStateChangeEvent")
    assert [e["event"]["product"]["status"] for e in products] == ["active"]
    conforms("TMF637", "ProductStateChangeEvent", products[0])
    assert by_type == {}  # ProductCreateEvent was not asked for
    assert set(HubDelivery.objects.values_list("status", "attempts")) == {("delivered", 1)}


def test_the_body_is_what_the_get_endpoint_returns(
    client, system, listener, customer, customer_client, data_offer, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    register(client, system, listener.url, query="eventType=ProductOrderStateChangeEvent")

    with django_capture_on_commit_callbacks(execute=True):
        order = buy(customer, data_offer)

    last = listener.events()[-1]["event"]["productOrder"]
    got = customer_client.get(f"/tmf-api/productOrderingManagement/v4/productOrder/{order.pk}")
    # The same, but for its links, on PORTAL_URL (there is no request to take a host from).
    assert (
        last["href"]
        == f"{settings.PORTAL_URL}{ORDERING.removesuffix('hub')}productOrder/{order.pk}"
    )
    assert (
        json.loads(json.dumps(last).replace(settings.PORTAL_URL, "http://testserver")) == got.json()
    )


def test_a_listener_down_gets_everything_when_it_is_back_in_order_and_once(
    client, system, listener, customer, data_offer, settings, django_capture_on_commit_callbacks
):
    settings.TMF_HUB_DELIVERY_MAX_ATTEMPTS = 3
    settings.TMF_HUB_RETRY_BACKOFF_SECONDS = 10
    settings.TMF_HUB_FAILING_RETRY_SECONDS = 300
    secret = register(client, system, listener.url).json()["secret"]
    listener.status = 503

    with time_machine.travel(timezone.now(), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            buy(customer, data_offer)
        # Only the first event was tried (the rest wait behind it), once per job.
        assert len(listener.received) == 1
        row = HubListener.objects.get()
        assert (row.failures, row.failing_since) == (1, None)
        assert row.retry_at == timezone.now() + dt.timedelta(seconds=10)
        first = HubDelivery.objects.order_by("event_id").first()
        assert (first.status, first.attempts, first.status_code) == ("pending", 1, 503)
        assert first.last_error == "HTTP 503 Service Unavailable"

        # Not due yet: the sweep publishes nothing.
        assert hub_deliver_due() == 0
        clock.shift(dt.timedelta(seconds=10))
        assert hub_deliver_due() == 1
        clock.shift(dt.timedelta(seconds=20))
        assert hub_deliver_due() == 1
        row.refresh_from_db()
        assert row.failures == 3
        assert row.failing_since == timezone.now()
        assert row.retry_at == timezone.now() + dt.timedelta(seconds=300)
        assert len(listener.received) == 3

        listener.status = 204
        clock.shift(dt.timedelta(seconds=299))
        assert hub_deliver_due() == 0
        clock.shift(dt.timedelta(seconds=1))
        assert hub_deliver_due() == 1

    states = [e["event"]["productOrder"]["state"] for e in listener.events()]
    assert states == ["acknowledged"] * 4 + ["inProgress", "completed"]
    assert len({e["eventId"] for e in listener.events()[3:]}) == 3
    assert all(signed(r, secret) for r in listener.received)
    row.refresh_from_db()
    assert (row.failures, row.failing_since, row.retry_at) == (0, None, None)
    assert list(HubDelivery.objects.values_list("status", "attempts", "status_code")) == [
        ("delivered", 4, 204),
        ("delivered", 1, 204),
        ("delivered", 1, 204),
    ]
    # Exactly once: a sweep, and the job run again, send nothing more.
    assert hub_deliver_due() == 0
    assert hub_listener_deliver_task(row.pk) == 0
    assert len(listener.received) == 6


def test_the_sweep_publishes_nothing_onto_a_default_queue_in_backlog(
    client,
    system,
    listener,
    customer,
    data_offer,
    settings,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    register(client, system, listener.url, query="eventType=ProductOrderStateChangeEvent")
    with django_capture_on_commit_callbacks(execute=False):  # its delivery job is lost
        buy(customer, data_offer)
    assert HubDelivery.objects.filter(status="pending").count() == 1

    default = f"hub-sweep-test-{uuid.uuid4().hex}"
    monkeypatch.setitem(app.conf, "task_default_queue", default)
    settings.STUCK_SWEEP_BACKLOG = 5
    with app.connection_for_write() as connection:
        queue = connection.SimpleQueue(default)
        try:
            for i in range(5):
                queue.put({"waiting": i})
            assert hub_deliver_due() == 0
            assert queue.qsize() == 5  # nothing more put on it
            assert listener.received == []

            queue.clear()  # the backlog is worked off
            published = []
            monkeypatch.setattr(
                hub_listener_deliver_task,
                "apply_async",
                lambda args, *_, **__: published.append(args),
            )
            assert hub_deliver_due() == 1
            assert published == [(HubListener.objects.get().pk,)]
        finally:
            queue.clear()
            queue.close()


def test_a_listener_that_is_not_there_at_all_is_retried_then_catches_up(
    client, system, customer, data_offer, settings, django_capture_on_commit_callbacks
):
    settings.TMF_HUB_RETRY_BACKOFF_SECONDS = 10
    gone = Listener()
    url = gone.url
    gone.close()  # nothing listens on its port now
    register(client, system, url, query="eventType=ProductOrderStateChangeEvent")

    with time_machine.travel(timezone.now(), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            buy(customer, data_offer)
        first = HubDelivery.objects.order_by("event_id").first()
        assert (first.attempts, first.status_code) == (1, None)
        assert "ConnectionRefusedError" in first.last_error

        back = Listener()
        HubListener.objects.update(callback=back.url)
        clock.shift(dt.timedelta(seconds=10))
        assert hub_deliver_due() == 1
    try:
        assert [e["event"]["productOrder"]["state"] for e in back.events()] == [
            "inProgress",
            "completed",
        ]
    finally:
        back.close()


def test_a_redirect_is_not_followed(
    client, system, listener, customer, data_offer, django_capture_on_commit_callbacks
):
    listener.status = 307
    listener.location = "http://169.254.169.254/latest/meta-data/"
    register(client, system, listener.url, query="eventType=ProductOrderStateChangeEvent")

    with django_capture_on_commit_callbacks(execute=True):
        buy(customer, data_offer)

    assert [r["path"] for r in listener.received] == ["/events"]
    first = HubDelivery.objects.order_by("event_id").first()
    assert (first.status, first.status_code) == ("pending", 307)


def test_a_host_taken_off_the_list_gets_no_request(
    client, system, listener, customer, data_offer, settings, django_capture_on_commit_callbacks
):
    register(client, system, listener.url, query="eventType=ProductOrderStateChangeEvent")
    settings.TMF_HUB_ALLOWED_HOSTS = ["partner.example"]

    with django_capture_on_commit_callbacks(execute=True):
        buy(customer, data_offer)

    assert listener.received == []
    first = HubDelivery.objects.order_by("event_id").first()
    assert (first.status, first.attempts) == ("pending", 1)
    assert "does not allow callbacks to 127.0.0.1" in first.last_error


def test_a_listed_name_resolving_to_a_private_address_gets_no_request(
    client, system, listener, customer, data_offer, settings, django_capture_on_commit_callbacks
):
    settings.TMF_HUB_ALLOWED_HOSTS = ["localhost"]  # resolves to loopback, which is not listed
    url = f"http://localhost:{listener.port}/events"
    assert register(client, system, url).status_code == 201

    with django_capture_on_commit_callbacks(execute=True):
        buy(customer, data_offer)

    assert listener.received == []
    first = HubDelivery.objects.order_by("event_id").first()
    assert "not public and not allowed" in first.last_error


# The event log's kinds, and buckets


def test_the_event_log_reaches_the_event_hub_and_the_balance_hub(
    client, system, listener, customer, line, django_capture_on_commit_callbacks
):
    events_secret = register(
        client, system, listener.url, path="/tmf-api/event/v4/hub", query="eventType=TopUpCompleted"
    ).json()["secret"]
    register(client, system, listener.url, path="/tmf-api/prepayBalanceManagement/v4/hub")
    with transaction.atomic():
        event_id = event_record(
            kind=DomainEvent.Kind.TOP_UP_COMPLETED,
            customer_id=customer.pk,
            line_id=line.pk,
            cause="test:topup:1",
            occurred_at=timezone.now(),
            facts={"amount": "10.00"},
        )

    with django_capture_on_commit_callbacks(execute=True):
        assert event_dispatch(event_ids=[event_id]) == 1

    log_event, balance_event = listener.events()
    assert log_event["eventType"] == "TopUpCompleted"
    assert log_event["event"]["facts"] == {"amount": "10.00"}
    assert log_event["event"]["logicalResource"]["id"] == line.msisdn
    assert log_event["relatedParty"][0]["id"] == str(customer.pk)
    assert signed(listener.received[0], events_secret)
    assert balance_event["eventType"] == "BucketStateChangeEvent"
    bucket = balance_event["event"]["bucket"]
    conforms("TMF654", "Bucket", bucket)
    assert (bucket["usageType"], bucket["id"]) == ("monetary", f"balance-{customer.account.pk}")


def test_an_allowance_crossing_reaches_the_balance_hub_as_that_buckets_state_change(
    client, system, listener, customer, line, django_capture_on_commit_callbacks
):
    data = bucket(line, "Data 15GB", 1000)
    secret = register(
        client,
        system,
        listener.url,
        path="/tmf-api/prepayBalanceManagement/v4/hub",
        query="eventType=BucketStateChangeEvent",
    ).json()["secret"]

    with django_capture_on_commit_callbacks(execute=True):
        usage_ingest(events=[usage_event(line, 800, id="a")])  # past 50 % and 80 %

    events = listener.events()
    assert [e["eventType"] for e in events] == ["BucketStateChangeEvent"] * 2
    assert all(signed(r, secret) for r in listener.received)
    for event in events:
        conforms("TMF654", "Bucket", event["event"]["bucket"])
        assert event["event"]["bucket"]["id"] == str(data.pk)
        assert event["event"]["bucket"]["remainingValue"]["amount"] == 200
    assert set(HubEvent.objects.values_list("resource_key", flat=True)) == {f"Bucket:{data.pk}"}


def test_staff_read_the_delivery_log_in_the_admin_and_change_nothing(
    client, system, listener, customer, data_offer, django_capture_on_commit_callbacks
):
    secret = register(
        client, system, listener.url, query="eventType=ProductOrderStateChangeEvent"
    ).json()["secret"]
    listener.status = 503
    with django_capture_on_commit_callbacks(execute=True):
        buy(customer, data_offer)
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="tmf", codename__in=["view_hubdelivery", "view_hublistener"]
        )
    )
    delivery = HubDelivery.objects.order_by("event_id").first()
    client.force_login(staff)

    log = client.get("/admin/tmf/hubdelivery/").content.decode()
    one = client.get(f"/admin/tmf/hubdelivery/{delivery.pk}/change/")
    its_listener = client.get(f"/admin/tmf/hublistener/{delivery.listener_id}/change/")

    assert "ProductOrderStateChangeEvent" in log
    assert "HTTP 503 Service Unavailable" in log
    assert one.status_code == its_listener.status_code == 200
    assert listener.url in its_listener.content.decode()
    assert secret not in its_listener.content.decode()
    assert client.get("/admin/tmf/hubdelivery/add/").status_code == 403
    assert client.post(f"/admin/tmf/hubdelivery/{delivery.pk}/delete/").status_code == 403
    assert HubDelivery.objects.filter(pk=delivery.pk, status="pending").exists()


def test_nothing_is_recorded_while_nobody_listens(
    customer, data_offer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        buy(customer, data_offer)

    assert ProductInstance.objects.get().status == "active"
    assert not HubEvent.objects.exists()
    assert not HubDelivery.objects.exists()


def test_every_hub_is_in_the_openapi_schema(client):
    paths = client.get("/api/schema/", headers={"Accept": "application/json"}).json()["paths"]

    for api in ("productOrderingManagement", "productInventory", "prepayBalanceManagement"):
        assert set(paths[f"/tmf-api/{api}/v4/hub"]) == {"post"}
        assert set(paths[f"/tmf-api/{api}/v4/hub/{{listener_id}}"]) == {"delete"}
    assert "/tmf-api/event/v4/hub" in paths
