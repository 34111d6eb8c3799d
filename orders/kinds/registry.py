"""Which kind an offer is: `kind_for(offer)`.

The shipped kinds are named here by dotted path and imported on first use, like the network
adapter: a kind may use the services that call it (a gift starts the giver's share with
`product_instance_start`), so the services import this module, never the kinds themselves.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from django.utils.module_loading import import_string

from .base import Allowances, OfferKind

# In this order: an offer whose terms match several kinds runs their hooks in this order (her
# bundle choices are checked before a friend's number, as they always were).
KINDS = (
    "orders.kinds.bundle.BundleKind",
    "orders.kinds.gift.GiftKind",
    "orders.kinds.temporary_line.TemporaryLineKind",
    "orders.kinds.rollover.RolloverKind",
    "orders.kinds.loyalty.LoyaltyKind",
)

PLAIN = OfferKind()
_registered: list[OfferKind] = []


@cache
def _shipped() -> tuple[OfferKind, ...]:
    return tuple(import_string(path)() for path in KINDS)


def kinds() -> tuple[OfferKind, ...]:
    """Every kind, the shipped ones first, then any registered with `kind_register`."""
    return (*_shipped(), *_registered)


def kind_register(kind: OfferKind) -> None:
    """Add a kind that is not shipped here (a test's, a plug-in's)."""
    if kind not in _registered:
        _registered.append(kind)


def kind_unregister(kind: OfferKind) -> None:
    if kind in _registered:
        _registered.remove(kind)


def kind_for(offer) -> OfferKind:
    """The kind of an offer, or of a template, from its terms: the one kind whose `matches` it
    does, the plain kind if none does, and all of them, in order, if its terms combine
    several."""
    matching = [kind for kind in kinds() if kind.matches(offer)]
    if not matching:
        return PLAIN
    if len(matching) == 1:
        return matching[0]
    return CombinedKind(tuple(matching))


class CombinedKind(OfferKind):
    """An offer whose terms combine kinds (a configurable bundle that is also a loyalty reward):
    each hook runs each kind's in turn; the first refusal counts, the options and the allowances
    add up, and it waits at purchase if any of them waits."""

    def __init__(self, parts: tuple[OfferKind, ...]):
        self.parts = parts
        self.code = "+".join(part.code for part in parts)

    def matches(self, offer) -> bool:
        return all(part.matches(offer) for part in self.parts)

    def options_clean(self, *, customer, offer, options: dict) -> dict:
        cleaned = {}
        for part in self.parts:
            cleaned.update(part.options_clean(customer=customer, offer=offer, options=options))
        return cleaned

    def needs_input(self, *, offer) -> bool:
        return any(part.needs_input(offer=offer) for part in self.parts)

    def scheduled_at_purchase(self, *, offer) -> bool:
        return any(part.scheduled_at_purchase(offer=offer) for part in self.parts)

    def provisioning(self, instance) -> dict:
        fields = {}
        for part in self.parts:
            fields.update(part.provisioning(instance))
        return fields

    def allowances(self, instance, *, at: dt.datetime) -> Allowances:
        total = Allowances()
        for part in self.parts:
            total += part.allowances(instance, at=at)
        return total

    def on_activated(self, instance, *, at: dt.datetime) -> None:
        for part in self.parts:
            part.on_activated(instance, at=at)

    def cancel_refusal(self, instance) -> str | None:
        return next(
            (refusal for part in self.parts if (refusal := part.cancel_refusal(instance))), None
        )

    def on_terminated(self, instance, *, at: dt.datetime) -> None:
        for part in self.parts:
            part.on_terminated(instance, at=at)
