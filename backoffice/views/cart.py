"""The agent's side of the shared cart: the same cart she sees in the portal, quoted at the call
centre's prices, changed on her behalf and sent to her to finish.

Edits of what is in the cart post the version the agent saw; if she (or another agent) changed
it since, nothing is changed and the page shows the cart as it is now, with a 409.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from backoffice.forms import (
    CartEditForm,
    CartItemConfigureForm,
    CartOptionsForm,
    OfferChoiceForm,
)
from backoffice.selectors import (
    cart_item_get_for_customer,
    offer_get_on_sale,
)
from catalog.models import Offer
from orders import services as order_services
from orders.models import Cart, CartItem
from orders.selectors import cart_get_open, purchase_quote
from selfcare.models import Channel, Line, Notification
from selfcare.selectors import line_get_home

from .common import AGENT, INVALID, agent_name, agent_required, customer_or_404, render_customer
from .customers import customer_url

OPTIONS_PAGE = "backoffice/cart/options.html"
NO_LINE = _("She has no active line, so nothing can be added to her cart.")


def stale_message(cart: Cart | None) -> str:
    """The service's refusal, told to the agent: who changed the cart, and what to do now."""
    if cart is None:
        return _(
            "Her cart is no longer the one you saw (she may have checked it out), so nothing "
            "was changed. Here is what she has now."
        )
    if cart.changed_on == Channel.AGENT and cart.changed_by is not None:
        who = _("by %(agent)s, in the call centre") % {"agent": agent_name(cart.changed_by)}
    elif cart.changed_on == Channel.PORTAL:
        who = _("by her, in the self-care portal")
    else:
        who = _("on the %(channel)s") % {"channel": Channel(cart.changed_on).label}
    return _(
        "Her cart was changed (%(who)s) since you opened this page, so nothing was changed now. "
        "Here it is as it is now: check it with her and try again."
    ) % {"who": who}


def _render_options(request, customer, *, offer, form, item=None, status=200, error=""):
    """The options form, with the price at the call centre of the choices it holds: the ones
    posted, else the item's, else the ones it opens with."""
    if form.is_bound:
        options = form.options_typed()
    else:
        options = {key: form.initial.get(key) for key in form.option_keys}
    context = {
        "customer": customer,
        "offer": offer,
        "quote": purchase_quote(offer=offer, options=options, channel=Channel.AGENT),
        "form": form,
        "item": item,
        "error": error,
    }
    return render(request, OPTIONS_PAGE, context, status=status)


def _options_error(request, customer, exc, *, offer, form, item=None):
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))
    return _render_options(request, customer, offer=offer, form=form, item=item, status=400)


def _offer_on_sale(offer_id: int) -> Offer:
    try:
        return offer_get_on_sale(offer_id=offer_id)
    except Offer.DoesNotExist as exc:
        raise Http404("No such offer on sale.") from exc


def _add(request, customer, offer: Offer):
    """Put `offer` in her cart for her home line, with what the posted form says of its options,
    checked as her own purchase would be on the agent channel."""
    form = CartOptionsForm(request.POST, offer=offer)
    if not form.is_valid():
        return _render_options(request, customer, offer=offer, form=form, status=400)
    if "quote" in request.POST:
        return _render_options(request, customer, offer=offer, form=form)
    line = line_get_home(customer=customer)
    if line is None or line.status != Line.Status.ACTIVE:
        return render_customer(request, customer, error=NO_LINE, status=409)
    try:
        order_services.cart_item_add(
            customer=customer,
            offer_id=offer.pk,
            line_id=line.pk,
            options=form.options(),
            actor_user=request.user,
            **AGENT,
        )
    except order_services.OptionsError as exc:
        return _options_error(request, customer, exc, offer=offer, form=form)
    except Line.DoesNotExist:
        return render_customer(request, customer, error=NO_LINE, status=409)
    except order_services.OrderError as exc:
        return render_customer(request, customer, error=str(exc), status=409)
    messages.success(request, f"{offer.name} is in her cart.")
    return redirect(customer_url(customer, "cart"))


@agent_required
@require_POST
def cart_add_offer(request, customer_id: int):
    """The one-click add of the 360 page: the offer posted as `offer`. One that needs options
    answers with its options form (400), nothing added."""
    customer = customer_or_404(customer_id)
    form = OfferChoiceForm(request.POST)
    if not form.is_valid():
        return render_customer(request, customer, error=INVALID, status=400)
    return _add(request, customer, _offer_on_sale(form.cleaned_data["offer"]))


@agent_required
@require_http_methods(["GET", "POST"])
def cart_add(request, customer_id: int, offer_id: int):
    """GET: what the offer asks for before it goes in her cart. POST: put it there."""
    customer = customer_or_404(customer_id)
    offer = _offer_on_sale(offer_id)
    if request.method == "GET":
        return _render_options(request, customer, offer=offer, form=CartOptionsForm(offer=offer))
    return _add(request, customer, offer)


def _posted_version(request) -> int | None:
    form = CartEditForm(request.POST)
    return form.cleaned_data["version"] if form.is_valid() else None


def _item_gone(request, customer, *, version: int | None, exc: Exception):
    """An item not in her open cart: most likely she removed it since the agent's page was
    opened, and then that is what the agent is told (409); otherwise there is no such item."""
    cart = cart_get_open(customer=customer)
    if version is not None and (cart.version if cart else 0) != version:
        return render_customer(request, customer, error=stale_message(cart), status=409)
    raise Http404("No such item in her cart.") from exc


@agent_required
@require_http_methods(["GET", "POST"])
def cart_configure(request, customer_id: int, item_id: int):
    """GET: the options of an item in her cart. POST: change them, on the version seen."""
    customer = customer_or_404(customer_id)
    try:
        item = cart_item_get_for_customer(customer=customer, item_id=item_id)
    except CartItem.DoesNotExist as exc:
        version = _posted_version(request) if request.method == "POST" else None
        return _item_gone(request, customer, version=version, exc=exc)
    offer = item.offer
    if request.method == "GET":
        form = CartItemConfigureForm(
            offer=offer, initial={**item.options, "version": item.cart.version}
        )
        return _render_options(request, customer, offer=offer, form=form, item=item)
    form = CartItemConfigureForm(request.POST, offer=offer)
    if not form.is_valid():
        return _render_options(request, customer, offer=offer, form=form, item=item, status=400)
    if "quote" in request.POST:
        return _render_options(request, customer, offer=offer, form=form, item=item)
    try:
        order_services.cart_item_configure(
            customer=customer,
            item_id=item.pk,
            options=form.options(),
            version=form.cleaned_data["version"],
            actor_user=request.user,
            **AGENT,
        )
    except order_services.CartStaleError as exc:
        return render_customer(request, customer, error=stale_message(exc.cart), status=409)
    except order_services.OptionsError as exc:
        return _options_error(request, customer, exc, offer=offer, form=form, item=item)
    except CartItem.DoesNotExist as exc:
        return _item_gone(request, customer, version=form.cleaned_data["version"], exc=exc)
    messages.success(request, _("Options of %(offer)s changed.") % {"offer": offer.name})
    return redirect(customer_url(customer, "cart"))


@agent_required
@require_POST
def cart_remove(request, customer_id: int, item_id: int):
    customer = customer_or_404(customer_id)
    version = _posted_version(request)
    if version is None:
        return render_customer(request, customer, error=INVALID, status=400)
    try:
        order_services.cart_item_remove(
            customer=customer,
            item_id=item_id,
            version=version,
            actor_user=request.user,
            **AGENT,
        )
    except order_services.CartStaleError as exc:
        return render_customer(request, customer, error=stale_message(exc.cart), status=409)
    except CartItem.DoesNotExist as exc:
        return _item_gone(request, customer, version=version, exc=exc)
    messages.success(request, _("Removed from her cart."))
    return redirect(customer_url(customer, "cart"))


@agent_required
@require_POST
def cart_share(request, customer_id: int):
    """Send her the cart: an SMS with a link that opens it in the portal."""
    customer = customer_or_404(customer_id)
    try:
        notification = order_services.cart_share(
            customer=customer, actor_user=request.user, channel=Channel.AGENT
        )
    except order_services.OrderError as exc:
        return render_customer(request, customer, error=str(exc), status=409)
    if notification.medium == Notification.Medium.SMS:
        text = _("Cart sent by SMS to %(number)s.") % {"number": notification.recipient}
    else:
        text = _("Cart sent to her in-app inbox (she has no active number to text).")
    messages.success(request, text)
    return redirect(customer_url(customer, "cart"))
