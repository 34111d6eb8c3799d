"""What an offer costs her before she buys it: the one home of a purchase's price, read by the
purchase service (which charges it), the portal's forms and the console (which show it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from catalog.models import Billing, Offer
from catalog.options import configuration, options_validate
from catalog.policies import channel_price


def offer_price(*, offer: Offer, options: dict, channel: str) -> Decimal:
    """The price of a period of `offer` bought on `channel` (its channel price, if it has one)
    with the (valid) options chosen: what a purchase charges."""
    base = channel_price(offer, channel=channel)
    if not offer.option_groups:
        return base
    return configuration(base_price=base, groups=offer.option_groups, chosen=options).price


@dataclass(frozen=True)
class PurchaseQuote:
    """The price of buying `offer` now with `options` on `channel`, and when it is charged.
    `price` is None until a choice is made in every option group: there is no price to show
    (or to carry into the purchase) before then."""

    offer: Offer
    channel: str
    price: Decimal | None
    # The same choices at the offer's own price, to show what a channel price takes off.
    list_price: Decimal | None
    # Where its price starts on `channel`, before any option adds to it.
    from_price: Decimal | None = None
    labels: tuple[str, ...] = ()
    # A postponed start she picked: charged at purchase all the same, running from then.
    starts_at: dt.datetime | None = None

    @property
    def currency(self) -> str:
        return self.offer.currency

    @property
    def complete(self) -> bool:
        return self.price is not None

    @property
    def discounted(self) -> bool:
        return self.complete and self.list_price is not None and self.price < self.list_price

    @property
    def free(self) -> bool:
        return self.complete and self.price == 0

    @property
    def recurring(self) -> bool:
        return self.offer.billing == Billing.RECURRING

    @property
    def charged_on_confirmation(self) -> bool:
        """An offer that needs a code is charged when the code confirms it, not before
        (`product_instance_purchase` and `order_confirm`)."""
        return self.offer.requires_confirmation

    @property
    def charged_before_start(self) -> bool:
        """A postponed start is charged at purchase, today, for a period from its start."""
        return self.starts_at is not None and not self.charged_on_confirmation


def purchase_quote(
    *, offer: Offer, options: dict, channel: str, starts_at: dt.datetime | None = None
) -> PurchaseQuote:
    """What buying `offer` with `options` (as typed: checked here only for completeness) on
    `channel` costs, as `product_instance_purchase` will charge it."""
    chosen = {}
    from_price = channel_price(offer, channel=channel)
    if offer.option_groups:
        if options_validate(offer.option_groups, options):
            return PurchaseQuote(
                offer=offer,
                channel=channel,
                price=None,
                list_price=None,
                from_price=from_price,
                starts_at=starts_at,
            )
        chosen = {group["key"]: options[group["key"]] for group in offer.option_groups}
    labels = ()
    list_price = offer.price
    if offer.option_groups:
        listed = configuration(base_price=offer.price, groups=offer.option_groups, chosen=chosen)
        labels, list_price = listed.labels, listed.price
    return PurchaseQuote(
        offer=offer,
        channel=channel,
        price=offer_price(offer=offer, options=chosen, channel=channel),
        list_price=list_price,
        from_price=from_price,
        labels=labels,
        starts_at=starts_at,
    )
