from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition


class LifecycleStatus(models.TextChoices):
    """A customer's lifecycle status: the first thing eligibility looks at."""

    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CHURN_RISK = "churn_risk", _("Churn risk")
    TERMINATED = "terminated", _("Terminated")


class Billing(models.TextChoices):
    ONE_OFF = "one_off", _("One-off")
    RECURRING = "recurring", _("Recurring (charged again and renewed every period)")


class DurationKind(models.TextChoices):
    DAYS = "days", _("A number of days")
    UNTIL_LOCAL_TIME = "until_local_time", _("Until a time of day (e.g. 04:00 next morning)")
    CALENDAR_MONTH = "calendar_month", _("Until the end of the calendar month")
    OPEN_ENDED = "open_ended", _("Open-ended (until switched off)")


class DataScope(models.TextChoices):
    TV = "tv", _("TV streaming")
    VOD = "vod", _("Video on demand")


class RefundPolicy(models.TextChoices):
    NONE = "none", _("No refund")
    PRO_RATA_DATA = "pro_rata_data", _("Pro-rata of unused data")
    PRO_RATA_TIME = "pro_rata_time", _("Pro-rata of unused time")
    FULL_WITHIN_GRACE = "full_within_grace", _("Full refund within a grace window, if unused")


class SalesChannel(models.TextChoices):
    PORTAL = "portal", _("Self-care portal")
    AGENT = "agent", _("Call centre")
    API = "api", _("API / app")


class LimitWindow(models.TextChoices):
    CALENDAR_MONTH = "calendar_month", _("per calendar month")
    ROLLING_12_MONTHS = "rolling_12_months", _("per rolling 12 months")


def default_eligible_statuses() -> list[str]:
    return [LifecycleStatus.ACTIVE]


def default_channels() -> list[str]:
    return list(SalesChannel.values)


class OfferTerms(models.Model):
    """The policies an offer is sold under; a template holds a new offer's defaults."""

    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    billing = models.CharField(
        _("billing"), max_length=16, choices=Billing.choices, default=Billing.ONE_OFF
    )
    data_mb = models.PositiveIntegerField(_("data (MB)"), default=0)
    voice_minutes = models.PositiveIntegerField(_("voice minutes"), default=0)
    sms = models.PositiveIntegerField(_("SMS"), default=0)
    data_mb_per_contract_year = models.PositiveIntegerField(
        _("data per full contract year (MB)"),
        default=0,
        help_text=_("Loyalty rewards: this much more data for each full year of her contract."),
    )
    service_data_mb = models.PositiveIntegerField(
        _("service-only data (MB)"),
        default=0,
        help_text=_(
            "Data usable only for one service's traffic, which then does not touch the "
            "customer's other data."
        ),
    )
    service_scope = models.CharField(
        _("service"), max_length=10, choices=DataScope.choices, blank=True
    )
    duration_kind = models.CharField(
        _("duration kind"), max_length=20, choices=DurationKind.choices, default=DurationKind.DAYS
    )
    duration_days = models.PositiveSmallIntegerField(_("duration days"), null=True, blank=True)
    duration_until = models.TimeField(
        _("duration until"),
        null=True,
        blank=True,
        help_text=_("Local time of day in the operator's time zone."),
    )
    refund_policy = models.CharField(
        _("refund policy"), max_length=20, choices=RefundPolicy.choices, default=RefundPolicy.NONE
    )
    refund_grace_minutes = models.PositiveIntegerField(
        _("refund grace minutes"), null=True, blank=True
    )
    eligible_statuses = models.JSONField(
        _("eligible statuses"),
        default=default_eligible_statuses,
        blank=True,
        help_text=_("Lifecycle statuses of the customers who may buy it."),
    )
    min_tenure_days = models.PositiveIntegerField(
        _("minimum tenure (days)"), default=0, help_text=_("Days since the contract started.")
    )
    eligible_plans = models.JSONField(
        _("eligible plans"),
        default=list,
        blank=True,
        help_text=_("Base plans that may buy it; empty for any plan."),
    )
    eligible_segments = models.JSONField(
        _("eligible segments"),
        default=list,
        blank=True,
        help_text=_("The customer must be in one of these segments; empty for everyone."),
    )
    channels = models.JSONField(
        _("channels"), default=default_channels, help_text=_("Where it is sold.")
    )
    channel_prices = models.JSONField(
        _("channel prices"),
        default=dict,
        blank=True,
        help_text=_(
            'A lower price on some channels, e.g. {"portal": "8.00"} for a promotion '
            "discounted only in the self-care portal. Other channels pay the price above."
        ),
    )
    purchase_limit = models.PositiveSmallIntegerField(
        _("purchase limit"),
        null=True,
        blank=True,
        help_text=_("How many purchases are allowed per window; empty: no limit."),
    )
    purchase_limit_window = models.CharField(
        _("purchase limit window"), max_length=20, choices=LimitWindow.choices, blank=True
    )
    option_groups = models.JSONField(
        _("option groups"),
        default=list,
        blank=True,
        help_text=_(
            'Configurable bundles: the choices she makes, e.g. [{"key": "data", "label": '
            '"Data", "choices": [{"value": "5gb", "label": "5 GB", "data_mb": 5120, '
            '"price": "0"}, ...]}]. A choice may add data_mb, voice_minutes, vod_mb and a price '
            "(added to the offer's)."
        ),
    )
    rollover_scope = models.CharField(
        _("rolls unused plan data over to"),
        max_length=10,
        choices=DataScope.choices,
        blank=True,
        help_text=_(
            "While she owns it, what is left of her monthly plan data at the month's end "
            "becomes an allowance for this service only, for 30 days."
        ),
    )
    is_gift = models.BooleanField(
        _("a gift to a friend"),
        default=False,
        help_text=_(
            "She gives its data to a friend's number; once the friend accepts and it is "
            "active, she gets the same data too. Unaccepted gifts come back to her after 7 days."
        ),
    )
    creates_temporary_line = models.BooleanField(
        _("a temporary second line"),
        default=False,
        help_text=_(
            "Activates a second line on the customer's plan, on the free SIM card whose "
            "number (ICCID) she enters; it ends with the offer."
        ),
    )
    requires_confirmation = models.BooleanField(
        _("needs a one-time code"),
        default=False,
        help_text=_("The customer confirms with a code sent by SMS before it activates."),
    )
    allows_suspend = models.BooleanField(_("customer may suspend and resume it"), default=False)
    allows_postpone = models.BooleanField(_("customer may postpone its start"), default=False)

    class Meta:
        abstract = True


class OfferTemplate(OfferTerms):
    """A pre-packed solution a product manager starts an offer from."""

    class Kind(models.TextChoices):
        DATA_ADDON = "data_addon", _("Data add-on")
        TIME_PASS = "time_pass", _("Time pass")
        RECURRING_BUNDLE = "recurring_bundle", _("Recurring bundle")
        THIRD_PARTY = "third_party", _("Third-party service")
        CONFIGURABLE_BUNDLE = "configurable_bundle", _("Configurable bundle")
        GIFT = "gift", _("Gift")
        TEMPORARY_LINE = "temporary_line", _("Temporary line")
        ROLLOVER = "rollover", _("Rollover")
        LOYALTY = "loyalty", _("Loyalty reward")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("offer template")
        verbose_name_plural = _("offer templates")

    def __str__(self) -> str:
        return self.name


class Offer(FSMModelMixin, OfferTerms):
    """A product offering [TMF620 ProductOffering]: what customers see and buy."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    template = models.ForeignKey(
        OfferTemplate,
        on_delete=models.PROTECT,
        related_name="offers",
        verbose_name=_("template"),
    )
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    provider = models.CharField(
        _("provider"),
        max_length=120,
        blank=True,
        help_text=_("For third-party services: who provides it."),
    )
    status = FSMField(_("status"), default=Status.DRAFT, choices=Status.choices, protected=True)
    available_from = models.DateTimeField(_("available from"), null=True, blank=True)
    available_until = models.DateTimeField(_("available until"), null=True, blank=True)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=100)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("updated by"),
    )
    requires_offers = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="+",
        verbose_name=_("requires offers"),
        help_text=_("Only customers who own all of these may buy it."),
    )
    excludes_offers = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="+",
        verbose_name=_("excludes offers"),
        help_text=_("Customers who own any of these may not buy it."),
    )
    suspends_offers = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="+",
        verbose_name=_("suspends offers"),
        help_text=_(
            "Redundant services: suspended while this one is active (their time does not "
            "run), back by themselves when it ends."
        ),
    )

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        permissions = [("publish_offer", "Can publish and retire offers")]

    def __str__(self) -> str:
        return self.name

    @transition(field=status, source=Status.DRAFT, target=Status.PUBLISHED)
    def publish(self, *, at) -> None:
        self.published_at = at

    @transition(field=status, source=Status.PUBLISHED, target=Status.RETIRED)
    def retire(self, *, at) -> None:
        self.retired_at = at


class OfferChange(models.Model):
    """One thing a product manager did to an offer: made, edited (with each field's value before
    and after), published or retired; who and when. Written by the catalog's services in the
    transaction of the change, never edited; the offer and the person are protected from
    deletion, so the history of what customers were sold stays whole."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Edited")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, related_name="changes", verbose_name=_("offer")
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    # {field name: [before, after]} for an edit, values as JSON (Decimal and times as text).
    fields = models.JSONField(_("fields"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("offer change")
        verbose_name_plural = _("offer changes")
        indexes = [models.Index(fields=["offer", "-changed_at"])]

    def __str__(self) -> str:
        return f"{self.offer} {self.get_action_display().lower()}"


class CatalogVersion(models.Model):
    """One row: a number the catalog's services raise in the transaction of every change to
    offers, so a process may keep the published catalog and tell, with one read of this row,
    whether what it keeps is still current (`catalog.selectors.offer_list_published`)."""

    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Catalog version {self.version}"


class BasePlan(models.Model):
    """A base plan a line is on (`Line.base_plan` names it), with the rates its out-of-bundle use
    is charged at: what no allowance covers. A plan not in the catalog is rated at the defaults."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    rate_per_mb = models.DecimalField(
        _("out-of-bundle data, per MB"),
        max_digits=8,
        decimal_places=4,
        default=Decimal("0.0100"),
    )
    rate_per_minute = models.DecimalField(
        _("out-of-bundle voice, per minute"),
        max_digits=8,
        decimal_places=4,
        default=Decimal("0.1000"),
    )
    rate_per_sms = models.DecimalField(
        _("out-of-bundle SMS, each"),
        max_digits=8,
        decimal_places=4,
        default=Decimal("0.0800"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("base plan")
        verbose_name_plural = _("base plans")

    def __str__(self) -> str:
        return self.name
