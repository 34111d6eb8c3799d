import datetime as dt

import pytest
from django.utils import timezone

from orders.models import ProductInstance
from orders.services import product_instance_activate, product_instance_suspend
from selfcare.models import BYTES_PER_MB, Bucket, UsageRecord
from selfcare.services import usage_record
from tests.factories import OfferFactory
from tests.orders.helpers import buy

pytestmark = pytest.mark.django_db


def bucket(line, name, initial, scope="general", days=10):
    return Bucket.objects.create(
        line=line,
        name=name,
        unit="bytes",
        scope=scope,
        initial=initial * BYTES_PER_MB,
        valid_from=timezone.now() - dt.timedelta(days=1),
        valid_until=timezone.now() + dt.timedelta(days=days),
    )


def used(*buckets):
    return [Bucket.objects.get(pk=b.pk).used // BYTES_PER_MB for b in buckets]


def rate(line, mb, service="general", event="ev-1"):
    return usage_record(line=line, event_id=event, service=service, mb=mb, at=timezone.now())


def test_tv_streaming_uses_the_tv_allowance_not_her_data(line):
    data = bucket(line, "Plan data", 5000)
    tv = bucket(line, "Night Pass TV data", 3000, scope="tv")

    rate(line, 1200, service="tv")

    assert used(data, tv) == [0, 1200]


def test_when_the_tv_allowance_runs_out_tv_spills_onto_her_data(line):
    data = bucket(line, "Plan data", 5000)
    tv = bucket(line, "Night Pass TV data", 1000, scope="tv")

    record = rate(line, 1500, service="tv")

    assert used(data, tv) == [500, 1000]
    assert record.out_of_bundle_mb == 0


def test_general_traffic_never_touches_a_service_allowance(line):
    tv = bucket(line, "Night Pass TV data", 1000, scope="tv")
    data = bucket(line, "Plan data", 300)

    record = rate(line, 500)

    assert used(data, tv) == [300, 0]
    assert record.out_of_bundle_mb == 200


def test_the_allowance_expiring_first_is_used_first(line):
    later = bucket(line, "Plan data", 1000, days=20)
    sooner = bucket(line, "Data 15GB data", 1000, days=2)

    rate(line, 1500)

    assert used(sooner, later) == [1000, 500]


def test_a_replayed_network_event_is_rated_once(line):
    data = bucket(line, "Plan data", 5000)

    rate(line, 100, event="ev-same")
    rate(line, 100, event="ev-same")

    assert used(data) == [100]
    assert UsageRecord.objects.count() == 1


def test_a_suspended_products_allowance_is_not_used(customer, line):
    offer = OfferFactory(allows_suspend=True, data_mb=1000)
    buy(customer, offer)
    instance = ProductInstance.objects.get()
    product_instance_activate(product_instance_id=instance.pk)
    product_instance_suspend(
        customer=customer, product_instance_id=instance.pk, channel="portal", idempotency_key="k-s1"
    )

    record = rate(line, 100)

    assert Bucket.objects.get(granted_by_instance=instance.pk).used == 0
    assert record.out_of_bundle_mb == 100


def test_the_night_pass_grants_a_tv_only_allowance(customer, line):
    night = OfferFactory(night_pass=True, service_data_mb=10240, service_scope="tv")
    buy(customer, night)
    product_instance_activate(product_instance_id=ProductInstance.objects.get().pk)

    tv = Bucket.objects.get(scope="tv")

    assert (tv.name, tv.initial) == ("Mobile TV Night Pass TV streaming data", 10240 * BYTES_PER_MB)
    assert tv.valid_until.astimezone(dt.UTC) == ProductInstance.objects.get().ends_at
