import uuid
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_htmx.http import HttpResponseClientRedirect

from backoffice.selectors import customer_360, customer_get_for_agent
from campaigns.recommendations import next_best_offer_get
from selfcare.models import Channel, Customer, Interaction
from selfcare.selectors import user_is_agent

SUPERVISOR_PERMISSION = "orders.refund_beyond_policy"
CUSTOMER_PAGE = "backoffice/customer/page.html"
INVALID = _("That request was not complete: reload the page and try again.")
# What every agent action passes to the services: the channel and who acted.
AGENT = {"channel": Channel.AGENT, "actor": Interaction.Actor.AGENT}


def agent_required(view):
    """Signed in, and a call-centre agent (or supervisor, or superuser); anyone else signed in is
    refused with a 403 page. Checked before anything else, whatever the method, so a route never
    tells a stranger more than "log in" or "not for you". An HTMX request from an expired session
    sends the whole page to the login."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            if request.htmx:
                return HttpResponseClientRedirect(
                    redirect_to_login(request.htmx.current_url_abs_path or "/backoffice/").url
                )
            return redirect_to_login(request.get_full_path())
        if not user_is_agent(user=request.user):
            return render(request, "backoffice/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def customer_or_404(customer_id: int) -> Customer:
    try:
        return customer_get_for_agent(customer_id=customer_id)
    except Customer.DoesNotExist as exc:
        raise Http404("No such customer.") from exc


def is_supervisor(user) -> bool:
    return user.has_perm(SUPERVISOR_PERMISSION)


def render_customer(request, customer: Customer, *, error: str = "", status: int = 200, **extra):
    """The 360 page; with `error` (a refused action) shown at the top, next to what is true now."""
    # Imported here: the top-up section's view module builds on this one.
    from .limits import limits_context
    from .topups import topups_context

    now = timezone.now()
    customer360 = customer_360(customer=customer, at=now)
    context = {
        "customer360": customer360,
        # Her dashboard's tip, in its words (or that she is held out): never recorded as shown.
        "recommendation": next_best_offer_get(
            customer=customer, line=customer360.alert_line, at=now
        ),
        "customer": customer,
        "key": uuid.uuid4(),
        "error": error,
        **topups_context(customer=customer, voucher_form=extra.pop("voucher_form", None)),
        **limits_context(
            line=customer360.alert_line,
            form=extra.pop("limit_form", None),
            preview=extra.pop("limit_preview", None),
        ),
        **extra,
    }
    return render(request, CUSTOMER_PAGE, context, status=status)


def agent_name(user) -> str:
    return user.get_full_name() or user.get_username()
