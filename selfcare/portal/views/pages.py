"""The portal's pages: each reads through owner-scoped selectors and renders; only the offer page
writes, the record that she looked at it."""

from django.shortcuts import render
from django.utils import timezone

from orders.selectors import (
    addon_switch_list_for_offers,
    addon_switch_list_owned,
    cart_contains,
    order_list_for_customer,
)
from selfcare.models import Channel
from selfcare.selectors import bucket_list_current, customer_balance
from selfcare.services import offer_view_record

from .addons import switch_get
from .common import customer_required


@customer_required
def dashboard(request):
    customer, line = request.customer, request.line
    return render(
        request,
        "selfcare/dashboard/page.html",
        {
            "customer": customer,
            "line": line,
            "balance": customer_balance(customer=customer),
            "buckets": bucket_list_current(line=line, at=timezone.now()),
            "switches": addon_switch_list_owned(line=line),
        },
    )


@customer_required
def allowances(request):
    """The dashboard's allowances alone, fetched again when an add-on changes."""
    context = {"buckets": bucket_list_current(line=request.line, at=timezone.now())}
    return render(request, "selfcare/dashboard/page.html#allowances", context)


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
            "balance": customer_balance(customer=customer),
        },
    )


@customer_required
def orders(request):
    return render(
        request,
        "selfcare/orders/page.html",
        {"orders": order_list_for_customer(customer=request.customer)},
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
