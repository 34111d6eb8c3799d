"""The demo's next best offer: Nina, whose plan does not fit. `load_demo_data` (and so `make run`)
loads her once; a second run leaves her as she is.

Her last three calendar months are written as the usage feed would have left them: each month
her plan's 2 GB, used up, and 1,419 MB more charged out of bundle at her plan's rate (€14.19 at
Prepaid Go's €0.01 a MB), the charge dated in that month. Her dashboard then says "You ran out of
data in 3 of the last 3 months: Monthly Bundle would have saved you €4.20 a month", and so does
her page in the console. Rows are written directly, as the other demo histories are (the feed
refuses nothing older, but would date its charges today).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from catalog.selectors import base_plan_get
from orders.demo import DEMO_PASSWORD
from selfcare.models import BYTES_PER_MB, Bucket, LedgerEntry, OutOfBundleTally, UsageRecord
from selfcare.said import words_json
from selfcare.selectors import OUT_OF_BUNDLE_REFERENCE
from selfcare.services import customer_create
from selfcare.services.usage import out_of_bundle_ledger_line

from .recommendations import out_of_bundle_cost, period_starts

USERNAME = "nina"
PLAN_MB = 2048
PLAN_DATA = gettext_noop("Plan data")
BEYOND_MB = 1419


@transaction.atomic
def demo_recommendations_load() -> list[str]:
    """Nina and her last three months, if she is not there yet; returns what was created."""
    if User.objects.filter(username=USERNAME).exists():
        return []
    user = User.objects.create_user(
        username=USERNAME,
        password=DEMO_PASSWORD,
        first_name="Nina",
        last_name="Ferreira",
        email=f"{USERNAME}@example.com",
    )
    now = timezone.now()
    customer = customer_create(
        user=user,
        name="Nina Ferreira",
        email=user.email,
        msisdn="351910000004",
        base_plan="Prepaid Go",
        contract_start=timezone.localdate(now) - dt.timedelta(days=2 * 365),
        opening_balance=Decimal("60.00"),
    )
    line = customer.lines.get()
    plan = base_plan_get(name=line.base_plan)
    starts = period_starts(at=now)
    charge = out_of_bundle_cost(
        quantity=BEYOND_MB * BYTES_PER_MB, rate_per_mb=plan.rate_per_mb, currency=plan.currency
    )
    charged_at = {}
    for start, end in itertools.pairwise(starts):
        bucket = Bucket.objects.create(
            line=line,
            name=PLAN_DATA,
            said=words_json(PLAN_DATA),
            unit=Bucket.Unit.BYTES,
            initial=PLAN_MB * BYTES_PER_MB,
            used=PLAN_MB * BYTES_PER_MB,
            valid_from=start,
            valid_until=end,
        )
        at = start + dt.timedelta(days=9, hours=12)
        UsageRecord.objects.create(
            line=line,
            event_id=f"demo-nbo-{line.msisdn}-{start:%Y-%m}",
            service=UsageRecord.Service.DATA,
            quantity=(PLAN_MB + BEYOND_MB) * BYTES_PER_MB,
            unit=Bucket.Unit.BYTES,
            at=at,
            rated_against={str(bucket.pk): PLAN_MB * BYTES_PER_MB},
            out_of_bundle=BEYOND_MB * BYTES_PER_MB,
        )
        reference = f"{OUT_OF_BUNDLE_REFERENCE}demo-{start:%Y%m}:{line.pk}:{Bucket.Unit.BYTES}"
        LedgerEntry.objects.create(
            account=customer.account,
            kind=LedgerEntry.Kind.CHARGE,
            amount=-charge,
            reference=reference,
            **out_of_bundle_ledger_line(Bucket.Unit.BYTES),
        )
        charged_at[reference] = at
    # `created_at` is set on insert: the charges are dated when her use was rated.
    for reference, at in charged_at.items():
        LedgerEntry.objects.filter(reference=reference).update(created_at=at)
    # This month's allowance, untouched so far.
    this_month = starts[-1]
    Bucket.objects.create(
        line=line,
        name=PLAN_DATA,
        said=words_json(PLAN_DATA),
        unit=Bucket.Unit.BYTES,
        initial=PLAN_MB * BYTES_PER_MB,
        valid_from=this_month,
        valid_until=(this_month + dt.timedelta(days=32)).replace(day=1),
    )
    months = len(charged_at)
    OutOfBundleTally.objects.create(
        line=line,
        unit=Bucket.Unit.BYTES,
        quantity=months * BEYOND_MB * BYTES_PER_MB,
        charged=months * charge,
    )
    return [USERNAME]
