"""Next best offer: what her last months of data use say, and the one offer that fits it.

From each of the last PERIODS calendar months (the operator's time zone; the month under way is
left out, being half told) of her home line's data: what she used, her allowances, what no
allowance covered and what that cost her. Three patterns are told apart (`usage_pattern`):

- a one-off spike: she ran out in one month only, using far more than in the others (at least
  SPIKE_FACTOR times the highest of them, and she used data in each): a one-off data pass for a
  month like that;
- a plan that does not fit: she ran out in most months: the recurring data bundle that would
  have cost her least over those months, if one would have cost less than what she paid;
- under-use: never ran out and used less than UNDERUSE_SHARE of her allowances every month: we
  say so, and name a cheaper recurring bundle than hers that would still have covered her use.

Only offers she may buy on the portal (`catalog.eligibility.offer_decide`) and does not own are
named. The analysis (`usage_pattern`, `next_best_offer_decide`) is pure; `usage_periods_list`
reads her months in three queries, `next_best_offer_get` adds her eligibility context, the
catalog and her plan's rates: a fixed number of queries whatever her history. A stable share of
customers (NBO_HOLDOUT_PERCENT, by `campaigns.engine.holdout_bucket`) is held out, so that what
the cards bring can be measured (`campaigns.recommendation_results`). The sentences are in the
template `selfcare/partials/recommendation.html`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from catalog.eligibility import offer_decide
from catalog.models import BasePlan, Billing, Offer, SalesChannel
from catalog.policies import money_round, operator_zone
from catalog.selectors import base_plan_get, offer_list_published
from orders.selectors import customer_context_build, offer_price
from selfcare.models import BYTES_PER_MB, Bucket, Customer, LedgerEntry, Line, UsageRecord
from selfcare.selectors import OUT_OF_BUNDLE_REFERENCE, month_start

from .engine import holdout_bucket
from .models import Recommendation

Kind = Recommendation.Kind
# How many whole calendar months are looked at.
PERIODS = 3
# A month is a spike when she used at least this many times the most of any other month.
SPIKE_FACTOR = 2
# Under-use: every month she used less than this share of her data allowances.
UNDERUSE_SHARE = Decimal("0.30")
# The holdout's fixed id in `holdout_bucket`'s hash: no campaign has id 0, so the next best
# offer's holdout is a share of customers of its own.
NBO_HOLDOUT_ID = 0


# What her months say


@dataclass(frozen=True)
class UsagePeriod:
    """Her data in one calendar month: bytes used, her data allowances' share of that month,
    bytes no allowance covered, and what she was charged for them."""

    start: dt.date
    used: int = 0
    allowance: int = 0
    out_of_bundle: int = 0
    paid: Decimal = Decimal("0.00")

    @property
    def ran_out(self) -> bool:
        return self.out_of_bundle > 0


@dataclass(frozen=True)
class Option:
    """An offer she may buy and does not own (or, for `owned`, one she owns), as the analysis
    sees it: its price on the portal, its data in bytes, and whether it renews monthly."""

    offer: Offer
    price: Decimal
    data: int
    recurring: bool


@dataclass(frozen=True)
class Pattern:
    """Which of the three patterns her months show, with what the sentence needs."""

    kind: str
    ran_out: int = 0
    spike: UsagePeriod | None = None
    # The spike month's use, in times the average of the others, rounded.
    spike_times: int | None = None
    # Under-use: the most she used of her allowances in a month, in whole percent (rounded up).
    used_percent: int | None = None


@dataclass(frozen=True)
class NextBestOffer:
    """What her card says: the pattern, the months looked at, the offer named (None for an
    under-use with nothing cheaper to suggest), its price, what it would have saved her a month,
    and whether she is held out (she is then shown nothing)."""

    kind: str
    periods: int
    ran_out: int
    currency: str
    offer: Offer | None = None
    price: Decimal | None = None
    saving: Decimal | None = None
    spike_month: dt.date | None = None
    spike_times: int | None = None
    spike_paid: Decimal | None = None
    used_percent: int | None = None
    holdout: bool = False

    @property
    def is_spike(self) -> bool:
        return self.kind == Kind.SPIKE

    @property
    def is_misfit(self) -> bool:
        return self.kind == Kind.MISFIT

    @property
    def is_underuse(self) -> bool:
        return self.kind == Kind.UNDERUSE


def usage_pattern(*, periods: list[UsagePeriod]) -> Pattern | None:
    """The pattern of `periods`, or None when there is nothing to say (the months are not all
    there, she ran out once without a spike, or her plan fits)."""
    if len(periods) < PERIODS:
        return None
    ran_out = [p for p in periods if p.ran_out]
    if 2 * len(ran_out) > len(periods):
        return Pattern(kind=Kind.MISFIT, ran_out=len(ran_out))
    if len(ran_out) == 1:
        spike = ran_out[0]
        others = [p.used for p in periods if p is not spike]
        # Far above months she used her data in: without use in the others, there is no usual
        # to be far above (a line barely used, then a first month of use).
        if min(others) > 0 and spike.used >= SPIKE_FACTOR * max(others):
            average = Decimal(sum(others)) / len(others)
            times = int((spike.used / average).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            return Pattern(kind=Kind.SPIKE, ran_out=1, spike=spike, spike_times=times)
        return None
    if not ran_out and all(p.allowance for p in periods):
        shares = [Decimal(p.used) / p.allowance for p in periods]
        if max(shares) < UNDERUSE_SHARE:
            percent = math.ceil(max(shares) * 100)
            return Pattern(kind=Kind.UNDERUSE, used_percent=percent)
    return None


def out_of_bundle_cost(*, quantity: int, rate_per_mb: Decimal, currency: str) -> Decimal:
    """What `quantity` bytes beyond every allowance cost at her plan's rate, rounded once."""
    return money_round(rate_per_mb * quantity / BYTES_PER_MB, currency=currency)


def misfit_saving(
    *, periods: list[UsagePeriod], option: Option, rate_per_mb: Decimal, currency: str
) -> Decimal:
    """What `option` would have saved her a month over `periods`: what she paid out of bundle,
    less its price and what would still have been out of bundle with its data, on average,
    rounded to the cent (negative when it would have cost more)."""
    paid = sum((p.paid for p in periods), Decimal(0))
    instead = sum(
        (
            option.price
            + out_of_bundle_cost(
                quantity=max(p.out_of_bundle - option.data, 0),
                rate_per_mb=rate_per_mb,
                currency=currency,
            )
            for p in periods
        ),
        Decimal(0),
    )
    return money_round((paid - instead) / len(periods), currency=currency)


def _covers(*, periods: list[UsagePeriod], instead_of: Option, option: Option) -> bool:
    """Whether her use of every month fits her allowances with `option` for `instead_of`."""
    return all(p.used <= p.allowance - instead_of.data + option.data for p in periods)


def next_best_offer_decide(
    *,
    periods: list[UsagePeriod],
    options: list[Option],
    owned: list[Option],
    rate_per_mb: Decimal,
    currency: str,
) -> NextBestOffer | None:
    """The card `periods` call for, with the offer of `options` (offers she may buy and does
    not own) that fits, or None when there is nothing to say or nothing worth naming."""
    pattern = usage_pattern(periods=periods)
    if pattern is None:
        return None
    card = {"kind": pattern.kind, "periods": len(periods), "currency": currency}
    if pattern.kind == Kind.SPIKE:
        spike = pattern.spike
        passes = [o for o in options if not o.recurring]
        if not passes:
            return None
        enough = [o for o in passes if o.data >= spike.out_of_bundle]
        best = (
            min(enough, key=lambda o: (o.price, -o.data, o.offer.pk))
            if enough
            else max(passes, key=lambda o: (o.data, -o.price, -o.offer.pk))
        )
        return NextBestOffer(
            **card,
            ran_out=1,
            offer=best.offer,
            price=best.price,
            spike_month=spike.start,
            spike_times=pattern.spike_times,
            spike_paid=spike.paid,
        )
    if pattern.kind == Kind.MISFIT:
        savings = [
            (
                misfit_saving(
                    periods=periods, option=o, rate_per_mb=rate_per_mb, currency=currency
                ),
                o,
            )
            for o in options
            if o.recurring
        ]
        savings = [(saving, o) for saving, o in savings if saving > 0]
        if not savings:
            return None
        saving, best = max(savings, key=lambda s: (s[0], -s[1].price, -s[1].offer.pk))
        return NextBestOffer(
            **card, ran_out=pattern.ran_out, offer=best.offer, price=best.price, saving=saving
        )
    cheaper = [
        (mine.price - o.price, o)
        for mine in owned
        if mine.recurring
        for o in options
        if o.recurring
        and o.price < mine.price
        and _covers(periods=periods, instead_of=mine, option=o)
    ]
    if not cheaper:
        return NextBestOffer(**card, ran_out=0, used_percent=pattern.used_percent)
    saving, best = max(cheaper, key=lambda s: (s[0], -s[1].offer.pk))
    return NextBestOffer(
        **card,
        ran_out=0,
        offer=best.offer,
        price=best.price,
        saving=money_round(saving, currency=currency),
        used_percent=pattern.used_percent,
    )


# Reading her months


def period_starts(*, at: dt.datetime, count: int = PERIODS) -> list[dt.datetime]:
    """The starts of the `count` whole calendar months before `at`'s, oldest first, and the
    start of `at`'s own month last (where the months looked at end)."""
    zone = operator_zone()
    current = month_start(at)
    starts = []
    year, month = current.year, current.month
    for _ in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        starts.append(dt.datetime(year, month, 1, tzinfo=zone))
    return [*reversed(starts), current]


def _share(*, initial: int, valid_from: dt.datetime, valid_until: dt.datetime, start, end) -> int:
    """The part of an allowance that falls in [start, end), pro rata of its time."""
    life = valid_until - valid_from
    overlap = min(valid_until, end) - max(valid_from, start)
    if life <= dt.timedelta(0) or overlap <= dt.timedelta(0):
        return 0
    # In whole microseconds: exact, where a float would round a large allowance.
    return (
        initial
        * (overlap // dt.timedelta(microseconds=1))
        // (life // dt.timedelta(microseconds=1))
    )


def usage_periods_list(*, line: Line, at: dt.datetime, count: int = PERIODS) -> list[UsagePeriod]:
    """Her data on `line` in each of the `count` whole calendar months before `at`'s, oldest
    first (see the module's docstring). Three queries: use by month, the data allowances
    that overlap the months (each shared among them pro rata of its time; an open-ended one
    as if it ended with the last month), and the out-of-bundle data charges by month."""
    zone = operator_zone()
    *starts, end = period_starts(at=at, count=count)
    first = starts[0]
    used = {
        timezone.localtime(row["month"], zone).date(): row
        for row in UsageRecord.objects.filter(
            line=line, service=UsageRecord.Service.DATA, at__gte=first, at__lt=end
        )
        .annotate(month=TruncMonth("at", tzinfo=zone))
        .values("month")
        .annotate(used=Sum("quantity"), out_of_bundle=Sum("out_of_bundle"))
        .order_by()
    }
    buckets = list(
        Bucket.objects.filter(
            line=line, unit=Bucket.Unit.BYTES, scope=Bucket.Scope.GENERAL, valid_from__lt=end
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=first))
        .values_list("initial", "valid_from", "valid_until")
    )
    paid = {
        timezone.localtime(row["month"], zone).date(): -row["total"]
        for row in LedgerEntry.objects.filter(
            account__customer_id=line.customer_id,
            kind=LedgerEntry.Kind.CHARGE,
            reference__startswith=OUT_OF_BUNDLE_REFERENCE,
            reference__endswith=f":{line.pk}:{Bucket.Unit.BYTES}",
            created_at__gte=first,
            created_at__lt=end,
        )
        .annotate(month=TruncMonth("created_at", tzinfo=zone))
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    periods = []
    for start, stop in zip(starts, [*starts[1:], end], strict=True):
        row = used.get(start.date(), {})
        allowance = sum(
            _share(
                initial=initial, valid_from=since, valid_until=until or end, start=start, end=stop
            )
            for initial, since, until in buckets
        )
        periods.append(
            UsagePeriod(
                start=start.date(),
                used=row.get("used") or 0,
                allowance=allowance,
                out_of_bundle=row.get("out_of_bundle") or 0,
                paid=paid.get(start.date(), Decimal("0.00")),
            )
        )
    return periods


def _option(offer: Offer) -> Option | None:
    """`offer` as an option to name, or None for what a card never names: offers without
    general data, gifts, temporary lines and bundles whose price depends on choices."""
    if not offer.data_mb or offer.is_gift or offer.creates_temporary_line or offer.option_groups:
        return None
    return Option(
        offer=offer,
        price=offer_price(offer=offer, options={}, channel=SalesChannel.PORTAL),
        data=offer.data_mb * BYTES_PER_MB,
        recurring=offer.billing == Billing.RECURRING,
    )


def is_held_out(*, customer_id: int) -> bool:
    """Whether she is in the next best offer's holdout: always the same customers, the
    NBO_HOLDOUT_PERCENT share of them."""
    bucket = holdout_bucket(campaign_id=NBO_HOLDOUT_ID, customer_id=customer_id)
    return bucket < settings.NBO_HOLDOUT_PERCENT


def next_best_offer_get(
    *, customer: Customer, line: Line | None, at: dt.datetime, plan: BasePlan | None = None
) -> NextBestOffer | None:
    """Her card for `line` (her home line) at `at`, or None when there is nothing to say, with
    `holdout` set when she is held out (the caller then shows her nothing). Looks at her
    months only if she was a customer through all of them. `plan`: her line's base plan, if
    the caller has read it. A fixed number of queries: her months (3); when they say something,
    what she owns and bought (1), the published catalog (1 when kept) and her plan's rates (1,
    none if given)."""
    if line is None:
        return None
    starts = period_starts(at=at)
    if customer.contract_start > starts[0].date():
        return None
    periods = usage_periods_list(line=line, at=at)
    if usage_pattern(periods=periods) is None:
        return None
    context = customer_context_build(
        customer=customer, line=line, channel=SalesChannel.PORTAL, at=at
    )
    options, owned = [], []
    for offer in offer_list_published():
        option = _option(offer)
        if option is None:
            continue
        if offer.pk in context.owned_offer_ids:
            owned.append(option)
        elif offer_decide(offer=offer, context=context).eligible:
            options.append(option)
    plan = plan or base_plan_get(name=line.base_plan)
    card = next_best_offer_decide(
        periods=periods,
        options=options,
        owned=owned,
        rate_per_mb=plan.rate_per_mb,
        currency=plan.currency,
    )
    if card is None:
        return None
    if is_held_out(customer_id=customer.pk):
        return replace(card, holdout=True)
    return card
