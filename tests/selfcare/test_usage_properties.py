"""On any feed, the set-based rating (PostgreSQL) and the reference rating agree: allowances
left, what each event drew, out of bundle, charges and the balance."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selfcare.models import Bucket, LedgerEntry, ServiceBar, UsageRecord
from selfcare.selectors import customer_balance
from selfcare.services import usage_ingest
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
SERVICES = {"data": "bytes", "tv": "bytes", "vod": "bytes", "voice": "seconds", "sms": "messages"}

allowances = st.lists(
    st.tuples(
        st.sampled_from([("bytes", "general"), ("bytes", "tv"), ("bytes", "vod"),
                         ("seconds", "general"), ("messages", "general")]),
        st.integers(0, 5000),  # initial
        st.integers(0, 100),  # percent used
        st.integers(-120, 0),  # starts, minutes from now
        st.one_of(st.none(), st.integers(-60, 120)),  # ends, minutes from now
        st.booleans(),  # suspended
    ),
    max_size=6,
)  # fmt: skip
feeds = st.lists(
    st.lists(
        st.tuples(
            st.integers(0, 1),  # which line
            st.sampled_from(sorted(SERVICES)),
            st.integers(0, 3000),
            st.integers(-90, 0),  # minutes from now
            st.integers(0, 30),  # id: repeats are duplicates
        ),
        max_size=25,
    ),
    min_size=1,
    max_size=3,
)


class Rollback(Exception):
    pass


def outcome(lines, batches, *, fast):
    try:
        with transaction.atomic():
            for batch in batches:
                usage_ingest(events=batch, now=NOW, fast=fast)
            state = (
                sorted(Bucket.objects.values_list("name", "used")),
                sorted(
                    (r.event_id, r.out_of_bundle, sorted(r.rated_against.values()))
                    for r in UsageRecord.objects.all()
                ),
                sorted(
                    LedgerEntry.objects.filter(kind="charge").values_list("account_id", "amount")
                ),
                [customer_balance(customer=line.customer) for line in lines],
                sorted(ServiceBar.objects.values_list("line_id", "service")),
            )
            raise Rollback
    except Rollback:
        return state


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(buckets=st.lists(allowances, min_size=2, max_size=2), batches=feeds)
def test_the_set_based_rating_and_the_reference_agree(buckets, batches):
    with transaction.atomic():
        lines = [CustomerFactory(balance=Decimal("0.20")).lines.get() for _ in range(2)]
        for line, specs in zip(lines, buckets, strict=True):
            for n, ((unit, scope), initial, percent, starts, ends, suspended) in enumerate(specs):
                Bucket.objects.create(
                    line=line,
                    name=f"{line.pk}-{n}",
                    unit=unit,
                    scope=scope,
                    initial=initial,
                    used=initial * percent // 100,
                    valid_from=NOW + dt.timedelta(minutes=starts),
                    valid_until=None if ends is None else NOW + dt.timedelta(minutes=ends),
                    suspended=suspended,
                )
        events = [
            [
                {
                    "id": f"ev-{n}",
                    "msisdn": lines[which].msisdn,
                    "service": service,
                    "unit": SERVICES[service],
                    "quantity": quantity,
                    "at": (NOW + dt.timedelta(minutes=minutes)).isoformat(),
                }
                for which, service, quantity, minutes, n in batch
            ]
            for batch in batches
        ]

        assert outcome(lines, events, fast=True) == outcome(lines, events, fast=False)
        transaction.set_rollback(True)
