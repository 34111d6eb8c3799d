import hashlib
import re
import uuid
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from selfcare.selectors import (
    customer_get_for_user,
    line_get_home_for_user,
    page_versions_for_user,
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
        line = line_get_home_for_user(user=request.user)
        if line is None:
            if customer_get_for_user(user=request.user) is None:
                return render(request, "selfcare/not_customer.html", status=403)
            return render(request, "selfcare/no_line.html", status=403)
        request.customer = line.customer
        request.line = line
        return view(request, *args, **kwargs)

    return wrapper


def page_cached(view):
    """Serve a customer's page from the page cache while nothing on it can have changed.

    Wraps `customer_required` (which answers anyone who is not a customer with a line). The key
    holds her page version and the catalog's (moved by database triggers on every write she could
    see, see `selfcare.pageversions`), the current minute (times shown as "3 hours left", offers
    that start or end on the minute, allowances running out), and her session and CSRF secret (the
    page carries her CSRF token; another session never gets it). Each page served carries new
    idempotency keys on its switches, as a page made for the request does: two tabs never share
    a tap. Rendered fresh, and not kept: anything but a plain GET of the page, a request with
    messages to show, and a hard reload (`Cache-Control: no-cache`)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        key = _page_cache_key(request)
        if key is None:
            return view(request, *args, **kwargs)
        cache = caches[settings.PAGE_CACHE]
        body = cache.get(key)
        if body is not None:
            return HttpResponse(_fresh_idempotency_keys(body))
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            cache.set(key, response.content)
        return response

    return wrapper


_IDEMPOTENCY_KEY = re.compile(rb'"idempotency_key": "[0-9a-f-]{36}"')


def _fresh_idempotency_keys(body: bytes) -> bytes:
    return _IDEMPOTENCY_KEY.sub(
        lambda _: b'"idempotency_key": "%s"' % str(uuid.uuid4()).encode(), body
    )


def _page_cache_key(request) -> str | None:
    if not settings.PAGE_CACHE or request.method != "GET" or request.htmx or request.GET:
        return None
    if "no-cache" in request.headers.get("Cache-Control", ""):
        return None
    session_key = request.session.session_key
    csrf_secret = request.META.get("CSRF_COOKIE")
    if not session_key or not csrf_secret or not request.user.is_authenticated:
        return None
    if len(get_messages(request)):
        return None
    versions = page_versions_for_user(user=request.user)
    if versions is None:
        return None
    minute = int(timezone.now().timestamp() // 60)
    private = hashlib.sha256(f"{session_key}:{csrf_secret}".encode()).hexdigest()
    return f"page:{request.path}:{':'.join(map(str, versions))}:{minute}:{private}"
