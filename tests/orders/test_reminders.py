"""Reminders: a day before an add-on ends or renews she is told, once per period."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from orders.models import ProductInstance
from orders.services import (
    product_instance_activate,
    product_instance_renew_due,
    product_instance_renewal_stop,
)
from orders.services.sweeps import product_instance_remind, product_instance_remind_due
from orders.tasks import product_instance_remind_due_task
from selfcare.models import Notification
from tests.factories import CustomerFactory, OfferFactory
from tests.orders.helpers import buy

pytestmark = pytest.mark.django_db

# Summer: Lisbon is UTC+1, so a date written in UTC would be an hour off.
BOUGHT = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def stacy(db):
    return CustomerFactory(name="Stacy Martin", balance=Decimal("50.00"))


@pytest.fixture
def bundle(db):
    return OfferFactory(
        name="Monthly Bundle",
        price=Decimal("9.99"),
        billing="recurring",
        data_mb=5120,
        duration_days=30,
    )


def own(customer, offer, *, at=BOUGHT) -> ProductInstance:
    with time_machine.travel(at, tick=False):
        buy(customer, offer)
        instance = ProductInstance.objects.get(customer=customer, offer=offer)
        product_instance_activate(product_instance_id=instance.pk)
    instance.refresh_from_db()
    return instance


def reminders(template=None):
    found = Notification.objects.filter(
        template__in=[template] if template else ["addon_ending_soon", "addon_renewing_soon"]
    )
    return list(found.order_by("id").values_list("template", "subject", "body"))


def test_a_month_long_add_on_is_reminded_once_the_day_before_it_ends(stacy, data_offer):
    instance = own(stacy, data_offer)
    assert instance.ends_at == dt.datetime(2026, 7, 31, 9, 0, tzinfo=dt.UTC)

    with time_machine.travel(instance.ends_at - dt.timedelta(hours=25), tick=False):
        assert product_instance_remind_due() == 0
    assert reminders() == []

    # the sweep runs in whatever zone is active; the date is in the operator's (10:00 in Lisbon)
    with (
        time_machine.travel(instance.ends_at - dt.timedelta(hours=23), tick=False),
        timezone.override("UTC"),
    ):
        assert product_instance_remind_due() == 1
    assert reminders() == [
        (
            "addon_ending_soon",
            "Data 15GB ends soon",
            "Stacy, your Data 15GB ends on Fri 31 Jul, 10:00. You can switch it on again any time.",
        )
    ]
    told = Notification.objects.get(template="addon_ending_soon")
    assert (told.medium, told.recipient) == ("sms", stacy.lines.get().msisdn)
    instance.refresh_from_db()
    assert instance.reminded_for_ends_at == instance.ends_at

    for hours in (22, 1):
        with time_machine.travel(instance.ends_at - dt.timedelta(hours=hours), tick=False):
            assert product_instance_remind_due() == 0
    assert len(reminders()) == 1


def test_a_reminder_enqueued_twice_is_sent_once(stacy, data_offer):
    instance = own(stacy, data_offer)

    with time_machine.travel(instance.ends_at - dt.timedelta(hours=2), tick=False):
        sent = [product_instance_remind(product_instance_id=instance.pk) for _ in range(2)]

    assert sent == [True, False]
    assert len(reminders()) == 1


def test_a_short_pass_is_not_reminded(stacy, night_pass):
    instance = own(stacy, night_pass, at=dt.datetime(2026, 7, 1, 20, 0, tzinfo=dt.UTC))
    assert instance.ends_at == dt.datetime(2026, 7, 2, 3, 0, tzinfo=dt.UTC)  # 04:00 in Lisbon

    with time_machine.travel(instance.ends_at - dt.timedelta(hours=1), tick=False):
        assert product_instance_remind_due() == 0
        assert product_instance_remind(product_instance_id=instance.pk) is False

    assert reminders() == []
    instance.refresh_from_db()
    assert instance.reminded_for_ends_at is None


@pytest.mark.parametrize(("days", "reminded"), [(2, 0), (3, 1)])
def test_only_periods_longer_than_two_days_are_reminded(stacy, days, reminded):
    instance = own(stacy, OfferFactory(name=f"{days}-day pass", duration_days=days))

    with time_machine.travel(instance.ends_at - dt.timedelta(hours=12), tick=False):
        assert product_instance_remind_due() == reminded

    assert len(reminders()) == reminded


def test_a_renewing_add_on_says_when_and_for_how_much_and_each_period_is_reminded(stacy, bundle):
    instance = own(stacy, bundle)
    first_end = instance.ends_at

    with time_machine.travel(first_end - dt.timedelta(hours=23), tick=False):
        assert product_instance_remind_due() == 1
    assert reminders() == [
        (
            "addon_renewing_soon",
            "Monthly Bundle renews soon",
            "Stacy, your Monthly Bundle renews on Fri 31 Jul, 10:00 for €9.99. "
            "You can turn renewal off in the portal.",
        )
    ]

    # the renewal moves the end: the next period gets its own reminder
    with time_machine.travel(first_end + dt.timedelta(seconds=30), tick=False):
        product_instance_renew_due()
    instance.refresh_from_db()
    assert (instance.renewal_count, instance.ends_at) == (1, first_end + dt.timedelta(days=30))
    with time_machine.travel(first_end + dt.timedelta(days=1), tick=False):
        assert product_instance_remind_due() == 0
    with time_machine.travel(instance.ends_at - dt.timedelta(hours=23), tick=False):
        assert product_instance_remind_due_task.apply().get() == 1

    assert [body for _, _, body in reminders()][1] == (
        "Stacy, your Monthly Bundle renews on Sun 30 Aug, 10:00 for €9.99. "
        "You can turn renewal off in the portal."
    )
    instance.refresh_from_db()
    assert instance.reminded_for_ends_at == instance.ends_at


def test_a_renewal_her_balance_cannot_pay_is_said(bundle):
    tom = CustomerFactory(name="Tom Silva", balance=Decimal("15.00"))
    instance = own(tom, bundle)  # €5.01 left

    with time_machine.travel(instance.ends_at - dt.timedelta(hours=3), tick=False):
        assert product_instance_remind_due() == 1

    assert reminders()[0][2] == (
        "Tom, your Monthly Bundle renews on Fri 31 Jul, 10:00 for €9.99. Your balance is €5.01: "
        "top up to keep it. You can turn renewal off in the portal."
    )


def test_once_renewal_is_off_no_renewal_reminder_is_sent(stacy, bundle):
    instance = own(stacy, bundle)
    product_instance_renewal_stop(
        customer=stacy, product_instance_id=instance.pk, channel="portal", idempotency_key="k-1"
    )

    with time_machine.travel(instance.ends_at - dt.timedelta(hours=3), tick=False):
        assert product_instance_remind_due() == 0

    assert reminders() == []


def test_beat_sweeps_for_reminders_every_five_minutes():
    assert settings.CELERY_BEAT_SCHEDULE["remind-product-instances-ending-soon"] == {
        "task": "orders.tasks.product_instance_remind_due_task",
        "schedule": 300.0,
    }
