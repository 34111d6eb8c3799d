"""The interface every offer kind with its own behaviour implements.

What every offer does (eligibility, price, charge, order, allowances from its terms, period,
refund, network call) is done by the purchase, activation and termination services. What only
some offers do (a gift waits for a friend, a temporary line opens a second line, a configurable
bundle asks for choices, a loyalty reward grows with her contract) is a kind's: the services call
the hooks below on `kind_for(offer)`, and a plain offer's hooks do nothing.

Hooks run inside the calling service's transaction, under its locks; they write through the
models and may raise what the service documents (`OptionsError` from `options_clean`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from catalog.models import OfferTerms
    from orders.models import ProductInstance
    from selfcare.models import Customer


@dataclass(frozen=True)
class Allowances:
    """What a kind grants on top of the offer's own allowances, for one period."""

    data_mb: int = 0
    voice_minutes: int = 0
    vod_mb: int = 0

    def __add__(self, other: Allowances) -> Allowances:
        return Allowances(
            data_mb=self.data_mb + other.data_mb,
            voice_minutes=self.voice_minutes + other.voice_minutes,
            vod_mb=self.vod_mb + other.vod_mb,
        )


class OfferKind:
    """A plain offer: every hook does nothing. A kind overrides `matches` and the hooks it needs.

    `code` names the kind; a kind shipped as a template has the template's `OfferTemplate.Kind`
    value as its code."""

    code = "plain"

    def matches(self, offer: OfferTerms) -> bool:
        """Whether an offer (or a template) is of this kind, from its terms alone."""
        return False

    # Purchase (`product_instance_purchase`, the cart)

    def needs_input(self, *, offer: OfferTerms) -> bool:
        """Whether buying the offer asks her for something first (what `options_clean` checks):
        the portal opens its form, the console its options page (`offer_needs_input`)."""
        return False

    def options_clean(self, *, customer: Customer, offer: OfferTerms, options: dict) -> dict:
        """Check what she typed for this offer; return what the product keeps of it. Raises
        `OptionsError(field, message)`."""
        return {}

    def scheduled_at_purchase(self, *, offer: OfferTerms) -> bool:
        """Whether a bought product waits `scheduled`, with no start of its own, until something
        else starts it (`product_instance_start`)."""
        return False

    # Activation (`product_instance_activate`; `buckets_grant` for renewals and changes too)

    def provisioning(self, instance: ProductInstance) -> dict:
        """What the network needs to know beyond the line and the offer, as fields of a
        `ProvisioningRequest`."""
        return {}

    def allowances(self, instance: ProductInstance, *, at: dt.datetime) -> Allowances:
        """What a period of the product grants on top of the offer's own allowances."""
        return Allowances()

    def on_activated(self, instance: ProductInstance, *, at: dt.datetime) -> None:
        """The product has just become active (its allowances granted)."""

    # Termination (`product_instance_cancel`, `product_instance_deprovision`)

    def cancel_refusal(self, instance: ProductInstance) -> str | None:
        """Why she cannot switch the product off now, in her words; None if she can (as far as
        the kind is concerned: the service checks its status first)."""
        return None

    def on_terminated(self, instance: ProductInstance, *, at: dt.datetime) -> None:
        """The product has just ended (`terminated`, its allowances closed)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.code}>"
