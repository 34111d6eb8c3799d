import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine

from orders.models import ConfirmationCode, Order, ProductInstance
from orders.services import (
    ConfirmationError,
    order_confirm,
    order_confirmation_expire_due,
    order_confirmation_resend,
    product_instance_retry_stuck,
)
from selfcare.models import LedgerEntry, Notification
from tests.factories import CustomerFactory, OfferFactory
from tests.orders.helpers import buy

pytestmark = pytest.mark.django_db


@pytest.fixture
def coded_offer(db):
    return OfferFactory(name="Travel Line", price=Decimal("4.00"), requires_confirmation=True)


def last_code():
    body = Notification.objects.filter(medium="sms").order_by("-id").first().body
    return re.match(r"(\d{6}) is your code to confirm ", body).group(1)


def test_an_offer_needing_a_code_waits_in_pending_uncharged_and_texts_a_code(
    customer, coded_offer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = buy(customer, coded_offer)

    order.refresh_from_db()
    assert order.status == "pending"
    assert ProductInstance.objects.get().status == "pending_active"
    assert not LedgerEntry.objects.filter(kind="charge").exists()
    sms = Notification.objects.get()
    assert (sms.medium, sms.subject, sms.status) == ("sms", "Your code for Travel Line", "sent")
    code = last_code()
    record = ConfirmationCode.objects.get()
    assert code not in record.code_hash
    assert record.expires_at - record.created_at == pytest.approx(
        dt.timedelta(minutes=5), abs=dt.timedelta(seconds=1)
    )


def test_the_right_code_charges_and_activates(
    customer, coded_offer, django_capture_on_commit_callbacks
):
    order = buy(customer, coded_offer)

    with django_capture_on_commit_callbacks(execute=True):
        order_confirm(customer=customer, order_id=order.pk, code=last_code())

    order.refresh_from_db()
    assert order.status == "completed"
    assert ProductInstance.objects.get().status == "active"
    assert LedgerEntry.objects.get(kind="charge").amount == Decimal("-4.00")
    assert list(order.status_changes.values_list("to_status", "note")) == [
        ("acknowledged", ""),
        ("pending", "Code sent by SMS"),
        ("in_progress", "Code confirmed"),
        ("completed", ""),
    ]


def test_a_code_works_once(customer, coded_offer):
    order = buy(customer, coded_offer)
    code = last_code()
    order_confirm(customer=customer, order_id=order.pk, code=code)

    with pytest.raises(ConfirmationError, match="not waiting for a code any more"):
        order_confirm(customer=customer, order_id=order.pk, code=code)

    assert LedgerEntry.objects.filter(kind="charge").count() == 1


def test_wrong_codes_count_and_five_lock_it(customer, coded_offer):
    order = buy(customer, coded_offer)
    code = last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    messages = []
    for _ in range(5):
        with pytest.raises(ConfirmationError) as refused:
            order_confirm(customer=customer, order_id=order.pk, code=wrong)
        messages.append(str(refused.value))

    assert messages == [
        "That code is not right: 4 tries left.",
        "That code is not right: 3 tries left.",
        "That code is not right: 2 tries left.",
        "That code is not right: 1 tries left.",
        "That code is not right, and it is now locked: ask for a new one.",
    ]
    with pytest.raises(ConfirmationError, match="Too many wrong codes"):
        order_confirm(customer=customer, order_id=order.pk, code=code)
    assert ConfirmationCode.objects.get().attempts == 5
    assert Order.objects.get().status == "pending"
    assert not LedgerEntry.objects.filter(kind="charge").exists()


def test_a_code_expires_after_5_minutes_and_a_new_one_replaces_it(customer, coded_offer):
    order = buy(customer, coded_offer)
    old = last_code()

    with time_machine.travel(dt.timedelta(minutes=5, seconds=1)):
        with pytest.raises(ConfirmationError, match=r"This code has expired: ask for a new one\."):
            order_confirm(customer=customer, order_id=order.pk, code=old)
        order_confirmation_resend(customer=customer, order_id=order.pk)
        new = last_code()
        if new != old:
            with pytest.raises(ConfirmationError):
                order_confirm(customer=customer, order_id=order.pk, code=old)
        order_confirm(customer=customer, order_id=order.pk, code=new)

    assert Order.objects.get().status == "in_progress"


def test_no_more_than_three_codes_per_order(customer, coded_offer):
    order = buy(customer, coded_offer)
    order_confirmation_resend(customer=customer, order_id=order.pk)
    order_confirmation_resend(customer=customer, order_id=order.pk)

    with pytest.raises(ConfirmationError, match="No more codes can be sent"):
        order_confirmation_resend(customer=customer, order_id=order.pk)

    assert ConfirmationCode.objects.count() == 3


def test_an_unconfirmed_order_is_cancelled_and_charges_nothing(customer, coded_offer):
    order = buy(customer, coded_offer)

    assert order_confirmation_expire_due() == 0
    with time_machine.travel(dt.timedelta(minutes=6)):
        assert order_confirmation_expire_due() == 1

    order.refresh_from_db()
    instance = ProductInstance.objects.get()
    assert (order.status, order.failure_reason) == ("cancelled", "Not confirmed in time")
    assert (instance.status, instance.status_reason) == ("failed", "Not confirmed in time")
    assert not LedgerEntry.objects.filter(kind="charge").exists()


def test_waiting_for_a_code_is_not_stuck_work(customer, coded_offer, monkeypatch):
    from orders import tasks

    buy(customer, coded_offer)
    enqueued = []
    monkeypatch.setattr(tasks.product_instance_activate_task, "delay", enqueued.append)

    with time_machine.travel(dt.timedelta(minutes=4)):
        product_instance_retry_stuck()

    assert enqueued == []


def test_someone_elses_order_cannot_be_confirmed(customer, coded_offer):
    order = buy(customer, coded_offer)

    with pytest.raises(Order.DoesNotExist):
        order_confirm(customer=CustomerFactory(), order_id=order.pk, code=last_code())

    assert Order.objects.get().status == "pending"


def test_without_enough_balance_she_learns_before_any_code_is_sent(coded_offer):
    from selfcare.services import InsufficientBalanceError

    customer = CustomerFactory(balance=Decimal("1.00"))

    with pytest.raises(InsufficientBalanceError):
        buy(customer, coded_offer)

    assert not Notification.objects.exists()
    assert not Order.objects.exists()


def test_nothing_counts_as_paid_until_the_code_confirms_it(customer, coded_offer):
    from orders.selectors import addon_switch_list_owned
    from selfcare.portal.templatetags.switches import switch_note, switch_status

    buy(customer, coded_offer)
    instance = ProductInstance.objects.get()
    assert instance.paid_amount == Decimal("0.00")

    with time_machine.travel(dt.timedelta(minutes=6)):
        order_confirmation_expire_due()

    switch = addon_switch_list_owned(line=customer.lines.get())[0]
    assert (switch_status(switch), switch_note(switch)) == ("Failed", "Not confirmed in time")


def test_no_more_than_six_codes_an_hour_across_her_orders(customer):
    offers = [OfferFactory(price=Decimal("1.00"), requires_confirmation=True) for _ in range(7)]
    for n, offer in enumerate(offers[:6]):
        buy(customer, offer, key=f"k-code-{n:03d}")

    with pytest.raises(ConfirmationError, match="Too many codes were sent to you in the last hour"):
        buy(customer, offers[6], key="k-code-006")

    assert Order.objects.count() == 6


def test_an_activation_job_leaves_an_order_waiting_for_its_code_alone(customer, coded_offer):
    """Even if the offer stopped asking for codes after she bought it: her add-on is not paid
    for until the code comes, so the job looks, finds the order waiting, and does nothing."""
    from catalog.models import Offer
    from orders.services import product_instance_activate

    buy(customer, coded_offer)
    instance = ProductInstance.objects.get()
    Offer.objects.filter(pk=coded_offer.pk).update(requires_confirmation=False)

    product_instance_activate(product_instance_id=instance.pk)

    instance.refresh_from_db()
    assert instance.status == "pending_active"
    assert Order.objects.get().status == "pending"
    assert not LedgerEntry.objects.filter(kind="charge").exists()
