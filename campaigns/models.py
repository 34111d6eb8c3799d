"""Lifecycle campaigns and gifts. A campaign decides, for each event of its trigger's kind (or
each run of its schedule), whether to contact the customer, and records every decision as a
`Delivery` (`campaigns.engine`); marketers start, pause, resume and end it (`campaigns.services`).

A gift's status only changes through its transitions, called by `campaigns.services` on a locked
row, which also write its status history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from catalog.models import Offer
from orders.models import ProductInstance
from selfcare.models import Customer, DomainEvent, Line, Notification

Kind = DomainEvent.Kind


class Trigger(models.TextChoices):
    """What makes a campaign decide: an event of the event log (the value is its kind, so a
    trigger and an event spell it the same way), or a schedule."""

    BUCKET_THRESHOLD_CROSSED = Kind.BUCKET_THRESHOLD_CROSSED, _("An allowance is % used")
    BUCKET_DEPLETED = Kind.BUCKET_DEPLETED, _("An allowance is used up")
    OUT_OF_BUNDLE_STARTED = Kind.OUT_OF_BUNDLE_STARTED, _("Out-of-bundle use started")
    BALANCE_LOW = Kind.BALANCE_LOW, _("Balance fell below an amount")
    TOP_UP_COMPLETED = Kind.TOP_UP_COMPLETED, _("Top-up completed")
    PRODUCT_PURCHASED = Kind.PRODUCT_PURCHASED, _("An add-on was bought")
    PRODUCT_EXPIRING = Kind.PRODUCT_EXPIRING, _("An add-on is about to end")
    PRODUCT_ENDED = Kind.PRODUCT_ENDED, _("An add-on ended")
    CONTRACT_ANNIVERSARY = Kind.CONTRACT_ANNIVERSARY, _("Contract anniversary (each customer's)")
    ROAMING_STARTED = Kind.ROAMING_STARTED, _("Roaming started")
    ZONE_ENTERED = Kind.ZONE_ENTERED, _("A zone entered")
    SCHEDULE_ONCE = "schedule:once", _("Once, at a time")
    SCHEDULE_DAILY = "schedule:daily", _("Daily, at a local time")

    @classmethod
    def scheduled(cls) -> tuple[str, ...]:
        return (cls.SCHEDULE_ONCE, cls.SCHEDULE_DAILY)

    @classmethod
    def located(cls) -> tuple[str, ...]:
        """Triggers that know where she is: only for customers who consented to location use."""
        return (cls.ROAMING_STARTED, cls.ZONE_ENTERED)


class Action(models.TextChoices):
    MESSAGE = "message", _("Send a message with a link")
    GRANT = "grant", _("Grant the offer (free)")
    RECOMMEND = "recommend", _("Show a recommendation card in her portal")


class LinkTo(models.TextChoices):
    OFFER = "offer", _("The offer")
    TOP_UP = "topup", _("Top-up")
    NOTHING = "", _("No link")


class CampaignTerms(models.Model):
    """What a campaign does, a version of it: when (trigger), to whom (audience), what (action),
    how often (caps) and how it is measured (holdout). A campaign holds the terms being edited;
    each start and each edit while it runs freezes them into a `CampaignVersion`."""

    trigger = models.CharField(
        max_length=40, choices=Trigger.choices, default=Trigger.BUCKET_THRESHOLD_CROSSED
    )
    threshold_percent = models.PositiveSmallIntegerField(
        "% used",
        null=True,
        blank=True,
        help_text="For an allowance trigger: 50, 80 or 100.",
    )
    bucket_unit = models.CharField(
        "allowance",
        max_length=10,
        choices=[
            ("", _("Any")),
            ("bytes", _("Data")),
            ("seconds", _("Minutes")),
            ("messages", _("SMS")),
        ],
        blank=True,
    )
    balance_below = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="For a balance trigger: the balance she fell below.",
    )
    place = models.CharField(
        max_length=32,
        blank=True,
        help_text="For roaming: a country code (ES); for a zone: its id. Empty: anywhere.",
    )
    trigger_offer = models.ForeignKey(
        Offer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For an add-on trigger: which add-on (empty: any).",
    )
    schedule_at = models.DateTimeField(null=True, blank=True, help_text="For a one-off send.")
    schedule_time = models.TimeField(
        null=True, blank=True, help_text="For a daily send: the operator's local time."
    )
    # The audience, in the language of offer eligibility (`catalog.eligibility.AudienceRules`).
    audience_statuses = models.JSONField(
        "lifecycle statuses",
        default=list,
        blank=True,
        help_text="Empty: any status.",
    )
    audience_min_tenure_days = models.PositiveIntegerField("minimum tenure (days)", default=0)
    audience_plans = models.JSONField(
        "base plans", default=list, blank=True, help_text="Empty: any plan."
    )
    audience_segments = models.JSONField(
        "segments", default=list, blank=True, help_text="Empty: every segment."
    )
    audience_requires = models.ManyToManyField(
        Offer,
        blank=True,
        related_name="%(class)s_required_by+",
        verbose_name="owns every one of",
    )
    audience_excludes = models.ManyToManyField(
        Offer, blank=True, related_name="%(class)s_excluded_by+", verbose_name="owns none of"
    )
    audience_bought = models.ManyToManyField(
        Offer,
        blank=True,
        related_name="%(class)s_bought_by+",
        verbose_name="bought one of",
        help_text="Recent buyers only: she bought one of these within the days below.",
    )
    audience_bought_days = models.PositiveSmallIntegerField("bought within (days)", default=30)
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.MESSAGE)
    offer = models.ForeignKey(
        Offer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="%(class)s_promoted+",
        help_text="The offer promoted, granted or recommended: never sent to one who owns it "
        "or cannot buy it.",
    )
    link_to = models.CharField(max_length=10, choices=LinkTo.choices, blank=True, default="offer")
    medium = models.CharField(
        max_length=10,
        choices=[("", _("Her preferred medium")), *Notification.Medium.choices],
        blank=True,
    )
    message = models.CharField(
        max_length=300,
        blank=True,
        help_text="{first_name}, {offer}, {price}, {left}, {ends}, {balance} are replaced by "
        "hers; the tracked link is added at the end.",
    )
    cap_messages = models.PositiveSmallIntegerField(
        "at most", default=1, help_text="Messages per customer from this campaign per period."
    )
    cap_days = models.PositiveSmallIntegerField("per (days)", default=7)
    priority = models.PositiveSmallIntegerField(
        default=50,
        help_text="When one event fires several campaigns she gets only the highest one.",
    )
    holdout_percent = models.PositiveSmallIntegerField(
        "holdout (%)",
        default=10,
        help_text="This share of the audience (always the same customers) gets nothing, so the "
        "lift can be measured.",
    )
    quiet_hours = models.BooleanField(
        "respect quiet hours",
        default=True,
        help_text="A message due at night waits for the morning.",
    )
    stale_after_hours = models.PositiveSmallIntegerField(
        default=12, help_text="A message that waited longer than this is not sent."
    )

    class Meta:
        abstract = True


class Campaign(FSMModelMixin, CampaignTerms):
    """A lifecycle campaign [TMF (none): marketing's own], edited by marketers in the admin:
    `draft -> running <-> paused -> ended`. Its state only changes through its transitions, run
    by `campaigns.services` on the locked row, which also write its state history."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        ENDED = "ended", _("Ended")

    name = models.CharField(max_length=120)
    code = models.SlugField(max_length=60, unique=True)
    state = FSMField(max_length=10, choices=State.choices, default=State.DRAFT, protected=True)
    current_version = models.ForeignKey(
        "CampaignVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "trigger"], name="campaign_state_trigger")]

    def __str__(self) -> str:
        return self.name

    @transition(field=state, source=[State.DRAFT], target=State.RUNNING)
    def start(self) -> None:
        pass

    @transition(field=state, source=[State.RUNNING], target=State.PAUSED)
    def pause(self) -> None:
        pass

    @transition(field=state, source=[State.PAUSED], target=State.RUNNING)
    def resume(self) -> None:
        pass

    @transition(field=state, source=[State.DRAFT, State.RUNNING, State.PAUSED], target=State.ENDED)
    def end(self) -> None:
        pass


class CampaignVersion(CampaignTerms):
    """A campaign's terms as they were from a start or an edit on: deliveries keep the version
    that decided them, so an edit never changes a message already on its way."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["campaign", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="campaign_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.campaign} v{self.number}"


class CampaignStateChange(models.Model):
    """A row per state a campaign went through, with who did it (his name kept even if his
    account goes) and, for a resume, its policy."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="state_changes")
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10, choices=Campaign.State.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_by_name = models.CharField(max_length=150, blank=True)
    note = models.CharField(max_length=255, blank=True)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state or '-'} -> {self.to_state}"


class Delivery(models.Model):
    """One decision of a campaign about one customer for one occurrence (an event, or a run of
    its schedule): what it decided and why. Unique per (campaign, customer, occurrence), so a
    replayed feed or a schedule run twice decides nothing twice."""

    class Outcome(models.TextChoices):
        QUEUED = "queued", _("Queued")
        QUIET_HOURS = "quiet_hours", _("Waiting for quiet hours to end")
        SENT = "sent", _("Sent")
        NOT_IN_AUDIENCE = "not_in_audience", _("Not in the audience")
        NO_CONSENT = "no_consent", _("No consent")
        NOT_OFFERABLE = "not_offerable", _("Owns the offer or cannot buy it")
        HOLDOUT = "holdout", _("Holdout")
        CAPPED = "capped", _("Campaign cap reached")
        BUDGET = "budget", _("Contact budget spent")
        ARBITRATED = "arbitrated", _("Another campaign won")
        SKIPPED = "skipped", _("Skipped (paused)")
        STALE = "stale", _("Too late to send")
        FAILED = "failed", _("Failed")

    # Outcomes of a decision still to be carried out.
    PENDING = (Outcome.QUEUED, Outcome.QUIET_HOURS)
    # Outcomes that count against her caps and contact budget.
    CONTACTS = (Outcome.QUEUED, Outcome.QUIET_HOURS, Outcome.SENT)

    # No index of their own: the unique constraint and the indexes below lead with them, and
    # every decision written pays for each index (half a million rows for one usage batch).
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    version = models.ForeignKey(
        CampaignVersion, on_delete=models.PROTECT, related_name="deliveries"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    line = models.ForeignKey(
        Line, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event = models.ForeignKey(
        DomainEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    # `event:<id>` or `schedule:<local date>`: what the decision was for.
    occurrence = models.CharField(max_length=40)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reason = models.CharField(max_length=255, blank=True)
    holdout = models.BooleanField(default=False)
    decided_at = models.DateTimeField()
    send_after = models.DateTimeField(null=True, blank=True)
    # Its send job: when it was last published and how many times. The sweep publishes a pending
    # one again only once its lease, which doubles with each publish, has run out
    # (selfcare.jobs.job_lease_expired), so a backlog is not published twice.
    published_at = models.DateTimeField(null=True, blank=True)
    publishes = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What it gave her: the product it granted.
    granted_product_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "customer", "occurrence"], name="delivery_unique_decision"
            )
        ]
        indexes = [
            models.Index(fields=["customer", "decided_at"], name="delivery_customer_decided"),
            models.Index(fields=["campaign", "decided_at"], name="delivery_campaign_decided"),
            models.Index(
                fields=["campaign", "decided_at"],
                condition=Q(outcome__in=["queued", "quiet_hours"]),
                name="delivery_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} to customer {self.customer_id}: {self.outcome}"


class ScheduleRun(models.Model):
    """One run of a scheduled campaign (once, or a day of a daily one): written before its
    audience is decided, unique, so a beat that fires twice runs it once."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="runs")
    occurrence = models.CharField(max_length=40)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    decided = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "occurrence"], name="schedule_run_unique")
        ]

    def __str__(self) -> str:
        return f"{self.campaign} {self.occurrence}"


class Gift(FSMModelMixin, models.Model):
    """Data one customer gives to another's line. The giver's own product (her share, started
    when the friend's activates or when the gift comes back) waits `scheduled` meanwhile."""

    class Status(models.TextChoices):
        SENT = "sent", _("Waiting for your friend")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Not accepted: back to you")

    giver = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="gifts_given")
    giver_product = models.OneToOneField(
        ProductInstance, on_delete=models.PROTECT, related_name="gift_given"
    )
    recipient_line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="gifts")
    recipient_product = models.OneToOneField(
        ProductInstance,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="gift_received",
    )
    status = FSMField(max_length=10, choices=Status.choices, default=Status.SENT, protected=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Gift from {self.giver} to {self.recipient_line}"

    @transition(field=status, source=Status.SENT, target=Status.ACCEPTED)
    def accept(self, *, recipient_product: ProductInstance, at) -> None:
        self.recipient_product = recipient_product
        self.settled_at = at

    @transition(field=status, source=Status.SENT, target=Status.RETURNED)
    def give_back(self, *, at) -> None:
        self.settled_at = at


class GiftStatusChange(models.Model):
    """A row per status a gift went through, the first one (from nothing to `sent`) included."""

    gift = models.ForeignKey(Gift, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, choices=Gift.Status.choices)
    note = models.CharField(max_length=255, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


# The next best offer's cards, shown and held out (campaigns/recommendations.py).
from .models_recommendations import Recommendation  # noqa: E402, F401
