"""Her language, as she chooses it (the rule for using it is `selfcare.languages`)."""

from __future__ import annotations

from django.utils import translation

from ..languages import language_codes, language_supported
from ..models import Customer


def customer_language_set(*, customer: Customer, language: str) -> bool:
    """Record the language she chose. Raises ValueError for a language we do not speak.
    Returns whether it changed."""
    if language not in language_codes():
        raise ValueError(f"Unknown language: {language!r}")
    if customer.language == language:
        return False
    customer.language = language
    customer.save(update_fields=["language"])
    return True


def customer_language_choose(*, customer: Customer, request) -> str:
    """At sign-in: her language if she has one; else, the first time, her browser's
    (Accept-Language, or the language cookie the sign-in page's switch set), recorded as hers.
    Returns her language."""
    if not customer.language:
        customer_language_set(
            customer=customer,
            language=language_supported(translation.get_language_from_request(request)),
        )
    return customer.language
