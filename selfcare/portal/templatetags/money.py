from decimal import Decimal

from django import template
from django.utils.formats import number_format

from catalog.policies import money_text
from selfcare.models import BYTES_PER_MB, SECONDS_PER_MINUTE

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str = "EUR") -> str:
    """€6.13, -€2.00; unknown currencies as "CHF 6.13" (catalog.policies.money_text, the one
    way money is written)."""
    if amount is None:
        return ""
    return money_text(amount, currency)


@register.filter
def rate(amount: Decimal | None, currency: str = "EUR") -> str:
    """A price per unit, to as many decimals as it has, at least two: €0.10, €0.008 (`money`
    would say €0.01 for that)."""
    if amount is None:
        return ""
    return money_text(amount, currency, places=max(2, -amount.normalize().as_tuple().exponent))


@register.filter
def megabytes(amount: int) -> str:
    """1536 -> "1.5 GB" ("1,5 GB" in Portuguese), 300 -> "300 MB"."""
    if amount >= 1024:
        tenths = (Decimal(amount) / 1024).quantize(Decimal("0.1"))
        places = 0 if tenths == tenths.to_integral_value() else 1
        return f"{number_format(tenths, decimal_pos=places, use_l10n=True)} GB"
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
