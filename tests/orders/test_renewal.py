import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from orders.models import Order, ProductInstance
from orders.services import (
    NotCancellableError,
    product_instance_activate,
    product_instance_cancel,
    product_instance_expire_due,
    product_instance_renew,
    product_instance_renew_due,
    product_instance_renewal_stop,
)
from selfcare.models import BYTES_PER_MB as MB
from selfcare.models import Bucket, LedgerEntry, Notification
from selfcare.selectors import customer_balance
from tests.factories import CustomerFactory, OfferFactory
from tests.orders.helpers import buy

pytestmark = pytest.mark.django_db


@pytest.fixture
def bundle(db):
    return OfferFactory(
        name="Monthly Bundle",
        price=Decimal("9.99"),
        billing="recurring",
        data_mb=5120,
        duration_days=30,
    )


def subscribe(customer, offer):
    buy(customer, offer)
    instance = ProductInstance.objects.get(customer=customer)
    product_instance_activate(product_instance_id=instance.pk)
    instance.refresh_from_db()
    return instance


def test_a_recurring_offer_renews_charges_again_and_extends(bundle, customer):
    instance = subscribe(customer, bundle)
    first_end = instance.ends_at
    assert instance.period_started_at == instance.started_at

    with time_machine.travel(first_end + dt.timedelta(seconds=30)):
        assert product_instance_renew_due() == 1

    instance.refresh_from_db()
    assert instance.renews
    assert instance.status == "active"
    assert (instance.renewal_count, instance.ends_at) == (1, first_end + dt.timedelta(days=30))
    # The new period starts where the last one ended (what a change of options counts usage from).
    assert instance.period_started_at == first_end
    renewal = LedgerEntry.objects.get(reference=f"charge:renewal:{instance.pk}:1")
    assert (renewal.amount, renewal.description) == (Decimal("-9.99"), "Monthly Bundle (renewal 1)")
    assert customer_balance(customer=customer) == Decimal("30.02")
    fresh = Bucket.objects.get(granted_by_instance=instance.pk, valid_from=first_end)
    assert (fresh.initial, fresh.used, fresh.valid_until) == (5120 * MB, 0, instance.ends_at)
    assert Notification.objects.filter(subject="Monthly Bundle renewed").exists()


def test_a_renewal_is_charged_once_per_period_even_if_the_sweep_runs_twice(bundle, customer):
    instance = subscribe(customer, bundle)

    with time_machine.travel(instance.ends_at + dt.timedelta(seconds=30)):
        product_instance_renew_due()
        product_instance_renew_due()
        product_instance_renew(product_instance_id=instance.pk)

    assert LedgerEntry.objects.filter(reference__startswith="charge:renewal:").count() == 1
    instance.refresh_from_db()
    assert instance.renewal_count == 1


def test_without_enough_balance_it_ends_and_she_is_told(bundle, django_capture_on_commit_callbacks):
    customer = CustomerFactory(balance=Decimal("15.00"))
    instance = subscribe(customer, bundle)  # €5.01 left

    with (
        time_machine.travel(instance.ends_at + dt.timedelta(seconds=30)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        product_instance_renew_due()

    instance.refresh_from_db()
    assert (instance.status, instance.status_reason) == (
        "terminated",
        "Not renewed: the balance was too low",
    )
    assert not LedgerEntry.objects.filter(reference__startswith="charge:renewal:").exists()
    assert customer_balance(customer=customer) == Decimal("5.01")
    assert Notification.objects.get(template="addon_renewal_failed").body == (
        "Monthly Bundle has ended: your balance was too low for the renewal of €9.99. "
        "Top up and switch it on again any time."
    )


def test_turning_renewal_off_lets_it_run_to_the_period_end_then_end(
    bundle, customer, django_capture_on_commit_callbacks
):
    instance = subscribe(customer, bundle)
    ends_at = instance.ends_at

    # when she turns renewal off
    order = product_instance_renewal_stop(
        customer=customer,
        product_instance_id=instance.pk,
        channel="portal",
        idempotency_key="k-stop",
    )

    # then it is an order of its own, and the add-on runs on to the end of what she paid for
    instance.refresh_from_db()
    assert (instance.status, instance.renews, instance.ends_at) == (
        "pending_terminate",
        False,
        ends_at,
    )
    assert instance.status_reason.startswith("Renewal turned off: ends ")
    assert order.status == "completed"
    assert order.items.get().action == "stop_renewal"
    assert Bucket.objects.get(granted_by_instance=instance.pk).valid_until == ends_at
    assert product_instance_expire_due() == 0

    # and at the end it is switched off, not renewed, with no refund
    with (
        time_machine.travel(ends_at + dt.timedelta(seconds=30)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert product_instance_renew_due() == 0
        assert product_instance_expire_due() == 1
    instance.refresh_from_db()
    assert instance.status == "terminated"
    assert LedgerEntry.objects.filter(kind__in=["refund"]).count() == 0
    assert LedgerEntry.objects.filter(kind="charge").count() == 1


def test_after_turning_renewal_off_she_can_still_switch_it_off_at_once(bundle, customer):
    instance = subscribe(customer, bundle)
    product_instance_renewal_stop(
        customer=customer,
        product_instance_id=instance.pk,
        channel="portal",
        idempotency_key="k-stop",
    )

    product_instance_cancel(
        customer=customer,
        product_instance_id=instance.pk,
        channel="portal",
        idempotency_key="k-off",
    )

    instance.refresh_from_db()
    assert instance.status == "pending_terminate"
    assert instance.ends_at <= instance.status_changed_at


def test_renewal_cannot_be_turned_off_on_what_does_not_renew(customer, data_offer):
    instance = subscribe(customer, data_offer)

    with pytest.raises(NotCancellableError, match="does not renew"):
        product_instance_renewal_stop(
            customer=customer,
            product_instance_id=instance.pk,
            channel="portal",
            idempotency_key="k1",
        )

    assert Order.objects.count() == 1
