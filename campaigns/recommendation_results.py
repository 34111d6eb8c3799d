"""What next best offer cards bring: purchases of the offer a card named, within
NBO_CONVERSION_DAYS of it, by customers shown it against those held out (who would have been
shown it), as rates and the lift between them."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DateTimeField, Exists, ExpressionWrapper, OuterRef, Q

from orders.models import ProductInstance

from .models import Recommendation

# A purchase of the offer named within this many days of the card converts.
NBO_CONVERSION_DAYS = 30


@dataclass(frozen=True)
class NextBestOfferResults:
    """Cards shown (with an offer named) and how many of them converted, against the holdout's
    would-be cards; rates and the lift in percentage points (one decimal), the lift with its
    95 % confidence interval; None where a side has no cards yet."""

    shown: int
    shown_converted: int
    holdout: int
    holdout_converted: int

    @staticmethod
    def _rate(converted: int, total: int) -> float | None:
        return converted / total if total else None

    @property
    def shown_rate(self) -> Decimal | None:
        return _percent(self._rate(self.shown_converted, self.shown))

    @property
    def holdout_rate(self) -> Decimal | None:
        return _percent(self._rate(self.holdout_converted, self.holdout))

    @property
    def lift(self) -> Decimal | None:
        shown = self._rate(self.shown_converted, self.shown)
        held = self._rate(self.holdout_converted, self.holdout)
        return None if shown is None or held is None else _percent(shown - held)

    @property
    def lift_interval(self) -> tuple[Decimal, Decimal] | None:
        shown = self._rate(self.shown_converted, self.shown)
        held = self._rate(self.holdout_converted, self.holdout)
        if shown is None or held is None:
            return None
        error = 1.96 * math.sqrt(
            shown * (1 - shown) / self.shown + held * (1 - held) / self.holdout
        )
        return _percent(shown - held - error), _percent(shown - held + error)


def _percent(share: float | None) -> Decimal | None:
    if share is None:
        return None
    return Decimal(repr(share * 100)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def next_best_offer_results(*, since: dt.datetime | None = None) -> NextBestOfferResults:
    """Cards with an offer (shown, or held out) since `since`, and those followed by a
    purchase of that offer (not a failed one) within NBO_CONVERSION_DAYS. One query."""
    bought = ProductInstance.objects.filter(
        customer_id=OuterRef("customer_id"),
        offer_id=OuterRef("offer_id"),
        created_at__gte=OuterRef("shown_at"),
        created_at__lte=ExpressionWrapper(
            OuterRef("shown_at") + dt.timedelta(days=NBO_CONVERSION_DAYS),
            output_field=DateTimeField(),
        ),
    ).exclude(status=ProductInstance.Status.FAILED)
    cards = Recommendation.objects.filter(offer__isnull=False)
    if since is not None:
        cards = cards.filter(shown_at__gte=since)
    totals = cards.annotate(converted=Exists(bought)).aggregate(
        n_shown=Count("pk", filter=Q(holdout=False)),
        n_shown_converted=Count("pk", filter=Q(holdout=False, converted=True)),
        n_holdout=Count("pk", filter=Q(holdout=True)),
        n_holdout_converted=Count("pk", filter=Q(holdout=True, converted=True)),
    )
    return NextBestOfferResults(
        shown=totals["n_shown"],
        shown_converted=totals["n_shown_converted"],
        holdout=totals["n_holdout"],
        holdout_converted=totals["n_holdout_converted"],
    )
