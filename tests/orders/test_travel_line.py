import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from orders.models import Order, ProductInstance
from orders.services import (
    NotEligibleError,
    OptionsError,
    product_instance_activate,
    product_instance_cancel,
    product_instance_deprovision,
    product_instance_purchase,
)
from selfcare.models import LedgerEntry, Line
from tests.factories import OfferFactory
from tests.selfcare.test_sims import VALID, with_check_digit

pytestmark = pytest.mark.django_db


@pytest.fixture
def travel(db):
    return OfferFactory(
        name="Travel Line 30 days",
        price=Decimal("5.00"),
        duration_days=30,
        creates_temporary_line=True,
        purchase_limit=2,
        purchase_limit_window="rolling_12_months",
    )


def buy_travel(customer, offer, iccid, key="k-travel-1"):
    return product_instance_purchase(
        customer=customer,
        line_id=customer.lines.get(temporary=False).pk,
        offer_id=offer.pk,
        channel="portal",
        idempotency_key=key,
        options={"iccid": iccid},
    )


def test_a_travel_line_opens_a_second_line_on_her_plan_with_the_free_sim(customer, travel):
    home = customer.lines.get()
    buy_travel(customer, travel, " ".join([VALID[:4], VALID[4:]]))
    instance = ProductInstance.objects.get()

    product_instance_activate(product_instance_id=instance.pk)

    second = Line.objects.get(temporary=True)
    instance.refresh_from_db()
    assert (second.customer, second.base_plan, second.iccid, second.status) == (
        customer,
        home.base_plan,
        VALID,
        "active",
    )
    assert instance.options == {"iccid": VALID, "line_id": second.pk, "msisdn": second.msisdn}


def test_the_second_line_ends_with_the_travel_line(customer, travel):
    buy_travel(customer, travel, VALID)
    instance = ProductInstance.objects.get()
    product_instance_activate(product_instance_id=instance.pk)

    product_instance_cancel(
        customer=customer,
        product_instance_id=instance.pk,
        channel="portal",
        idempotency_key="k-off",
    )
    product_instance_deprovision(product_instance_id=instance.pk)

    assert Line.objects.get(temporary=True).status == "terminated"


@pytest.mark.parametrize(
    ("iccid", "message"),
    [
        ("", "Enter the number printed on the SIM card (ICCID)."),
        ("8935", "The SIM card number has 19 or 20 digits; this one has 4."),
    ],
)
def test_a_wrong_sim_number_is_refused_next_to_the_field_and_writes_nothing(
    customer, travel, iccid, message
):
    with pytest.raises(OptionsError) as refused:
        buy_travel(customer, travel, iccid)

    assert (refused.value.field, str(refused.value)) == ("iccid", message)
    assert not Order.objects.exists()
    assert not LedgerEntry.objects.filter(kind="charge").exists()


def test_a_sim_card_already_in_use_is_refused(customer, travel):
    Line.objects.create(customer=customer, msisdn="351930009999", iccid=VALID, temporary=True)

    with pytest.raises(OptionsError, match="This SIM card is already in use"):
        buy_travel(customer, travel, VALID)


def test_at_most_twice_in_12_months(customer, travel):
    start = dt.datetime(2026, 1, 10, 12, 0, tzinfo=dt.UTC)
    for n, month in enumerate((0, 4)):
        with time_machine.travel(start + dt.timedelta(days=30 * month), tick=False):
            sim = with_check_digit(f"89351000000000000{n}")
            buy_travel(customer, travel, sim, key=f"k-travel-{n}")
            instance = ProductInstance.objects.get(status="pending_active")
            product_instance_activate(product_instance_id=instance.pk)
            product_instance_cancel(
                customer=customer,
                product_instance_id=instance.pk,
                channel="portal",
                idempotency_key=f"k-off-{n}",
            )
            product_instance_deprovision(product_instance_id=instance.pk)

    with (
        time_machine.travel(start + dt.timedelta(days=200), tick=False),
        pytest.raises(NotEligibleError) as refused,
    ):
        buy_travel(customer, travel, with_check_digit("893510000000000009"), key="k-travel-3")

    assert refused.value.reasons == (
        "You can buy this 2 times per rolling 12 months: available again on 10 January 2027.",
    )


def test_a_sim_entered_for_a_pending_travel_line_is_reserved(customer, travel):
    from tests.factories import CustomerFactory

    buy_travel(customer, travel, VALID)  # not activated yet

    with pytest.raises(OptionsError, match="This SIM card is already in use"):
        buy_travel(CustomerFactory(), travel, VALID, key="k-travel-9")


def test_her_sim_can_be_used_again_once_her_travel_line_ended(customer, travel):
    buy_travel(customer, travel, VALID)
    instance = ProductInstance.objects.get()
    product_instance_activate(product_instance_id=instance.pk)
    product_instance_cancel(
        customer=customer,
        product_instance_id=instance.pk,
        channel="portal",
        idempotency_key="k-off",
    )
    product_instance_deprovision(product_instance_id=instance.pk)

    buy_travel(customer, travel, VALID, key="k-travel-2")

    assert ProductInstance.objects.filter(status="pending_active").count() == 1
