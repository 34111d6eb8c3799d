from decimal import Decimal

from django import template

from selfcare.services import topup_amount_suggested

register = template.Library()


@register.filter
def topup_amount(shortfall: Decimal) -> Decimal:
    """What a "top up" link fills in for a balance `shortfall` short (at least the smallest
    top-up)."""
    return topup_amount_suggested(shortfall=shortfall)
