import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from catalog.eligibility import CustomerContext, offer_decide
from catalog.models import Offer
from tests.factories import OfferFactory

LISBON = ZoneInfo("Europe/Lisbon")
NOW = dt.datetime(2026, 11, 22, 15, 0, tzinfo=LISBON)


def context(**values) -> CustomerContext:
    base = {
        "lifecycle_status": "active",
        "status_reason": "",
        "channel": "portal",
        "at": NOW,
        "tenure_days": 1000,
        "base_plan": "Family Bundle M",
        "segments": frozenset({"family"}),
    }
    return CustomerContext(**(base | values))


def offer(**values) -> Offer:
    base = {"name": "Data 15GB", "status": "published", "eligible_statuses": ["active"]}
    return Offer(**(base | values))


def test_an_unrestricted_offer_is_eligible():
    decision = offer_decide(offer=offer(), context=context())

    assert (decision.eligible, decision.reasons, decision.available_again_at) == (True, (), None)


@pytest.mark.parametrize(
    ("offer_values", "context_values", "reason"),
    [
        ({"status": "draft"}, {}, "This offer is not on sale."),
        (
            {"available_from": dt.datetime(2026, 12, 1, tzinfo=LISBON)},
            {},
            "On sale from 1 December 2026.",
        ),
        (
            {"available_until": dt.datetime(2026, 11, 1, tzinfo=LISBON)},
            {},
            "This offer is no longer on sale.",
        ),
        ({}, {"lifecycle_status": "churn_risk"}, "Your line is churn risk."),
        (
            {"min_tenure_days": 90},
            {"tenure_days": 61},
            "For customers with us 90 days or more: yours from 21 December 2026.",
        ),
        (
            {"eligible_plans": ["Family Bundle L"]},
            {},
            "Not available on your plan (Family Bundle M).",
        ),
        ({"eligible_segments": ["students"]}, {}, "This offer is for selected customers only."),
        ({"channels": ["agent"]}, {}, "Not sold in the self-care portal."),
    ],
)
def test_each_rule_says_why_she_cannot_buy(offer_values, context_values, reason):
    decision = offer_decide(offer=offer(**offer_values), context=context(**context_values))

    assert (decision.eligible, decision.reasons) == (False, (reason,))
    assert not decision.limited_only


def test_segments_match_any_of_them():
    decision = offer_decide(
        offer=offer(eligible_segments=["students", "family"]), context=context()
    )

    assert decision.eligible


def test_every_failing_rule_is_listed():
    decision = offer_decide(
        offer=offer(min_tenure_days=90, channels=["agent"]),
        context=context(lifecycle_status="suspended", tenure_days=10),
    )

    assert len(decision.reasons) == 3


@pytest.mark.django_db  # the offer has an id, so its other-offer rules are read
@pytest.mark.parametrize(
    ("purchases", "again"),
    [
        # bought on 3 November: once per calendar month, so from 1 December (local midnight)
        (
            (dt.datetime(2026, 11, 3, 10, 0, tzinfo=LISBON),),
            dt.datetime(2026, 12, 1, tzinfo=LISBON),
        ),
        # bought in October only: this month is free
        ((dt.datetime(2026, 10, 30, 10, 0, tzinfo=LISBON),), None),
    ],
)
def test_once_per_calendar_month(purchases, again):
    limited = offer(pk=7, purchase_limit=1, purchase_limit_window="calendar_month")

    decision = offer_decide(offer=limited, context=context(purchases={7: purchases}))

    assert decision.available_again_at == again
    assert decision.eligible is (again is None)
    if again:
        assert decision.limited_only
        assert decision.reasons == (
            "You can buy this once per calendar month: available again on 1 December 2026.",
        )


@pytest.mark.django_db  # the offer has an id, so its other-offer rules are read
def test_twice_per_rolling_12_months_lifts_when_the_oldest_counted_purchase_ages_out():
    limited = offer(pk=7, purchase_limit=2, purchase_limit_window="rolling_12_months")
    purchases = (
        dt.datetime(2025, 12, 10, 9, 0, tzinfo=LISBON),
        dt.datetime(2026, 3, 5, 9, 0, tzinfo=LISBON),
        dt.datetime(2026, 8, 1, 9, 0, tzinfo=LISBON),
    )

    decision = offer_decide(offer=limited, context=context(purchases={7: purchases}))

    # the last two are in the window; she may buy again once the March one is 12 months old
    assert decision.available_again_at == dt.datetime(2027, 3, 5, 9, 0, tzinfo=LISBON)
    assert decision.reasons == (
        "You can buy this 2 times per rolling 12 months: available again on 5 March 2027.",
    )


@pytest.mark.django_db  # the offer has an id, so its other-offer rules are read
def test_a_limit_and_another_rule_is_not_limited_only():
    limited = offer(pk=7, purchase_limit=1, purchase_limit_window="calendar_month")

    decision = offer_decide(
        offer=limited,
        context=context(lifecycle_status="suspended", purchases={7: (NOW - dt.timedelta(days=1),)}),
    )

    assert not decision.limited_only


@pytest.mark.django_db
def test_owning_or_not_owning_other_offers():
    base = OfferFactory(name="Monthly Bundle")
    rival = OfferFactory(name="Games Club")
    extra = OfferFactory(name="Bundle Extra")
    extra.requires_offers.add(base)
    extra.excludes_offers.add(rival)

    assert offer_decide(offer=extra, context=context()).reasons == ("Needs Monthly Bundle first.",)
    assert offer_decide(offer=extra, context=context(owned_offer_ids=frozenset({base.pk}))).eligible
    assert offer_decide(
        offer=extra, context=context(owned_offer_ids=frozenset({base.pk, rival.pk}))
    ).reasons == ("Not together with Games Club.",)
