import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from orders.models import ProductInstance
from orders.services import (
    NotSuspendableError,
    product_instance_activate,
    product_instance_cancel,
    product_instance_deprovision,
    product_instance_resume,
    product_instance_suspend,
)
from selfcare.models import Bucket
from tests.factories import OfferFactory
from tests.orders.helpers import buy

pytestmark = pytest.mark.django_db


def own(customer, offer, key):
    buy(customer, offer, key=key)
    instance = ProductInstance.objects.get(customer=customer, offer=offer, status="pending_active")
    product_instance_activate(product_instance_id=instance.pk)
    instance.refresh_from_db()
    return instance


def control(service, customer, instance, key):
    return service(
        customer=customer, product_instance_id=instance.pk, channel="portal", idempotency_key=key
    )


def test_a_redundant_service_is_suspended_frozen_and_back_by_itself(customer):
    # given Games Club, then a bundle that includes games, so Games Club is redundant
    games = OfferFactory(name="Games Club", price=Decimal("3.99"), data_mb=100, duration_days=30)
    bundle = OfferFactory(name="Monthly Bundle", price=Decimal("9.99"), duration_days=30)
    bundle.suspends_offers.add(games)
    start = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        club = own(customer, games, "k-games1")
    games_end = club.ends_at

    # when the bundle is activated ten days later
    with time_machine.travel(start + dt.timedelta(days=10), tick=False):
        bundled = own(customer, bundle, "k-bundle")

    # then Games Club is suspended because of it
    club.refresh_from_db()
    assert (club.status, club.status_reason, club.suspended_by) == (
        "suspended",
        "Suspended while Monthly Bundle is active",
        bundled,
    )
    with pytest.raises(NotSuspendableError, match="comes back by itself when Monthly Bundle ends"):
        control(product_instance_resume, customer, club, "k-resume")

    # when the bundle ends five days later, Games Club is back, its five days given back
    with time_machine.travel(start + dt.timedelta(days=15), tick=False):
        control(product_instance_cancel, customer, bundled, "k-off-b")
        product_instance_deprovision(product_instance_id=bundled.pk)
    club.refresh_from_db()
    assert (club.status, club.suspended_by, club.suspended_at) == ("active", None, None)
    assert club.ends_at == games_end + dt.timedelta(days=5)
    assert Bucket.objects.get(granted_by_instance=club.pk).valid_until == club.ends_at


def test_the_customer_suspends_and_resumes_and_her_time_does_not_run(customer):
    offer = OfferFactory(allows_suspend=True, data_mb=500, duration_days=30)
    start = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        instance = own(customer, offer, "k-own-1")
    end = instance.ends_at

    with time_machine.travel(start + dt.timedelta(days=3), tick=False):
        suspended = control(product_instance_suspend, customer, instance, "k-susp-1")
    with time_machine.travel(start + dt.timedelta(days=5), tick=False):
        resumed = control(product_instance_resume, customer, instance, "k-resu-1")

    instance.refresh_from_db()
    assert instance.status == "active"
    assert instance.ends_at == end + dt.timedelta(days=2)
    assert [o.items.get().action for o in (suspended, resumed)] == ["suspend", "resume"]
    assert [o.status for o in (suspended, resumed)] == ["completed", "completed"]
    assert list(suspended.status_changes.values_list("to_status", flat=True)) == [
        "acknowledged",
        "in_progress",
        "completed",
    ]


def test_a_suspended_add_on_does_not_expire(customer):
    from orders.services import product_instance_expire_due

    offer = OfferFactory(allows_suspend=True, duration_days=1)
    instance = own(customer, offer, "k-own-1")
    control(product_instance_suspend, customer, instance, "k-susp-1")

    with time_machine.travel(instance.ends_at + dt.timedelta(hours=1)):
        assert product_instance_expire_due() == 0


def test_an_offer_that_does_not_allow_it_cannot_be_suspended(customer, data_offer):
    instance = own(customer, data_offer, "k-own-1")

    with pytest.raises(NotSuspendableError, match=r"Data 15GB cannot be suspended\."):
        control(product_instance_suspend, customer, instance, "k-susp-1")

    instance.refresh_from_db()
    assert instance.status == "active"


def test_switching_off_while_suspended_refunds_the_time_left_when_it_stopped(customer):
    offer = OfferFactory(
        allows_suspend=True, price=Decimal("10.00"), duration_days=10, refund_policy="pro_rata_time"
    )
    start = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        instance = own(customer, offer, "k-own-1")
    with time_machine.travel(start + dt.timedelta(days=1), tick=False):
        control(product_instance_suspend, customer, instance, "k-susp-1")

    with time_machine.travel(start + dt.timedelta(days=20), tick=False):
        order = control(product_instance_cancel, customer, instance, "k-off-1")

    assert order.items.get().refund_amount == Decimal("9.00")  # 9 of 10 days were left
