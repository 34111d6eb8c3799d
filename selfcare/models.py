"""The customer domain: customers, their accounts and money ledger, lines, allowances, and the
history of every touchpoint with them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from oauth2_provider.settings import oauth2_settings

from catalog.models import LifecycleStatus

from .said import said_text


class Channel(models.TextChoices):
    PORTAL = "portal", _("Self-care portal")
    AGENT = "agent", _("Call centre")
    API = "api", _("API / app")
    SYSTEM = "system", _("System")


class Customer(models.Model):
    """A party who is our customer [TMF629 Customer]."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="customer"
    )
    name = models.CharField(max_length=120)
    email = models.EmailField(blank=True)
    lifecycle_status = models.CharField(
        max_length=20, choices=LifecycleStatus.choices, default=LifecycleStatus.ACTIVE
    )
    status_reason = models.CharField(
        max_length=200, blank=True, help_text="Shown to the customer while she is not active."
    )
    contract_start = models.DateField()
    segments = models.JSONField(default=list, blank=True)
    marketing_consent = models.BooleanField(default=False)
    # Her consent to use the network area her line is in (zone events, for offers where she is).
    location_consent = models.BooleanField(default=False)
    preferred_medium = models.CharField(
        "tell me by",
        max_length=10,
        choices=[("sms", _("SMS")), ("email", _("E-mail")), ("in_app", _("In-app message"))],
        default="sms",
        help_text="How she is told about her add-ons (activated, failed, refunded, ending).",
    )
    # The language of her pages and messages: blank until chosen, which her first sign-in does
    # from her browser's (selfcare.languages); she changes it on her account page.
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def first_name(self) -> str:
        """What messages greet her by."""
        return self.name.split()[0] if self.name else ""


class Account(models.Model):
    """A billing account [TMF666]. Its balance is the sum of its ledger, never a stored number."""

    class Kind(models.TextChoices):
        PREPAID = "prepaid", _("Prepaid")
        POSTPAID = "postpaid", _("Postpaid")

    customer = models.OneToOneField(Customer, on_delete=models.PROTECT, related_name="account")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PREPAID)
    currency = models.CharField(max_length=3, default="EUR")
    # Her auto top-up's threshold while it is on (its consent is `AutoTopUp`, which alone writes
    # this copy): a charge reads it from the account row it already holds, so a purchase pays no
    # query to learn whether it takes her below it.
    auto_topup_below = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.customer} ({self.get_kind_display()})"


class LedgerEntry(models.Model):
    """One money movement. `reference` names what caused it and is unique, so a replayed job can
    never charge or refund twice."""

    class Kind(models.TextChoices):
        TOP_UP = "top_up", _("Top-up")
        CHARGE = "charge", _("Charge")
        REFUND = "refund", _("Refund")
        CREDIT = "credit", _("Credit")

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    description = models.CharField(max_length=200)
    # The description's words and facts, to say it in the reader's language (selfcare/said.py).
    said = models.JSONField(null=True, blank=True)
    reference = models.CharField(max_length=80, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(
                name="ledger_sign_matches_kind",
                condition=(Q(kind="charge", amount__lt=0) | (~Q(kind="charge") & Q(amount__gt=0))),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

    @property
    def text(self) -> str:
        """Its description in the language active now."""
        return said_text(self.said, self.description)


class Line(models.Model):
    """A mobile line on a base plan."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        TERMINATED = "terminated", _("Terminated")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="lines")
    msisdn = models.CharField("MSISDN", max_length=15, unique=True)
    iccid = models.CharField("SIM card (ICCID)", max_length=20, unique=True, null=True, blank=True)
    # A temporary line (Travel Line) ends with the product that created it.
    temporary = models.BooleanField(default=False)
    base_plan = models.CharField(max_length=60)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # Where its latest usage was (the usage feed keeps these): the country it roams in (empty at
    # home), the network zone (kept only with her location consent), and that usage's time.
    last_country = models.CharField(max_length=2, blank=True)
    last_zone = models.CharField(max_length=32, blank=True)
    located_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.msisdn


# Allowances and usage are kept in the network's own base units, so that a million small events
# add up exactly; offers and the portal speak MB and minutes.
BYTES_PER_MB = 1024 * 1024
SECONDS_PER_MINUTE = 60


class Bucket(models.Model):
    """An allowance on a line [TMF654 Bucket]: what it grants, what is used, until when, in bytes,
    seconds or messages."""

    class Unit(models.TextChoices):
        BYTES = "bytes", _("bytes")
        SECONDS = "seconds", _("seconds")
        MESSAGES = "messages", _("SMS")

    class Scope(models.TextChoices):
        GENERAL = "general", _("Any use")
        TV = "tv", _("TV streaming only")
        VOD = "vod", _("Video on demand only")

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="buckets")
    # Its name in English (the API, search), and its words to say it in the reader's language
    # (selfcare/said.py): `text`.
    name = models.CharField(max_length=120)
    said = models.JSONField(null=True, blank=True)
    unit = models.CharField(max_length=10, choices=Unit.choices)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.GENERAL)
    initial = models.PositiveBigIntegerField()
    used = models.PositiveBigIntegerField(default=0)
    # Of `used`, what was carried over from an earlier allowance of the same period when a
    # bundle's options changed (so it is not counted twice).
    carried = models.PositiveBigIntegerField(default=0)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
    # The product instance that granted it (None for the base plan). A plain id, not a foreign
    # key: the customer domain does not depend on orders.
    granted_by_instance = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    # Its product is suspended: nothing is rated against it, and its end moves on resume.
    suspended = models.BooleanField(default=False)
    # The expired allowance whose unused part this one carries on (Video Rollover); one each.
    rolled_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="rolled_into"
    )

    class Meta:
        ordering = ["valid_until", "id"]
        constraints = [
            models.CheckConstraint(
                name="bucket_used_within_initial", condition=Q(used__lte=models.F("initial"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.remaining}/{self.initial} {self.unit})"

    @property
    def text(self) -> str:
        """Its name in the language active now."""
        return said_text(self.said, self.name)

    @property
    def remaining(self) -> int:
        return self.initial - self.used

    @property
    def used_percent(self) -> int:
        return round(100 * self.used / self.initial) if self.initial else 0


class UsageRecord(models.Model):
    """Network usage of a line [TMF635 Usage], rated against its allowances once: a replayed
    network event (same `event_id`) is ignored. Quantities are in the unit of its service."""

    class Service(models.TextChoices):
        DATA = "data", _("Data")
        TV = "tv", _("TV streaming")
        VOD = "vod", _("Video on demand")
        VOICE = "voice", _("Voice")
        SMS = "sms", _("SMS")

    # Indexed by (line, at) below, which serves look-ups by line too.
    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="usage", db_index=False)
    # Unique by the constraint below: `unique=True` would add a LIKE index on PostgreSQL that
    # nothing reads and every insert pays for.
    event_id = models.CharField(max_length=64)
    service = models.CharField(max_length=10, choices=Service.choices)
    quantity = models.PositiveBigIntegerField()
    unit = models.CharField(max_length=10, choices=Bucket.Unit.choices)
    at = models.DateTimeField()
    # Where the line was: ISO 3166 alpha-2 when roaming, and the network's area id.
    country = models.CharField(max_length=2, blank=True)
    zone = models.CharField(max_length=32, blank=True)
    # What it was rated against: {bucket id: quantity drawn from it}.
    rated_against = models.JSONField(default=dict, blank=True)
    out_of_bundle = models.PositiveBigIntegerField(
        default=0, help_text="What no allowance covered."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # The unit each service is counted in.
    SERVICE_UNITS = {
        Service.DATA: Bucket.Unit.BYTES,
        Service.TV: Bucket.Unit.BYTES,
        Service.VOD: Bucket.Unit.BYTES,
        Service.VOICE: Bucket.Unit.SECONDS,
        Service.SMS: Bucket.Unit.MESSAGES,
    }

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["line", "at"])]
        constraints = [
            models.UniqueConstraint(fields=["event_id"], name="usage_record_event_id_unique")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.unit} of {self.service} on {self.line}"


class OutOfBundleTally(models.Model):
    """What a line used beyond its allowances, per unit (bytes of data, seconds of voice, SMS),
    and what of it was charged. The charge is worked out on the running total, rounded once, so
    a million tiny events cost exactly what their sum costs; what the balance could not pay is
    the rounded total less `charged` and `waived`."""

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="out_of_bundle")
    unit = models.CharField(max_length=10, choices=Bucket.Unit.choices)
    quantity = models.PositiveBigIntegerField(default=0)
    charged = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    # What her limits (stop, or the monthly cap) let go uncharged: neither charged nor owed.
    waived = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["line", "unit"], name="out_of_bundle_tally_unique")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.unit} out of bundle on {self.line}"


# A bar the network has not confirmed yet: not barred there, or lifted here and not there.
SERVICE_BAR_UNSYNCED = Q(lifted_at__isnull=True, network_barred_at__isnull=True) | Q(
    lifted_at__isnull=False, network_barred_at__isnull=False, network_lifted_at__isnull=True
)


class ServiceBar(models.Model):
    """A service the network was told to bar on a line, until it is lifted: her balance could
    not pay its out-of-bundle use (lifted after a top-up), she asked to stop when her allowance
    is used up (lifted when she turns it off or a new allowance arrives), or her monthly spend
    cap was reached (lifted at the month's start or when she raises it). One open bar per line
    and service."""

    class Service(models.TextChoices):
        DATA = "data", _("Data")
        VOICE = "voice", _("Voice")
        SMS = "sms", _("SMS")

    class Cause(models.TextChoices):
        BALANCE = "balance", _("Balance too low")
        STOP = "stop", _("Allowance used up (she asked to stop)")
        SPEND_CAP = "spend_cap", _("Monthly spend limit reached")

    # The bar that stops each unit's use.
    FOR_UNIT = {
        Bucket.Unit.BYTES: Service.DATA,
        Bucket.Unit.SECONDS: Service.VOICE,
        Bucket.Unit.MESSAGES: Service.SMS,
    }

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="bars")
    service = models.CharField(max_length=10, choices=Service.choices)
    reason = models.CharField(max_length=200)
    cause = models.CharField(max_length=10, choices=Cause.choices, default=Cause.BALANCE)
    barred_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)
    # When the network confirmed each: a job run twice makes no second call.
    network_barred_at = models.DateTimeField(null=True, blank=True)
    network_lifted_at = models.DateTimeField(null=True, blank=True)
    # When a job last took it up: enqueued again by the stuck sweep, or (a moment ahead) when the
    # retry a job waits for is due. The sweep sends again a bar or lift the network has not
    # confirmed once this, and the change itself, are older than PENDING_DEADLINE_SECONDS.
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-barred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "service"],
                condition=Q(lifted_at__isnull=True),
                name="service_bar_one_open",
            )
        ]
        indexes = [
            # The stuck sweep, every few seconds, reads only the few bars not confirmed yet.
            models.Index(
                fields=["barred_at"],
                condition=SERVICE_BAR_UNSYNCED,
                name="service_bar_unsynced_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_service_display()} barred on {self.line}"


class ApiClient(models.Model):
    """A system that calls the API on its own behalf (the network's mediation, a partner), and the
    scopes it may use. It signs in with OAuth2 client credentials: `application` is its
    django-oauth-toolkit client (id and hashed secret), gone once it is revoked. A client made
    before those has a static bearer token instead, of which only the SHA-256 is kept."""

    class Scope(models.TextChoices):
        USAGE_WRITE = "usage:write", _("Feed network usage")
        CATALOG_READ = "catalog:read", _("Read the published catalog")
        ORDERS_WRITE = "orders:write", _("Place and read orders")
        EVENTS_LISTEN = "events:listen", _("Register listeners for events")

    name = models.CharField(max_length=80, unique=True)
    scopes = models.JSONField(default=list)
    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="api_client",
    )
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Interaction(models.Model):
    """One touchpoint with a customer on any channel [TMF683 PartyInteraction]."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Logged in")
        OFFER_VIEWED = "offer_viewed", _("Viewed an offer")
        CART_CHANGED = "cart_changed", _("Cart changed")
        CHECKOUT = "checkout", _("Checked out")
        ORDER_PLACED = "order_placed", _("Placed an order")
        ORDER_STATUS = "order_status", _("Order status changed")
        ADDON_STATUS = "addon_status", _("Add-on status changed")
        MESSAGE_SENT = "message_sent", _("Message sent")
        MESSAGE_FAILED = "message_failed", _("Message not delivered")
        LINK_CLICKED = "link_clicked", _("Clicked a link")
        NOTE = "note", _("Agent note")
        TOP_UP = "top_up", _("Topped up")
        AUTO_TOP_UP = "auto_top_up", _("Auto top-up changed")

    class Actor(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        AGENT = "agent", _("Agent")
        SYSTEM = "system", _("System")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="interactions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    actor = models.CharField(max_length=10, choices=Actor.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The line in English (search, exports, the API), and its words and facts to say it in the
    # reader's language (selfcare/said.py): `text`.
    summary = models.CharField(max_length=255)
    said = models.JSONField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self) -> str:
        return self.summary

    @property
    def text(self) -> str:
        """The line in the language active now."""
        return said_text(self.said, self.summary)


class Notification(FSMModelMixin, models.Model):
    """An outgoing message to a customer [TMF681 CommunicationMessage]. Its status only changes
    through the transitions below, called by `selfcare.services.messages` on a locked row, which
    also write its status history."""

    class Medium(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")
        IN_APP = "in_app", _("In-app")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notifications")
    medium = models.CharField(max_length=10, choices=Medium.choices)
    # The template it was written from (templates/notifications/<template>.txt).
    template = models.CharField(max_length=60, blank=True)
    # Where it went: her number or address when it was sent.
    recipient = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = FSMField(max_length=10, choices=Status.choices, default=Status.QUEUED, protected=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=255, blank=True, help_text="The last delivery error.")
    # When a job last took it up: claimed it to send, was enqueued again by the stuck sweep, or
    # (a moment ahead) when the retry a job waits for is due. The stuck sweep enqueues a queued
    # message again once this, and its writing, are older than NOTIFICATION_DEADLINE_SECONDS.
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # How many times its job was published: at its writing, then by each stuck sweep. The sweep's
    # deadline doubles with each (selfcare.jobs.job_lease_expired), so a message only waiting in a
    # long queue is not published again every few seconds.
    publishes = models.PositiveSmallIntegerField(default=1)
    # The campaign that sent it, if any. A plain id: campaigns sit above the customer domain.
    campaign_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "read_at"]),
            # The stuck sweep, every few seconds, reads only the few messages still queued.
            models.Index(
                fields=["created_at"],
                condition=Q(status="queued"),
                name="notification_queued_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @transition(field=status, source=Status.QUEUED, target=Status.SENT)
    def deliver(self, *, at) -> None:
        """Its backend took it."""
        self.sent_at = at
        self.error = ""

    @transition(field=status, source=Status.QUEUED, target=Status.FAILED)
    def fail(self, *, error: str) -> None:
        """Given up: refused for good, out of retries, or too old to be worth sending."""
        self.error = error[:255]


class NotificationStatusChange(models.Model):
    """A row per status a message went through, the first one (from nothing to `queued`)
    included."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, choices=Notification.Status.choices)
    note = models.CharField(max_length=255, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


class TrackedLink(models.Model):
    """A link in a message, opened through /l/<token>/ so the click is recorded against the
    message and its campaign, and a purchase that follows is credited to it.

    Anyone holding the link may open it, so each opening is recorded with who opened it
    (`Clicker`). Her clicks, and those of someone not signed in (most often her, from the SMS
    on her phone), are the link's clicks (`click_count`, `*_clicked_at`: what credits a
    campaign and a purchase); an agent's or another customer's opening is in her history as
    theirs, and credits nothing."""

    class Clicker(models.TextChoices):
        CUSTOMER = "customer", _("Herself")
        ANONYMOUS = "anonymous", _("Someone not signed in")
        STAFF = "staff", _("Staff")
        OTHER_CUSTOMER = "other_customer", _("Another customer")

    token = models.CharField(max_length=32, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="links")
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="links"
    )
    campaign_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    # A path inside the portal (never another site): where the click lands.
    target = models.CharField(max_length=200)
    # The offer it promotes, for crediting a purchase to the link.
    offer = models.ForeignKey(
        "catalog.Offer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    click_count = models.PositiveIntegerField(default=0)
    first_clicked_at = models.DateTimeField(null=True, blank=True)
    last_clicked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Link to {self.target}"


class TopUp(FSMModelMixin, models.Model):
    """Money she added to her balance, and for a card the payment attempt behind it: `pending`
    while the gateway has not answered, then `succeeded` (credited on the ledger under
    `top-up:<id>`), `declined` or `failed` (nothing charged). One per key per customer, so a
    double submit is one top-up. A card is kept only as its brand, last 4 digits and the
    gateway's token."""

    class Method(models.TextChoices):
        CARD = "card", _("Card")
        VOUCHER = "voucher", _("Voucher")
        AUTO = "auto", _("Auto top-up")
        AGENT = "agent", _("Voucher by an agent")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        DECLINED = "declined", _("Declined")
        FAILED = "failed", _("Failed")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="top_ups")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    method = models.CharField(max_length=10, choices=Method.choices)
    status = FSMField(max_length=10, choices=Status.choices, default=Status.PENDING, protected=True)
    idempotency_key = models.CharField(max_length=64)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    gateway_reference = models.CharField(max_length=80, blank=True)
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    # The gateway's token for charging this card again (auto top-up); never the card's number.
    card_token = models.CharField(max_length=80, blank=True)
    voucher = models.OneToOneField(
        "Voucher", null=True, blank=True, on_delete=models.PROTECT, related_name="top_up"
    )
    # The agent who applied it for her (method `agent`).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"], name="top_up_key_unique_per_customer"
            ),
            models.CheckConstraint(name="top_up_amount_positive", condition=Q(amount__gt=0)),
        ]
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(status="pending"), name="top_up_pending_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount} ({self.status})"

    @property
    def ledger_reference(self) -> str:
        return f"top-up:{self.pk}"

    @transition(field=status, source=Status.PENDING, target=Status.SUCCEEDED)
    def succeed(self, *, at, reference: str = "") -> None:
        self.completed_at = at
        self.gateway_reference = reference or self.gateway_reference
        self.error = ""

    @transition(field=status, source=Status.PENDING, target=Status.DECLINED)
    def decline(self, *, at, reason: str) -> None:
        self.completed_at = at
        self.error = reason[:255]

    @transition(field=status, source=Status.PENDING, target=Status.FAILED)
    def fail(self, *, at, reason: str) -> None:
        self.completed_at = at
        self.error = reason[:255]


class Voucher(models.Model):
    """A scratch card: its PIN is kept only as a keyed hash, and it is used once."""

    pin_hash = models.CharField(max_length=64, unique=True)
    # What is printed beside the PIN, to talk about a card without its PIN.
    serial = models.CharField(max_length=20, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    valid_until = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="vouchers_used"
    )
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["serial"]
        constraints = [
            models.CheckConstraint(name="voucher_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="voucher_used_together",
                condition=Q(used_by__isnull=True, used_at__isnull=True)
                | Q(used_by__isnull=False, used_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Voucher {self.serial} ({self.amount})"


class VoucherPinFailure(models.Model):
    """A wrong PIN typed for a customer: a few an hour, then vouchers are locked for her."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="voucher_pin_failures"
    )
    at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=10, choices=Channel.choices)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["customer", "at"])]

    def __str__(self) -> str:
        return f"Wrong voucher PIN for {self.customer_id} at {self.at}"


class AutoTopUp(models.Model):
    """Her consent to auto top-up: when her balance falls below `threshold`, add `amount` from
    the saved card (a gateway token from one of her card top-ups), at most a few times a month.
    Turning it on or off is in her history."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="auto_top_up")
    enabled = models.BooleanField(default=False)
    threshold = models.DecimalField(max_digits=12, decimal_places=2)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    card_token = models.CharField(max_length=80)
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4)
    consented_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="auto_top_up_amounts_positive",
                condition=Q(threshold__gt=0, amount__gt=0),
            )
        ]

    def __str__(self) -> str:
        return f"Auto top-up of {self.customer} ({'on' if self.enabled else 'off'})"


# The event log and usage alerts live in their own module; imported here so they are this app's.
from .models_events import AlertSetting, AlertSettingChange, DomainEvent  # noqa: E402, F401

# The limits she sets on out-of-bundle use (selfcare/services/limits.py).
from .models_limits import UsageLimit, UsageLimitChange  # noqa: E402, F401

# Sign-in codes and reset links (selfcare/auth.py, selfcare/services/signin.py).
from .models_signin import SignInCode  # noqa: E402, F401
