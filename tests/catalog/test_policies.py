import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from catalog.models import Billing, DurationKind, Offer, RefundPolicy
from catalog.policies import money_round, offer_problems, period_end, refund_due
from selfcare.models import BYTES_PER_MB

LISBON = ZoneInfo("Europe/Lisbon")


def terms(**values) -> Offer:
    base = {
        "name": "Test",
        "price": Decimal("10.00"),
        "duration_kind": DurationKind.DAYS,
        "duration_days": 30,
        "eligible_statuses": ["active"],
    }
    return Offer(**(base | values))


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LISBON)


@pytest.fixture(autouse=True)
def _lisbon(settings):
    settings.TIME_ZONE = "Europe/Lisbon"


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # evening purchase: 04:00 the next morning
        (local(2026, 11, 22, 21, 30), local(2026, 11, 23, 4, 0)),
        # after midnight but before 04:00: the same morning's 04:00 is the next one
        (local(2026, 11, 23, 1, 0), local(2026, 11, 23, 4, 0)),
        # exactly 04:00: the next day's
        (local(2026, 11, 23, 4, 0), local(2026, 11, 24, 4, 0)),
        # the night the clocks go forward (29 Mar 2026, 01:00 -> 02:00): still 04:00 on the wall
        (local(2026, 3, 28, 22, 0), local(2026, 3, 29, 4, 0)),
        # the night they go back (25 Oct 2026, 02:00 -> 01:00)
        (local(2026, 10, 24, 22, 0), local(2026, 10, 25, 4, 0)),
    ],
)
def test_until_local_time_ends_at_the_next_0400_on_the_wall_clock(start, expected):
    offer = terms(duration_kind=DurationKind.UNTIL_LOCAL_TIME, duration_until=dt.time(4, 0))

    end = period_end(offer, start=start.astimezone(dt.UTC))

    assert end == expected
    assert end.astimezone(LISBON).time() == dt.time(4, 0)


def test_dst_nights_are_an_hour_shorter_or_longer_in_real_time():
    offer = terms(duration_kind=DurationKind.UNTIL_LOCAL_TIME, duration_until=dt.time(4, 0))

    spring = period_end(offer, start=local(2026, 3, 28, 22, 0)) - local(2026, 3, 28, 22, 0)
    autumn = period_end(offer, start=local(2026, 10, 24, 22, 0)) - local(2026, 10, 24, 22, 0)

    assert spring == dt.timedelta(hours=5)
    assert autumn == dt.timedelta(hours=7)


def test_days_calendar_month_and_open_ended_periods():
    start = local(2026, 1, 31, 15, 0)

    assert period_end(terms(duration_days=30), start=start) == start + dt.timedelta(days=30)
    assert period_end(terms(duration_kind=DurationKind.CALENDAR_MONTH), start=start) == local(
        2026, 2, 1, 0, 0
    )
    assert period_end(
        terms(duration_kind=DurationKind.CALENDAR_MONTH), start=local(2026, 12, 5, 9, 0)
    ) == local(2027, 1, 1, 0, 0)
    assert period_end(terms(duration_kind=DurationKind.OPEN_ENDED), start=start) is None


def test_a_coherent_offer_has_no_problems():
    assert offer_problems(terms(data_mb=1024, refund_policy=RefundPolicy.PRO_RATA_DATA)) == []


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"price": None}, "Set a price (0 for a free offer)."),
        ({"price": Decimal("-1.00")}, "The price cannot be negative."),
        ({"price": Decimal("1.005")}, "The price has more decimals than EUR allows."),
        ({"name": "  "}, "Give the offer a name."),
        ({"duration_days": None}, "Say for how many days the offer runs."),
        (
            {"duration_kind": DurationKind.UNTIL_LOCAL_TIME},
            "Say until which time of day the offer runs (e.g. 04:00).",
        ),
        (
            {"refund_policy": RefundPolicy.PRO_RATA_DATA, "data_mb": 0},
            "The refund 'pro-rata of unused data' needs a data allowance: add one, or pick "
            "another refund policy.",
        ),
        (
            {"refund_policy": RefundPolicy.PRO_RATA_TIME, "duration_kind": DurationKind.OPEN_ENDED},
            "The refund 'pro-rata of unused time' needs an end: give the offer a duration, or "
            "pick another refund policy.",
        ),
        (
            {"refund_policy": RefundPolicy.FULL_WITHIN_GRACE},
            "Say how many minutes the full-refund grace window lasts.",
        ),
        (
            {"billing": Billing.RECURRING, "duration_kind": DurationKind.OPEN_ENDED},
            "A recurring price renews every period: give the offer a period of N days or a "
            "calendar month, or make the price one-off.",
        ),
        (
            {"eligible_statuses": []},
            "Pick at least one customer lifecycle status the offer is sold to.",
        ),
        ({"eligible_statuses": ["active", "vip"]}, "Unknown lifecycle status: vip."),
        (
            {
                "available_from": local(2026, 12, 1, 0, 0),
                "available_until": local(2026, 11, 1, 0, 0),
            },
            "The offer's availability ends before it starts: move 'available until' after "
            "'available from'.",
        ),
    ],
)
def test_each_incoherence_is_named_with_what_to_fix(values, message):
    assert offer_problems(terms(**values)) == [message]


def test_money_rounds_half_up_to_the_minor_unit():
    assert money_round(Decimal("6.125"), currency="EUR") == Decimal("6.13")
    assert money_round(Decimal("6.124"), currency="EUR") == Decimal("6.12")
    assert money_round(Decimal("612.5"), currency="JPY") == Decimal("613")


@pytest.mark.parametrize(
    ("policy", "used_mb", "minutes_in", "expected"),
    [
        (RefundPolicy.PRO_RATA_DATA, 0, 60, Decimal("10.00")),
        (RefundPolicy.PRO_RATA_DATA, 5944, 60, Decimal("6.13")),
        (RefundPolicy.PRO_RATA_DATA, 15360, 60, Decimal("0.00")),
        (RefundPolicy.NONE, 0, 1, Decimal("0.00")),
        (RefundPolicy.PRO_RATA_TIME, 0, 24 * 60 * 15, Decimal("5.00")),
        (RefundPolicy.FULL_WITHIN_GRACE, 0, 30, Decimal("10.00")),
        (RefundPolicy.FULL_WITHIN_GRACE, 0, 61, Decimal("0.00")),
        (RefundPolicy.FULL_WITHIN_GRACE, 1, 30, Decimal("0.00")),
        # switched off after the period ended, before the sweep expired it: nothing is owed
        (RefundPolicy.PRO_RATA_DATA, 0, 30 * 24 * 60, Decimal("0.00")),
        (RefundPolicy.PRO_RATA_DATA, 0, 30 * 24 * 60 + 1, Decimal("0.00")),
    ],
)
def test_refund_due_by_policy(policy, used_mb, minutes_in, expected):
    offer = terms(data_mb=15360, refund_policy=policy, refund_grace_minutes=60)
    started = local(2026, 11, 1, 12, 0)

    due = refund_due(
        offer,
        paid=Decimal("10.00"),
        started_at=started,
        ends_at=started + dt.timedelta(days=30),
        at=started + dt.timedelta(minutes=minutes_in),
        data_initial_bytes=15360 * BYTES_PER_MB,
        data_used_bytes=used_mb * BYTES_PER_MB,
    )

    assert due == expected


def test_zero_rating_a_service_is_a_warning_not_a_problem():
    from catalog.policies import terms_warnings

    night = terms(service_data_mb=10240, service_scope="tv")

    assert offer_problems(night) == []
    assert terms_warnings(night) == [
        "TV streaming traffic will not count against the customer's data (zero-rating). That is "
        "not allowed in some markets, e.g. the EU under its net-neutrality rules: check it is "
        "allowed where you sell this offer."
    ]
    assert terms_warnings(terms()) == []


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"service_data_mb": 100},
            "Say which service the service-only data is for (TV or video on demand).",
        ),
        ({"service_scope": "tv"}, "Give the service-only data an amount, or clear its service."),
    ],
)
def test_service_only_data_needs_both_an_amount_and_a_service(values, message):
    assert offer_problems(terms(**values)) == [message]


@pytest.mark.parametrize(
    ("start", "on", "years"),
    [
        (dt.date(2023, 11, 22), dt.date(2026, 11, 22), 3),
        (dt.date(2023, 11, 23), dt.date(2026, 11, 22), 2),
        (dt.date(2024, 2, 29), dt.date(2025, 2, 28), 0),
        (dt.date(2024, 2, 29), dt.date(2025, 3, 1), 1),
        (dt.date(2026, 12, 1), dt.date(2026, 11, 22), 0),
    ],
)
def test_full_contract_years(start, on, years):
    from catalog.policies import contract_years

    assert contract_years(contract_start=start, on=on) == years


def test_a_loyalty_reward_needs_a_minimum_tenure_of_a_year():
    assert offer_problems(terms(data_mb_per_contract_year=100)) == [
        "A reward per full contract year gives nothing in the first year: set the minimum "
        "tenure to 365 days or more."
    ]
    assert offer_problems(terms(data_mb_per_contract_year=100, min_tenure_days=365)) == []


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"requires_confirmation": True, "allows_postpone": True},
            "An offer confirmed with a code cannot also be postponed: the code would expire "
            "before the start. Untick one of them.",
        ),
        (
            {"is_gift": True, "requires_confirmation": True},
            "A gift starts when the friend accepts it: no code, no later start.",
        ),
        (
            {"is_gift": True, "refund_policy": RefundPolicy.PRO_RATA_TIME},
            "A gift cannot be refunded (the friend keeps it): set the refund policy to none.",
        ),
    ],
)
def test_policy_combinations_that_cannot_work_are_refused(values, message):
    assert offer_problems(terms(**values)) == [message]


@pytest.mark.parametrize(
    ("channel_prices", "problem"),
    [
        ({"portal": "9.00"}, None),
        ({"shop": "9.00"}, "Channel price for an unknown channel: shop."),
        ({"portal": "13.00"}, "The Self-care portal price is above the offer's price"),
        ({"portal": "-1"}, "The Self-care portal price cannot be negative."),
        ({"portal": "9.001"}, "The Self-care portal price has more decimals than EUR allows."),
        ({"portal": "nine"}, "The Self-care portal price is not an amount: nine."),
        (["9.00"], 'Write channel prices as {"channel": "price"}'),
    ],
)
def test_channel_prices_are_checked_before_publishing(channel_prices, problem):
    from catalog.policies import channel_prices_problems

    terms = Offer(price=Decimal("12.00"), currency="EUR", channel_prices=channel_prices)

    problems = channel_prices_problems(terms)

    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1, problems
        assert problems[0].startswith(problem), problems


def test_a_channel_price_on_a_channel_it_is_not_sold_on_is_a_problem():
    from catalog.policies import channel_prices_problems

    terms = Offer(price=Decimal("12.00"), channels=["agent"], channel_prices={"portal": "9.00"})

    assert channel_prices_problems(terms) == [
        "It has a Self-care portal price but is not sold there: add the channel."
    ]


def test_the_price_on_a_channel_is_its_channel_price_or_the_offers():
    from catalog.policies import channel_price

    terms = Offer(price=Decimal("12.00"), channel_prices={"portal": "9.00"})

    assert channel_price(terms, channel="portal") == Decimal("9.00")
    assert channel_price(terms, channel="agent") == Decimal("12.00")


def test_options_sent_as_anything_but_text_are_simply_invalid():
    from catalog.options import options_validate

    groups = [{"key": "data", "label": "Data", "choices": [{"value": "5gb", "label": "5 GB"}]}]

    assert options_validate(groups, {"data": ["5gb"]}) == {"data": "Pick one of the data options."}
    assert options_validate(groups, {"data": {"a": 1}}) == {"data": "Pick one of the data options."}
    assert options_validate(groups, {"data": "5gb"}) == {}
