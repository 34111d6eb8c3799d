"""The portal's side of the shared cart: the same cart the call centre sees, quoted at the
portal's prices, checked out into orders."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Offer
from orders import services as order_services
from orders.models import CartItem, Order
from orders.selectors import cart_quote
from selfcare.models import Channel
from selfcare.portal.forms import CartEditForm, CheckoutForm
from selfcare.selectors import customer_balance
from selfcare.services import InsufficientBalanceError

from .common import customer_required

INVALID = _("That request was not complete: reload the page and try again.")


def render_cart(request, *, error: str | Exception = "", status: int = 200):
    customer = request.customer
    return render(
        request,
        "selfcare/cart/page.html",
        {
            "customer": customer,
            "quote": cart_quote(customer=customer, channel=Channel.PORTAL),
            "balance": customer_balance(customer=customer),
            "error": error,
        },
        status=status,
    )


@require_GET
@customer_required
def cart_page(request):
    return render_cart(request)


@require_POST
@customer_required
def cart_add(request, offer_id: int):
    try:
        order_services.cart_item_add(
            customer=request.customer,
            offer_id=offer_id,
            line_id=request.line.pk,
            channel=Channel.PORTAL,
            actor_user=request.user,
        )
    except Offer.DoesNotExist as exc:
        raise Http404("No such add-on.") from exc
    except order_services.OrderError as exc:
        return render_cart(request, error=str(exc), status=409)
    return redirect("selfcare:cart")


@require_POST
@customer_required
def cart_remove(request, item_id: int):
    form = CartEditForm(request.POST)
    if not form.is_valid():
        return render_cart(request, error=INVALID, status=400)
    try:
        order_services.cart_item_remove(
            customer=request.customer,
            item_id=item_id,
            version=form.cleaned_data["version"],
            channel=Channel.PORTAL,
            actor_user=request.user,
        )
    except CartItem.DoesNotExist as exc:
        raise Http404("No such item in your cart.") from exc
    except order_services.CartStaleError as exc:
        return render_cart(request, error=str(exc), status=409)
    return redirect("selfcare:cart")


@require_POST
@customer_required
def cart_checkout(request):
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        return render_cart(request, error=INVALID, status=400)
    data = form.cleaned_data
    try:
        orders = order_services.cart_checkout(
            customer=request.customer,
            cart_id=data["cart_id"],
            version=data["version"],
            expected_total=data["expected_total"],
            channel=Channel.PORTAL,
            actor_user=request.user,
        )
    except (order_services.OrderError, InsufficientBalanceError) as exc:
        return render_cart(request, error=exc, status=409)
    waiting = [order for order in orders if order.status == Order.Status.PENDING]
    count = len(orders) - len(waiting)
    if count:
        messages.success(
            request,
            ngettext(
                "Thank you: %(count)d add-on on the way. You'll get a message when it is active.",
                "Thank you: %(count)d add-ons on the way. You'll get a message when each one is "
                "active.",
                count,
            )
            % {"count": count},
        )
    if waiting:
        messages.info(
            request,
            ngettext(
                "%(count)d add-on waits for the code we sent you by SMS: enter it on its switch "
                "under Add-ons.",
                "%(count)d add-ons wait for the code we sent you by SMS: enter it on its switch "
                "under Add-ons.",
                len(waiting),
            )
            % {"count": len(waiting)},
        )
        return redirect("selfcare:offers")
    return redirect("selfcare:dashboard")
