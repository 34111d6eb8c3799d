"""How the campaign dashboard words its figures: rates as percentages, the lift in percentage
points, a step of the funnel as a share of the one before."""

from django import template

from campaigns.models import Campaign

register = template.Library()


@register.filter
def percent(fraction: float | None) -> str:
    """0.153 -> "15.3 %"; nothing to divide -> "—"."""
    return "—" if fraction is None else f"{fraction * 100:.1f} %"


@register.filter
def points(fraction: float | None) -> str:
    """A difference of rates in percentage points, signed: 0.1 -> "+10.0 pp"."""
    return "—" if fraction is None else f"{fraction * 100:+.1f} pp"


@register.filter
def share(part: int, whole: int) -> str:
    """`part` as a percentage of `whole`: 15, 200 -> "7.5 %"; of nothing -> "—"."""
    return "—" if not whole else f"{part * 100 / whole:.1f} %"


@register.filter
def campaign_state(value: str) -> str:
    """A campaign state's name ("running" -> "Running"); none (before its first) -> "—"."""
    return Campaign.State(value).label if value in Campaign.State.values else "—"
