"""Top up: preset or typed amounts paid by card, a voucher's PIN, auto top-up from her saved
card, and the receipt. Plain forms that post and redirect, so they work without JavaScript;
a refusal shows the page again with the reason next to what caused it, and changes nothing."""

import uuid
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from catalog.policies import money_text
from selfcare.models import Channel, TopUp
from selfcare.portal.forms import AutoTopUpForm, TopUpCardForm, VoucherForm
from selfcare.selectors import (
    auto_topup_get,
    customer_balance,
    topup_get_for_customer,
    topup_list_for_customer,
    topup_saved_card_get,
)
from selfcare.services import (
    TopUpAmountError,
    TopUpError,
    VoucherError,
    auto_topup_set,
    topup_amount_suggested,
    topup_by_card,
    topup_by_voucher,
)
from selfcare.services.topup import topup_limits

from .common import customer_required

PAGE = "selfcare/topup/page.html"
MALFORMED = _("That request was not complete: reload the page and try again.")


def _presets() -> list[tuple[str, str]]:
    return [(str(Decimal(p)), money_text(Decimal(p))) for p in settings.TOPUP_PRESETS]


def _asked_amount(request) -> dict:
    """The amount a "top up" link asks for (`?amount=3.50`), as the form's first choice: a
    preset if it is one, else typed under "Other amount", never below the smallest top-up."""
    try:
        asked = Decimal(request.GET.get("amount", ""))
    except InvalidOperation:
        return {}
    if not asked.is_finite() or asked <= 0:
        return {}
    amount = topup_amount_suggested(shortfall=asked)
    if str(amount) in dict(_presets()):
        return {"amount": str(amount)}
    return {"amount": TopUpCardForm.OTHER, "other_amount": str(amount)}


def _render(request, *, card_form=None, voucher_form=None, auto_form=None, status=200, **extra):
    customer = request.customer
    low, high = topup_limits()
    auto = auto_topup_get(customer=customer)
    context = {
        "customer": customer,
        "balance": customer_balance(customer=customer),
        "card_form": card_form
        or TopUpCardForm(presets=_presets(), initial=_asked_amount(request) or {"amount": ""}),
        "voucher_form": voucher_form or VoucherForm(),
        "auto_form": auto_form
        or AutoTopUpForm(
            initial={"threshold": auto.threshold, "amount": auto.amount}
            if auto
            else {"threshold": "5.00", "amount": "10.00"}
        ),
        "auto": auto,
        "saved_card": topup_saved_card_get(customer=customer),
        "auto_max": settings.AUTO_TOPUP_MAX_PER_MONTH,
        "top_ups": topup_list_for_customer(customer=customer, limit=10),
        "min_amount": low,
        "max_amount": high,
        # A fresh key on every page: one submit of it is one top-up, however often it is sent.
        "key": uuid.uuid4(),
        **extra,
    }
    return render(request, PAGE, context, status=status)


@require_GET
@customer_required
def topup_page(request):
    return _render(request)


@require_POST
@customer_required
def topup_card(request):
    form = TopUpCardForm(request.POST, presets=_presets())
    if not form.is_valid():
        error = MALFORMED if form["idempotency_key"].errors else ""
        return _render(request, card_form=form, card_error=error, status=400)
    try:
        topup = topup_by_card(
            customer=request.customer,
            amount=form.amount_value(),
            card=form.card(),
            idempotency_key=form.cleaned_data["idempotency_key"],
            channel=Channel.PORTAL,
        )
    except TopUpAmountError as exc:
        field = "other_amount" if form.cleaned_data["amount"] == form.OTHER else "amount"
        form.add_error(field, str(exc))
        return _render(request, card_form=form, status=400)
    except TopUpError as exc:
        return _render(request, card_form=form, card_error=str(exc), status=402)
    return redirect("selfcare:topup_receipt", topup.pk)


@require_POST
@customer_required
def topup_voucher(request):
    form = VoucherForm(request.POST)
    if not form.is_valid():
        error = MALFORMED if form["idempotency_key"].errors else ""
        return _render(request, voucher_form=form, voucher_error=error, status=400)
    try:
        topup = topup_by_voucher(
            customer=request.customer,
            pin=form.cleaned_data["pin"],
            idempotency_key=form.cleaned_data["idempotency_key"],
            channel=Channel.PORTAL,
        )
    except VoucherError as exc:
        form.add_error("pin", str(exc))
        return _render(request, voucher_form=form, status=409)
    return redirect("selfcare:topup_receipt", topup.pk)


@require_POST
@customer_required
def topup_auto(request):
    """Turn auto top-up on (with her amounts) or off; her history records either."""
    enabled = request.POST.get("enabled") == "1"
    form = AutoTopUpForm(request.POST if enabled else None)
    if enabled and not form.is_valid():
        return _render(request, auto_form=form, status=400)
    try:
        auto_topup_set(
            customer=request.customer,
            enabled=enabled,
            threshold=form.cleaned_data["threshold"] if enabled else None,
            amount=form.cleaned_data["amount"] if enabled else None,
            channel=Channel.PORTAL,
            actor_user=request.user,
        )
    except TopUpError as exc:
        return _render(request, auto_form=form, auto_error=str(exc), status=400)
    messages.success(request, _("Auto top-up is on.") if enabled else _("Auto top-up is off."))
    return redirect("selfcare:topup")


@require_GET
@customer_required
def topup_receipt(request, topup_id: int):
    try:
        topup = topup_get_for_customer(customer=request.customer, pk=topup_id)
    except TopUp.DoesNotExist as exc:
        raise Http404("No such top-up.") from exc
    context = {
        "top_up": topup,
        "balance": customer_balance(customer=request.customer),
        "customer": request.customer,
    }
    return render(request, "selfcare/topup/receipt.html", context)
