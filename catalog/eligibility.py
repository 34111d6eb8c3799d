"""The eligibility engine: which offers a customer may buy, and why not.

Pure: it is handed the offers and a `CustomerContext` (built by `orders`, which knows what the
customer owns) and reads nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .models import LifecycleStatus, Offer


@dataclass(frozen=True)
class CustomerContext:
    lifecycle_status: str
    status_reason: str
    channel: str
    at: dt.datetime
    owned_offer_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Decision:
    offer: Offer
    eligible: bool
    reasons: tuple[str, ...] = ()


def _status_reason(context: CustomerContext) -> str:
    label = LifecycleStatus(context.lifecycle_status).label.lower()
    reason = f"Your line is {label}"
    if context.status_reason:
        reason += f": {context.status_reason}"
    return reason + "."


def offer_decide(*, offer: Offer, context: CustomerContext) -> Decision:
    reasons = []
    if offer.status != Offer.Status.PUBLISHED:
        reasons.append("This offer is not on sale.")
    if offer.available_from and context.at < offer.available_from:
        reasons.append("This offer is not on sale yet.")
    if offer.available_until and context.at >= offer.available_until:
        reasons.append("This offer is no longer on sale.")
    if context.lifecycle_status not in offer.eligible_statuses:
        reasons.append(_status_reason(context))
    return Decision(offer=offer, eligible=not reasons, reasons=tuple(reasons))


def offers_decide(*, offers, context: CustomerContext) -> list[Decision]:
    return [offer_decide(offer=offer, context=context) for offer in offers]
