import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from orders.models import ProductInstance
from orders.services import (
    PostponeError,
    product_instance_cancel,
    product_instance_purchase,
    product_instance_start_due,
)
from selfcare.models import LedgerEntry
from tests.factories import OfferFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def postponable(db):
    return OfferFactory(name="Weekend Data", allows_postpone=True, data_mb=1000, duration_days=2)


def buy_later(customer, offer, starts_at, key="k-later-1"):
    return product_instance_purchase(
        customer=customer,
        line_id=customer.lines.get().pk,
        offer_id=offer.pk,
        channel="portal",
        idempotency_key=key,
        starts_at=starts_at,
    )


def test_a_postponed_add_on_waits_scheduled_then_starts_by_itself(
    customer, postponable, django_capture_on_commit_callbacks
):
    friday = timezone.now() + dt.timedelta(days=3)

    with django_capture_on_commit_callbacks() as jobs:
        order = buy_later(customer, postponable, friday)

    instance = ProductInstance.objects.get()
    assert (instance.status, instance.starts_at) == ("scheduled", friday)
    assert order.status == "in_progress"
    assert LedgerEntry.objects.get(kind="charge").amount == Decimal("-5.00")
    # nothing to activate yet: her "starts on Friday" message and the event log's dispatch
    assert [job.args[0].name for job in jobs] == [
        "selfcare.tasks.notification_deliver_task",
        "selfcare.tasks.event_dispatch_task",
    ]

    assert product_instance_start_due() == 0
    with (
        time_machine.travel(friday + dt.timedelta(seconds=10)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert product_instance_start_due() == 1

    instance.refresh_from_db()
    order.refresh_from_db()
    assert instance.status == "active"
    assert instance.ends_at - instance.started_at == dt.timedelta(days=2)
    assert order.status == "completed"


def test_cancelling_before_it_starts_refunds_everything(customer, postponable):
    buy_later(customer, postponable, timezone.now() + dt.timedelta(days=3))
    instance = ProductInstance.objects.get()

    product_instance_cancel(
        customer=customer,
        product_instance_id=instance.pk,
        channel="portal",
        idempotency_key="k-off",
    )

    assert LedgerEntry.objects.get(kind="refund").amount == Decimal("5.00")


@pytest.mark.parametrize(
    ("delta", "message"),
    [
        (dt.timedelta(minutes=-1), "Pick a start in the future."),
        (dt.timedelta(days=91), "Pick a start within the next 90 days."),
    ],
)
def test_a_start_in_the_past_or_too_far_is_refused(customer, postponable, delta, message):
    with pytest.raises(PostponeError, match=message):
        buy_later(customer, postponable, timezone.now() + delta)

    assert not ProductInstance.objects.exists()


def test_an_offer_that_does_not_allow_it_cannot_be_postponed(customer, data_offer):
    with pytest.raises(PostponeError, match="Data 15GB cannot be postponed"):
        buy_later(customer, data_offer, timezone.now() + dt.timedelta(days=1))

    assert not LedgerEntry.objects.filter(kind="charge").exists()
