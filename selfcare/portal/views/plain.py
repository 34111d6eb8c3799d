"""The answers to a browser without JavaScript. htmx is an enhancement: every switch, panel and
form is also a plain HTML form, and a plain post is answered Post/Redirect/Get, back to the page
she was on (the form's `next`), with a message saying what happened: what was done and charged,
or why nothing was. The message's words are the portal's, in `selfcare/addons/outcome.html`."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe

OUTCOMES = "selfcare/addons/outcome.html"


def is_plain_post(request) -> bool:
    """A form posted by the browser itself, not by htmx: it is answered with a redirect."""
    return request.method == "POST" and not request.htmx


def back_url(request, *, default: str) -> str:
    """The page a form was opened from (its `next`, posted or in the query), if it is a page of
    this site; else `default`. Never another site: `next` is hers to edit."""
    target = (request.POST.get("next") or request.GET.get("next") or "").partition("#")[0]
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def offer_page(offer_id: int) -> str:
    """Where an add-on's plain answers go when the form did not say: its own page."""
    return reverse("selfcare:offer_detail", args=[offer_id])


def tell(request, outcome: str, *, level: int = messages.SUCCESS, **context) -> None:
    """Add the message `outcome` (a partial of OUTCOMES) for the next page she sees."""
    text = render_to_string(f"{OUTCOMES}#{outcome}", context, request=request)
    # The partial's output is escaped HTML, kept safe by the message storage: a refusal's top-up
    # link stays a link. Its line breaks are the template's, not words.
    messages.add_message(request, level, mark_safe(" ".join(text.split())))  # noqa: S308


def redirect_back(request, *, default: str, anchor: str = "") -> HttpResponseRedirect:
    """Back to the page she was on, scrolled to the card she acted on."""
    target = back_url(request, default=default)
    return HttpResponseRedirect(f"{target}#{anchor}" if anchor else target)


def answer(
    request,
    outcome: str,
    *,
    offer_id: int,
    level: int = messages.SUCCESS,
    default: str = "",
    **context,
) -> HttpResponseRedirect:
    """The whole answer to a plain post about one add-on: the message, then back to the page
    she was on at the add-on's card (its own page when the form did not say)."""
    tell(request, outcome, level=level, **context)
    return redirect_back(
        request, default=default or offer_page(offer_id), anchor=f"addon-{offer_id}"
    )


def refused(request, *, offer_id: int, error="", price_changed=None, **kwargs):
    """A plain post that changed nothing: why, as an error message, and back."""
    if price_changed is not None:
        return answer(
            request,
            "price_changed",
            offer_id=offer_id,
            level=messages.ERROR,
            price_changed=price_changed,
            **kwargs,
        )
    return answer(
        request, "refused", offer_id=offer_id, level=messages.ERROR, error=error, **kwargs
    )
