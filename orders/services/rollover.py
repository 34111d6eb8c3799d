"""The rollover sweep: beat's task comes here; what rolls over and how is the rollover kind's
(`orders/kinds/rollover.py`)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ..kinds.rollover import RolloverKind


def bucket_rollover_due(*, at: dt.datetime | None = None) -> int:
    """Roll over every ended plan allowance of a line that owns an active rollover product and
    was not rolled yet. Safe to run twice: an allowance rolls into one allowance at most."""
    return RolloverKind().roll_over_due(at=at or timezone.now())
