"""Properties of every refund policy, over generated offers, prices, usage and times."""

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from catalog.models import Offer, RefundPolicy
from catalog.policies import refund_due
from selfcare.models import BYTES_PER_MB

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

prices = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("999.99"), places=2)
policies = st.sampled_from(RefundPolicy.values)


@st.composite
def cases(draw):
    data_mb = draw(st.integers(min_value=0, max_value=100_000))
    currency = draw(st.sampled_from(["EUR", "JPY"]))
    # What was paid is always a whole number of the currency's minor unit.
    paid = draw(prices).quantize(
        Decimal("1") if currency == "JPY" else Decimal("0.01"), "ROUND_DOWN"
    )
    offer = Offer(
        price=paid,
        currency=currency,
        data_mb=data_mb,
        refund_policy=draw(policies),
        refund_grace_minutes=draw(st.integers(min_value=0, max_value=10_000)),
    )
    length = dt.timedelta(seconds=draw(st.integers(min_value=0, max_value=90 * 86400)))
    return {
        "terms": offer,
        "paid": paid,
        "started_at": START,
        "ends_at": draw(st.sampled_from([None, START + length])),
        "at": START
        + dt.timedelta(seconds=draw(st.integers(min_value=-3600, max_value=100 * 86400))),
        "data_initial_bytes": data_mb * BYTES_PER_MB,
        "data_used_bytes": draw(st.integers(min_value=0, max_value=data_mb * BYTES_PER_MB)),
    }


@given(cases())
def test_a_refund_is_never_negative_and_never_more_than_what_was_paid(case):
    terms = case.pop("terms")

    due = refund_due(terms, **case)

    assert Decimal("0") <= due <= case["paid"]


@given(cases())
def test_a_refund_is_rounded_to_the_currency_minor_unit_and_deterministic(case):
    terms = case.pop("terms")

    due = refund_due(terms, **case)

    minor = Decimal("1") if terms.currency == "JPY" else Decimal("0.01")
    assert due == due.quantize(minor)
    assert refund_due(terms, **case) == due


@given(cases(), st.integers(min_value=0, max_value=100_000))
def test_using_more_never_gives_more_back(case, more_mb):
    terms = case.pop("terms")
    less_used = refund_due(terms, **case)

    case["data_used_bytes"] = min(
        case["data_initial_bytes"], case["data_used_bytes"] + more_mb * BYTES_PER_MB
    )

    assert refund_due(terms, **case) <= less_used


@given(cases(), st.integers(min_value=0, max_value=30 * 86400))
def test_switching_off_later_never_gives_more_back(case, later_seconds):
    terms = case.pop("terms")
    sooner = refund_due(terms, **case)

    case["at"] += dt.timedelta(seconds=later_seconds)

    assert refund_due(terms, **case) <= sooner
