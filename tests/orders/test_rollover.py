import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from orders.models import ProductInstance
from orders.services import bucket_rollover_due, product_instance_activate
from selfcare.models import BYTES_PER_MB as MB
from selfcare.models import Bucket
from selfcare.services import usage_ingest
from tests.factories import OfferFactory
from tests.orders.helpers import buy

pytestmark = pytest.mark.django_db


@pytest.fixture
def rollover_owner(customer, line):
    offer = OfferFactory(name="Video Rollover", price=1, duration_days=365, rollover_scope="vod")
    buy(customer, offer)
    instance = ProductInstance.objects.get()
    product_instance_activate(product_instance_id=instance.pk)
    return instance


def plan_month(line, *, used, ends_in):
    now = timezone.now()
    return Bucket.objects.create(
        line=line,
        name="Plan data",
        unit="bytes",
        initial=5000 * MB,
        used=used * MB,
        valid_from=now - dt.timedelta(days=30) + ends_in,
        valid_until=now + ends_in,
    )


def test_unused_monthly_data_rolls_over_into_video_only_data(line, rollover_owner):
    month = plan_month(line, used=3800, ends_in=dt.timedelta(hours=1))

    with time_machine.travel(dt.timedelta(hours=2)):
        assert bucket_rollover_due() == 1
        assert bucket_rollover_due() == 0  # once

    rolled = Bucket.objects.get(rolled_from=month)
    assert (rolled.scope, rolled.initial, rolled.used) == ("vod", 1200 * MB, 0)
    assert rolled.valid_from == month.valid_until
    assert rolled.valid_until == month.valid_until + dt.timedelta(days=30)
    assert rolled.name == "Rolled over for video on demand"

    # it serves video on demand only
    with time_machine.travel(dt.timedelta(hours=3)):
        usage_ingest(
            events=[
                {"id": e, "msisdn": line.msisdn, "service": service, "quantity": mb * MB}
                | {"unit": "bytes", "at": timezone.now().isoformat()}
                for e, service, mb in [("e1", "data", 10), ("e2", "vod", 200)]
            ]
        )
    rolled.refresh_from_db()
    assert rolled.used == 200 * MB


def test_nothing_rolls_without_the_rollover_service_or_before_the_month_ends(line, customer):
    plan_month(line, used=100, ends_in=dt.timedelta(hours=-1))
    assert bucket_rollover_due() == 0


def test_a_fully_used_month_or_one_that_ended_before_she_subscribed_does_not_roll(
    line, rollover_owner
):
    plan_month(line, used=5000, ends_in=dt.timedelta(hours=1))
    plan_month(line, used=10, ends_in=dt.timedelta(days=-3))

    with time_machine.travel(dt.timedelta(hours=2)):
        assert bucket_rollover_due() == 0
