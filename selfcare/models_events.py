"""The event log and the usage alerts she sets (imported by `selfcare.models`, whose models they
are): what changed in a customer's context, recorded once per cause in the transaction of the
change, and handed to Celery on commit (`selfcare.services.events`)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# `selfcare.models` imports this module at its end; the models here name its models by their
# labels, so neither module imports the other at its top.


class DomainEvent(models.Model):
    """One fact about a customer [TMF688 Event]. `cause` names what caused it and is unique, so
    the same cause (a replayed feed, a sweep run twice, a job run again) never records twice.
    `occurred_at` is when the cause happened (the usage's time), `recorded_at` when it was
    written; `dispatched_at` when its subscribers (alerts, ...) have run."""

    class Kind(models.TextChoices):
        # Named as TMF688 names event types, resource first and in PascalCase (its
        # `ProductOrderStateChangeEvent`), without the "Event" every one of them would carry, and
        # in the past tense: each is a fact that happened. The value is the name, so the log,
        # a campaign's trigger and a hub's `eventType` all spell a kind the same way.
        BUCKET_THRESHOLD_CROSSED = "BucketThresholdCrossed", _("Allowance threshold crossed")
        BUCKET_DEPLETED = "BucketDepleted", _("Allowance used up")
        OUT_OF_BUNDLE_STARTED = "OutOfBundleStarted", _("Out-of-bundle use started")
        BALANCE_LOW = "BalanceLow", _("Balance low")
        TOP_UP_COMPLETED = "TopUpCompleted", _("Top-up completed")
        PRODUCT_PURCHASED = "ProductPurchased", _("Add-on bought")
        PRODUCT_EXPIRING = "ProductExpiring", _("Add-on about to end")
        PRODUCT_ENDED = "ProductEnded", _("Add-on ended")
        CONTRACT_ANNIVERSARY = "ContractAnniversary", _("Contract anniversary")
        ROAMING_STARTED = "RoamingStarted", _("Roaming started")
        ZONE_ENTERED = "ZoneEntered", _("Zone entered")
        SPEND_CAP_NEAR = "SpendCapNear", _("Monthly spend limit nearly reached")
        SPEND_CAP_REACHED = "SpendCapReached", _("Monthly spend limit reached")

    kind = models.CharField(max_length=40, choices=Kind.choices)
    customer = models.ForeignKey(
        "selfcare.Customer", on_delete=models.CASCADE, related_name="events"
    )
    line = models.ForeignKey(
        "selfcare.Line", null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    facts = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    cause = models.CharField(max_length=120, unique=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at", "-id"], name="event_customer_newest"),
            models.Index(fields=["kind", "recorded_at"], name="event_kind_recorded"),
            # The stuck sweep reads only the few events whose dispatch has not run yet.
            models.Index(
                fields=["recorded_at"],
                condition=Q(dispatched_at__isnull=True),
                name="event_undispatched_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.cause})"


class AlertSetting(models.Model):
    """When she is told about her usage: the thresholds (% of an allowance used) she chose, by a
    medium (empty: the one she prefers). One for her line, and optionally one per allowance that
    overrides it; without any, the default (80 % and 100 %, her preferred medium)."""

    line = models.ForeignKey(
        "selfcare.Line", on_delete=models.CASCADE, related_name="alert_settings"
    )
    bucket = models.ForeignKey(
        "selfcare.Bucket",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alert_settings",
    )
    thresholds = models.JSONField(default=list, blank=True)
    medium = models.CharField(max_length=10, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["line"], condition=Q(bucket__isnull=True), name="alert_setting_one_per_line"
            ),
            models.UniqueConstraint(
                fields=["line", "bucket"],
                condition=Q(bucket__isnull=False),
                name="alert_setting_one_per_bucket",
            ),
        ]

    def __str__(self) -> str:
        return f"Alerts on {self.line} at {self.thresholds}"


class AlertSettingChange(models.Model):
    """A row per change of an alert setting: what it became, and who changed it (her, or an agent
    by name)."""

    setting = models.ForeignKey(AlertSetting, on_delete=models.CASCADE, related_name="changes")
    thresholds = models.JSONField(default=list, blank=True)
    medium = models.CharField(max_length=10, blank=True)
    # Where it was changed: a `selfcare.models.Channel` value (portal, agent, ...).
    channel = models.CharField(max_length=10)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by_agent = models.BooleanField(default=False)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.setting} changed at {self.changed_at}"
