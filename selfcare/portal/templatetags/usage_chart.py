"""Her use of the last days as bar charts drawn on the server (inline SVG, no JavaScript): one
chart per kind of use she had (data, stacked by service; calls; SMS), each with its figures for
a text alternative. The selector hands over per-day sums; this works out the geometry, and
`selfcare/dashboard/usage_chart.html` words and draws it."""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from selfcare.models import BYTES_PER_MB, SECONDS_PER_MINUTE, UsageRecord
from selfcare.selectors import UsageDay

register = template.Library()

Service = UsageRecord.Service
# Each chart: its services, stacked bottom up, and how its quantities are shown.
CHARTS = [
    ("data", [Service.DATA, Service.TV, Service.VOD], BYTES_PER_MB),
    ("calls", [Service.VOICE], SECONDS_PER_MINUTE),
    ("sms", [Service.SMS], 1),
]
# The SVG's own coordinates (it is scaled to the card's width): a slot per day, bars a little
# narrower, the tallest bar a little below the top.
WIDTH, HEIGHT, TOP = 300, 100, 6


@dataclass(frozen=True)
class Segment:
    service: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Row:
    day: object  # dt.date
    amounts: list[int]  # per service of the chart, in whole MB, minutes or SMS


@dataclass(frozen=True)
class Chart:
    kind: str  # "data", "calls" or "sms"
    services: list[str]
    totals: list[int]  # per service, over the period
    peak: int  # the highest day, in the chart's unit
    segments: list[Segment]
    rows: list[Row]  # the days with use, for the table
    labels: list[str]  # the services' names
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def is_data(self) -> bool:
        return self.kind == "data"

    @property
    def is_calls(self) -> bool:
        return self.kind == "calls"

    @property
    def legend(self) -> list[tuple[str, str, int]]:
        """(service, name, total) of each service with use, for a stacked chart's key."""
        return [
            (s, label, total)
            for s, label, total in zip(self.services, self.labels, self.totals, strict=True)
            if total
        ]


def _whole(quantity: int, per: int) -> int:
    # Rounded half up: a day of 0.6 MB shows as 1 MB, a day of none as 0.
    return (quantity + per // 2) // per


@register.simple_tag
def usage_charts(days: list[UsageDay]) -> list[Chart]:
    """A chart for each kind of use she had in `days` (none if she used nothing)."""
    charts = []
    slot = WIDTH / max(len(days), 1)
    for kind, services, per in CHARTS:
        daily = [[day.used.get(s, 0) for s in services] for day in days]
        if not any(any(amounts) for amounts in daily):
            continue
        peak = max(sum(amounts) for amounts in daily)
        scale = (HEIGHT - TOP) / peak
        segments = []
        for n, amounts in enumerate(daily):
            base = HEIGHT
            for service, quantity in zip(services, amounts, strict=True):
                if not quantity:
                    continue
                height = max(quantity * scale, 0.5)  # a little use is still seen
                base -= height
                segments.append(
                    Segment(service, round(n * slot + slot * 0.15, 2), round(base, 2),
                            round(slot * 0.7, 2), round(height, 2))
                )  # fmt: skip
        charts.append(
            Chart(
                kind=kind,
                services=[str(s) for s in services],
                labels=[str(s.label) for s in services],
                totals=[_whole(sum(a[i] for a in daily), per) for i in range(len(services))],
                peak=_whole(peak, per),
                segments=segments,
                rows=[
                    Row(day.day, [_whole(q, per) for q in amounts])
                    for day, amounts in zip(days, daily, strict=True)
                    if any(amounts)
                ],
            )
        )
    return charts
