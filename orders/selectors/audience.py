"""Audiences: the eligibility rules (`catalog.eligibility.AudienceRules`) decided for many
customers at once. `lines_matching` turns the rules into one SQL filter over lines (a campaign's
schedule over a million customers, a dry run, how many may buy an offer); `contexts_build` reads
the `CustomerContext` of many lines in two queries, for the Python decision of the same rules
(`rules_reasons`) on the few customers a batch of events names. A property test holds the two to
the same answers."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.eligibility import (
    AudienceRules,
    CustomerContext,
    limit_window_start,
    offer_audience_rules,
)
from catalog.models import Offer
from catalog.policies import operator_zone
from selfcare.models import Line

from ..models import ProductInstance


def _owns(offer_id: int) -> Exists:
    return Exists(
        ProductInstance.objects.filter(
            line_id=OuterRef("pk"),
            offer_id=offer_id,
            status__in=ProductInstance.LIVE_STATUSES,
        )
    )


def lines_matching(*, rules: AudienceRules, channel: str, at: dt.datetime) -> QuerySet[Line]:
    """The lines whose customer and line are inside `rules` when buying on `channel` at `at`;
    a queryset, so callers add their own conditions (consent, ids) and read what they need."""
    if rules.channels and channel not in rules.channels:
        return Line.objects.none()
    lines = Line.objects.all()
    if rules.statuses:
        lines = lines.filter(customer__lifecycle_status__in=rules.statuses)
    if rules.min_tenure_days:
        today = at.astimezone(operator_zone()).date()
        lines = lines.filter(
            customer__contract_start__lte=today - dt.timedelta(days=rules.min_tenure_days)
        )
    if rules.plans:
        lines = lines.filter(base_plan__in=rules.plans)
    if rules.segments:
        # JSON arrays: `contains` is PostgreSQL's @> and a JSON walk on SQLite.
        match = Q()
        for segment in rules.segments:
            match |= Q(customer__segments__contains=[segment])
        lines = lines.filter(match)
    for offer_id, _name in rules.requires:
        lines = lines.filter(_owns(offer_id))
    for offer_id, _name in rules.excludes:
        lines = lines.exclude(_owns(offer_id))
    if rules.bought:
        lines = lines.filter(
            Exists(
                ProductInstance.objects.filter(
                    customer_id=OuterRef("customer_id"),
                    offer_id__in=[pk for pk, _ in rules.bought],
                    created_at__gte=at - dt.timedelta(days=rules.bought_days),
                ).exclude(status=ProductInstance.Status.FAILED)
            )
        )
    return lines


def lines_offerable(
    *, offer: Offer, channel: str, at: dt.datetime, as_if_on_sale: bool = False
) -> QuerySet[Line]:
    """The lines that may buy `offer` on `channel` at `at` (`offer_decide` in SQL): it is on
    sale (or `as_if_on_sale`: a draft being weighed), the line is in its rules, does not own
    it, and its purchase limit does not stop her."""
    on_sale = as_if_on_sale or (
        offer.status == Offer.Status.PUBLISHED
        and (offer.available_from is None or offer.available_from <= at)
        and (offer.available_until is None or at < offer.available_until)
    )
    if not on_sale:
        return Line.objects.none()
    lines = lines_matching(rules=offer_audience_rules(offer), channel=channel, at=at).exclude(
        _owns(offer.pk)
    )
    if offer.purchase_limit and offer.purchase_limit_window:
        bought = (
            ProductInstance.objects.filter(
                customer_id=OuterRef("customer_id"),
                offer_id=offer.pk,
                created_at__gte=limit_window_start(offer.purchase_limit_window, at=at),
                created_at__lte=at,
            )
            .exclude(status=ProductInstance.Status.FAILED)
            .order_by()
            .values("customer_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        lines = lines.annotate(bought=Coalesce(Subquery(bought), 0)).filter(
            bought__lt=offer.purchase_limit
        )
    return lines


def contexts_build(
    *, line_ids: set[int], channel: str, at: dt.datetime
) -> dict[int, CustomerContext]:
    """The eligibility context of each line of `line_ids` (as `customer_context_build` gives it
    for one), in two queries whatever their number."""
    lines = Line.objects.filter(pk__in=line_ids).values_list(
        "pk",
        "customer_id",
        "base_plan",
        "customer__lifecycle_status",
        "customer__status_reason",
        "customer__contract_start",
        "customer__segments",
    )
    lines = list(lines)
    since = at - relativedelta(months=12)
    owned: dict[int, set[int]] = defaultdict(set)
    purchases: dict[int, dict[int, list[dt.datetime]]] = defaultdict(lambda: defaultdict(list))
    rows = (
        ProductInstance.objects.filter(customer_id__in={line[1] for line in lines})
        .filter(Q(status__in=ProductInstance.LIVE_STATUSES) | Q(created_at__gt=since))
        .values_list("customer_id", "line_id", "offer_id", "status", "created_at")
    )
    for customer_id, line_id, offer_id, status, created_at in rows:
        if status in ProductInstance.LIVE_STATUSES:
            owned[line_id].add(offer_id)
        if created_at > since and status != ProductInstance.Status.FAILED:
            purchases[customer_id][offer_id].append(created_at)
    today = at.astimezone(operator_zone()).date()
    return {
        pk: CustomerContext(
            lifecycle_status=status,
            status_reason=reason,
            channel=channel,
            at=at,
            tenure_days=(today - contract_start).days,
            base_plan=plan,
            segments=frozenset(segments or ()),
            owned_offer_ids=frozenset(owned[pk]),
            purchases={o: tuple(times) for o, times in purchases[customer_id].items()},
        )
        for pk, customer_id, plan, status, reason, contract_start, segments in lines
    }


@dataclass(frozen=True)
class OfferAudience:
    """How many customers may buy an offer, and how many of them a campaign could tell."""

    customers: int
    consenting: int


def offer_audience_count(*, offer: Offer, at: dt.datetime | None = None) -> OfferAudience:
    """How many customers could buy `offer` on one of its channels now were it on sale (for a
    product manager weighing a draft, with the engine that decides eligibility and campaigns'
    audiences), and how many of them accept marketing. Two queries."""
    if not offer.channels:
        return OfferAudience(customers=0, consenting=0)
    # Channels only say whether it is sold there: every channel it is sold on lets in the same.
    customers = (
        lines_offerable(
            offer=offer, channel=offer.channels[0], at=at or timezone.now(), as_if_on_sale=True
        )
        .values("customer_id")
        .distinct()
    )
    return OfferAudience(
        customers=customers.count(),
        consenting=customers.filter(customer__marketing_consent=True).count(),
    )
