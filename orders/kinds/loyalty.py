"""Loyalty reward: data for each full year of her contract, on top of the offer's own, counted
on the day each period starts (so it grows at a renewal after her anniversary). Who may have it
(the minimum tenure) is the offer's eligibility; its publish checks are the catalog's."""

from __future__ import annotations

from django.utils import timezone

from catalog.policies import contract_years

from .base import Allowances, OfferKind


class LoyaltyKind(OfferKind):
    code = "loyalty"

    def matches(self, offer) -> bool:
        return offer.data_mb_per_contract_year > 0

    def allowances(self, instance, *, at) -> Allowances:
        years = contract_years(
            contract_start=instance.customer.contract_start, on=timezone.localdate(at)
        )
        return Allowances(data_mb=instance.offer.data_mb_per_contract_year * years)
