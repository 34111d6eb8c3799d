"""Her dashboard: balance and out-of-bundle spend, her plan's rates, allowances, her use of the
last 30 days, the temporary lines she bought, and the add-ons she has."""

from django.shortcuts import render
from django.utils import timezone

from campaigns.selectors import campaign_cards_list
from campaigns.services.recommendations import next_best_offer_show
from catalog.selectors import base_plan_get
from orders.selectors import addon_switch_list_owned, temporary_line_list_for_customer
from selfcare.selectors import account_money_get, bucket_list_current, usage_list_daily

from .common import customer_required


@customer_required
def dashboard(request):
    customer, line, now = request.customer, request.line, timezone.now()
    money = account_money_get(account=customer.account, at=now)
    plan = base_plan_get(name=line.base_plan)
    return render(
        request,
        "selfcare/dashboard/page.html",
        {
            "customer": customer,
            "line": line,
            "balance": money.balance,
            "out_of_bundle_this_month": money.out_of_bundle_this_month,
            "plan": plan,
            "buckets": bucket_list_current(line=line, at=now),
            "usage_days": usage_list_daily(line=line, at=now),
            "switches": addon_switch_list_owned(line=line),
            "temporary_lines": temporary_line_list_for_customer(customer=customer),
            "recommendation": next_best_offer_show(customer=customer, line=line, at=now, plan=plan),
            "campaign_cards": campaign_cards_list(customer=customer, at=now),
        },
    )


@customer_required
def allowances(request):
    """The dashboard's allowances alone, fetched again when an add-on changes."""
    context = {"buckets": bucket_list_current(line=request.line, at=timezone.now())}
    return render(request, "selfcare/dashboard/page.html#allowances", context)
