import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from orders.models import Order, ProductInstance
from orders.selectors import product_instance_refund_quote
from orders.services import (
    NotCancellableError,
    RefundChangedError,
    product_instance_activate,
    product_instance_cancel,
    product_instance_deprovision,
    product_instance_expire,
    product_instance_expire_due,
    product_instance_retry_stuck,
)
from selfcare.models import BYTES_PER_MB as MB
from selfcare.models import Bucket, LedgerEntry, Notification
from selfcare.selectors import customer_balance
from tests.factories import CustomerFactory, OfferFactory
from tests.orders.helpers import buy

pytestmark = pytest.mark.django_db


@pytest.fixture
def active_data(customer, data_offer):
    buy(customer, data_offer)
    instance = ProductInstance.objects.get()
    product_instance_activate(product_instance_id=instance.pk)
    instance.refresh_from_db()
    return instance


def use_data(instance, mb):
    Bucket.objects.filter(granted_by_instance=instance.pk).update(used=mb * MB)


def cancel(customer, instance, *, key="off-key-1", expected=None):
    return product_instance_cancel(
        customer=customer,
        product_instance_id=instance.pk,
        channel="portal",
        idempotency_key=key,
        expected_refund=expected,
    )


def test_switching_off_refunds_unused_data_exactly_as_quoted(
    customer, active_data, django_capture_on_commit_callbacks
):
    # given 5,944 MB of 15,360 MB used: 61.3 % unused of €10
    use_data(active_data, 5944)
    quote = product_instance_refund_quote(product_instance=active_data, at=timezone.now())
    assert quote == Decimal("6.13")

    # when she confirms the amount she was shown
    with django_capture_on_commit_callbacks() as callbacks:
        order = cancel(customer, active_data, expected=quote)

    # then the refund on the ledger is exactly that, at once, and the allowance is closed
    active_data.refresh_from_db()
    refund = LedgerEntry.objects.get(kind="refund")
    assert refund.amount == Decimal("6.13")
    assert refund.reference == f"refund:order-item:{order.items.get().pk}"
    assert customer_balance(customer=customer) == Decimal("46.13")
    assert active_data.status == "pending_terminate"
    assert Bucket.objects.get(granted_by_instance=active_data.pk).valid_until <= timezone.now()
    assert order.items.get().refund_amount == Decimal("6.13")
    assert len(callbacks) == 1  # deprovisioning, after commit


def test_deprovisioning_terminates_completes_the_order_and_tells_her(customer, active_data):
    order = cancel(customer, active_data)

    product_instance_deprovision(product_instance_id=active_data.pk)

    active_data.refresh_from_db()
    order.refresh_from_db()
    assert active_data.status == "terminated"
    assert order.status == "completed"
    told = Notification.objects.get(template="addon_off")
    assert (told.medium, told.subject, told.body) == (
        "sms",
        "Data 15GB is off",
        "Data 15GB is off. €10.00 is back on your balance.",
    )


def test_a_refund_that_changed_since_she_was_shown_it_is_refused_and_nothing_changes(
    customer, active_data
):
    use_data(active_data, 1000)

    with pytest.raises(RefundChangedError) as refused:
        cancel(customer, active_data, expected=Decimal("10.00"))

    assert refused.value.amount == Decimal("9.35")
    active_data.refresh_from_db()
    assert active_data.status == "active"
    assert not LedgerEntry.objects.filter(kind="refund").exists()
    assert Order.objects.count() == 1


def test_the_same_switch_off_twice_refunds_once(customer, active_data):
    first = cancel(customer, active_data, key="off-key-1")
    again = cancel(customer, active_data, key="off-key-1")

    assert again == first
    assert LedgerEntry.objects.filter(kind="refund").count() == 1


def test_something_not_on_cannot_be_switched_off(customer, active_data):
    cancel(customer, active_data, key="off-key-1")

    with pytest.raises(NotCancellableError, match="Data 15GB is switching off: it cannot"):
        cancel(customer, active_data, key="off-key-2")

    assert LedgerEntry.objects.filter(kind="refund").count() == 1


def test_another_customers_add_on_cannot_be_switched_off(active_data):
    intruder = CustomerFactory()

    with pytest.raises(ProductInstance.DoesNotExist):
        cancel(intruder, active_data)

    active_data.refresh_from_db()
    assert active_data.status == "active"
    assert not LedgerEntry.objects.filter(kind="refund").exists()


def test_an_offer_with_no_refund_gives_nothing_back(customer):
    offer = OfferFactory(night_pass=True)
    buy(customer, offer)
    instance = ProductInstance.objects.get()
    product_instance_activate(product_instance_id=instance.pk)

    cancel(customer, instance, expected=Decimal("0.00"))

    assert not LedgerEntry.objects.filter(kind="refund").exists()
    assert customer_balance(customer=customer) == Decimal("48.00")


def test_the_sweep_expires_what_has_ended_without_a_refund(
    customer, active_data, night_pass, django_capture_on_commit_callbacks
):
    # given an add-on whose period is over, and one that runs on
    buy(customer, night_pass, key="night-key-1")
    night = ProductInstance.objects.get(offer=night_pass)
    product_instance_activate(product_instance_id=night.pk)
    night.refresh_from_db()

    # when the sweep runs after the night pass's 04:00
    with (
        time_machine.travel(night.ends_at + dt.timedelta(minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert product_instance_expire_due() == 1

    # then it is off, with no refund; the data add-on is untouched
    night.refresh_from_db()
    active_data.refresh_from_db()
    assert (night.status, night.status_reason) == ("terminated", "Its period ended")
    assert active_data.status == "active"
    assert not LedgerEntry.objects.filter(kind="refund").exists()


def test_expiring_early_or_twice_does_nothing(
    customer, active_data, django_capture_on_commit_callbacks
):
    product_instance_expire(product_instance_id=active_data.pk)
    active_data.refresh_from_db()
    assert active_data.status == "active"

    with (
        time_machine.travel(active_data.ends_at + dt.timedelta(seconds=1)),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        product_instance_expire(product_instance_id=active_data.pk)
        product_instance_expire(product_instance_id=active_data.pk)

    # one deprovisioning job, then its ProductEnded's dispatch and its "has ended" message
    assert len(callbacks) == 3

    active_data.refresh_from_db()
    assert active_data.status == "terminated"


def test_work_stuck_in_a_pending_state_is_enqueued_again(customer, data_offer, settings):
    # given an activation whose message was lost (its job never ran)
    settings.PENDING_DEADLINE_SECONDS = 120
    buy(customer, data_offer)
    instance = ProductInstance.objects.get()
    assert instance.status == "pending_active"

    # when the sweep runs before the deadline, nothing; after it, the job runs again
    assert product_instance_retry_stuck() == {"activation": 0, "deprovisioning": 0}
    with time_machine.travel(instance.status_changed_at + dt.timedelta(minutes=3)):
        assert product_instance_retry_stuck() == {"activation": 1, "deprovisioning": 0}

    instance.refresh_from_db()
    assert instance.status == "active"


def test_the_stuck_sweep_does_not_enqueue_the_same_work_twice(customer, data_offer, monkeypatch):
    from orders import tasks

    buy(customer, data_offer)
    instance = ProductInstance.objects.get()
    enqueued = []
    monkeypatch.setattr(tasks.product_instance_activate_task, "delay", enqueued.append)

    lost_at = instance.status_changed_at + dt.timedelta(minutes=3)
    with time_machine.travel(lost_at):
        product_instance_retry_stuck()
    with time_machine.travel(lost_at + dt.timedelta(seconds=10)):  # within the deadline
        product_instance_retry_stuck()
    assert enqueued == [instance.pk]

    # The job enqueued then was lost too (the broker restarted again): once more after a deadline.
    with time_machine.travel(lost_at + dt.timedelta(seconds=20)):
        product_instance_retry_stuck()
    assert enqueued == [instance.pk, instance.pk]


def _supervisor():
    from django.contrib.auth.models import Group, Permission

    from tests.factories import UserFactory

    group, _ = Group.objects.get_or_create(name="Call-centre supervisors")
    group.permissions.add(Permission.objects.get(codename="refund_beyond_policy"))
    return UserFactory(groups=["Call-centre supervisors"])


def test_a_supervisors_goodwill_is_credited_and_told_with_the_refund(customer, active_data):
    use_data(active_data, 5944)  # the policy gives back €6.13

    product_instance_cancel(
        customer=customer,
        product_instance_id=active_data.pk,
        channel="agent",
        idempotency_key="goodwill-1",
        actor="agent",
        actor_user=_supervisor(),
        reason="Network outage in her area",
        goodwill=Decimal("2.00"),
    )
    product_instance_deprovision(product_instance_id=active_data.pk)

    assert sorted(LedgerEntry.objects.exclude(kind="top_up").values_list("kind", "amount")) == [
        ("charge", Decimal("-10.00")),
        ("credit", Decimal("2.00")),
        ("refund", Decimal("6.13")),
    ]
    told = Notification.objects.get(template="addon_off")
    assert told.body == "Data 15GB is off. €8.13 is back on your balance."


@pytest.mark.parametrize(
    ("who", "goodwill", "message"),
    [
        ("agent", "2.00", "needs a supervisor"),
        ("supervisor", "4.00", "more than she paid"),
        ("supervisor", "-1.00", "cannot be negative"),
    ],
)
def test_goodwill_beyond_what_is_allowed_is_refused_and_nothing_changes(
    customer, active_data, who, goodwill, message
):
    from orders.services import RefundNotAllowedError
    from tests.factories import UserFactory

    use_data(active_data, 5944)
    user = _supervisor() if who == "supervisor" else UserFactory()
    before = (LedgerEntry.objects.count(), Order.objects.count())

    with pytest.raises(RefundNotAllowedError, match=message):
        product_instance_cancel(
            customer=customer,
            product_instance_id=active_data.pk,
            channel="agent",
            idempotency_key="goodwill-2",
            actor="agent",
            actor_user=user,
            goodwill=Decimal(goodwill),
        )

    active_data.refresh_from_db()
    assert active_data.status == "active"
    assert (LedgerEntry.objects.count(), Order.objects.count()) == before
