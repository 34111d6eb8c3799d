"""Where the portal shelves an offer, by its template's kind: the groups a customer sees on the
add-ons page, in this order, named in her words (a product manager's kinds are finer)."""

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
