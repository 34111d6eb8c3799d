"""Temporary line (Travel Line): a second line on the buying line's plan, on the free SIM card
whose number (ICCID) she enters; it opens when the product is active and ends with it."""

from __future__ import annotations

from django.utils.translation import gettext

from selfcare.models import Line
from selfcare.sims import iccid_normalise, iccid_problem

from ..models import ProductInstance
from ..services.purchase import OptionsError
from .base import OfferKind


class TemporaryLineKind(OfferKind):
    code = "temporary_line"

    def matches(self, offer) -> bool:
        return offer.creates_temporary_line

    def needs_input(self, *, offer) -> bool:
        return True

    def options_clean(self, *, customer, offer, options: dict) -> dict:
        problem = iccid_problem(options.get("iccid", ""))
        if problem:
            raise OptionsError("iccid", problem)
        iccid = iccid_normalise(options["iccid"])
        in_use = Line.objects.filter(iccid=iccid, status=Line.Status.ACTIVE).exists()
        reserved = ProductInstance.objects.filter(
            options__iccid=iccid, status__in=ProductInstance.LIVE_STATUSES
        ).exists()
        if in_use or reserved:
            raise OptionsError("iccid", gettext("This SIM card is already in use."))
        return {"iccid": iccid}

    def provisioning(self, instance) -> dict:
        # The SIM card the second line is activated on.
        return {"iccid": instance.options.get("iccid", "")}

    def on_activated(self, instance, *, at) -> None:
        temporary_line_open(instance)

    def on_terminated(self, instance, *, at) -> None:
        if instance.options.get("line_id"):
            Line.objects.filter(pk=instance.options["line_id"], temporary=True).update(
                status=Line.Status.TERMINATED, iccid=None
            )


def temporary_line_open(instance: ProductInstance) -> Line:
    """Open the second line a Travel Line grants, on the buying line's plan and the SIM she gave."""
    line = Line.objects.create(
        customer_id=instance.customer_id,
        msisdn=f"35193{instance.pk:07d}",
        base_plan=instance.line.base_plan,
        iccid=instance.options["iccid"],
        temporary=True,
    )
    instance.options["line_id"] = line.pk
    instance.options["msisdn"] = line.msisdn
    instance.save(update_fields=["options"])
    return line
