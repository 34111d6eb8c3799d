"""Tried as a new user would (issue 10, "Done means"): on the demo data, stacy switches "Data
15GB" on, the network's file goes through `manage.py ingest_usage`, and the rating's
`BucketThresholdCrossed` brings her the 80 % alert by SMS, once."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.policies import operator_zone
from orders.models import ProductInstance
from orders.services import product_instance_purchase
from selfcare.models import BYTES_PER_MB as MB
from selfcare.models import Bucket, Customer, DomainEvent, Notification

pytestmark = pytest.mark.django_db


def test_a_file_that_takes_stacy_past_80_percent_of_data_15gb_sends_her_the_alert(
    offers, tmp_path, django_capture_on_commit_callbacks
):
    stacy = Customer.objects.get(user__username="stacy")
    line = stacy.lines.get()
    with django_capture_on_commit_callbacks(execute=True):  # the activation job, after commit
        product_instance_purchase(
            customer=stacy,
            line_id=line.pk,
            offer_id=offers["Data 15GB"].pk,
            channel="portal",
            idempotency_key="journey-data-15gb",
            expected_price=Decimal("10.00"),
        )
    assert ProductInstance.objects.get(customer=stacy).status == "active"
    plan = Bucket.objects.get(line=line, name="Plan data")
    # an add-on's allowance is named by the offer and what it holds
    data = Bucket.objects.get(line=line, name="Data 15GB data")
    assert data.initial == 15 * 1024 * MB
    # the README's file: 14,500 MB, her plan's data (it ends first) then 12,560 MB of the 15 GB
    feed = tmp_path / "stacy.jsonl"
    event = {
        "id": "demo-stacy-1",
        "msisdn": line.msisdn,
        "service": "data",
        "quantity": 14500 * MB,
        "unit": "bytes",
        "at": dt.datetime.now(dt.UTC).isoformat(),
    }
    feed.write_text(json.dumps(event) + "\n")
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True) as published:  # dispatch, then send
        call_command("ingest_usage", str(feed), stdout=out)

    assert out.getvalue().splitlines()[0] == "1 accepted, 0 duplicates, 0 rejected."
    data.refresh_from_db()
    assert data.used == 14500 * MB - plan.remaining
    assert 80 * data.initial <= 100 * data.used < 90 * data.initial
    crossed = DomainEvent.objects.filter(kind="BucketThresholdCrossed", line=line)
    # her plan's data (at 62 %) crosses 80 and 100 %, the add-on's 50 and 80 %
    assert sorted(crossed.values_list("cause", flat=True)) == sorted(
        [
            f"bucket:{plan.pk}:80",
            f"bucket:{plan.pk}:100",
            f"bucket:{data.pk}:50",
            f"bucket:{data.pk}:80",
        ]
    )
    assert not crossed.filter(dispatched_at__isnull=True).exists()
    alerts = Notification.objects.filter(customer=stacy, template="usage_alert").order_by("id")
    ends = timezone.localtime(data.valid_until, operator_zone())
    until = f"{ends:%a} {ends.day} {ends:%b}"
    # her alerts are the default ones, 80 % and 100 %: the add-on's 50 % sends nothing, and her
    # plan's data, past 80 and 100 % at once, is one message: all used
    assert [(a.medium, a.recipient, a.status, a.subject) for a in alerts] == [
        ("sms", "351910000001", "sent", "100 % of Plan data used"),
        ("sms", "351910000001", "sent", "80 % of Data 15GB data used"),
    ]
    assert data.initial - data.used == 2800 * MB
    assert alerts[1].body == f"You have used 80 % of Data 15GB data: 2.7 GB left until {until}."
    assert published  # the jobs went after the batch's commit

    # the same file again: a duplicate, no event and no message twice
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ingest_usage", str(feed), stdout=io.StringIO())
    assert crossed.count() == 4
    assert alerts.count() == 2
