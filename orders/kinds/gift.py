"""Gift: she buys data for a friend's number. Her own share waits, `scheduled` with no start,
until the friend's gift is active (then she gets the same) or the gift comes back unaccepted.
Sending, accepting and returning a gift are the campaigns app's (`campaigns.services`), which
owns the `Gift`; what the products do is here."""

from __future__ import annotations

from django.utils.translation import gettext

from selfcare.models import Line

from ..models import ProductInstance
from ..services.activation import product_instance_start
from ..services.purchase import OptionsError
from .base import OfferKind


class GiftKind(OfferKind):
    code = "gift"

    def matches(self, offer) -> bool:
        return offer.is_gift

    def needs_input(self, *, offer) -> bool:
        return True

    def options_clean(self, *, customer, offer, options: dict) -> dict:
        number = "".join(ch for ch in str(options.get("friend_msisdn") or "") if ch.isdigit())
        if not number:
            raise OptionsError("friend_msisdn", gettext("Enter your friend's mobile number."))
        line = Line.objects.filter(msisdn=number, status=Line.Status.ACTIVE).first()
        if line is None:
            raise OptionsError(
                "friend_msisdn", gettext("That number is not one of ours: check it.")
            )
        if line.customer_id == customer.pk:
            raise OptionsError(
                "friend_msisdn", gettext("That is your own number: a gift goes to a friend.")
            )
        return {"friend_msisdn": number, "friend_line_id": line.pk}

    def scheduled_at_purchase(self, *, offer) -> bool:
        # The giver's share waits for the friend (or for the gift to come back).
        return True

    def on_activated(self, instance, *, at) -> None:
        if instance.options.get("gift_from_instance"):
            # Her friend's gift is active: the giver gets hers too.
            product_instance_start(
                product_instance_id=instance.options["gift_from_instance"], even_if_not_due=True
            )

    def cancel_refusal(self, instance) -> str | None:
        if instance.status == ProductInstance.Status.SCHEDULED:
            return gettext(
                "A gift cannot be taken back: if your friend does not accept it within 7 days, "
                "it comes back to you."
            )
        return None
