"""Her consents that the product reads: location (zone events)."""

from __future__ import annotations

from ..models import Customer


def customer_location_consent_set(*, customer: Customer, consent: bool) -> bool:
    """Record whether she lets the network area her line is in be used (zone events, and the
    line's last zone); turning it off forgets the zones kept. Returns whether it changed."""
    if customer.location_consent == consent:
        return False
    customer.location_consent = consent
    customer.save(update_fields=["location_consent"])
    if not consent:
        customer.lines.update(last_zone="")
    return True
