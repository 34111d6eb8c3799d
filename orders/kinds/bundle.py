"""Configurable fixed-price bundle: she picks one choice in each of the offer's option groups
(data, voice, an extra); each choice may add to the price and to the allowances. The groups and
what a set of choices costs and grants are the catalog's (`catalog.options`); the price is the
pricing selector's (`offer_price`)."""

from __future__ import annotations

from catalog.options import configuration

from ..services.purchase import bundle_options_clean
from .base import Allowances, OfferKind


class BundleKind(OfferKind):
    code = "configurable_bundle"

    def matches(self, offer) -> bool:
        return bool(offer.option_groups)

    def needs_input(self, *, offer) -> bool:
        return True

    def options_clean(self, *, customer, offer, options: dict) -> dict:
        return bundle_options_clean(offer=offer, options=options)

    def allowances(self, instance, *, at) -> Allowances:
        offer = instance.offer
        chosen = configuration(
            base_price=offer.price, groups=offer.option_groups, chosen=instance.options
        )
        return Allowances(
            data_mb=chosen.data_mb, voice_minutes=chosen.voice_minutes, vod_mb=chosen.vod_mb
        )
