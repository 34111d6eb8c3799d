"""Her own history across every channel, her orders, and the tracked links in the messages she
receives."""

from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from orders.selectors import order_page_for_customer
from selfcare.portal.forms import ActivityFilterForm, OrderFilterForm
from selfcare.selectors import interaction_page_for_customer
from selfcare.services import tracked_link_click

from .common import customer_required


@require_GET
@customer_required
def activity(request):
    """Her history, a page at a time, grouped by day, of one kind if she picks one; a kind we do
    not list is said beside the filter and everything is shown."""
    form = ActivityFilterForm(request.GET)
    kind = form.cleaned_data["kind"] if form.is_valid() else ""
    page = interaction_page_for_customer(
        customer=request.customer, kind=kind, page=request.GET.get("page")
    )
    return render(
        request, "selfcare/activity/page.html", {"form": form, "kind": kind, "page": page}
    )


@customer_required
def orders(request):
    """Her orders, a page at a time, grouped by day, of one kind if she picks one; a kind we do
    not list is said beside the filter and all are shown."""
    form = OrderFilterForm(request.GET)
    kind = form.cleaned_data["kind"] if form.is_valid() else ""
    page = order_page_for_customer(
        customer=request.customer, action=kind, page=request.GET.get("page")
    )
    return render(request, "selfcare/orders/page.html", {"form": form, "kind": kind, "page": page})


@require_GET
def link_open(request, token: str):
    """A link from a message: the click is recorded with who clicked (her, someone not signed
    in, an agent...), then it lands where it leads (signing in first if she must). An unknown
    token lands on the dashboard, recording nothing."""
    link = tracked_link_click(token=token, user=request.user)
    # Only ever a page of ours, whatever a stored target says.
    if link is None or not url_has_allowed_host_and_scheme(
        link.target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect("selfcare:dashboard")
    return redirect(link.target)
