"""The card the offer form previews: an offer not yet on sale, drawn by the portal's own card
partial (`selfcare/addons/switch.html#switch`) as a customer who may buy it sees it.

The partial reads a switch (`orders.selectors.switches.AddonSwitch`); the catalog imports no
other app, so this stands in for one that the line does not own: the same attributes, with the
price worked out by the catalog's one rule for it (`catalog.policies.channel_price`, as the
portal's `offer_price` does). A test renders both for the same offer and holds them equal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone

from .models import Billing, Offer
from .policies import channel_price
from .shelves import OfferGets, Shelf, offer_gets, offer_shelf

PREVIEW_CHANNEL = "portal"


@dataclass
class OfferCardPreview:
    """What the card of `offer` shows in the portal before she owns it. Its switch cannot be
    tapped here (`tap` is "none"): the preview sells nothing."""

    offer: Offer
    instance: None = None
    decision: None = None
    at: dt.datetime = field(default_factory=timezone.now)
    awaiting_order_id: None = None
    key: str = "preview"
    owned: bool = False
    state: str = "off"
    busy: bool = False
    checked: bool = False
    failed: bool = False
    ending_later: bool = False
    is_gift_waiting: bool = False
    paid_before_start: bool = False
    manageable: bool = False
    needs_input: bool = False
    actions: None = None
    runs_until: None = None
    tap: str = "none"
    contract_years: None = None

    @property
    def gets(self) -> OfferGets:
        return offer_gets(offer=self.offer)

    @property
    def shelf(self) -> Shelf:
        return offer_shelf(self.offer)

    @property
    def price(self) -> Decimal | None:
        return channel_price(self.offer, channel=PREVIEW_CHANNEL)

    @property
    def price_from(self) -> bool:
        return bool(self.offer.option_groups)

    @property
    def discounted(self) -> bool:
        return self.offer.price is not None and self.price < self.offer.price

    @property
    def free(self) -> bool:
        return not self.price

    @property
    def recurring(self) -> bool:
        return self.offer.billing == Billing.RECURRING


def offer_card_preview_render(*, offer: Offer, problems: list[str], request) -> str:
    """The preview as a page of its own (the portal's stylesheet, the portal's card), for the
    form's frame: the card of `offer`, or what to fix before there is one to show."""
    return render_to_string(
        "admin/catalog/offer/preview.html",
        {"switch": OfferCardPreview(offer=offer), "problems": problems},
        request=request,
    )
