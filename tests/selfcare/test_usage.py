"""The usage feed's service: validation, duplicates, the rating order, exactness, out of bundle.
Every rating test runs on both paths: the set-based one (PostgreSQL) and the reference one."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from orders.models import ProductInstance
from orders.services import product_instance_activate, product_instance_suspend
from selfcare.models import (
    BYTES_PER_MB,
    Bucket,
    LedgerEntry,
    OutOfBundleTally,
    ServiceBar,
    UsageRecord,
)
from selfcare.selectors import customer_balance
from selfcare.services import service_bar_lift, usage_ingest
from tests.factories import CustomerFactory, OfferFactory
from tests.orders.helpers import buy

pytestmark = pytest.mark.django_db
MB = BYTES_PER_MB


@pytest.fixture(params=["set_based", "reference"])
def fast(request):
    if request.param == "set_based" and connection.vendor != "postgresql":
        pytest.skip("the set-based path needs PostgreSQL")
    return request.param == "set_based"


def bucket(line, name, initial, *, scope="general", unit="bytes", days=10, **kwargs):
    return Bucket.objects.create(
        line=line,
        name=name,
        unit=unit,
        scope=scope,
        initial=initial,
        valid_from=kwargs.pop("valid_from", timezone.now() - dt.timedelta(days=1)),
        valid_until=timezone.now() + dt.timedelta(days=days),
        **kwargs,
    )


def used(*buckets):
    return [Bucket.objects.get(pk=b.pk).used for b in buckets]


def event(line, quantity, *, service="data", id="ev-1", unit=None, at=None, **extra):
    units = {"voice": "seconds", "sms": "messages"}
    return {
        "id": id,
        "msisdn": line.msisdn,
        "service": service,
        "quantity": quantity,
        "unit": unit or units.get(service, "bytes"),
        "at": (at or timezone.now()).isoformat(),
        **extra,
    }


# The rating order


def test_tv_streaming_uses_the_tv_allowance_not_her_data(line, fast):
    data = bucket(line, "Plan data", 5000 * MB)
    tv = bucket(line, "Night Pass TV data", 3000 * MB, scope="tv")

    result = usage_ingest(events=[event(line, 1200 * MB, service="tv")], fast=fast)

    assert used(data, tv) == [0, 1200 * MB]
    assert UsageRecord.objects.get().rated_against == {str(tv.pk): 1200 * MB}
    assert result.buckets[tv.pk].drawn == 1200 * MB


def test_when_the_tv_allowance_runs_out_tv_spills_onto_her_data(line, fast):
    data = bucket(line, "Plan data", 5000 * MB)
    tv = bucket(line, "Night Pass TV data", 1000 * MB, scope="tv")

    usage_ingest(events=[event(line, 1500 * MB, service="tv")], fast=fast)

    assert used(data, tv) == [500 * MB, 1000 * MB]
    record = UsageRecord.objects.get()
    assert record.rated_against == {str(tv.pk): 1000 * MB, str(data.pk): 500 * MB}
    assert record.out_of_bundle == 0


def test_general_traffic_never_touches_a_service_allowance(line, fast):
    tv = bucket(line, "Night Pass TV data", 1000 * MB, scope="tv")
    data = bucket(line, "Plan data", 300 * MB)

    result = usage_ingest(events=[event(line, 500 * MB)], fast=fast)

    assert used(data, tv) == [300 * MB, 0]
    assert UsageRecord.objects.get().out_of_bundle == 200 * MB
    assert result.lines[line.pk].out_of_bundle == {"bytes": 200 * MB}


def test_the_allowance_expiring_first_is_used_first(line, fast):
    later = bucket(line, "Plan data", 1000 * MB, days=20)
    sooner = bucket(line, "Data 15GB data", 1000 * MB, days=2)

    usage_ingest(events=[event(line, 1500 * MB)], fast=fast)

    assert used(sooner, later) == [1000 * MB, 500 * MB]


def test_events_are_drawn_in_time_order_whatever_the_feed_order(line, fast):
    tv = bucket(line, "TV", 100, scope="tv")
    data = bucket(line, "Plan data", 100)
    now = timezone.now()

    # the later TV event comes first in the feed; the earlier one takes the TV allowance
    usage_ingest(
        events=[
            event(line, 80, service="tv", id="late", at=now),
            event(line, 80, service="tv", id="early", at=now - dt.timedelta(minutes=1)),
        ],
        fast=fast,
    )

    records = {r.event_id: r.rated_against for r in UsageRecord.objects.all()}
    assert records == {"early": {str(tv.pk): 80}, "late": {str(tv.pk): 20, str(data.pk): 60}}


def test_voice_and_sms_draw_on_minutes_and_sms_allowances(line, fast):
    minutes = bucket(line, "Plan minutes", 300 * 60, unit="seconds")
    sms = bucket(line, "Plan SMS", 100, unit="messages")
    data = bucket(line, "Plan data", 100 * MB)

    usage_ingest(
        events=[
            event(line, 61, service="voice", id="call"),
            event(line, 3, service="sms", id="texts"),
        ],
        fast=fast,
    )

    assert used(minutes, sms, data) == [61, 3, 0]


def test_a_suspended_products_allowance_is_not_used(customer, line, fast):
    offer = OfferFactory(allows_suspend=True, data_mb=1000)
    buy(customer, offer)
    instance = ProductInstance.objects.get()
    product_instance_activate(product_instance_id=instance.pk)
    product_instance_suspend(
        customer=customer, product_instance_id=instance.pk, channel="portal", idempotency_key="k-s1"
    )

    usage_ingest(events=[event(line, 100 * MB)], fast=fast)

    assert Bucket.objects.get(granted_by_instance=instance.pk).used == 0
    assert UsageRecord.objects.get().out_of_bundle == 100 * MB


def test_an_allowance_that_starts_or_ends_within_a_batch_serves_only_its_own_time(line, fast):
    now = timezone.now()
    old = bucket(line, "Old month", 100)
    Bucket.objects.filter(pk=old.pk).update(valid_until=now - dt.timedelta(minutes=30))
    new = bucket(line, "New month", 100, valid_from=now - dt.timedelta(minutes=30))

    usage_ingest(
        events=[
            event(line, 60, id="before", at=now - dt.timedelta(hours=1)),
            event(line, 60, id="after", at=now),
        ],
        fast=fast,
    )

    assert used(old, new) == [60, 60]


def test_the_night_pass_grants_a_tv_only_allowance(customer, line):
    night = OfferFactory(night_pass=True, service_data_mb=10240, service_scope="tv")
    buy(customer, night)
    product_instance_activate(product_instance_id=ProductInstance.objects.get().pk)

    tv = Bucket.objects.get(scope="tv")

    assert (tv.name, tv.initial) == ("Mobile TV Night Pass TV streaming data", 10240 * MB)
    assert tv.valid_until.astimezone(dt.UTC) == ProductInstance.objects.get().ends_at


# Exactness


def test_many_small_events_add_up_to_the_byte(line, fast):
    data = bucket(line, "Plan data", 5 * MB)

    for batch in range(4):
        usage_ingest(
            events=[event(line, 1234, id=f"ev-{batch}-{i}") for i in range(500)], fast=fast
        )

    assert used(data) == [2000 * 1234]
    assert LedgerEntry.objects.filter(kind="charge").count() == 0


def test_out_of_bundle_is_charged_on_the_total_not_rounded_per_event(line, fast):
    # 1,024 events of 10 KB with no allowance: 10 MB at €0.01/MB, though each costs €0.0001
    for batch in range(4):
        usage_ingest(
            events=[event(line, 10240, id=f"ev-{batch}-{i}") for i in range(256)], fast=fast
        )

    charges = LedgerEntry.objects.filter(kind="charge")
    assert sum(c.amount for c in charges) == Decimal("-0.10")
    assert OutOfBundleTally.objects.get().quantity == 10 * MB


# Duplicates


def test_an_id_repeated_within_a_batch_is_rated_once(line, fast):
    data = bucket(line, "Plan data", 5000)

    result = usage_ingest(
        events=[event(line, 100, id="same"), event(line, 100, id="same")], fast=fast
    )

    assert (result.accepted, result.duplicates) == (1, 1)
    assert used(data) == [100]


def test_a_feed_replayed_twice_changes_nothing_the_second_time(line, fast):
    data = bucket(line, "Plan data", 5000)
    feed = [event(line, 3000, id=f"ev-{i}") for i in range(3)]

    first = usage_ingest(events=feed, fast=fast)
    balance = customer_balance(customer=line.customer)
    second = usage_ingest(events=feed, fast=fast)

    assert (first.accepted, first.duplicates) == (3, 0)
    assert (second.accepted, second.duplicates, second.rejected) == (0, 3, [])
    assert used(data) == [5000]
    assert UsageRecord.objects.count() == 3
    assert customer_balance(customer=line.customer) == balance
    assert (second.buckets, second.lines) == ({}, {})


# Bad input


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"id": ""}, "missing id"),
        ({"id": None}, "missing id"),
        ({"msisdn": "351000000000"}, "unknown number"),
        ({"service": "fax"}, "unknown service"),
        ({"unit": "seconds"}, "unit must be bytes for data"),
        ({"quantity": -1}, "negative quantity"),
        ({"quantity": 1.5}, "quantity is not a whole number"),
        ({"quantity": "12"}, "quantity is not a whole number"),
        ({"quantity": 10**15}, "quantity too large (at most 107374182400 bytes)"),
        ({"at": "yesterday"}, "malformed time (ISO 8601 with a time zone)"),
        ({"at": "2026-12-01T10:00:00"}, "malformed time (ISO 8601 with a time zone)"),
        ({"at": "2999-01-01T00:00:00+00:00"}, "time in the future"),
        ({"country": "Portugal"}, "malformed country (ISO 3166 alpha-2)"),
    ],
)
def test_a_bad_event_is_rejected_with_its_reason_and_the_good_ones_beside_it_are_rated(
    line, change, reason
):
    data = bucket(line, "Plan data", 5000)
    bad = {**event(line, 100, id="bad"), **change}

    result = usage_ingest(events=[event(line, 10, id="good-1"), bad, event(line, 20, id="good-2")])

    expected_id = change.get("id", "bad")
    assert [(r.event_id, r.reason, r.position) for r in result.rejected] == [
        (expected_id, reason, 2)
    ]
    assert result.accepted == 2
    assert used(data) == [30]


def test_something_not_an_object_is_rejected(line):
    result = usage_ingest(events=[["not", "an", "event"]])

    assert [(r.event_id, r.reason) for r in result.rejected] == [(None, "not a JSON object")]


def test_country_and_zone_are_kept(line, fast):
    usage_ingest(events=[event(line, 10, country="ES", zone="cell-42")], fast=fast)

    assert (UsageRecord.objects.get().country, UsageRecord.objects.get().zone) == ("ES", "cell-42")


# Out of bundle: charged, or barred


def test_out_of_bundle_data_is_charged_at_the_plans_rate(line, fast):
    bucket(line, "Plan data", 100 * MB)

    result = usage_ingest(events=[event(line, 350 * MB)], fast=fast)

    charge = LedgerEntry.objects.get(kind="charge")
    assert (charge.amount, charge.description) == (Decimal("-2.50"), "Out-of-bundle data")
    assert result.lines[line.pk].charged == Decimal("2.50")
    assert customer_balance(customer=line.customer) == Decimal("47.50")
    assert not ServiceBar.objects.exists()


def test_when_the_balance_cannot_pay_it_pays_what_it_can_and_the_service_is_barred(
    fast, django_capture_on_commit_callbacks, mocker_network
):
    customer = CustomerFactory(balance=Decimal("0.30"))
    line = customer.lines.get()

    with django_capture_on_commit_callbacks(execute=True):
        result = usage_ingest(
            events=[event(line, 50 * MB, id="data"), event(line, 1, service="sms", id="sms")],
            fast=fast,
        )

    # €0.50 of data and €0.08 for the SMS: €0.30 paid, both services barred
    assert customer_balance(customer=customer) == Decimal("0.00")
    assert result.lines[line.pk].barred == ["data", "sms"]
    bars = ServiceBar.objects.order_by("service")
    assert [(b.service, b.network_barred_at is not None) for b in bars] == [
        ("data", True),
        ("sms", True),
    ]
    assert mocker_network == [("bar", line.msisdn, "data"), ("bar", line.msisdn, "sms")]
    tally = OutOfBundleTally.objects.get(unit="bytes")
    assert (tally.quantity, tally.charged) == (50 * MB, Decimal("0.30"))

    # more use while barred (the network lags): nothing more to pay with, no second bar
    usage_ingest(events=[event(line, MB, id="late")], fast=fast)
    assert ServiceBar.objects.count() == 2

    # after a top-up the bar is lifted, and the network told
    with django_capture_on_commit_callbacks(execute=True):
        assert service_bar_lift(line=line, service="data") is True
    assert service_bar_lift(line=line, service="data") is False
    assert mocker_network[-1] == ("lift_bar", line.msisdn, "data")
    assert ServiceBar.objects.get(service="data").network_lifted_at is not None


@pytest.fixture
def mocker_network(settings):
    """The simulated network, recording what it is told."""
    calls.clear()
    settings.NETWORK_ADAPTER = "tests.selfcare.test_usage.RecordingNetwork"
    return calls


calls: list = []


class RecordingNetwork:
    def bar(self, *, msisdn, service):
        calls.append(("bar", msisdn, service))

    def lift_bar(self, *, msisdn, service):
        calls.append(("lift_bar", msisdn, service))
