"""Mobile numbers as people type them and as the network keeps them.

Lines keep their number as the network does: E.164 digits without the "+" (`351910000001`).
People type it every way (`+351 91 000 0001`, `00351 910 000 001`, `910000001`); `phonenumbers`
(Google's libphonenumber, kept up to date with every country's numbering plan) reads those, with
the operator's country (`PHONE_DEFAULT_REGION`) for numbers typed without a country code, and
writes them back in the international format that country uses (`+351 910 000 001`).
"""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings

# What may be a phone number as typed: digits, spaces, "+", dots, dashes and brackets, at least
# six digits. Anything else ("stacy", "stacy@example.com") is a username or an e-mail address.
_TYPED_NUMBER = re.compile(r"^\+?[\d\s().\-/]+$")
_MIN_DIGITS = 6


def msisdn_looks_typed(raw: str) -> bool:
    """Whether `raw` is written like a phone number (not whether it is a valid one)."""
    raw = (raw or "").strip()
    return bool(_TYPED_NUMBER.match(raw)) and sum(ch.isdigit() for ch in raw) >= _MIN_DIGITS


def msisdn_normalise(raw: str, *, region: str | None = None) -> str | None:
    """The number as lines keep it (E.164 digits, no "+"), or None if `raw` is not a possible
    phone number. `region` (ISO 3166 alpha-2) reads numbers typed without a country code; by
    default the operator's, `PHONE_DEFAULT_REGION`."""
    if not msisdn_looks_typed(raw):
        return None
    try:
        number = phonenumbers.parse(raw.strip(), region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def msisdn_format(msisdn: str | None) -> str:
    """A kept number as people read it: `351910000001` -> `+351 910 000 001`. A number the
    library cannot read is returned as it is (never lost, never half-formatted)."""
    if not msisdn:
        return ""
    try:
        number = phonenumbers.parse(f"+{msisdn.lstrip('+')}", None)
    except phonenumbers.NumberParseException:
        return msisdn
    if not phonenumbers.is_possible_number(number):
        return msisdn
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
