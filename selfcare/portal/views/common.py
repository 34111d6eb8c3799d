from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django_htmx.http import HttpResponseClientRedirect

from selfcare.selectors import (
    customer_get_for_user,
    line_get_home,
)


def customer_required(view):
    """Signed in, and a customer: staff accounts are sent to their own tools. An HTMX request from
    an expired session sends the whole page to the login, not a login form into a switch."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            if request.htmx:
                return HttpResponseClientRedirect(
                    redirect_to_login(request.htmx.current_url_abs_path or "/").url
                )
            return redirect_to_login(request.get_full_path())
        line = line_get_home(user=request.user)
        if line is None:
            if customer_get_for_user(user=request.user) is None:
                return render(request, "selfcare/not_customer.html", status=403)
            return render(request, "selfcare/no_line.html", status=403)
        request.customer = line.customer
        request.line = line
        return view(request, *args, **kwargs)

    return wrapper
