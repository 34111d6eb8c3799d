"""The pre-packed offer templates the product ships with: one per kind of offer in the
operator's examples. A product manager starts every offer from one of these."""

import datetime as dt
from decimal import Decimal

from .models import Billing, DurationKind, OfferTemplate, RefundPolicy

Kind = OfferTemplate.Kind

TEMPLATE_PACK: dict[str, dict] = {
    "data-addon": {
        "name": "Data add-on",
        "kind": Kind.DATA_ADDON,
        "description": "A data allowance for a number of days; refund of unused data on cancel.",
        "price": Decimal("10.00"),
        "data_mb": 15 * 1024,
        "duration_kind": DurationKind.DAYS,
        "duration_days": 30,
        "refund_policy": RefundPolicy.PRO_RATA_DATA,
    },
    "night-pass": {
        "name": "Time pass until a time of day",
        "kind": Kind.TIME_PASS,
        "description": "Runs from purchase until a local time of day, e.g. 04:00 next morning.",
        "price": Decimal("2.00"),
        "duration_kind": DurationKind.UNTIL_LOCAL_TIME,
        "duration_until": dt.time(4, 0),
        "refund_policy": RefundPolicy.NONE,
    },
    "recurring-bundle": {
        "name": "Recurring bundle",
        "kind": Kind.RECURRING_BUNDLE,
        "description": "Service and data for a period, renewed every period, no refund.",
        "price": Decimal("9.99"),
        "billing": Billing.RECURRING,
        "data_mb": 5 * 1024,
        "duration_kind": DurationKind.DAYS,
        "duration_days": 30,
        "refund_policy": RefundPolicy.NONE,
    },
    "third-party-service": {
        "name": "Third-party service",
        "kind": Kind.THIRD_PARTY,
        "description": "A partner's service charged every period; switch on and off any time.",
        "price": Decimal("3.99"),
        "billing": Billing.RECURRING,
        "duration_kind": DurationKind.DAYS,
        "duration_days": 30,
        "refund_policy": RefundPolicy.FULL_WITHIN_GRACE,
        "refund_grace_minutes": 60,
    },
}
