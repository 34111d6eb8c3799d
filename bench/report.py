"""Percentiles and plain-text tables."""

from __future__ import annotations

import math


def percentile(values: list[float], percent: float) -> float:
    """Nearest-rank percentile: the smallest value with `percent` % of the values at or below."""
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values),
    }


def percentiles(figures: dict[str, float]) -> str:
    return "  ".join(f"{name} {figures[name]:6.1f}" for name in ("p50", "p95", "p99", "max"))


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])
