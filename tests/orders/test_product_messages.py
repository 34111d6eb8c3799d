"""One message per event (issue 12, §3 "Messages"): a failed renewal tells her once; suspend,
resume, a start scheduled for later and a change of options each tell her, in her language,
money written with money_text."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone, translation
from django.utils.formats import date_format

from orders.models import ProductInstance
from orders.services import (
    product_instance_activate,
    product_instance_expire_due,
    product_instance_modify,
    product_instance_purchase,
    product_instance_renew_due,
    product_instance_resume,
    product_instance_suspend,
)
from selfcare.models import Customer, Notification
from tests.factories import CustomerFactory, OfferFactory
from tests.orders.helpers import buy
from tests.orders.test_fixed_price_bundle import GROUPS

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


def messages(customer):
    return list(
        Notification.objects.filter(customer=customer)
        .order_by("pk")
        .values_list("template", "subject", "body")
    )


def owned(customer, offer, key="k-own"):
    buy(customer, offer, key=key)
    instance = ProductInstance.objects.get(customer=customer, offer=offer)
    product_instance_activate(product_instance_id=instance.pk)
    instance.refresh_from_db()
    return instance


def test_a_failed_renewal_sends_one_message_not_two(django_capture_on_commit_callbacks):
    customer = CustomerFactory(balance=Decimal("15.00"))
    bundle = OfferFactory(
        name="Monthly Bundle", price=Decimal("9.99"), billing="recurring", duration_days=30
    )
    instance = owned(customer, bundle)
    before = Notification.objects.filter(customer=customer).count()  # "is active"

    with (
        time_machine.travel(instance.ends_at + dt.timedelta(seconds=30)),
        django_capture_on_commit_callbacks(execute=True),  # its deprovisioning too
    ):
        product_instance_renew_due()

    instance.refresh_from_db()
    assert instance.status == "terminated"
    assert messages(customer)[before:] == [
        (
            "addon_renewal_failed",
            "Monthly Bundle was not renewed",
            "Monthly Bundle has ended: your balance was too low for the renewal of €9.99. "
            "Top up and switch it on again any time.",
        )
    ]


def test_a_natural_end_still_tells_her(django_capture_on_commit_callbacks, customer):
    night = OfferFactory(name="Night Pass", duration_days=1)
    instance = owned(customer, night)

    with (
        time_machine.travel(instance.ends_at + dt.timedelta(seconds=30)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        product_instance_expire_due()

    assert [t for t, _, _ in messages(customer)] == ["addon_active", "addon_ended"]


def test_suspend_and_resume_each_tell_her_once(customer):
    offer = OfferFactory(name="TV Pass", allows_suspend=True, data_mb=500, duration_days=30)
    with time_machine.travel(START, tick=False):
        instance = owned(customer, offer)
    before = len(messages(customer))

    with time_machine.travel(START + dt.timedelta(days=3), tick=False):
        product_instance_suspend(
            customer=customer,
            product_instance_id=instance.pk,
            channel="portal",
            idempotency_key="k-s",
        )
    with time_machine.travel(START + dt.timedelta(days=5), tick=False):
        product_instance_resume(
            customer=customer,
            product_instance_id=instance.pk,
            channel="portal",
            idempotency_key="k-r",
        )
        # A double tap replays the order: no second message.
        product_instance_resume(
            customer=customer,
            product_instance_id=instance.pk,
            channel="portal",
            idempotency_key="k-r",
        )

    ends = timezone.localtime(instance.ends_at + dt.timedelta(days=2))
    assert messages(customer)[before:] == [
        (
            "addon_suspended",
            "TV Pass is suspended",
            "TV Pass is suspended: its time stops until you resume it.",
        ),
        (
            "addon_resumed",
            "TV Pass is on again",
            f"TV Pass is on again, until {ends.day} {ends:%b, %H:%M}.",
        ),
    ]
    sms = Notification.objects.filter(template__in=["addon_suspended", "addon_resumed"])
    assert set(sms.values_list("medium", flat=True)) == {customer.preferred_medium}


def test_a_start_scheduled_for_later_tells_her_when_and_what_it_cost(customer):
    offer = OfferFactory(name="Weekend Data", allows_postpone=True, data_mb=1000, duration_days=2)
    friday = (timezone.now() + dt.timedelta(days=3)).replace(second=0, microsecond=0)

    product_instance_purchase(
        customer=customer,
        line_id=customer.lines.get().pk,
        offer_id=offer.pk,
        channel="portal",
        idempotency_key="k-later",
        starts_at=friday,
    )

    local = timezone.localtime(friday)
    when = f"{local.day} {local:%b, %H:%M}"
    assert messages(customer) == [
        (
            "addon_scheduled",
            f"Weekend Data starts {when}",
            f"Weekend Data will start on {when}. €5.00 was charged.",
        )
    ]


def test_a_change_of_options_tells_her_what_it_gives_and_costs(customer):
    bundle = OfferFactory(
        name="My Fixed Price Bundle",
        price=Decimal("15.00"),
        billing="recurring",
        duration_days=30,
        option_groups=GROUPS,
    )
    with time_machine.travel(START, tick=False):
        product_instance_purchase(
            customer=customer,
            line_id=customer.lines.get().pk,
            offer_id=bundle.pk,
            channel="portal",
            idempotency_key="k-bundle",
            options={"data": "5gb", "voice": "100", "extra": "vod"},
        )
        instance = ProductInstance.objects.get()
        product_instance_activate(product_instance_id=instance.pk)
    before = len(messages(customer))

    with time_machine.travel(START + dt.timedelta(days=10), tick=False):
        product_instance_modify(
            customer=customer,
            product_instance_id=instance.pk,
            options={"data": "20gb", "voice": "100", "extra": "ott"},
            channel="portal",
            idempotency_key="k-change",
        )
    with time_machine.travel(START + dt.timedelta(days=11), tick=False):
        product_instance_modify(
            customer=customer,
            product_instance_id=instance.pk,
            options={"data": "5gb", "voice": "100", "extra": "ott"},
            channel="portal",
            idempotency_key="k-change-back",
        )

    assert messages(customer)[before:] == [
        (
            "addon_changed",
            "My Fixed Price Bundle is changed",
            "My Fixed Price Bundle now gives you: Data: 20 GB; Voice: 100 minutes; "
            "Extra: Music streaming. €3.33 was charged.",
        ),
        (
            "addon_changed",
            "My Fixed Price Bundle is changed",
            "My Fixed Price Bundle now gives you: Data: 5 GB; Voice: 100 minutes; "
            "Extra: Music streaming. €3.17 is back on your balance.",
        ),
    ]


def test_her_message_is_written_in_her_language_and_the_operators_time(customer):
    Customer.objects.filter(pk=customer.pk).update(language="pt")
    customer.refresh_from_db()
    offer = OfferFactory(name="Weekend Data", allows_postpone=True, data_mb=1000, duration_days=2)
    friday = (timezone.now() + dt.timedelta(days=3)).replace(second=0, microsecond=0)

    product_instance_purchase(
        customer=customer,
        line_id=customer.lines.get().pk,
        offer_id=offer.pk,
        channel="portal",
        idempotency_key="k-later",
        starts_at=friday,
    )

    with translation.override("pt"):
        when = date_format(friday.astimezone(ZoneInfo("Europe/Lisbon")), "j M, H:i")
    assert messages(customer) == [
        (
            "addon_scheduled",
            f"Weekend Data começa a {when}",
            f"Weekend Data começa a {when}. Foram cobrados 5,00 €.",
        )
    ]
