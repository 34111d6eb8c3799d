"""Showing her next best offer card, and recording it to measure what the cards bring."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from catalog.models import BasePlan
from catalog.policies import operator_zone
from selfcare.models import Customer, Line

from ..models import Recommendation
from ..recommendations import NextBestOffer, next_best_offer_get


def next_best_offer_show(
    *, customer: Customer, line: Line | None, at: dt.datetime, plan: BasePlan | None = None
) -> NextBestOffer | None:
    """The card to show her on her dashboard now, or None: nothing to say, or she is held out.
    Records the month's first card, shown or held out (what she would have been shown), once
    per customer and calendar month: an INSERT that skips a month already recorded, so two
    pages loaded at once record one. Writes nothing when there is no card. `plan`: her line's
    base plan, if the caller has read it."""
    card = next_best_offer_get(customer=customer, line=line, at=at, plan=plan)
    if card is None:
        return None
    period = timezone.localtime(at, operator_zone()).date().replace(day=1)
    Recommendation.objects.bulk_create(
        [
            Recommendation(
                customer=customer,
                line=line,
                period=period,
                kind=card.kind,
                offer=card.offer,
                saving=card.saving,
                holdout=card.holdout,
                shown_at=at,
            )
        ],
        ignore_conflicts=True,
    )
    return None if card.holdout else card
