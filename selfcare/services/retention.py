"""How long the records kept only to stop abuse are kept: sign-in and password-reset codes (asked,
tried, used) and wrong voucher PINs. They count for an hour (the limits on asking and trying);
they are kept `SECURITY_RECORDS_DAYS` for a fraud review, then deleted by a daily sweep."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import SignInCode, VoucherPinFailure


@transaction.atomic
def security_records_prune(*, at: dt.datetime | None = None) -> dict[str, int]:
    """Delete the sign-in codes and wrong voucher PINs older than `SECURITY_RECORDS_DAYS`.
    Returns how many of each were deleted."""
    before = (at or timezone.now()) - dt.timedelta(days=settings.SECURITY_RECORDS_DAYS)
    codes, _ = SignInCode.objects.filter(created_at__lt=before).delete()
    pins, _ = VoucherPinFailure.objects.filter(at__lt=before).delete()
    return {"sign_in_codes": codes, "voucher_pin_failures": pins}
