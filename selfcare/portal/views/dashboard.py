"""Her dashboard: balance, allowances and the add-ons she has."""

from django.shortcuts import render
from django.utils import timezone

from orders.selectors import addon_switch_list_owned
from selfcare.selectors import bucket_list_current, customer_balance

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
