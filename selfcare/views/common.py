from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


def customer_required(view):
    """Signed in, and a customer: staff accounts are sent to their own tools."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        customer = getattr(request.user, "customer", None)
        if customer is None:
            return render(request, "selfcare/not_customer.html", status=403)
        request.customer = customer
        request.line = customer.lines.first()
        return view(request, *args, **kwargs)

    return wrapper
