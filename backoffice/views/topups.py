"""Her top-ups in the console: every one (method, amount, status, who), and a voucher the agent
applies for her, recorded with his name."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog.policies import money_text
from selfcare.portal.forms import VoucherForm
from selfcare.selectors import topup_list_for_customer
from selfcare.services import VoucherError, topup_by_agent_voucher

from .common import INVALID, agent_required, customer_or_404, render_customer
from .customers import customer_url


def topups_context(*, customer, voucher_form=None) -> dict:
    """What the customer page's top-up section (backoffice/customer/topups.html) shows."""
    return {
        "topups": topup_list_for_customer(customer=customer),
        "voucher_form": voucher_form or VoucherForm(),
    }


@agent_required
@require_POST
def topup_voucher_apply(request, customer_id: int):
    customer = customer_or_404(customer_id)
    form = VoucherForm(request.POST)
    if not form.is_valid():
        error = INVALID if form["idempotency_key"].errors else ""
        return render_customer(request, customer, error=error, voucher_form=form, status=400)
    try:
        topup = topup_by_agent_voucher(
            customer=customer,
            pin=form.cleaned_data["pin"],
            idempotency_key=form.cleaned_data["idempotency_key"],
            agent=request.user,
        )
    except VoucherError as exc:
        form.add_error("pin", str(exc))
        return render_customer(request, customer, voucher_form=form, status=409)
    messages.success(
        request,
        _("Voucher applied: %(amount)s added to her balance.")
        % {"amount": money_text(topup.amount, topup.currency)},
    )
    return redirect(customer_url(customer, "topups"))
