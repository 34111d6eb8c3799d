"""What an agent does to an add-on she owns: suspend, resume, switch off (with the refund the
offer's policy gives shown first, a required reason, and a goodwill refund only a supervisor may
add). Each is an order placed on the agent channel, recorded with the agent."""

import uuid
from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backoffice.forms import CancelForm, SuspendForm
from backoffice.selectors import product_instance_get_for_agent
from orders import services as order_services
from orders.models import ProductInstance
from orders.selectors import product_instance_actions, product_instance_refund_quote
from selfcare.portal.forms import SwitchOnForm
from selfcare.portal.templatetags.money import money

from .common import (
    AGENT,
    INVALID,
    agent_required,
    customer_or_404,
    is_supervisor,
    render_customer,
)
from .customers import customer_url

CANCEL_PAGE = "backoffice/addons/cancel.html"


def _owned(customer, instance_id: int) -> ProductInstance:
    try:
        return product_instance_get_for_agent(customer=customer, instance_id=instance_id)
    except ProductInstance.DoesNotExist as exc:
        raise Http404("She has no such add-on.") from exc


@agent_required
@require_POST
def addon_suspend(request, customer_id: int, instance_id: int):
    customer = customer_or_404(customer_id)
    instance = _owned(customer, instance_id)
    form = SuspendForm(request.POST)
    if not form.is_valid():
        return render_customer(request, customer, error=INVALID, status=400)
    try:
        order_services.product_instance_suspend(
            customer=customer,
            product_instance_id=instance.pk,
            idempotency_key=form.cleaned_data["idempotency_key"],
            actor_user=request.user,
            reason=form.cleaned_data["reason"],
            **AGENT,
        )
    except order_services.OrderError as exc:
        return render_customer(request, customer, error=str(exc), status=409)
    messages.success(request, f"{instance.offer.name} is suspended; its time stops meanwhile.")
    return redirect(customer_url(customer, "addons"))


@agent_required
@require_POST
def addon_resume(request, customer_id: int, instance_id: int):
    customer = customer_or_404(customer_id)
    instance = _owned(customer, instance_id)
    form = SwitchOnForm(request.POST)
    if not form.is_valid():
        return render_customer(request, customer, error=INVALID, status=400)
    try:
        order_services.product_instance_resume(
            customer=customer,
            product_instance_id=instance.pk,
            idempotency_key=form.cleaned_data["idempotency_key"],
            actor_user=request.user,
            **AGENT,
        )
    except order_services.OrderError as exc:
        return render_customer(request, customer, error=str(exc), status=409)
    messages.success(request, f"{instance.offer.name} is running again.")
    return redirect(customer_url(customer, "addons"))


def _render_cancel(request, customer, instance, form, *, status=200, error="", refund=None):
    now = timezone.now()
    if refund is None:
        refund = product_instance_refund_quote(product_instance=instance, at=now)
    context = {
        "customer": customer,
        "instance": instance,
        "refund": refund,
        "form": form,
        "supervisor": is_supervisor(request.user),
        "actions": product_instance_actions(product_instance=instance, at=now),
        "error": error,
    }
    return render(request, CANCEL_PAGE, context, status=status)


@agent_required
@require_http_methods(["GET", "POST"])
def addon_cancel(request, customer_id: int, instance_id: int):
    """GET: what switching it off gives back by the offer's policy, to tell her before she agrees;
    the reason; a goodwill refund field for supervisors. POST: switch it off, refused if the
    refund is no longer what was shown (the page then shows the new amount)."""
    customer = customer_or_404(customer_id)
    instance = _owned(customer, instance_id)
    if request.method == "GET":
        refund = product_instance_refund_quote(product_instance=instance, at=timezone.now())
        form = CancelForm(initial={"idempotency_key": uuid.uuid4(), "expected_refund": refund})
        return _render_cancel(request, customer, instance, form, refund=refund)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _render_cancel(request, customer, instance, form, status=400)
    data = form.cleaned_data
    goodwill = data["goodwill"] or Decimal("0.00")
    try:
        order_services.product_instance_cancel(
            customer=customer,
            product_instance_id=instance.pk,
            idempotency_key=data["idempotency_key"],
            expected_refund=data["expected_refund"],
            actor_user=request.user,
            reason=data["reason"],
            goodwill=goodwill,
            **AGENT,
        )
    except order_services.RefundChangedError as exc:
        # The page shows (and posts) the new amount, to tell her and confirm again.
        error = _(
            "The refund is now %(amount)s: it changed since this page was opened. Tell her "
            "the new amount and confirm again."
        ) % {"amount": money(exc.amount, instance.offer.currency)}
        return _render_cancel(request, customer, instance, form, status=409, error=error)
    except order_services.RefundNotAllowedError as exc:
        return _render_cancel(request, customer, instance, form, status=403, error=str(exc))
    except order_services.OrderError as exc:
        return _render_cancel(request, customer, instance, form, status=409, error=str(exc))
    currency = instance.offer.currency
    said = f"{instance.offer.name} is switching off: {money(data['expected_refund'], currency)}"
    said += " back to her balance"
    if goodwill:
        said += f", plus {money(goodwill, currency)} goodwill"
    messages.success(request, f"{said}.")
    return redirect(customer_url(customer, "addons"))
