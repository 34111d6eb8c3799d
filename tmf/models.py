"""The event hub [TMF688 Hub]: the listeners systems register, the events recorded for them, and
one delivery row per (listener, event), the delivery log the operator's staff read in the admin.

An event is recorded in the transaction of the change it tells (`tmf.hub`), with a delivery row
for every listener whose query wants it at that moment: a listener that is down keeps its rows
until it answers, and the unique (listener, event) pair is what makes a delivery happen once."""

from django.db import models
from django.db.models import Q


class HubListener(models.Model):
    """A callback a system registered on one API's hub, with the event types it asked for
    (its `query`; none: every type of that API) and the secret its deliveries are signed with.
    Unregistering keeps the row (and its delivery log) with `unregistered_at` set."""

    class Api(models.TextChoices):
        # The TM Forum base path each hub is offered on (`/tmf-api/<api>/v4/hub`).
        PRODUCT_ORDERING = "productOrderingManagement", "TMF622 Product Ordering"
        PRODUCT_INVENTORY = "productInventory", "TMF637 Product Inventory"
        PREPAY_BALANCE = "prepayBalanceManagement", "TMF654 Prepay Balance Management"
        EVENT = "event", "TMF688 Event (every event)"

    api = models.CharField(max_length=40, choices=Api.choices)
    client = models.ForeignKey(
        "selfcare.ApiClient", on_delete=models.PROTECT, related_name="hub_listeners"
    )
    callback = models.URLField(max_length=2000)
    query = models.CharField(max_length=1000, blank=True)
    event_types = models.JSONField(default=list, blank=True)
    # Kept to sign every delivery (HMAC needs the secret itself); shown once, at registration.
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    # Its deliveries refused in a row (no answer, an error, a redirect, not 2xx), and when the
    # next try is due: TMF_HUB_RETRY_BACKOFF_SECONDS doubled each time. After
    # TMF_HUB_DELIVERY_MAX_ATTEMPTS it is failing: tried every TMF_HUB_FAILING_RETRY_SECONDS until
    # it accepts one again, when all three are cleared and it catches up.
    failures = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    # Who delivers to it now (a walk's lease, `tmf.hub_delivery.hub_listener_deliver`): one at a
    # time, so its events leave in order and never twice.
    leased_until = models.DateTimeField(null=True, blank=True)
    unregistered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["api"], condition=Q(unregistered_at__isnull=True), name="hub_listener_live"
            )
        ]

    def __str__(self) -> str:
        return f"{self.client} on {self.api}: {self.callback}"


class HubEvent(models.Model):
    """One event as the hub delivers it: its type, the resource it is about (`resource_key`, e.g.
    `ProductOrder:12`: the deliveries of one resource leave in the order of these ids), and the
    state it tells (`facts`). `body` is the TMF event sent, made once at its first delivery and
    then sent as it is to every listener and on every retry."""

    event_type = models.CharField(max_length=60)
    resource_key = models.CharField(max_length=80)
    customer = models.ForeignKey(
        "selfcare.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    facts = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField()
    body = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.pk} ({self.resource_key})"


class HubDelivery(models.Model):
    """The delivery of one event to one listener: how many tries, the last answer, and when the
    listener accepted it. Unique per (listener, event): nothing is sent again once accepted."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"

    listener = models.ForeignKey(HubListener, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(HubEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event_id"]
        constraints = [
            models.UniqueConstraint(fields=["listener", "event"], name="hub_delivery_once")
        ]
        indexes = [
            models.Index(
                fields=["listener", "event"],
                condition=Q(status="pending"),
                name="hub_delivery_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} to listener {self.listener_id}: {self.status}"
