"""Her own history across every channel, and the tracked links in the messages she receives."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from selfcare.selectors import interaction_list_for_customer
from selfcare.services import tracked_link_click

from .common import customer_required


@require_GET
@customer_required
def activity(request):
    return render(
        request,
        "selfcare/activity/page.html",
        {"interactions": interaction_list_for_customer(customer=request.customer, public=True)},
    )


@require_GET
def link_open(request, token: str):
    """A link from a message: the click is recorded, then she lands where it leads (signing in
    first if she must). An unknown token lands on the dashboard, recording nothing."""
    link = tracked_link_click(token=token)
    return redirect(link.target if link is not None else "selfcare:dashboard")
