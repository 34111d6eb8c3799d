"""Where the portal shelves an offer, by its template's kind: the groups a customer sees on the
add-ons page, in this order, named in her words (a product manager's kinds are finer); and what
an offer's card says she gets (`offer_gets`), for the portal's switch and the admin's preview."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import Offer, OfferTemplate


class Shelf(models.TextChoices):
    DATA = "data", _("Data")
    PASSES = "passes", _("Passes")
    BUNDLES = "bundles", _("Bundles")
    SERVICES = "services", _("Apps and services")
    GIFTS = "gifts", _("Gifts for friends")
    LINES = "lines", _("Extra lines")
    REWARDS = "rewards", _("Rewards")


Kind = OfferTemplate.Kind
SHELF_OF_KIND = {
    Kind.DATA_ADDON: Shelf.DATA,
    Kind.ROLLOVER: Shelf.DATA,
    Kind.TIME_PASS: Shelf.PASSES,
    Kind.RECURRING_BUNDLE: Shelf.BUNDLES,
    Kind.CONFIGURABLE_BUNDLE: Shelf.BUNDLES,
    Kind.THIRD_PARTY: Shelf.SERVICES,
    Kind.GIFT: Shelf.GIFTS,
    Kind.TEMPORARY_LINE: Shelf.LINES,
    Kind.LOYALTY: Shelf.REWARDS,
}
SHELF_ORDER = {shelf: position for position, shelf in enumerate(Shelf)}


def offer_shelf(offer: Offer) -> Shelf:
    """The shelf of `offer` (its template read with it: `offer_list_published` joins it)."""
    return SHELF_OF_KIND.get(offer.template.kind, Shelf.DATA)


@dataclass(frozen=True)
class OfferGets:
    """What she would get from an offer, in amounts: her card says it in a plain line
    ("300 MB for you", `selfcare/addons/switch.html#gets`)."""

    data_mb: int = 0
    voice_minutes: int = 0
    sms: int = 0
    # Data for one service's traffic only (`service_scope`: TV, video on demand).
    service_data_mb: int = 0
    service_scope: str = ""
    # A loyalty reward when her years are not known: this much for each full year.
    data_mb_per_year: int = 0
    # A gift: her friend's data (she gets the same once the friend accepts).
    friend_data_mb: int = 0
    second_line: bool = False
    rollover_scope: str = ""
    # A configurable bundle: what she picks.
    chosen: bool = False

    @property
    def anything(self) -> bool:
        return any(
            (
                self.data_mb,
                self.voice_minutes,
                self.sms,
                self.service_data_mb,
                self.data_mb_per_year,
                self.friend_data_mb,
                self.second_line,
                self.rollover_scope,
                self.chosen,
            )
        )


def offer_gets(*, offer, contract_years: int | None = None) -> OfferGets:
    """What `offer` gives her, from its terms; a loyalty reward's data worked out for her full
    years of contract when they are known."""
    data_mb, per_year = offer.data_mb, offer.data_mb_per_contract_year
    if per_year and contract_years is not None:
        data_mb, per_year = data_mb + per_year * contract_years, 0
    return OfferGets(
        data_mb=0 if offer.is_gift else data_mb,
        voice_minutes=offer.voice_minutes,
        sms=offer.sms,
        service_data_mb=offer.service_data_mb,
        service_scope=offer.service_scope,
        data_mb_per_year=per_year,
        friend_data_mb=offer.data_mb if offer.is_gift else 0,
        second_line=offer.creates_temporary_line,
        rollover_scope=offer.rollover_scope,
        chosen=bool(offer.option_groups),
    )
