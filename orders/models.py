"""Orders and what they produce: the product instances a line owns.

State only changes through the transitions below, called by the services in `orders.services`
on a locked row. Transition bodies touch nothing but their own model's fields.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from catalog.models import Offer
from selfcare.models import Channel, Customer, Line
from selfcare.said import said_json, said_text


class Order(FSMModelMixin, models.Model):
    """A product order [TMF622 ProductOrder]."""

    class Status(models.TextChoices):
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        PENDING = "pending", _("Awaiting confirmation")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="orders")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = FSMField(default=Status.ACKNOWLEDGED, choices=Status.choices, protected=True)
    idempotency_key = models.CharField(max_length=64)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    failure_reason = models.CharField(max_length=255, blank=True)
    # The cart it was checked out from, if any: one order per item, so each add-on activates, fails
    # and is refunded on its own.
    cart = models.ForeignKey(
        "Cart", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    # The tracked link (a campaign's message) she clicked before buying: the sale is credited to it.
    attributed_link = models.ForeignKey(
        "selfcare.TrackedLink",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"], name="order_unique_idempotency_key"
            )
        ]

    def __str__(self) -> str:
        return f"Order #{self.pk}"

    @transition(field=status, source=Status.ACKNOWLEDGED, target=Status.PENDING)
    def await_confirmation(self) -> None:
        pass

    @transition(
        field=status, source=[Status.ACKNOWLEDGED, Status.PENDING], target=Status.IN_PROGRESS
    )
    def start(self) -> None:
        pass

    @transition(field=status, source=Status.IN_PROGRESS, target=Status.COMPLETED)
    def complete(self, *, at) -> None:
        self.completed_at = at

    @transition(
        field=status, source=[Status.ACKNOWLEDGED, Status.IN_PROGRESS], target=Status.FAILED
    )
    def fail(self, *, reason: str, at) -> None:
        self.failure_reason = reason[:255]
        self.completed_at = at

    @transition(field=status, source=[Status.ACKNOWLEDGED, Status.PENDING], target=Status.CANCELLED)
    def cancel(self, *, reason: str, at) -> None:
        self.failure_reason = reason[:255]
        self.completed_at = at


class OrderStatusChange(models.Model):
    """A row per status an order went through: the history the customer and agents see."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, choices=Order.Status.choices)
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


class ProductInstance(FSMModelMixin, models.Model):
    """What a line owns [TMF637 Product]: an offer, from when, until when, in which state."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        PENDING_ACTIVE = "pending_active", _("Activating")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        PENDING_TERMINATE = "pending_terminate", _("Switching off")
        TERMINATED = "terminated", _("Off")
        FAILED = "failed", _("Failed")

    LIVE_STATUSES = (
        Status.SCHEDULED,
        Status.PENDING_ACTIVE,
        Status.ACTIVE,
        Status.SUSPENDED,
        Status.PENDING_TERMINATE,
    )

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="products")
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="products")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="instances")
    status = FSMField(default=Status.PENDING_ACTIVE, choices=Status.choices, protected=True)
    # Why it is in its status, in English, and its words and facts to say it in the reader's
    # language (selfcare/said.py): `reason_text`.
    status_reason = models.CharField(max_length=255, blank=True)
    status_said = models.JSONField(null=True, blank=True)
    status_changed_at = models.DateTimeField()
    # When a job last took it up: started work on the network, was enqueued again by the stuck
    # sweep, or (a moment ahead) when the retry a job waits for is due. The stuck sweep enqueues
    # a pending product again only once this, and its change of status, are older than the
    # kind's deadline (PENDING_DEADLINE_SECONDS).
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # The change of status (its `status_changed_at`) whose network request the network
    # confirmed: a job run again for that change makes no second network call.
    network_done_for = models.DateTimeField(null=True, blank=True)
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=0,
        help_text="The price of a period, as bought (with her options): what a renewal charges.",
    )
    paid_amount = models.DecimalField(
        max_digits=10, decimal_places=2, help_text="What was charged for the current period."
    )
    starts_at = models.DateTimeField(
        null=True, blank=True, help_text="When a postponed (scheduled) product starts."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    # The start of the period she is in (activation, then each renewal).
    period_started_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    terminated_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    # The product whose activation made this one redundant, if that is why it is suspended.
    suspended_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="suspending"
    )
    renews = models.BooleanField(
        default=False, help_text="Charged again and extended at the end of every period."
    )
    renewal_count = models.PositiveIntegerField(default=0)
    options = models.JSONField(default=dict, blank=True)
    # The end she was reminded of ("ends tomorrow", "renews tomorrow"): one reminder per period.
    reminded_for_ends_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # A line owns an offer at most once at a time: a second "on" is refused by the database
            # even if two requests race past every check.
            models.UniqueConstraint(
                fields=["line", "offer"],
                condition=Q(
                    status__in=[
                        "scheduled",
                        "pending_active",
                        "active",
                        "suspended",
                        "pending_terminate",
                    ]
                ),
                name="product_instance_one_live_per_line_offer",
            )
        ]
        indexes = [models.Index(fields=["status", "ends_at"])]
        permissions = [
            ("refund_beyond_policy", "Can refund more than the offer's refund policy gives"),
        ]

    def __str__(self) -> str:
        return f"{self.offer} on {self.line}"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    @transition(field=status, source=Status.SCHEDULED, target=Status.PENDING_ACTIVE)
    def begin(self, *, at) -> None:
        self.status_changed_at = at

    @property
    def reason_text(self) -> str:
        """Why it is in its status, in the language active now."""
        return said_text(self.status_said, self.status_reason)

    def _reason_set(self, reason: str) -> None:
        self.status_reason = reason[:255]
        self.status_said = said_json(reason)

    @transition(field=status, source=Status.PENDING_ACTIVE, target=Status.ACTIVE)
    def activate(self, *, at, ends_at) -> None:
        self.started_at = at
        self.period_started_at = at
        self.ends_at = ends_at
        self._reason_set("")
        self.status_changed_at = at

    @transition(field=status, source=Status.PENDING_ACTIVE, target=Status.FAILED)
    def fail(self, *, reason: str, at) -> None:
        self._reason_set(reason)
        self.status_changed_at = at
        self.terminated_at = at

    @transition(field=status, source=Status.ACTIVE, target=Status.SUSPENDED)
    def suspend(self, *, reason: str, at, by=None) -> None:
        self._reason_set(reason)
        self.status_changed_at = at
        self.suspended_at = at
        self.suspended_by = by

    @transition(field=status, source=Status.SUSPENDED, target=Status.ACTIVE)
    def resume(self, *, at) -> None:
        """Its time did not run while suspended: the end moves by as long as it was."""
        if self.ends_at is not None and self.suspended_at is not None:
            self.ends_at += at - self.suspended_at
        self._reason_set("")
        self.status_changed_at = at
        self.suspended_at = None
        self.suspended_by = None

    @transition(field=status, source=Status.ACTIVE, target=Status.ACTIVE)
    def reconfigure(self, *, options: dict, price, paid) -> None:
        self.options = options
        self.price = price
        self.paid_amount = paid

    @transition(field=status, source=Status.ACTIVE, target=Status.ACTIVE)
    def renew(self, *, at, ends_at, paid) -> None:
        self.period_started_at = self.ends_at
        self.ends_at = ends_at
        self.paid_amount = paid
        self.renewal_count += 1
        self.status_changed_at = at

    @transition(
        field=status,
        source=[Status.SCHEDULED, Status.ACTIVE, Status.SUSPENDED, Status.PENDING_TERMINATE],
        target=Status.PENDING_TERMINATE,
    )
    def request_termination(self, *, reason: str, at, ends_at) -> None:
        """End at `ends_at`: now for a switch-off, the period's end when renewal is turned off."""
        self._reason_set(reason)
        self.status_changed_at = at
        self.renews = False
        if self.ends_at is None or ends_at < self.ends_at:
            self.ends_at = ends_at

    @transition(field=status, source=Status.PENDING_TERMINATE, target=Status.TERMINATED)
    def terminate(self, *, at) -> None:
        self.terminated_at = at
        self.status_changed_at = at


class ConfirmationCode(models.Model):
    """The one-time code an order waits for. Only a keyed hash of the code is stored."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="confirmation_codes")
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Code for {self.order}"


class OrderItem(models.Model):
    """One action of an order on one product [TMF622 ProductOrderItem]."""

    class Action(models.TextChoices):
        ADD = "add", _("Switch on")
        TERMINATE = "terminate", _("Switch off")
        MODIFY = "modify", _("Change")
        SUSPEND = "suspend", _("Suspend")
        RESUME = "resume", _("Resume")
        STOP_RENEWAL = "stop_renewal", _("Turn renewal off")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    action = models.CharField(max_length=20, choices=Action.choices)
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="+")
    product_instance = models.ForeignKey(
        ProductInstance, on_delete=models.PROTECT, related_name="order_items"
    )
    charge_amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    refund_amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.offer}"


class Cart(models.Model):
    """A customer's shopping cart [TMF663 ShoppingCart]: one open cart per customer, shared by the
    portal, the call centre and the API, so she can start it in one and finish it in another.

    Every change bumps `version`; an edit made on an older version is refused, so two people
    editing the same cart never silently overwrite each other. Prices are never stored here: the
    quote is computed from the catalog each time it is shown.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CHECKED_OUT = "checked_out", _("Checked out")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="carts")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    version = models.PositiveIntegerField(default=1)
    changed_on = models.CharField(max_length=10, choices=Channel.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checkout_channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status="open"),
                name="cart_one_open_per_customer",
            )
        ]

    def __str__(self) -> str:
        return f"Cart #{self.pk} of {self.customer}"


class CartItem(models.Model):
    """An offer in a cart, for one of her lines, with the options chosen for it."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="+")
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="+")
    options = models.JSONField(default=dict, blank=True)
    added_on = models.CharField(max_length=10, choices=Channel.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cart", "offer", "line"], name="cart_item_one_per_offer_and_line"
            )
        ]

    def __str__(self) -> str:
        return f"{self.offer} for {self.line}"
