"""Delivering the hub's events to a listener: signed, in order, once, retried with backoff.

One walk at a time per listener (a lease on its row, taken and renewed with a conditional UPDATE):
its waiting deliveries leave in the order their events were recorded, so a later event of a
resource never arrives before an earlier one. A delivery the listener does not accept (no
answer, a network error, a redirect, which is never followed, any status but 2xx) stops the
walk: the listener is tried again after TMF_HUB_RETRY_BACKOFF_SECONDS, doubled at each refusal in
a row; after TMF_HUB_DELIVERY_MAX_ATTEMPTS it is marked failing and tried every
TMF_HUB_FAILING_RETRY_SECONDS, and the first delivery it accepts clears that and lets everything
waiting follow. A delivery it accepted is marked delivered at once and never sent again (unique
per listener and event); a worker that dies between the listener's answer and that mark sends it
once more, with the same `eventId`.

Each request is a POST of the event's JSON with `X-Hub-Signature-256: sha256=<hex>`, the
HMAC-SHA256 of the exact body with the listener's secret."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import json
import socket
import ssl
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from orders.models import Order, ProductInstance
from orders.selectors.inventory import order_get_for_customer, product_instance_get_owned
from selfcare.jobs import job_default_queue, job_fan_out, job_queue_backlogged
from selfcare.models import Bucket, Customer, DomainEvent
from selfcare.selectors_buckets import prepaid_balance_get

from . import hub
from .balance import balance_data, bucket_data
from .hub_hosts import CallbackRefusedError, Target, callback_target
from .inventory import STATUSES, product_data
from .models import HubDelivery, HubEvent, HubListener
from .ordering import STATES, order_data
from .tasks import hub_listener_deliver_task

SIGNATURE_HEADER = "X-Hub-Signature-256"
Status = HubDelivery.Status


class DeliveryError(Exception):
    """The listener did not accept a delivery; the message says how (kept in the log)."""

    def __init__(self, message: str, *, status_code: int | None = None):
        super().__init__(message)
        self.status_code = status_code


class _Site:
    """What the TMF representations need of a request: absolute URLs, on PORTAL_URL."""

    def build_absolute_uri(self, location: str) -> str:
        return settings.PORTAL_URL.rstrip("/") + location


# The event's body


def _resource(event: HubEvent) -> dict:
    """`event.event` of the TMF event: the resource as the GET endpoints return it, in the
    state this event tells."""
    site, facts, kind = _Site(), event.facts, event.event_type
    if kind in (hub.ORDER_CREATE, hub.ORDER_STATE_CHANGE):
        order = Order.objects.select_related("customer").get(pk=facts["order_id"])
        order = order_get_for_customer(customer=order.customer, pk=order.pk)
        data = order_data(site, order)
        data["state"] = STATES[facts["state"]]
        for item in data["productOrderItem"]:
            item["state"] = data["state"]
        return {"productOrder": data}
    if kind in (hub.PRODUCT_CREATE, hub.PRODUCT_STATE_CHANGE):
        instance = ProductInstance.objects.select_related("customer").get(
            pk=facts["product_instance_id"]
        )
        instance = product_instance_get_owned(customer=instance.customer, pk=instance.pk)
        return {"product": product_data(site, instance) | {"status": STATUSES[facts["status"]]}}
    if kind == hub.BUCKET_STATE_CHANGE and "bucket_id" in facts:
        bucket = Bucket.objects.select_related("line__customer").get(pk=facts["bucket_id"])
        return {"bucket": bucket_data(site, bucket, customer=bucket.line.customer)}
    if kind == hub.BUCKET_STATE_CHANGE:
        customer = Customer.objects.get(pk=facts["balance_of"])
        balance = prepaid_balance_get(customer=customer)
        return {"bucket": balance_data(site, balance, customer=customer)} if balance else {}
    domain_event = DomainEvent.objects.select_related("line").get(pk=facts["domain_event_id"])
    found = {
        "customer": {"id": str(domain_event.customer_id), "@referredType": "Customer"},
        "facts": domain_event.facts,
    }
    if domain_event.line is not None:
        found["logicalResource"] = {
            "id": domain_event.line.msisdn,
            "name": "MSISDN",
            "@referredType": "LogicalResource",
        }
    return found


def hub_event_body(*, event: HubEvent) -> dict:
    """The TMF event sent for `event`, made once (the first delivery) and kept: every listener
    and every retry gets the same body."""
    if event.body is not None:
        return event.body
    at = event.occurred_at
    body = {
        "eventId": str(event.pk),
        "eventTime": at,
        "timeOcurred": at,  # TM Forum's spelling
        "eventType": event.event_type,
        "event": _resource(event),
        "@type": event.event_type,
    }
    if event.customer_id is not None:
        body["relatedParty"] = [
            {"id": str(event.customer_id), "role": "customer", "@referredType": "Customer"}
        ]
    body = json.loads(JSONRenderer().render(body))
    HubEvent.objects.filter(pk=event.pk, body__isnull=True).update(body=body)
    event.body = body
    return body


def hub_signature(*, secret: str, body: bytes) -> str:
    """What `X-Hub-Signature-256` carries for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# Sending


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address checked, whatever the name would resolve to now."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS, the certificate checked against the callback's host name."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _send(*, listener: HubListener, event: HubEvent, body: bytes) -> int:
    """POST `body` to the listener; its status code if 2xx. Raises DeliveryError otherwise
    (redirects included: never followed), CallbackRefusedError for a host no longer allowed."""
    target = callback_target(listener.callback)
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = kind(target, settings.TMF_HUB_DELIVERY_TIMEOUT_SECONDS)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "selfcare-hub/1",
        "X-Hub-Event-Id": str(event.pk),
        "X-Hub-Event-Type": event.event_type,
        SIGNATURE_HEADER: hub_signature(secret=listener.secret, body=body),
    }
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        connection.close()
    if not 200 <= response.status < 300:
        raise DeliveryError(
            f"HTTP {response.status} {response.reason}", status_code=response.status
        )
    return response.status


# The walk


@dataclass
class Walk:
    listener_id: int
    lease: dt.datetime
    delivered: int = 0
    stopped: bool = False


def _lease_take(listener_id: int, *, current: dt.datetime | None = None) -> dt.datetime | None:
    """Take the listener's lease (or renew `current`, ours); None if another walk holds it, it
    waits for a retry, or it is unregistered."""
    now = timezone.now()
    lease = now + dt.timedelta(seconds=settings.TMF_HUB_DELIVERY_TIMEOUT_SECONDS + 30)
    mine = Q(leased_until=current) if current else Q(leased_until__isnull=True)
    mine |= Q(leased_until__lt=now)
    taken = (
        HubListener.objects.filter(
            mine, pk=listener_id, unregistered_at__isnull=True, client__revoked_at__isnull=True
        )
        .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
        .update(leased_until=lease)
    )
    return lease if taken else None


def hub_listener_deliver(*, listener_id: int) -> int:
    """Deliver what waits for the listener, in event order, until it is all accepted or one is
    not (see the module). Does nothing while another walk holds the listener (that walk looks
    again for what arrived before it lets go) or while it waits for its retry. Returns how many
    were delivered."""
    delivered = 0
    while True:
        lease = _lease_take(listener_id)
        if lease is None:
            return delivered
        walk = Walk(listener_id, lease)
        try:
            _walk(walk)
        finally:
            HubListener.objects.filter(pk=listener_id, leased_until=walk.lease).update(
                leased_until=None
            )
        delivered += walk.delivered
        if walk.stopped or not _waiting(listener_id):
            return delivered


def _waiting(listener_id: int) -> bool:
    return HubDelivery.objects.filter(listener_id=listener_id, status=Status.PENDING).exists()


def _walk(walk: Walk) -> None:
    while True:
        batch = list(
            HubDelivery.objects.filter(listener_id=walk.listener_id, status=Status.PENDING)
            .select_related("event", "listener")
            .order_by("event_id")[: settings.TMF_HUB_DELIVERY_BATCH]
        )
        if not batch:
            return
        for delivery in batch:
            lease = _lease_take(walk.listener_id, current=walk.lease)
            if lease is None:  # unregistered, or a slower walk than the lease: stop here
                walk.stopped = True
                return
            walk.lease = lease
            if not _attempt(delivery):
                walk.stopped = True
                return
            walk.delivered += 1


def _attempt(delivery: HubDelivery) -> bool:
    """Send one delivery and log how it went; True if the listener accepted it."""
    listener, event = delivery.listener, delivery.event
    body = json.dumps(hub_event_body(event=event), separators=(",", ":")).encode()
    now = timezone.now()
    try:
        status_code = _send(listener=listener, event=event, body=body)
    except (DeliveryError, CallbackRefusedError) as exc:
        code = getattr(exc, "status_code", None)
        HubDelivery.objects.filter(pk=delivery.pk).update(
            attempts=delivery.attempts + 1,
            status_code=code,
            last_error=str(exc)[:255],
            last_attempt_at=now,
        )
        _listener_refused(listener, at=now)
        return False
    HubDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING).update(
        status=Status.DELIVERED,
        attempts=delivery.attempts + 1,
        status_code=status_code,
        last_error="",
        last_attempt_at=now,
        delivered_at=now,
    )
    if listener.failures or listener.failing_since:
        HubListener.objects.filter(pk=listener.pk).update(
            failures=0, retry_at=None, failing_since=None
        )
        listener.failures, listener.failing_since = 0, None
    return True


def hub_backoff(failures: int) -> int:
    """Seconds before the next try after `failures` refusals in a row."""
    if failures >= settings.TMF_HUB_DELIVERY_MAX_ATTEMPTS:
        return settings.TMF_HUB_FAILING_RETRY_SECONDS
    return min(
        settings.TMF_HUB_RETRY_BACKOFF_SECONDS * 2 ** (failures - 1),
        settings.TMF_HUB_FAILING_RETRY_SECONDS,
    )


def _listener_refused(listener: HubListener, *, at: dt.datetime) -> None:
    failures = listener.failures + 1
    failing = failures >= settings.TMF_HUB_DELIVERY_MAX_ATTEMPTS
    HubListener.objects.filter(pk=listener.pk).update(
        failures=failures,
        retry_at=at + dt.timedelta(seconds=hub_backoff(failures)),
        failing_since=(listener.failing_since or at) if failing else None,
    )


def hub_deliver_due(*, limit: int = 1000) -> int:
    """The sweep: publish a delivery job for every live listener with deliveries waiting whose
    retry is due and that no walk holds (a job lost, a retry due, a failing listener's turn).
    Returns how many jobs it published: none while the default queue, where they go, is in
    backlog (`job_queue_backlogged`): the jobs it would publish again most likely wait there, and
    a listener's walk delivers everything due anyway."""
    if job_queue_backlogged(queue=job_default_queue()):
        return 0
    now = timezone.now()
    ids = list(
        HubListener.objects.filter(
            Q(retry_at__isnull=True) | Q(retry_at__lte=now),
            Q(leased_until__isnull=True) | Q(leased_until__lt=now),
            unregistered_at__isnull=True,
            pk__in=HubDelivery.objects.filter(status=Status.PENDING).values("listener_id"),
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return job_fan_out(task=hub_listener_deliver_task, ids=ids)
