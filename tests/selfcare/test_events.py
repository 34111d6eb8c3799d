"""The event log: each kind recorded once per cause, in the transaction of its cause, and handed
to Celery on commit; usage alerts sent by it as she set them."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.models import ProductInstance
from orders.services import (
    product_instance_activate,
    product_instance_cancel,
    product_instance_deprovision,
)
from orders.services.sweeps import product_instance_remind
from selfcare.models import (
    BYTES_PER_MB,
    AlertSetting,
    AlertSettingChange,
    Bucket,
    DomainEvent,
    Line,
    Notification,
)
from selfcare.services import usage_ingest
from selfcare.services.alerts import AlertSettingError, alert_setting_save
from selfcare.services.events import (
    EventOutsideTransactionError,
    contract_anniversary_record,
    event_dispatch,
    event_dispatch_stuck,
    event_record,
)
from tests.factories import CustomerFactory, OfferFactory
from tests.orders.helpers import buy
from tests.selfcare.test_usage import bucket, event

pytestmark = pytest.mark.django_db
MB = BYTES_PER_MB
GB = 1024 * MB
Kind = DomainEvent.Kind


@pytest.fixture(params=["set_based", "reference"])
def fast(request):
    if request.param == "set_based" and connection.vendor != "postgresql":
        pytest.skip("the set-based path needs PostgreSQL")
    return request.param == "set_based"


def events(kind=None):
    rows = DomainEvent.objects.order_by("id")
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.values_list("kind", "cause"))


def ingest(feed, *, fast=None, capture=None):
    return usage_ingest(events=feed, fast=fast)


# Allowances crossing thresholds


def test_one_jump_from_40_to_100_percent_records_every_threshold_crossed(line, fast):
    data = bucket(line, "Data 15GB", 1000)
    ingest([event(line, 400, id="a")], fast=fast)
    assert events() == []

    ingest([event(line, 700, id="b")], fast=fast)

    assert events() == [
        (Kind.BUCKET_THRESHOLD_CROSSED, f"bucket:{data.pk}:50"),
        (Kind.BUCKET_THRESHOLD_CROSSED, f"bucket:{data.pk}:80"),
        (Kind.BUCKET_THRESHOLD_CROSSED, f"bucket:{data.pk}:100"),
        (Kind.BUCKET_DEPLETED, f"bucket:{data.pk}:depleted"),
        (Kind.OUT_OF_BUNDLE_STARTED, f"out-of-bundle:{line.pk}:bytes:{month()}"),
    ]
    crossed = DomainEvent.objects.get(cause=f"bucket:{data.pk}:80")
    assert crossed.customer_id == line.customer_id
    assert crossed.line_id == line.pk
    assert crossed.facts == {
        "bucket_id": data.pk,
        "bucket_name": "Data 15GB",
        "bucket_said": None,
        "unit": "bytes",
        "used": 1000,
        "initial": 1000,
        "threshold": 80,
        "valid_until": data.valid_until.isoformat(),
    }


def month(at=None):
    from catalog.policies import operator_zone

    return timezone.localtime(at or timezone.now(), operator_zone()).strftime("%Y-%m")


def test_each_threshold_is_recorded_once_per_allowance_over_several_batches(line, fast):
    data = bucket(line, "Data", 1000)

    ingest([event(line, 500, id="a")], fast=fast)  # exactly 50 %: crossed
    ingest([event(line, 100, id="b")], fast=fast)  # 60 %: nothing new
    ingest([event(line, 250, id="c")], fast=fast)  # 85 %

    assert events() == [
        (Kind.BUCKET_THRESHOLD_CROSSED, f"bucket:{data.pk}:50"),
        (Kind.BUCKET_THRESHOLD_CROSSED, f"bucket:{data.pk}:80"),
    ]


def test_a_replayed_feed_records_no_event_twice(line, fast):
    bucket(line, "Data", 1000)
    feed = [event(line, 900, id="a", country="ES", zone="z1")]
    ingest(feed, fast=fast)
    first = events()
    assert len(first) == 3  # 50 %, 80 %, roaming in Spain

    result = ingest(feed, fast=fast)

    assert result.duplicates == 1
    assert events() == first


def test_the_events_roll_back_with_the_batch_that_caused_them(line, fast):
    bucket(line, "Data", 1000)

    def batch_then_a_failure():
        with transaction.atomic():
            ingest([event(line, 900, id="a", country="ES")], fast=fast)
            assert len(events()) == 3
            raise RuntimeError("the caller's transaction fails")

    with pytest.raises(RuntimeError):
        batch_then_a_failure()

    assert events() == []
    assert Line.objects.get(pk=line.pk).last_country == ""


def test_the_event_time_is_the_usage_time_not_the_recording_time(line, fast):
    bucket(line, "Data", 1000)
    at = timezone.now() - dt.timedelta(hours=2)

    ingest([event(line, 600, id="a", at=at)], fast=fast)

    crossed = DomainEvent.objects.get()
    assert crossed.occurred_at == at
    assert crossed.recorded_at > at + dt.timedelta(hours=1)


# Out of bundle, balance low


def test_out_of_bundle_starting_is_recorded_once_a_month_per_line_and_unit(line, fast):
    ingest([event(line, MB, id="a")], fast=fast)
    ingest([event(line, MB, id="b")], fast=fast)
    ingest([event(line, 60, id="c", service="voice")], fast=fast)

    assert events(Kind.OUT_OF_BUNDLE_STARTED) == [
        (Kind.OUT_OF_BUNDLE_STARTED, f"out-of-bundle:{line.pk}:bytes:{month()}"),
        (Kind.OUT_OF_BUNDLE_STARTED, f"out-of-bundle:{line.pk}:seconds:{month()}"),
    ]


def test_an_out_of_bundle_charge_taking_the_balance_below_the_threshold_records_it(settings, fast):
    settings.LOW_BALANCE_THRESHOLD = "2.00"
    customer = CustomerFactory(balance=Decimal("2.50"))
    line = customer.lines.get()

    ingest([event(line, 40 * MB, id="a")], fast=fast)  # €0.40: €2.10 left
    assert events(Kind.BALANCE_LOW) == []
    ingest([event(line, 20 * MB, id="b")], fast=fast)  # €0.20: €1.90 left
    ingest([event(line, 20 * MB, id="c")], fast=fast)  # already below: nothing new

    (low,) = DomainEvent.objects.filter(kind=Kind.BALANCE_LOW)
    assert low.customer_id == customer.pk
    assert low.facts == {
        "balance": "1.90",
        "before": "2.10",
        "threshold": "2.00",
        "currency": "EUR",
    }


def test_a_purchase_taking_the_balance_below_the_threshold_records_it_once(settings):
    settings.LOW_BALANCE_THRESHOLD = "2.00"
    customer = CustomerFactory(balance=Decimal("12.00"))
    offer = OfferFactory(price=Decimal("10.50"))

    order = buy(customer, offer)
    buy(customer, offer)  # a replay of the same tap: no second charge, no second event

    assert [e.facts["balance"] for e in DomainEvent.objects.filter(kind=Kind.BALANCE_LOW)] == [
        "1.50"
    ]
    assert events(Kind.PRODUCT_PURCHASED) == [
        (Kind.PRODUCT_PURCHASED, f"order:{order.pk}:purchased")
    ]


def test_a_charge_that_stays_above_the_threshold_records_no_balance_low(settings):
    settings.LOW_BALANCE_THRESHOLD = "2.00"
    customer = CustomerFactory(balance=Decimal("12.00"))

    buy(customer, OfferFactory(price=Decimal("10.00")))  # exactly €2.00 left: not below

    assert events(Kind.BALANCE_LOW) == []


# Add-ons


def test_expiring_and_ended_add_ons_are_recorded_once_each(customer, data_offer):
    buy(customer, data_offer)
    instance = ProductInstance.objects.get()
    product_instance_activate(product_instance_id=instance.pk)
    instance.refresh_from_db()
    soon = instance.ends_at - dt.timedelta(hours=2)

    with time_machine.travel(soon, tick=False):
        assert product_instance_remind(product_instance_id=instance.pk) is True
        assert product_instance_remind(product_instance_id=instance.pk) is False
        product_instance_cancel(
            customer=customer,
            product_instance_id=instance.pk,
            channel="portal",
            idempotency_key="off-1",
        )
        product_instance_deprovision(product_instance_id=instance.pk)
        product_instance_deprovision(product_instance_id=instance.pk)

    assert events()[1:] == [
        (Kind.PRODUCT_EXPIRING, f"product:{instance.pk}:expiring:{instance.ends_at.isoformat()}"),
        (Kind.PRODUCT_ENDED, f"product:{instance.pk}:ended"),
    ]
    assert DomainEvent.objects.get(kind=Kind.PRODUCT_ENDED).facts["switched_off"] is True


# Roaming and zones


def test_roaming_starts_in_each_new_country_and_the_line_keeps_the_last(line, fast):
    t = timezone.now() - dt.timedelta(minutes=30)
    feed = [
        event(line, 1, id="a", at=t),
        event(line, 1, id="b", at=t + dt.timedelta(minutes=1), country="ES"),
        event(line, 1, id="c", at=t + dt.timedelta(minutes=2), country="ES"),
        event(line, 1, id="d", at=t + dt.timedelta(minutes=3), country="FR"),
        event(line, 1, id="e", at=t + dt.timedelta(minutes=4)),  # home
    ]
    ingest(feed, fast=fast)
    ingest([event(line, 1, id="f", at=t + dt.timedelta(minutes=5), country="FR")], fast=fast)

    assert events(Kind.ROAMING_STARTED) == [
        (Kind.ROAMING_STARTED, f"roaming:{line.pk}:b"),
        (Kind.ROAMING_STARTED, f"roaming:{line.pk}:d"),
        (Kind.ROAMING_STARTED, f"roaming:{line.pk}:f"),
    ]
    assert DomainEvent.objects.get(cause=f"roaming:{line.pk}:d").facts == {
        "country": "FR",
        "previous": "ES",
    }
    line.refresh_from_db()
    assert (line.last_country, line.located_at) == ("FR", t + dt.timedelta(minutes=5))


def test_an_event_older_than_the_last_known_place_changes_nothing(line, fast):
    t = timezone.now() - dt.timedelta(minutes=30)
    ingest([event(line, 1, id="a", at=t, country="ES")], fast=fast)

    ingest([event(line, 1, id="late", at=t - dt.timedelta(minutes=10), country="IT")], fast=fast)

    assert events(Kind.ROAMING_STARTED) == [(Kind.ROAMING_STARTED, f"roaming:{line.pk}:a")]
    assert Line.objects.get(pk=line.pk).last_country == "ES"


def test_zones_are_recorded_and_kept_only_with_her_location_consent(customer, line, fast):
    t = timezone.now() - dt.timedelta(minutes=30)
    ingest([event(line, 1, id="a", at=t, zone="lisbon-1")], fast=fast)
    assert events(Kind.ZONE_ENTERED) == []
    assert Line.objects.get(pk=line.pk).last_zone == ""

    customer.location_consent = True
    customer.save()
    feed = [
        event(line, 1, id="b", at=t + dt.timedelta(minutes=1), zone="lisbon-1"),
        event(line, 1, id="c", at=t + dt.timedelta(minutes=2)),  # no zone given: unchanged
        event(line, 1, id="d", at=t + dt.timedelta(minutes=3), zone="lisbon-1"),
        event(line, 1, id="e", at=t + dt.timedelta(minutes=4), zone="porto-2"),
    ]
    ingest(feed, fast=fast)

    assert events(Kind.ZONE_ENTERED) == [
        (Kind.ZONE_ENTERED, f"zone:{line.pk}:b"),
        (Kind.ZONE_ENTERED, f"zone:{line.pk}:e"),
    ]
    assert Line.objects.get(pk=line.pk).last_zone == "porto-2"


# Contract anniversaries


def test_the_anniversary_sweep_records_one_per_customer_per_year_however_often_it_runs(db):
    stacy = CustomerFactory(contract_start=dt.date(2023, 12, 4))
    CustomerFactory(contract_start=dt.date(2026, 12, 4))  # started today: no anniversary
    CustomerFactory(contract_start=dt.date(2024, 12, 5))  # tomorrow
    at = dt.datetime(2026, 12, 4, 0, 5, tzinfo=dt.UTC)

    assert contract_anniversary_record(at=at) == 1
    assert contract_anniversary_record(at=at) == 0
    assert contract_anniversary_record(at=at + dt.timedelta(days=1)) == 1

    first = DomainEvent.objects.get(cause=f"anniversary:{stacy.pk}:2026")
    assert (first.kind, first.facts["years"]) == (Kind.CONTRACT_ANNIVERSARY, 3)
    assert DomainEvent.objects.count() == 2


def test_a_29_february_start_has_its_anniversary_on_28_february_in_other_years(db):
    leap = CustomerFactory(contract_start=dt.date(2024, 2, 29))

    contract_anniversary_record(at=dt.datetime(2027, 2, 28, 12, tzinfo=dt.UTC), days_back=1)
    contract_anniversary_record(at=dt.datetime(2028, 2, 28, 12, tzinfo=dt.UTC), days_back=1)
    contract_anniversary_record(at=dt.datetime(2028, 2, 29, 12, tzinfo=dt.UTC), days_back=1)

    assert events() == [
        (Kind.CONTRACT_ANNIVERSARY, f"anniversary:{leap.pk}:2027"),
        (Kind.CONTRACT_ANNIVERSARY, f"anniversary:{leap.pk}:2028"),
    ]


# The service itself, and the dispatch


@pytest.mark.django_db(transaction=True)
def test_an_event_is_recorded_only_inside_the_transaction_of_its_cause(customer):
    with pytest.raises(EventOutsideTransactionError):
        event_record(
            kind=Kind.TOP_UP_COMPLETED,
            customer_id=customer.pk,
            cause="top-up:1",
            occurred_at=timezone.now(),
        )
    assert events() == []


def test_the_same_cause_is_recorded_once_and_only_the_new_id_is_returned(customer):
    with transaction.atomic():
        first = event_record(
            kind=Kind.TOP_UP_COMPLETED,
            customer_id=customer.pk,
            cause="top-up:1",
            occurred_at=timezone.now(),
            facts={"amount": "10.00"},
        )
        again = event_record(
            kind=Kind.TOP_UP_COMPLETED,
            customer_id=customer.pk,
            cause="top-up:1",
            occurred_at=timezone.now(),
        )

    assert first is not None
    assert again is None
    assert DomainEvent.objects.get().facts == {"amount": "10.00"}


def test_the_dispatch_is_queued_on_commit_one_job_per_batch(
    line, django_capture_on_commit_callbacks
):
    for i in range(3):
        bucket(line, f"Data {i}", 1000)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ingest([event(line, 3000, id="a")])
        # Nothing dispatched or sent before the commit.
        assert DomainEvent.objects.filter(dispatched_at__isnull=False).count() == 0
        assert Notification.objects.count() == 0

    dispatches = [c for c in callbacks if "event_dispatch_task" in repr(c)]
    assert len(dispatches) == 1
    for callback in callbacks:
        callback()
    assert DomainEvent.objects.filter(dispatched_at__isnull=True).count() == 0
    # each of the three allowances past 80 % and 100 % at once: one message each, "all used"
    alerts = Notification.objects.filter(template="usage_alert")
    assert [a.subject.split(" ")[0] for a in alerts] == ["100", "100", "100"]


def test_a_dispatch_run_twice_alerts_once(line, django_capture_on_commit_callbacks):
    bucket(line, "Data", 1000)
    with django_capture_on_commit_callbacks(execute=False):
        ingest([event(line, 850, id="a")])
    ids = list(DomainEvent.objects.values_list("pk", flat=True))

    assert event_dispatch(event_ids=ids) == 2
    assert event_dispatch(event_ids=ids) == 0

    assert Notification.objects.filter(template="usage_alert").count() == 1


def test_the_stuck_sweep_dispatches_events_whose_job_was_lost(
    line, django_capture_on_commit_callbacks
):
    bucket(line, "Data", 1000)
    with django_capture_on_commit_callbacks(execute=False):
        ingest([event(line, 850, id="a")])  # the job is never published

    assert event_dispatch_stuck() == 0  # too early to tell it was lost
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=20)):
        assert event_dispatch_stuck() == 1

    assert Notification.objects.filter(template="usage_alert").count() == 1
    assert DomainEvent.objects.filter(dispatched_at__isnull=True).count() == 0


# Alerts


@pytest.fixture
def stacy(db):
    return CustomerFactory(name="Stacy Martin")


def test_the_alert_says_what_is_used_and_what_is_left_until_when(
    stacy, django_capture_on_commit_callbacks
):
    line = stacy.lines.get()
    data = bucket(line, "Data 15GB", 15 * GB)
    data.valid_until = dt.datetime(2026, 12, 5, 23, 0, tzinfo=dt.UTC)
    data.valid_from = dt.datetime(2026, 11, 5, 23, 0, tzinfo=dt.UTC)
    data.save()

    with (
        time_machine.travel(dt.datetime(2026, 12, 4, 10, tzinfo=dt.UTC)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ingest([event(line, 12 * GB, id="a")])

    (alert,) = Notification.objects.filter(template="usage_alert")
    assert (alert.medium, alert.recipient) == ("sms", line.msisdn)
    assert alert.subject == "80 % of Data 15GB used"
    assert alert.body == "You have used 80 % of Data 15GB: 3 GB left until Sat 5 Dec."


def test_past_80_and_100_percent_at_once_she_is_told_once_that_it_is_all_used(
    stacy, django_capture_on_commit_callbacks
):
    line = stacy.lines.get()
    bucket(line, "Data", 1000)
    with django_capture_on_commit_callbacks(execute=True):
        ingest([event(line, 400, id="a")])
        ingest([event(line, 600, id="b")])  # 40 % -> 100 %: past 50, 80 and 100 at once

    (alert,) = Notification.objects.filter(template="usage_alert")
    ends = timezone.localtime(Bucket.objects.get(line=line, name="Data").valid_until)
    assert (alert.subject, alert.body) == (
        "100 % of Data used",
        f"You have used all of Data (valid until {ends:%a} {ends.day} {ends:%b}). What you use "
        "now is charged at your plan's rates, or add more in the portal.",
    )
    assert DomainEvent.objects.filter(kind="BucketThresholdCrossed").count() == 3


def test_alerts_follow_her_thresholds_and_medium(stacy, django_capture_on_commit_callbacks):
    line = stacy.lines.get()
    bucket(line, "Data", 1000)
    alert_setting_save(line=line, thresholds=["50"], medium="in_app", channel="portal")

    with django_capture_on_commit_callbacks(execute=True):
        ingest([event(line, 1000, id="a")])

    assert list(
        Notification.objects.filter(template="usage_alert").values_list("medium", "subject")
    ) == [("in_app", "50 % of Data used")]


def test_no_alert_when_she_turned_them_off(stacy, django_capture_on_commit_callbacks):
    line = stacy.lines.get()
    bucket(line, "Data", 1000)
    alert_setting_save(line=line, thresholds=[], medium="", channel="portal")

    with django_capture_on_commit_callbacks(execute=True):
        ingest([event(line, 1000, id="a")])

    assert not Notification.objects.filter(template="usage_alert").exists()
    # The events are there for everyone else (campaigns), dispatched.
    assert DomainEvent.objects.filter(dispatched_at__isnull=False).count() == 4


def test_an_allowances_own_setting_overrides_the_lines(stacy, django_capture_on_commit_callbacks):
    line = stacy.lines.get()
    tv = bucket(line, "TV", 1000, scope="tv")
    data = bucket(line, "Data", 1000)
    alert_setting_save(line=line, thresholds=[], medium="", channel="portal")
    alert_setting_save(line=line, bucket=tv, thresholds=[100], medium="", channel="portal")

    with django_capture_on_commit_callbacks(execute=True):
        ingest([event(line, 1000, id="a", service="tv"), event(line, 1000, id="b")])

    assert list(
        Notification.objects.filter(template="usage_alert").values_list("subject", flat=True)
    ) == ["100 % of TV used"]
    assert data.pk  # her data crossed 80 and 100 %: the line's setting says no alerts


def test_a_change_of_setting_is_recorded_with_who_made_it_and_a_bad_one_changes_nothing(
    stacy, django_user_model
):
    line = stacy.lines.get()
    agent = django_user_model.objects.create(username="alex", first_name="Alex")
    alert_setting_save(line=line, thresholds=[80], medium="", channel="portal")
    alert_setting_save(line=line, thresholds=[80], medium="", channel="portal")  # no change
    alert_setting_save(
        line=line, thresholds=[50, 100], medium="email", channel="agent", changed_by=agent,
        by_agent=True,
    )  # fmt: skip

    for bad in ([90], ["x"]):
        with pytest.raises(AlertSettingError, match="among 50 %, 80 % and 100 %"):
            alert_setting_save(line=line, thresholds=bad, medium="", channel="portal")
    with pytest.raises(AlertSettingError, match="how to be told"):
        alert_setting_save(line=line, thresholds=[80], medium="pigeon", channel="portal")

    setting = AlertSetting.objects.get()
    assert (setting.thresholds, setting.medium) == ([50, 100], "email")
    assert list(
        AlertSettingChange.objects.order_by("id").values_list(
            "thresholds", "medium", "channel", "changed_by__username", "by_agent"
        )
    ) == [([80], "", "portal", None, False), ([50, 100], "email", "agent", "alex", True)]


# Two feeds at once


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_feeds_crossing_the_same_threshold_at_once_record_one_event():
    customer = CustomerFactory()
    line = customer.lines.get()
    data = bucket(line, "Data", 100 * MB)
    now = timezone.now()
    feeds = [
        [event(line, MB, id=f"a-{i}", at=now) for i in range(30)],
        [event(line, MB, id=f"b-{i}", at=now) for i in range(30)],
    ]
    barrier = threading.Barrier(2)

    def feed(i):
        barrier.wait()
        try:
            usage_ingest(events=feeds[i])
        finally:
            connection.close()

    threads = [threading.Thread(target=feed, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert events() == [(Kind.BUCKET_THRESHOLD_CROSSED, f"bucket:{data.pk}:50")]
    assert Notification.objects.count() == 0  # 50 % is not among the default alerts


def past_80_percent(count):
    """`count` customers, each with a 1,000-byte allowance, and a feed taking each past 80 %."""
    customers = [CustomerFactory() for _ in range(count)]
    feed = []
    for n, customer in enumerate(customers):
        line = customer.lines.get()
        bucket(line, "Data", 1000)
        feed.append(event(line, 850, id=f"past-80-{n}"))
    return customers, feed


def test_a_batchs_alerts_read_the_home_lines_once_and_go_to_each_home_line(
    django_capture_on_commit_callbacks,
):
    """Five customers past 80 % in one feed: one read of their home lines for the batch, not
    one per message, and each alert goes to her own home number."""
    customers, feed = past_80_percent(5)
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        ingest(feed)

    home_reads = [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "selfcare_line"' in q["sql"] and '"selfcare_line"."temporary"' in q["sql"]
    ]
    assert len(home_reads) == 1
    alerts = Notification.objects.filter(template="usage_alert")
    assert sorted(alerts.values_list("customer_id", "recipient")) == sorted(
        (c.pk, c.lines.get().msisdn) for c in customers
    )


def test_a_batchs_alerts_are_written_together_each_with_its_history_and_delivery_job(
    django_capture_on_commit_callbacks,
):
    """Six customers past 80 % in one feed: the dispatch writes their six alerts with one
    insert and their six first status rows with another, and on commit each alert goes out by
    its own delivery job (sent, in its history)."""
    customers, feed = past_80_percent(6)
    with django_capture_on_commit_callbacks(execute=False):
        ingest(feed)
    ids = list(DomainEvent.objects.values_list("pk", flat=True))

    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=False) as jobs,
    ):
        event_dispatch(event_ids=ids)

    inserts = [q["sql"].split(" (", 1)[0] for q in queries.captured_queries]
    assert inserts.count('INSERT INTO "selfcare_notification"') == 1
    assert inserts.count('INSERT INTO "selfcare_notificationstatuschange"') == 1
    alerts = Notification.objects.filter(template="usage_alert")
    assert sorted(alerts.values_list("customer_id", flat=True)) == sorted(c.pk for c in customers)
    assert set(alerts.values_list("status", flat=True)) == {"queued"}
    for job in jobs:
        job()
    assert set(alerts.values_list("status", flat=True)) == {"sent"}
    for alert in alerts:
        assert list(
            alert.status_changes.order_by("pk").values_list("from_status", "to_status")
        ) == [("", "queued"), ("queued", "sent")]
