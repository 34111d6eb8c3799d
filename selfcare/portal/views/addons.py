"""The add-on switch: endpoints that turn an add-on on and off and report its state.

To htmx each response is the switch's partial. Refusals are 4xx responses that still carry the
switch with the reason next to it (htmx is configured to swap 4xx bodies), so nothing ever fails
silently. A browser without JavaScript posts the same forms itself: it is sent back to the page
it was on with a message saying what happened (`plain`), and opens the confirmation as a page.
"""

import uuid

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.models import Offer
from orders import services as order_services
from orders.models import ProductInstance
from orders.selectors import (
    addon_switch_for_order,
    addon_switch_get,
    product_instance_get_for_customer,
    product_instance_refund_quote,
)
from selfcare.models import Channel
from selfcare.portal.forms import SwitchBuyForm, SwitchOffForm
from selfcare.selectors import customer_balance
from selfcare.services import InsufficientBalanceError

from . import plain
from .common import customer_required

SWITCH_TEMPLATE = "selfcare/addons/switch.html#switch"
CONFIRM_TEMPLATE = "selfcare/addons/switch.html#confirm_off"
PANEL_PAGE = "selfcare/addons/page.html"


def render_panel(request, panel: str, context: dict, *, offer, status: int = 200):
    """One of an add-on's panels (switch off?, manage, change, configure, code): inside the
    add-on's card for htmx; a page of its own for a browser without JavaScript, whose way back
    is the page it came from."""
    back = plain.back_url(request, default=plain.offer_page(offer.pk))
    context = {**context, "back": back}
    if request.htmx:
        return render(request, panel, context, status=status)
    context.update(panel=panel, offer=offer)
    return render(request, PANEL_PAGE, context, status=status)


def switch_get(request, offer_id: int):
    try:
        return addon_switch_get(
            customer=request.customer, line=request.line, offer_id=offer_id, channel=Channel.PORTAL
        )
    except Offer.DoesNotExist as exc:
        raise Http404("No such add-on.") from exc


def render_switch(
    request,
    switch,
    *,
    error: str | Exception = "",
    announce: bool = False,
    status: int = 200,
    price_changed=None,
    outcome: str = "",
    **said,
):
    """The switch's card; `price_changed` (an OfferPriceChangedError) says the tap was refused
    because the price is not the one the card showed, which it now shows.

    To a plain post (no JavaScript), a redirect back instead, with the message `outcome` (a
    partial of `plain.OUTCOMES`, given the switch and `said`) or, refused, the reason."""
    if plain.is_plain_post(request):
        offer_id = switch.offer.pk
        if price_changed is not None or error:
            return plain.refused(
                request, offer_id=offer_id, error=error, price_changed=price_changed, switch=switch
            )
        return plain.answer(request, outcome, offer_id=offer_id, switch=switch, **said)
    context = {
        "switch": switch,
        "error": error,
        "price_changed": price_changed,
        "announce": announce,
        "balance": customer_balance(customer=request.customer) if announce else None,
        "currency": request.customer.account.currency,
    }
    response = render(request, SWITCH_TEMPLATE, context, status=status)
    if announce:
        # Whatever else on the page shows what she owns (the dashboard's allowances) follows.
        response["HX-Trigger"] = "addons-changed"
    return response


@require_GET
@customer_required
def addon_switch(request, offer_id: int):
    """The switch as it is now; a busy switch polls this until it settles."""
    switch = switch_get(request, offer_id)
    changed = request.GET.get("was", switch.state) != switch.state
    return render_switch(request, switch, announce=changed)


@require_POST
@customer_required
def addon_on(request, offer_id: int):
    form = SwitchBuyForm(request.POST)
    if not form.is_valid():
        return render_switch(
            request,
            switch_get(request, offer_id),
            error=_("That request was malformed; please tap again."),
            status=400,
        )
    try:
        order = order_services.product_instance_purchase(
            customer=request.customer,
            line_id=request.line.pk,
            offer_id=offer_id,
            channel=Channel.PORTAL,
            idempotency_key=form.cleaned_data["idempotency_key"],
            expected_price=form.cleaned_data["expected_price"],
            actor_user=request.user,
        )
    except Offer.DoesNotExist as exc:
        raise Http404("No such add-on.") from exc
    except order_services.OfferPriceChangedError as exc:
        # Nothing was bought: the card now shows (and a tap now carries) the price of now.
        switch = switch_get(request, offer_id)
        return render_switch(request, switch, price_changed=exc, status=409)
    except (order_services.OrderError, InsufficientBalanceError) as exc:
        # The refusal itself: its words, and what her balance is short for the top-up link.
        return render_switch(request, switch_get(request, offer_id), error=exc, status=409)
    # The tap's answer is built from what the purchase wrote, not read again from scratch.
    return render_switch(request, addon_switch_for_order(order=order), announce=True, outcome="on")


@require_http_methods(["GET", "POST"])
@customer_required
def addon_off(request, instance_id: int):
    """GET: what switching off gives back, to confirm. POST: switch it off."""
    try:
        instance = product_instance_get_for_customer(customer=request.customer, pk=instance_id)
    except ProductInstance.DoesNotExist as exc:
        raise Http404("No such add-on.") from exc
    if request.method == "GET":
        refund = product_instance_refund_quote(product_instance=instance, at=timezone.now())
        context = {"instance": instance, "refund": refund, "key": uuid.uuid4()}
        return render_panel(request, CONFIRM_TEMPLATE, context, offer=instance.offer)
    form = SwitchOffForm(request.POST)
    if not form.is_valid():
        switch = switch_get(request, instance.offer_id)
        return render_switch(
            request, switch, error=_("That request was malformed; please try again."), status=400
        )
    try:
        order_services.product_instance_cancel(
            customer=request.customer,
            product_instance_id=instance.pk,
            channel=Channel.PORTAL,
            idempotency_key=form.cleaned_data["idempotency_key"],
            expected_refund=form.cleaned_data["expected_refund"],
            actor_user=request.user,
        )
    except order_services.OrderError as exc:
        return render_switch(
            request, switch_get(request, instance.offer_id), error=str(exc), status=409
        )
    return render_switch(
        request,
        switch_get(request, instance.offer_id),
        announce=True,
        outcome="off",
        refund=form.cleaned_data["expected_refund"],
    )
