"""Her account history (every charge, refund and top-up on its own line), the gifts sent to her
and those she gave."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from campaigns import services as campaign_services
from campaigns.models import Gift
from campaigns.selectors import gift_list_received, gift_list_sent
from orders import services as order_services
from selfcare.selectors import customer_balance, ledger_list_for_customer

from . import plain
from .common import customer_required


@require_GET
@customer_required
def account_history(request):
    customer = request.customer
    context = {
        "customer": customer,
        "balance": customer_balance(customer=customer),
        "entries": ledger_list_for_customer(customer=customer),
    }
    return render(request, "selfcare/account/page.html", context)


@require_GET
@customer_required
def gifts(request):
    customer = request.customer
    context = {
        "gifts": gift_list_received(customer=customer),
        "gifts_sent": gift_list_sent(customer=customer),
    }
    return render(request, "selfcare/gifts/page.html", context)


@require_POST
@customer_required
def gift_accept(request, gift_id: int):
    """Accept a gift sent to her: to htmx, the list with what happened; without JavaScript,
    back to the gifts page with it as a message."""
    try:
        campaign_services.gift_accept(
            customer=request.customer, gift_id=gift_id, actor_user=request.user
        )
        message = _("Accepted: your gift is being activated.")
        status = 200
    except Gift.DoesNotExist as exc:
        raise Http404("No such gift.") from exc
    except order_services.OrderError as exc:
        message, status = str(exc), 409
    if plain.is_plain_post(request):
        if status == 200:
            plain.tell(request, "gift_accepted")
        else:
            plain.tell(request, "refused", level=messages.ERROR, error=message)
        return redirect("selfcare:gifts")
    context = {"gifts": gift_list_received(customer=request.customer), "message": message}
    return render(request, "selfcare/gifts/page.html#list", context, status=status)
