from decimal import Decimal

from django import template

from selfcare.models import BYTES_PER_MB, SECONDS_PER_MINUTE

register = template.Library()

SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}


def _amount(amount: Decimal, currency: str, places: int) -> str:
    sign = "-" if amount < 0 else ""
    symbol = SYMBOLS.get(currency)
    value = f"{abs(amount):,.{places}f}"
    return f"{sign}{symbol}{value}" if symbol else f"{sign}{currency} {value}"


@register.filter
def money(amount: Decimal | None, currency: str = "EUR") -> str:
    """€6.13, -€2.00; unknown currencies as "CHF 6.13"."""
    if amount is None:
        return ""
    return _amount(amount, currency, 2)


@register.filter
def rate(amount: Decimal | None, currency: str = "EUR") -> str:
    """A price per unit, to as many decimals as it has, at least two: €0.10, €0.008 (`money`
    would say €0.01 for that)."""
    if amount is None:
        return ""
    return _amount(amount, currency, max(2, -amount.normalize().as_tuple().exponent))


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
