from decimal import Decimal

from django import template

from selfcare.models import BYTES_PER_MB, SECONDS_PER_MINUTE

register = template.Library()

SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}


@register.filter
def money(amount: Decimal | None, currency: str = "EUR") -> str:
    """€6.13, -€2.00; unknown currencies as "CHF 6.13"."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    symbol = SYMBOLS.get(currency)
    value = f"{abs(amount):,.2f}"
    return f"{sign}{symbol}{value}" if symbol else f"{sign}{currency} {value}"


@register.filter
def megabytes(amount: int) -> str:
    """1536 -> "1.5 GB", 300 -> "300 MB"."""
    if amount >= 1024:
        return f"{amount / 1024:.1f}".removesuffix(".0") + " GB"
    return f"{amount} MB"


@register.filter
def bytes_as_megabytes(amount: int) -> str:
    """An allowance's bytes as `megabytes` words them, in whole MB rounded down (what is left is
    never overstated): 1610612736 -> "1.5 GB"."""
    return megabytes(amount // BYTES_PER_MB)


@register.filter
def seconds_as_minutes(amount: int) -> int:
    """Whole minutes, rounded down: 150 -> 2."""
    return amount // SECONDS_PER_MINUTE
