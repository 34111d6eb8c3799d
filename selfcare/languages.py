"""Her language: the one rule for which language her pages and messages are in.

`Customer.language` is hers, blank until chosen: her first sign-in sets it from her browser
(`selfcare.services.languages.customer_language_choose`), she changes it on her account page
(`customer_language_set`).
Everything that writes to her renders in `customer_language(customer)`:

    with translation.override(customer_language(customer)):
        text = gettext("Your top-up of %(amount)s is in.") % {...}

A signed-in request keeps her language in the session (`SESSION_KEY`), so the middleware that
activates it on every request reads no row."""

from __future__ import annotations

from django.conf import settings

from .models import Customer

# Her language for this session: set at sign-in and when she changes it; "" for staff (whose
# pages follow their browser, or the console's switch).
SESSION_KEY = "customer_language"


def language_codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def language_supported(code: str | None) -> str:
    """`code` if we speak it (`pt-PT` is `pt`), else the operator's default language."""
    if code:
        code = code.lower()
        for candidate in (code, code.split("-")[0]):
            if candidate in language_codes():
                return candidate
    return settings.LANGUAGE_CODE


def customer_language(customer: Customer | None) -> str:
    """The language to write to her in: hers if chosen, else the operator's default."""
    if customer is None:
        return settings.LANGUAGE_CODE
    return language_supported(customer.language)


def customer_language_for_user(*, user) -> str:
    """The signed-in user's chosen language, or "" for staff and for a customer who has not
    chosen one (her pages then follow her browser)."""
    return Customer.objects.filter(user=user).values_list("language", flat=True).first() or ""


def language_session_start(sender, request, user, **kwargs) -> None:
    """On every sign-in (`user_logged_in`), her chosen language goes into the new session, so
    no request of hers reads it again. Her first sign-in's choice from the browser is the
    sign-in view's (`customer_language_choose`), which runs after this."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = customer_language_for_user(user=user)
