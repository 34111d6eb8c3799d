"""SIM card numbers (ICCID, ITU-T E.118): 19 or 20 digits starting with 89 (telecom), the last a
Luhn check digit over the others."""

import re

from django.utils.translation import gettext


def iccid_normalise(value: str) -> str:
    """Drop the spaces and dashes people type between digit groups."""
    return re.sub(r"[\s-]", "", value or "")


def iccid_problem(value: str) -> str | None:
    """What is wrong with a typed ICCID, in the customer's words (and the active language), or
    None if it is valid."""
    iccid = iccid_normalise(value)
    if not iccid:
        return gettext("Enter the number printed on the SIM card (ICCID).")
    if not iccid.isdigit():
        return gettext("The SIM card number has only digits.")
    if len(iccid) not in (19, 20):
        return gettext("The SIM card number has 19 or 20 digits; this one has %(count)s.") % {
            "count": len(iccid)
        }
    if not iccid.startswith("89"):
        return gettext("The SIM card number starts with 89.")
    if not luhn_valid(iccid):
        return gettext("That SIM card number is not right: check each digit.")
    return None


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0
