"""Every read of campaigns that is more than a `get`: gifts received; today's counts of the
campaigns list; a campaign's dashboard (funnel, holdout, lift, outcomes, sends per day, versions,
state history) and its deliveries for export. Each reads in a constant number of queries, however
many deliveries there are (aggregates in SQL); the wording is the templates'."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from catalog.models import Offer
from catalog.policies import operator_zone
from catalog.selectors import offer_list_published
from orders.models import ProductInstance
from selfcare.models import Customer, Notification, TopUp, TrackedLink

from .models import (
    Campaign,
    CampaignStateChange,
    CampaignTerms,
    CampaignVersion,
    Delivery,
    Gift,
    LinkTo,
)

Outcome = Delivery.Outcome
# Decisions about customers the campaign could not address at all: they are not its audience.
OUTSIDE_AUDIENCE = (Outcome.NOT_IN_AUDIENCE, Outcome.NO_CONSENT, Outcome.NOT_OFFERABLE)
# Below this many customers in either group, the normal approximation of the lift's interval
# means little: the dashboard says "not enough data" instead.
LIFT_MIN_GROUP = 30
# The 95 % two-sided quantile of the normal distribution.
Z_95 = 1.959964
# Days of sends the dashboard's chart shows, today included.
CHART_DAYS = 30
# A message is sent at most this long after its decision (the longest catch-up at a resume is
# 72 h; quiet hours defer by less than a day): today's sends are found among decisions this
# recent, through the (campaign, decided_at) index.
SEND_LAG = dt.timedelta(days=4)


def gift_list_received(*, customer: Customer) -> list[Gift]:
    return list(
        Gift.objects.filter(recipient_line__customer=customer)
        .select_related("giver", "giver_product__offer", "recipient_line")
        .order_by("-created_at")[:50]
    )


def gift_list_sent(*, customer: Customer) -> list[Gift]:
    """The gifts she gave, newest first (the last 50), with what and to which line."""
    return list(
        Gift.objects.filter(giver=customer)
        .select_related("giver_product__offer", "recipient_line")
        .order_by("-created_at", "-id")[:50]
    )


# The campaigns list


@dataclass(frozen=True)
class TodayCounts:
    """A campaign's decisions made today and its messages sent today (operator's day)."""

    decided: int = 0
    sent: int = 0


def day_start(*, at: dt.datetime) -> dt.datetime:
    """Midnight of `at`'s day in the operator's time zone."""
    local = at.astimezone(operator_zone())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def campaign_counts_today(
    *, campaign_ids: list[int], at: dt.datetime | None = None
) -> dict[int, TodayCounts]:
    """Today's counts of each of `campaign_ids`, in one aggregate query."""
    start = day_start(at=at or timezone.now())
    rows = (
        Delivery.objects.filter(campaign_id__in=campaign_ids, decided_at__gte=start - SEND_LAG)
        .values("campaign_id")
        .annotate(
            decided=Count("pk", filter=Q(decided_at__gte=start)),
            sent=Count("pk", filter=Q(outcome=Outcome.SENT, sent_at__gte=start)),
        )
        .order_by()
    )
    return {row["campaign_id"]: TodayCounts(row["decided"], row["sent"]) for row in rows}


# The dashboard


@dataclass(frozen=True)
class Lift:
    """The treated group's conversion rate minus the holdout's, with its 95 % confidence
    interval (difference of two proportions, normal approximation). Rates are fractions (0.15
    for 15 %); `enough` is False, and the figures None, below LIFT_MIN_GROUP in either group."""

    treated: int
    treated_converted: int
    holdout: int
    holdout_converted: int
    treated_rate: float | None
    holdout_rate: float | None
    lift: float | None
    low: float | None
    high: float | None

    @property
    def enough(self) -> bool:
        return self.lift is not None


def rate(converted: int, total: int) -> float | None:
    return converted / total if total else None


def lift_measure(
    *,
    treated: int,
    treated_converted: int,
    holdout: int,
    holdout_converted: int,
    minimum: int = LIFT_MIN_GROUP,
) -> Lift:
    """The lift of a campaign: how much more its treated customers converted than its holdout,
    and the interval that holds the true difference with 95 % confidence."""
    treated_rate = rate(treated_converted, treated)
    holdout_rate = rate(holdout_converted, holdout)
    lift = low = high = None
    if treated >= minimum and holdout >= minimum:
        lift = treated_rate - holdout_rate
        error = math.sqrt(
            treated_rate * (1 - treated_rate) / treated
            + holdout_rate * (1 - holdout_rate) / holdout
        )
        low, high = lift - Z_95 * error, lift + Z_95 * error
    return Lift(
        treated,
        treated_converted,
        holdout,
        holdout_converted,
        treated_rate,
        holdout_rate,
        lift,
        low,
        high,
    )


def _clicked() -> Exists:
    return Exists(
        TrackedLink.objects.filter(
            notification_id=OuterRef("notification_id"), first_clicked_at__isnull=False
        )
    )


def _converted() -> Case:
    """Whether the customer of a delivery converted within CAMPAIGN_CONVERSION_DAYS of its
    decision: bought its version's offer (not failed; not the product it granted her), or for a
    link to top-up, topped up."""
    window_end = ExpressionWrapper(
        OuterRef("decided_at") + dt.timedelta(days=settings.CAMPAIGN_CONVERSION_DAYS),
        output_field=DateTimeField(),
    )
    bought = Exists(
        ProductInstance.objects.filter(
            customer_id=OuterRef("customer_id"),
            offer_id=OuterRef("version__offer_id"),
            created_at__gte=OuterRef("decided_at"),
            created_at__lt=window_end,
        )
        .exclude(status=ProductInstance.Status.FAILED)
        # (Coalesced: "pk <> NULL" would exclude every product of a delivery that granted none.)
        .exclude(pk=Coalesce(OuterRef("granted_product_id"), Value(0)))
    )
    topped_up = Exists(
        TopUp.objects.filter(
            customer_id=OuterRef("customer_id"),
            status=TopUp.Status.SUCCEEDED,
            created_at__gte=OuterRef("decided_at"),
            created_at__lt=window_end,
        )
    )
    return Case(
        When(version__link_to=LinkTo.TOP_UP, then=topped_up),
        When(version__offer_id__isnull=False, then=bought),
        default=Value(False),
    )


def deliveries_measured(*, campaign_id: int) -> QuerySet[Delivery]:
    """A campaign's deliveries, each with whether its message was clicked and whether she
    converted."""
    return Delivery.objects.filter(campaign_id=campaign_id).annotate(
        clicked=_clicked(), converted=_converted()
    )


@dataclass(frozen=True)
class Funnel:
    """Decisions at each step: in the audience (every decision but those about customers out
    of its rules, consent or offer), sent, delivered (its message taken by the gateway),
    clicked (its tracked link opened), converted."""

    audience: int
    sent: int
    delivered: int
    clicked: int
    converted: int


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    count: int


@dataclass(frozen=True)
class VersionRow:
    version: CampaignVersion
    # The verbose names of the terms that differ from the version before (None for the first).
    changed: list[str] | None


@dataclass(frozen=True)
class Dashboard:
    campaign: Campaign
    funnel: Funnel
    lift: Lift
    # (outcome, its label, how many), every outcome in its order.
    outcomes: list[tuple[str, str, int]]
    sends_per_day: list[DayCount]
    versions: list[VersionRow]
    state_changes: list[CampaignStateChange]
    conversion_days: int


def campaign_dashboard(*, campaign: Campaign, at: dt.datetime | None = None) -> Dashboard:
    """Everything `campaign`'s dashboard shows, in seven queries whatever its deliveries."""
    at = at or timezone.now()
    totals = deliveries_measured(campaign_id=campaign.pk).aggregate(
        audience=Count("pk", filter=~Q(outcome__in=OUTSIDE_AUDIENCE)),
        delivered=Count(
            "pk", filter=Q(outcome=Outcome.SENT, notification__status=Notification.Status.SENT)
        ),
        # (Named apart from the annotations they count.)
        sent_clicked=Count("pk", filter=Q(outcome=Outcome.SENT, clicked=True)),
        sent_converted=Count("pk", filter=Q(outcome=Outcome.SENT, converted=True)),
        holdout_converted=Count("pk", filter=Q(outcome=Outcome.HOLDOUT, converted=True)),
        **{value: Count("pk", filter=Q(outcome=value)) for value in Outcome.values},
    )
    funnel = Funnel(
        audience=totals["audience"],
        sent=totals[Outcome.SENT],
        delivered=totals["delivered"],
        clicked=totals["sent_clicked"],
        converted=totals["sent_converted"],
    )
    lift = lift_measure(
        treated=totals[Outcome.SENT],
        treated_converted=totals["sent_converted"],
        holdout=totals[Outcome.HOLDOUT],
        holdout_converted=totals["holdout_converted"],
    )
    return Dashboard(
        campaign=campaign,
        funnel=funnel,
        lift=lift,
        outcomes=[(value, label, totals[value]) for value, label in Outcome.choices],
        sends_per_day=campaign_sends_per_day(campaign_id=campaign.pk, at=at),
        versions=campaign_versions(campaign_id=campaign.pk),
        state_changes=list(
            CampaignStateChange.objects.filter(campaign_id=campaign.pk).order_by(
                "-changed_at", "-id"
            )
        ),
        conversion_days=settings.CAMPAIGN_CONVERSION_DAYS,
    )


def campaign_sends_per_day(
    *, campaign_id: int, at: dt.datetime, days: int = CHART_DAYS
) -> list[DayCount]:
    """Messages sent each of the last `days` days (operator's days, today last), zeros
    included."""
    zone = operator_zone()
    today = at.astimezone(zone).date()
    first = today - dt.timedelta(days=days - 1)
    start = day_start(at=dt.datetime.combine(first, dt.time(12), tzinfo=zone))
    counts = dict(
        Delivery.objects.filter(campaign_id=campaign_id, outcome=Outcome.SENT, sent_at__gte=start)
        .annotate(day=TruncDate("sent_at", tzinfo=zone))
        .values("day")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("day", "count")
    )
    return [
        DayCount(day, counts.get(day, 0))
        for day in (first + dt.timedelta(days=n) for n in range(days))
    ]


# The terms compared between versions: what a marketer edits.
_TERMS = [f for f in CampaignTerms._meta.get_fields() if f.concrete and f.name != "id"]
_TERMS_M2M = [f.name for f in _TERMS if f.many_to_many]


def campaign_versions(*, campaign_id: int) -> list[VersionRow]:
    """A campaign's versions, newest first, each with who made it and which terms it changed
    from the one before."""
    versions = list(
        CampaignVersion.objects.filter(campaign_id=campaign_id)
        .prefetch_related(*_TERMS_M2M)
        .order_by("number")
    )
    rows = []
    previous = None
    for version in versions:
        changed = None
        if previous is not None:
            changed = [
                str(f.verbose_name) for f in _TERMS if _term(version, f) != _term(previous, f)
            ]
        rows.append(VersionRow(version, changed))
        previous = version
    return rows[::-1]


def _term(version: CampaignVersion, field) -> object:
    if field.many_to_many:
        return {o.pk for o in getattr(version, field.name).all()}
    return getattr(version, field.attname)


# Export


# The columns of a campaign's deliveries export, in order.
EXPORT_COLUMNS = [
    "campaign",
    "version",
    "customer_id",
    "msisdn",
    "occurrence",
    "outcome",
    "reason",
    "decided_at",
    "sent_at",
    "clicked",
    "converted",
]


def campaign_deliveries_export(*, campaign: Campaign, chunk_size: int = 2000) -> Iterator[list]:
    """One row per decision of `campaign`, oldest first, as the export's columns (datetimes in
    ISO 8601, booleans as yes/no): read a chunk at a time, never all at once."""
    rows = (
        deliveries_measured(campaign_id=campaign.pk)
        .order_by("decided_at", "pk")
        .values_list(
            "version__number",
            "customer_id",
            "line__msisdn",
            "occurrence",
            "outcome",
            "reason",
            "decided_at",
            "sent_at",
            "clicked",
            "converted",
        )
    )
    for row in rows.iterator(chunk_size=chunk_size):
        number, customer_id, msisdn, occurrence, outcome, reason, decided, sent = row[:8]
        clicked, converted = row[8:]
        yield [
            campaign.code,
            number,
            customer_id,
            msisdn or "",
            occurrence,
            outcome,
            reason,
            decided.isoformat(),
            sent.isoformat() if sent else "",
            "yes" if clicked else "no",
            "yes" if converted else "no",
        ]


# Cards in her portal

# A campaign's recommendation card stays on her dashboard this long after it was decided.
CARD_DAYS = 14


@dataclass(frozen=True)
class CampaignCard:
    """A recommendation card on her dashboard: the delivery that put it there, and its offer."""

    delivery_id: int
    offer: Offer


def campaign_cards_list(
    *, customer: Customer, at: dt.datetime, limit: int = 2
) -> list[CampaignCard]:
    """The recommendation cards campaigns put on her dashboard (action "recommend"): sent in
    the last CARD_DAYS days, newest first, one per offer, none for an offer she now owns or
    that is no longer on sale. One query when there is none (most customers, most days); when
    there are some, two more: the catalog's version (the offers come from the published
    catalog the process keeps, so an offer taken off sale drops out by itself) and what she
    owns. Her contact budget (CAMPAIGN_CONTACT_BUDGET messages in CAMPAIGN_CONTACT_BUDGET_DAYS)
    bounds what was sent to her in CARD_DAYS, so all of it is read."""
    sent = list(
        Delivery.objects.filter(
            customer=customer,
            outcome=Outcome.SENT,
            version__action="recommend",
            sent_at__gte=at - dt.timedelta(days=CARD_DAYS),
        )
        .order_by("-sent_at", "-id")
        .values_list("pk", "version__offer_id")
    )
    if not sent:
        return []
    on_sale = {offer.pk: offer for offer in offer_list_published()}
    owned = set(
        ProductInstance.objects.filter(
            customer=customer,
            offer_id__in={offer_id for _, offer_id in sent},
            status__in=ProductInstance.LIVE_STATUSES,
        ).values_list("offer_id", flat=True)
    )
    cards: dict[int, CampaignCard] = {}
    for delivery_id, offer_id in sent:
        if offer_id in on_sale and offer_id not in owned and offer_id not in cards:
            cards[offer_id] = CampaignCard(delivery_id=delivery_id, offer=on_sale[offer_id])
    return list(cards.values())[:limit]
