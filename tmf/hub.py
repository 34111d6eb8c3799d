"""The event hub [TMF688]: listeners a system registers on an API's hub, and the events recorded
for them.

What the hub tells, and where it hears it:
- an order's states (TMF622 `ProductOrderCreateEvent`, `ProductOrderStateChangeEvent`) and a
  product's (TMF637 `ProductCreateEvent`, `ProductStateChangeEvent`): from the orders' own FSM
  transitions and creations, in the transaction that makes them (`hub_receivers_connect`). The
  receivers only record a row; the orders services stay as they are;
- an allowance's or the prepaid balance's change (`BucketStateChangeEvent`, our name after TMF637's:
  TMF654 v4 defines none) and every kind of the event log, under its own name
  (`BucketThresholdCrossed`, ...): as a subscriber of the event log (EVENT_SUBSCRIBERS).

An event is recorded only if some live listener wants it, with a delivery row for each such
listener, in the transaction of the change: a rollback takes them too, and a listener that is
down has its rows waiting when it comes back. Whether any listener at all is live is kept in the
cache (TMF_HUB_LISTENERS_CACHE_SECONDS, cleared by register and unregister), so a tap costs no query
more while nobody listens. Delivering is `tmf.hub_delivery`'s, in Celery jobs published on
commit."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django_fsm.signals import post_transition

from orders.models import Order, ProductInstance
from selfcare.jobs import job_publish_on_commit
from selfcare.models import ApiClient, DomainEvent

from .hub_hosts import CallbackRefusedError, callback_check
from .models import HubDelivery, HubEvent, HubListener
from .tasks import hub_listener_deliver_task

Api = HubListener.Api
Kind = DomainEvent.Kind

ORDER_CREATE = "ProductOrderCreateEvent"
ORDER_STATE_CHANGE = "ProductOrderStateChangeEvent"
PRODUCT_CREATE = "ProductCreateEvent"
PRODUCT_STATE_CHANGE = "ProductStateChangeEvent"
BUCKET_STATE_CHANGE = "BucketStateChangeEvent"
# The event types of each API's hub; the TMF688 event hub tells all of them and the event log's.
EVENT_TYPES: dict[str, tuple[str, ...]] = {
    Api.PRODUCT_ORDERING: (ORDER_CREATE, ORDER_STATE_CHANGE),
    Api.PRODUCT_INVENTORY: (PRODUCT_CREATE, PRODUCT_STATE_CHANGE),
    Api.PREPAY_BALANCE: (BUCKET_STATE_CHANGE,),
}
EVENT_TYPES[Api.EVENT] = (*(t for types in EVENT_TYPES.values() for t in types), *Kind.values)
# The event log's kinds that change an allowance, or her prepaid balance.
BUCKET_KINDS = (Kind.BUCKET_THRESHOLD_CROSSED, Kind.BUCKET_DEPLETED)
BALANCE_KINDS = (Kind.TOP_UP_COMPLETED, Kind.BALANCE_LOW)
LIVE_CACHE_KEY = "tmf:hub:live-apis"


class HubError(Exception):
    """A registration that cannot be made; the message says why."""


@dataclass(frozen=True)
class HubEventRow:
    """An event to record: its type, the resource it is about, whose, when, and what it tells."""

    event_type: str
    resource_key: str
    customer_id: int | None
    occurred_at: dt.datetime
    facts: dict = field(default_factory=dict)


# Listeners


@dataclass(frozen=True)
class Registration:
    listener: HubListener
    secret: str


def _types_read(*, api: str, query: str) -> list[str]:
    """The event types a listener's `query` asks for: `eventType=A,B` (or `eventType=A&
    eventType=B`); none for an empty query (every type of the API). Raises HubError for
    anything else."""
    if not query.strip():
        return []
    try:
        parsed = parse_qs(query, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise HubError("The query must be eventType=<type>[,<type>...].") from exc
    unknown_keys = set(parsed) - {"eventType"}
    if unknown_keys:
        raise HubError(f"Only eventType may filter events, not {', '.join(sorted(unknown_keys))}.")
    wanted = [t.strip() for value in parsed["eventType"] for t in value.split(",") if t.strip()]
    unknown = sorted(set(wanted) - set(EVENT_TYPES[api]))
    if unknown or not wanted:
        raise HubError(
            f"This hub has no event type {', '.join(unknown) or '(empty)'}; it has "
            f"{', '.join(EVENT_TYPES[api])}."
        )
    return sorted(set(wanted))


def hub_listener_register(
    *, client: ApiClient, api: str, callback: str, query: str = ""
) -> Registration:
    """Register `callback` on `api`'s hub for `client`, for the event types `query` names.
    Raises HubError for a query it cannot read and CallbackRefusedError for a callback whose
    host TMF_HUB_ALLOWED_HOSTS does not list. Returns the listener and the secret its deliveries
    are signed with (kept to sign, never shown again). Events recorded from its commit on are
    delivered to it."""
    callback_check(callback)
    event_types = _types_read(api=api, query=query)
    secret = secrets.token_urlsafe(32)
    listener = HubListener.objects.create(
        api=api,
        client=client,
        callback=callback,
        query=query,
        event_types=event_types,
        secret=secret,
        created_at=timezone.now(),
    )
    _live_forget()
    return Registration(listener=listener, secret=secret)


def hub_listener_unregister(*, client: ApiClient, api: str, pk: int) -> None:
    """Stop delivering to a listener of `client`'s: its waiting deliveries are never sent; its
    delivery log stays. Raises HubListener.DoesNotExist if it is not a live one of `client`'s."""
    with transaction.atomic():
        listener = (
            HubListener.objects.select_for_update()
            .filter(pk=pk, api=api, client=client, unregistered_at__isnull=True)
            .get()
        )
        listener.unregistered_at = timezone.now()
        listener.save(update_fields=["unregistered_at"])
        _live_forget()


def _live_forget() -> None:
    """Forget which hubs have listeners, now and once the change commits."""
    cache.delete(LIVE_CACHE_KEY)
    transaction.on_commit(functools.partial(cache.delete, LIVE_CACHE_KEY))


def _live_apis() -> frozenset[str]:
    """The APIs with a live listener, from the cache (one query when it has forgotten)."""
    found = cache.get(LIVE_CACHE_KEY)
    if found is None:
        found = sorted(
            HubListener.objects.filter(unregistered_at__isnull=True)
            .values_list("api", flat=True)
            .distinct()
        )
        cache.set(LIVE_CACHE_KEY, found, settings.TMF_HUB_LISTENERS_CACHE_SECONDS)
    return frozenset(found)


def _listener_wants(listener: HubListener, event_type: str) -> bool:
    return event_type in EVENT_TYPES[listener.api] and (
        not listener.event_types or event_type in listener.event_types
    )


# Recording


def hub_events_record(*, rows: list[HubEventRow]) -> list[int]:
    """Record the events of `rows` that a live listener wants, with a delivery row per such
    listener, in the caller's transaction, and publish each of those listeners' delivery job on
    commit. Nothing (and no query) when no hub has a listener. Returns the new events' ids."""
    live = _live_apis()
    if not live or not rows:
        return []
    if not any(row.event_type in EVENT_TYPES[api] for api in live for row in rows):
        return []
    listeners = list(
        HubListener.objects.filter(
            unregistered_at__isnull=True, client__revoked_at__isnull=True, api__in=live
        ).only("pk", "api", "event_types")
    )
    wanted = [(row, [x for x in listeners if _listener_wants(x, row.event_type)]) for row in rows]
    wanted = [(row, found) for row, found in wanted if found]
    if not wanted:
        return []
    events = HubEvent.objects.bulk_create(
        [
            HubEvent(
                event_type=row.event_type,
                resource_key=row.resource_key,
                customer_id=row.customer_id,
                facts=row.facts,
                occurred_at=row.occurred_at,
            )
            for row, _ in wanted
        ]
    )
    HubDelivery.objects.bulk_create(
        [
            HubDelivery(
                listener=listener,
                event=event,
            )
            for event, (_, found) in zip(events, wanted, strict=True)
            for listener in found
        ]
    )
    for listener_id in sorted({x.pk for _, found in wanted for x in found}):
        # A broker that is away is logged, not raised: the delivery sweep publishes it again.
        job_publish_on_commit(hub_listener_deliver_task, listener_id)
    return [event.pk for event in events]


def _order_state_recorded(sender, instance: Order, target, **kwargs) -> None:
    if instance.pk is None:  # not an order yet: nothing a listener could read
        return
    hub_events_record(rows=[_order_row(instance, ORDER_STATE_CHANGE, target)])


def _order_created(sender, instance: Order, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        hub_events_record(rows=[_order_row(instance, ORDER_CREATE, instance.status)])


def _order_row(order: Order, event_type: str, state: str) -> HubEventRow:
    return HubEventRow(
        event_type,
        f"ProductOrder:{order.pk}",
        order.customer_id,
        timezone.now(),
        {"order_id": order.pk, "state": str(state)},
    )


def _product_state_recorded(sender, instance: ProductInstance, target, **kwargs) -> None:
    if instance.pk is None:  # not a product yet: nothing a listener could read
        return
    hub_events_record(rows=[_product_row(instance, PRODUCT_STATE_CHANGE, target)])


def _product_created(
    sender, instance: ProductInstance, created: bool, raw: bool = False, **kwargs
) -> None:
    if created and not raw:
        hub_events_record(rows=[_product_row(instance, PRODUCT_CREATE, instance.status)])


def _product_row(instance: ProductInstance, event_type: str, status: str) -> HubEventRow:
    return HubEventRow(
        event_type,
        f"Product:{instance.pk}",
        instance.customer_id,
        timezone.now(),
        {"product_instance_id": instance.pk, "status": str(status)},
    )


def hub_receivers_connect() -> None:
    """Hear the orders' and products' creations and transitions (tmf.apps). A receiver records
    the hub's row in the transaction of the change and nothing else: no rule of the orders
    lives here."""
    post_transition.connect(_order_state_recorded, sender=Order, dispatch_uid="hub-order-state")
    post_save.connect(_order_created, sender=Order, dispatch_uid="hub-order-created")
    post_transition.connect(
        _product_state_recorded, sender=ProductInstance, dispatch_uid="hub-product-state"
    )
    post_save.connect(_product_created, sender=ProductInstance, dispatch_uid="hub-product-created")


def hub_events_for_domain_events(*, events: list[DomainEvent]) -> None:
    """A subscriber of the event log (EVENT_SUBSCRIBERS), in its dispatch's transaction: each
    event under its kind's name, about her; an allowance's crossing or using up also as a
    BucketStateChangeEvent of that allowance, a top-up or low balance as one of her balance."""
    rows = []
    for event in events:
        rows.append(
            HubEventRow(
                event.kind,
                f"Customer:{event.customer_id}",
                event.customer_id,
                event.occurred_at,
                {"domain_event_id": event.pk},
            )
        )
        if event.kind in BUCKET_KINDS and event.facts.get("bucket_id"):
            bucket_id = event.facts["bucket_id"]
            rows.append(
                HubEventRow(
                    BUCKET_STATE_CHANGE,
                    f"Bucket:{bucket_id}",
                    event.customer_id,
                    event.occurred_at,
                    {"bucket_id": bucket_id, "domain_event_id": event.pk},
                )
            )
        elif event.kind in BALANCE_KINDS:
            rows.append(
                HubEventRow(
                    BUCKET_STATE_CHANGE,
                    f"Balance:{event.customer_id}",
                    event.customer_id,
                    event.occurred_at,
                    {"balance_of": event.customer_id, "domain_event_id": event.pk},
                )
            )
    hub_events_record(rows=rows)


__all__ = [
    "CallbackRefusedError",
    "HubError",
    "hub_events_for_domain_events",
    "hub_events_record",
    "hub_listener_register",
    "hub_listener_unregister",
]
