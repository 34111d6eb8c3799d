"""The pre-packed offer templates the product ships with: one per kind of offer in the
operator's examples. A product manager starts every offer from one of these."""

import datetime as dt
from decimal import Decimal

from .models import Billing, DurationKind, LimitWindow, OfferTemplate, RefundPolicy

Kind = OfferTemplate.Kind
MONTHLY = {"billing": Billing.RECURRING, "duration_kind": DurationKind.DAYS, "duration_days": 30}

TEMPLATE_PACK: dict[str, dict] = {
    "data-addon": {
        "name": "Data add-on",
        "kind": Kind.DATA_ADDON,
        "description": "A data allowance for a number of days, once a calendar month; unused "
        "data is refunded on cancel.",
        "price": Decimal("10.00"),
        "data_mb": 15 * 1024,
        "duration_kind": DurationKind.DAYS,
        "duration_days": 30,
        "refund_policy": RefundPolicy.PRO_RATA_DATA,
        "purchase_limit": 1,
        "purchase_limit_window": LimitWindow.CALENDAR_MONTH,
    },
    "night-pass": {
        "name": "Time pass until a time of day",
        "kind": Kind.TIME_PASS,
        "description": "Runs from purchase until a local time of day (04:00 next morning), "
        "with data for one service only (e.g. TV streaming).",
        "price": Decimal("2.00"),
        "duration_kind": DurationKind.UNTIL_LOCAL_TIME,
        "duration_until": dt.time(4, 0),
        "service_data_mb": 10 * 1024,
        "service_scope": "tv",
        "refund_policy": RefundPolicy.NONE,
    },
    "recurring-bundle": {
        "name": "Recurring bundle",
        "kind": Kind.RECURRING_BUNDLE,
        "description": "Service and data for 30 days, renewed every 30 days, cancel any time, "
        "no refund.",
        "price": Decimal("9.99"),
        "data_mb": 5 * 1024,
        "refund_policy": RefundPolicy.NONE,
        "allows_suspend": True,
        "allows_postpone": True,
        **MONTHLY,
    },
    "third-party-service": {
        "name": "Third-party service",
        "kind": Kind.THIRD_PARTY,
        "description": "A partner's service charged every 30 days; switch on and off any time, "
        "each charge its own line in her account history.",
        "price": Decimal("3.99"),
        "refund_policy": RefundPolicy.FULL_WITHIN_GRACE,
        "refund_grace_minutes": 60,
        "allows_suspend": True,
        **MONTHLY,
    },
    "configurable-bundle": {
        "name": "Configurable fixed-price bundle",
        "kind": Kind.CONFIGURABLE_BUNDLE,
        "description": "She picks data, voice and an extra for a fixed price, and can change "
        "them any time; the change's price effect is shown before she confirms.",
        "price": Decimal("15.00"),
        "refund_policy": RefundPolicy.NONE,
        "option_groups": [
            {
                "key": "data",
                "label": "Data",
                "choices": [
                    {"value": "5gb", "label": "5 GB", "data_mb": 5120},
                    {"value": "20gb", "label": "20 GB", "data_mb": 20480, "price": "5.00"},
                ],
            },
            {
                "key": "voice",
                "label": "Voice",
                "choices": [
                    {"value": "300", "label": "300 minutes", "voice_minutes": 300},
                    {
                        "value": "unlimited",
                        "label": "Unlimited minutes",
                        "voice_minutes": 100000,
                        "price": "3.00",
                    },
                ],
            },
            {
                "key": "extra",
                "label": "Extra",
                "choices": [
                    {"value": "music", "label": "Music streaming (OTT)"},
                    {"value": "vod", "label": "Video on demand, 10 GB", "vod_mb": 10240},
                ],
            },
        ],
        **MONTHLY,
    },
    "gift": {
        "name": "Data gift",
        "kind": Kind.GIFT,
        "description": "She gives data to a friend's number; when the friend's gift is "
        "active she gets the same. Unaccepted gifts come back after 7 days.",
        "price": Decimal("3.00"),
        "data_mb": 1024,
        "duration_kind": DurationKind.DAYS,
        "duration_days": 30,
        "is_gift": True,
    },
    "temporary-line": {
        "name": "Temporary second line",
        "kind": Kind.TEMPORARY_LINE,
        "description": "A second line for N days on her plan's conditions, on a free SIM card "
        "whose number she enters; confirmed with a code; twice in 12 months.",
        "price": Decimal("5.00"),
        "duration_kind": DurationKind.DAYS,
        "duration_days": 30,
        "creates_temporary_line": True,
        "requires_confirmation": True,
        "purchase_limit": 2,
        "purchase_limit_window": LimitWindow.ROLLING_12_MONTHS,
    },
    "loyalty": {
        "name": "Loyalty reward",
        "kind": Kind.LOYALTY,
        "description": "Free data for each full year of her contract, granted on subscribing, "
        "once a year.",
        "price": Decimal("0.00"),
        "data_mb_per_contract_year": 100,
        "min_tenure_days": 365,
        "duration_kind": DurationKind.DAYS,
        "duration_days": 30,
        "purchase_limit": 1,
        "purchase_limit_window": LimitWindow.ROLLING_12_MONTHS,
    },
    "rollover": {
        "name": "Data rollover",
        "kind": Kind.ROLLOVER,
        "description": "Unused monthly plan data rolls over into data for one service (video "
        "on demand) for the next 30 days.",
        "price": Decimal("0.99"),
        "rollover_scope": "vod",
        "refund_policy": RefundPolicy.NONE,
        **MONTHLY,
    },
}
