"""The offers she may buy, and one offer's page; the offer page records that she looked at it,
so an agent she calls sees what she looked at."""

from django.shortcuts import render

from orders.selectors import addon_switch_list_for_offers, addon_switch_shelves, cart_contains
from selfcare.models import Channel
from selfcare.selectors import customer_balance
from selfcare.services import offer_view_record

from .addons import switch_get
from .common import customer_required


@customer_required
def offers(request):
    customer = request.customer
    switches = addon_switch_list_for_offers(
        customer=customer, line=request.line, channel=Channel.PORTAL
    )
    return render(
        request,
        "selfcare/offers/page.html",
        {
            "customer": customer,
            "switches": switches,
            "shelves": addon_switch_shelves(switches=switches),
            "balance": customer_balance(customer=customer),
        },
    )


@customer_required
def offer_detail(request, offer_id: int):
    """One offer, where a message's link lands: what it gives, its switch, and "add to cart".
    The view is recorded in her history, so an agent she calls sees what she looked at."""
    switch = switch_get(request, offer_id)
    offer_view_record(customer=request.customer, offer=switch.offer, channel=Channel.PORTAL)
    return render(
        request,
        "selfcare/offers/detail.html",
        {
            "customer": request.customer,
            "switch": switch,
            "offer": switch.offer,
            "balance": customer_balance(customer=request.customer),
            "in_cart": cart_contains(customer=request.customer, offer_id=offer_id),
        },
    )
