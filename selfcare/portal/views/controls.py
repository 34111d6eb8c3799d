"""Everything beyond the plain switch: offers that ask for something before they start (options,
a SIM card number, a friend's number, a later start, a confirmation code), the controls of an
add-on she owns (suspend, resume, turn renewal off, change options), each showing its consequence
before she confirms.

To htmx, every response that is not a whole page replaces the add-on's card (`#addon-<offer
id>`); a refusal is a 4xx carrying the same card with the message next to the field it is about.
A browser without JavaScript opens each panel as a page of its own (`render_panel`); a form with
something wrong is that page again with the message next to the field, and a post that is done
(or refused with nothing to correct) is sent back to the page she came from with a message.
"""

import uuid
from urllib.parse import urlencode

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns import services as campaign_services
from orders import services as order_services
from orders.models import Order, ProductInstance
from orders.selectors import (
    product_instance_controls,
    product_instance_get_for_customer,
    product_instance_modify_quote,
    purchase_quote,
)
from selfcare.models import Channel
from selfcare.portal.forms import ChangeOptionsForm, CodeForm, PurchaseForm, SwitchOnForm
from selfcare.services import InsufficientBalanceError

from . import plain
from .addons import render_panel, render_switch, switch_get
from .common import customer_required

FORMS = "selfcare/addons/manage.html"
CONTROL_SERVICES = {
    "suspend": order_services.product_instance_suspend,
    "resume": order_services.product_instance_resume,
    "stop_renewal": order_services.product_instance_renewal_stop,
}


def _owned(request, instance_id: int) -> ProductInstance:
    try:
        return product_instance_get_for_customer(customer=request.customer, pk=instance_id)
    except ProductInstance.DoesNotExist as exc:
        raise Http404("No such add-on.") from exc


def _purchase_quote(offer, form: PurchaseForm):
    """The price of what the form holds: her choices as sent, or the ones it opens with."""
    if form.is_bound:
        options, starts_at = form.options_typed(), form.starts_at_typed()
    else:
        options, starts_at = {key: form.initial.get(key) for key in form.option_keys}, None
    return purchase_quote(offer=offer, options=options, channel=Channel.PORTAL, starts_at=starts_at)


def _render_configure(request, switch, form, *, status=200, error="", price_changed=None):
    """The form inside the add-on's card for htmx; a page of its own without JavaScript."""
    context = {
        "switch": switch,
        "form": form,
        "quote": _purchase_quote(switch.offer, form),
        "key": uuid.uuid4(),
        "error": error,
        "price_changed": price_changed,
    }
    return render_panel(request, f"{FORMS}#configure", context, offer=switch.offer, status=status)


@require_GET
@customer_required
def addon_quote(request, offer_id: int):
    """The price of the choices made so far in the configure form, as she makes them."""
    switch = switch_get(request, offer_id)
    form = PurchaseForm(request.GET, offer=switch.offer)
    context = {"offer": switch.offer, "quote": _purchase_quote(switch.offer, form)}
    return render(request, f"{FORMS}#quote", context)


@require_http_methods(["GET", "POST"])
@customer_required
def addon_configure(request, offer_id: int):
    """GET: the form an offer asks for before it starts, with the price of what it holds. POST
    with `quote` (the button a browser without JavaScript shows): that price again, for her
    choices. POST: switch it on with those answers, refused if the price is not the one the form
    showed (`expected_price`, required: a post without it is malformed)."""
    switch = switch_get(request, offer_id)
    offer = switch.offer
    if request.method == "GET":
        return _render_configure(request, switch, PurchaseForm(offer=offer))
    form = PurchaseForm(request.POST, offer=offer, quoting="quote" in request.POST)
    if not form.is_valid():
        error = _("That request was malformed; please try again.") if form.malformed() else ""
        return _render_configure(request, switch, form, status=400, error=error)
    if "quote" in request.POST:
        return _render_configure(request, switch, form)
    starts_at = form.cleaned_data.get("starts_at")
    expected_price = form.cleaned_data["expected_price"]
    try:
        if offer.is_gift:
            gift = campaign_services.gift_send(
                customer=request.customer,
                line_id=request.line.pk,
                offer_id=offer.pk,
                friend_msisdn=form.cleaned_data.get("friend_msisdn", ""),
                channel=Channel.PORTAL,
                idempotency_key=form.cleaned_data["idempotency_key"],
                actor_user=request.user,
                expected_price=expected_price,
            )
            order = gift.giver_product.order_items.get().order
        else:
            order = order_services.product_instance_purchase(
                customer=request.customer,
                line_id=request.line.pk,
                offer_id=offer.pk,
                channel=Channel.PORTAL,
                idempotency_key=form.cleaned_data["idempotency_key"],
                actor_user=request.user,
                starts_at=starts_at,
                options=form.options(),
                expected_price=expected_price,
            )
    except order_services.OfferPriceChangedError as exc:
        # Nothing was bought: the form now shows (and posts) the price of her choices now.
        return _render_configure(request, switch, form, status=409, price_changed=exc)
    except order_services.OptionsError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        return _render_configure(request, switch, form, status=400)
    except order_services.PostponeError as exc:
        form.add_error("starts_at", str(exc))
        return _render_configure(request, switch, form, status=400)
    except (order_services.OrderError, InsufficientBalanceError) as exc:
        return _render_configure(request, switch, form, status=409, error=exc)
    if order.status == Order.Status.PENDING:
        if plain.is_plain_post(request):
            # The code's form is a page of its own, which leads back where she came from.
            back = plain.back_url(request, default=plain.offer_page(offer_id))
            url = reverse("selfcare:order_code", args=[order.pk])
            return HttpResponseRedirect(f"{url}?{urlencode({'next': back})}")
        return _render_code(request, order, CodeForm())
    outcome = "gift_sent" if offer.is_gift else "on"
    said = {"friend_msisdn": form.cleaned_data.get("friend_msisdn", "")}
    return render_switch(
        request, switch_get(request, offer_id), announce=True, outcome=outcome, **said
    )


def _render_code(request, order, form, *, status=200, error=""):
    item = order.items.select_related("offer").get()
    context = {"order": order, "offer": item.offer, "form": form, "error": error}
    return render_panel(request, f"{FORMS}#code", context, offer=item.offer, status=status)


def _pending_order(request, order_id: int) -> Order:
    order = Order.objects.filter(customer=request.customer, pk=order_id).first()
    if order is None:
        raise Http404("No such order.")
    return order


@require_GET
@customer_required
def order_code(request, order_id: int):
    """The code form again, for an order still waiting for it."""
    return _render_code(request, _pending_order(request, order_id), CodeForm())


@require_POST
@customer_required
def order_confirm(request, order_id: int):
    """The code she received by SMS: right, the add-on activates; wrong, she is told next to it."""
    order = _pending_order(request, order_id)
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _render_code(request, order, form, status=400)
    try:
        order_services.order_confirm(
            customer=request.customer,
            order_id=order.pk,
            code=form.cleaned_data["code"].strip(),
            actor_user=request.user,
        )
    except InsufficientBalanceError as exc:
        return _render_code(request, order, form, status=409, error=exc)
    except order_services.OrderError as exc:
        form.add_error("code", str(exc))
        return _render_code(request, order, form, status=409)
    offer_id = order.items.get().offer_id
    return render_switch(request, switch_get(request, offer_id), announce=True, outcome="confirmed")


@require_POST
@customer_required
def order_resend_code(request, order_id: int):
    order = _pending_order(request, order_id)
    try:
        order_services.order_confirmation_resend(customer=request.customer, order_id=order.pk)
    except order_services.OrderError as exc:
        return _render_code(request, order, CodeForm(), status=409, error=str(exc))
    if plain.is_plain_post(request):
        # Back to the code's page, which keeps her way back (its `next`).
        plain.tell(request, "code_resent")
        back = plain.back_url(request, default="")
        url = reverse("selfcare:order_code", args=[order.pk])
        return HttpResponseRedirect(f"{url}?{urlencode({'next': back})}" if back else url)
    return _render_code(request, order, CodeForm(), error=_("A new code is on its way."))


@require_GET
@customer_required
def addon_manage(request, instance_id: int):
    """What she may do to her add-on, each with its consequence."""
    instance = _owned(request, instance_id)
    context = {
        "instance": instance,
        "controls": product_instance_controls(product_instance=instance, at=timezone.now()),
        "key": uuid.uuid4(),
    }
    return render_panel(request, f"{FORMS}#manage", context, offer=instance.offer)


@require_POST
@customer_required
def addon_control(request, instance_id: int, action: str):
    """Suspend, resume or turn renewal off, as confirmed on the manage panel."""
    instance = _owned(request, instance_id)
    service = CONTROL_SERVICES.get(action)
    if service is None:
        raise Http404("No such action.")
    form = SwitchOnForm(request.POST)
    if not form.is_valid():
        switch = switch_get(request, instance.offer_id)
        return render_switch(request, switch, error=_("That request was malformed."), status=400)
    try:
        service(
            customer=request.customer,
            product_instance_id=instance.pk,
            channel=Channel.PORTAL,
            idempotency_key=form.cleaned_data["idempotency_key"],
            actor_user=request.user,
        )
    except order_services.OrderError as exc:
        # Refused: nothing was written, so the switch is as it was.
        switch = switch_get(request, instance.offer_id)
        return render_switch(request, switch, error=str(exc), status=409)
    return render_switch(
        request, switch_get(request, instance.offer_id), announce=True, outcome=action
    )


def _render_change(request, instance, form, *, status=200, **extra):
    """The change-options panel: the form, and a quote or an error when there is one."""
    context = {"instance": instance, "form": form, "key": uuid.uuid4(), **extra}
    return render_panel(request, f"{FORMS}#change", context, offer=instance.offer, status=status)


@require_http_methods(["GET", "POST"])
@customer_required
def addon_change(request, instance_id: int):
    """Change a bundle's options: GET the form; POST without `confirm` shows the price effect;
    POST with `confirm` applies it, refused if the effect is no longer what she was shown."""
    instance = _owned(request, instance_id)
    offer = instance.offer
    if not offer.option_groups:
        raise Http404("This add-on has no options.")
    if request.method == "GET":
        form = ChangeOptionsForm(offer=offer, initial=instance.options)
        return _render_change(request, instance, form)
    form = ChangeOptionsForm(request.POST, offer=offer)
    if not form.is_valid():
        return _render_change(request, instance, form, status=400)
    if "confirm" in request.POST and form.cleaned_data["expected_due_now"] is None:
        error = _("Check the price of this change before you confirm it.")
        return _render_change(request, instance, form, status=400, error=error)
    if "confirm" not in request.POST:
        quote = product_instance_modify_quote(
            product_instance=instance,
            options=form.options(),
            at=timezone.now(),
            channel=Channel.PORTAL,
        )
        return _render_change(request, instance, form, quote=quote)
    try:
        order_services.product_instance_modify(
            customer=request.customer,
            product_instance_id=instance.pk,
            options=form.options(),
            channel=Channel.PORTAL,
            idempotency_key=form.cleaned_data["idempotency_key"],
            expected_due_now=form.cleaned_data["expected_due_now"],
            actor_user=request.user,
        )
    except (order_services.OrderError, InsufficientBalanceError) as exc:
        return _render_change(request, instance, form, status=409, error=exc)
    # What she was shown and the service held the change to: charged now, or given back.
    due_now = form.cleaned_data["expected_due_now"]
    return render_switch(
        request,
        switch_get(request, offer.pk),
        announce=True,
        outcome="changed",
        charge_now=max(due_now, 0),
        refund_now=max(-due_now, 0),
    )
