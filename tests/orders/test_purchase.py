from decimal import Decimal

import pytest

from orders.models import Order, OrderItem, ProductInstance
from orders.services import (
    AlreadyOwnedError,
    IdempotencyConflictError,
    NotEligibleError,
    product_instance_purchase,
)
from selfcare.models import Interaction, LedgerEntry
from selfcare.selectors import customer_balance
from selfcare.services import InsufficientBalanceError
from tests.factories import CustomerFactory, OfferFactory
from tests.orders.helpers import buy

pytestmark = pytest.mark.django_db


def _nothing_written():
    return (
        Order.objects.count(),
        ProductInstance.objects.count(),
        LedgerEntry.objects.filter(kind="charge").count(),
        Interaction.objects.count(),
    ) == (0, 0, 0, 0)


def test_a_purchase_writes_order_instance_charge_and_interaction_and_schedules_activation(
    customer, data_offer, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        order = buy(customer, data_offer)

    # then: everything is written in one go
    instance = ProductInstance.objects.get()
    item = OrderItem.objects.get()
    assert (order.status, order.channel) == ("in_progress", "portal")
    assert list(order.status_changes.values_list("from_status", "to_status")) == [
        ("", "acknowledged"),
        ("acknowledged", "in_progress"),
    ]
    assert (instance.status, instance.paid_amount, instance.line) == (
        "pending_active",
        Decimal("10.00"),
        customer.lines.get(),
    )
    assert (item.action, item.product_instance, item.charge_amount) == (
        "add",
        instance,
        Decimal("10.00"),
    )
    charge = LedgerEntry.objects.get(kind="charge")
    assert (charge.amount, charge.reference) == (Decimal("-10.00"), f"charge:order-item:{item.pk}")
    assert customer_balance(customer=customer) == Decimal("40.00")
    assert Interaction.objects.get().kind == "order_placed"
    # and activation leaves only after commit, exactly once (beside the event log's dispatch)
    assert [c.args[0].name for c in callbacks] == [
        "orders.tasks.product_instance_activate_task",
        "selfcare.tasks.event_dispatch_task",
    ]
    assert instance.status == "pending_active"


def test_the_activation_job_runs_after_commit(
    customer, data_offer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        buy(customer, data_offer)

    assert ProductInstance.objects.get().status == "active"


def test_without_enough_balance_the_purchase_is_refused_and_writes_nothing(data_offer):
    customer = CustomerFactory(balance=Decimal("9.99"))

    with pytest.raises(InsufficientBalanceError) as refused:
        buy(customer, data_offer)

    assert str(refused.value) == ("Your balance is €9.99; this costs €10.00. Top up and try again.")
    assert _nothing_written()
    assert customer_balance(customer=customer) == Decimal("9.99")


def test_a_customer_who_is_not_eligible_is_refused_with_the_reason(data_offer):
    customer = CustomerFactory(lifecycle_status="suspended", status_reason="an unpaid bill")

    with pytest.raises(NotEligibleError) as refused:
        buy(customer, data_offer)

    assert refused.value.reasons == ("Your line is suspended: an unpaid bill.",)
    assert _nothing_written()


@pytest.mark.parametrize(
    ("offer_kwargs", "reason"),
    [
        ({"draft": True}, "This offer is not on sale."),
        ({"status": "retired"}, "This offer is not on sale."),
    ],
)
def test_an_offer_not_on_sale_cannot_be_bought(customer, offer_kwargs, reason):
    offer = OfferFactory(**offer_kwargs)

    with pytest.raises(NotEligibleError) as refused:
        buy(customer, offer)

    assert refused.value.reasons == (reason,)
    assert _nothing_written()


def test_the_same_idempotency_key_returns_the_first_order_and_charges_once(customer, data_offer):
    first = buy(customer, data_offer, key="same-key-1")
    again = buy(customer, data_offer, key="same-key-1")

    assert again == first
    assert Order.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="charge").count() == 1


def test_an_idempotency_key_reused_for_another_offer_is_refused(customer, data_offer, night_pass):
    buy(customer, data_offer, key="same-key-1")

    with pytest.raises(IdempotencyConflictError):
        buy(customer, night_pass, key="same-key-1")

    assert Order.objects.count() == 1


def test_an_add_on_already_on_cannot_be_bought_again(customer, data_offer):
    buy(customer, data_offer, key="key-one-1")

    with pytest.raises(AlreadyOwnedError, match=r"Data 15GB is already on\."):
        buy(customer, data_offer, key="key-two-2")

    assert ProductInstance.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="charge").count() == 1


def test_a_line_that_is_not_hers_cannot_be_used(customer, data_offer):
    other = CustomerFactory()

    with pytest.raises(customer.lines.model.DoesNotExist):
        product_instance_purchase(
            customer=customer,
            line_id=other.lines.get().pk,
            offer_id=data_offer.pk,
            channel="portal",
            idempotency_key="key-00001",
        )

    assert _nothing_written()


def test_a_free_offer_writes_no_ledger_entry(customer):
    offer = OfferFactory(price=Decimal("0.00"))

    buy(customer, offer)

    assert LedgerEntry.objects.filter(kind="charge").count() == 0
    assert ProductInstance.objects.get().paid_amount == Decimal("0.00")


def test_a_once_a_month_offer_bought_and_switched_off_cannot_be_bought_again_this_month(customer):
    from orders.services import (
        product_instance_activate,
        product_instance_cancel,
        product_instance_deprovision,
    )

    monthly = OfferFactory(purchase_limit=1, purchase_limit_window="calendar_month")
    buy(customer, monthly, key="month-key-1")
    instance = ProductInstance.objects.get()
    product_instance_activate(product_instance_id=instance.pk)
    product_instance_cancel(
        customer=customer,
        product_instance_id=instance.pk,
        channel="portal",
        idempotency_key="off-1",
    )
    product_instance_deprovision(product_instance_id=instance.pk)

    with pytest.raises(NotEligibleError) as refused:
        buy(customer, monthly, key="month-key-2")

    assert refused.value.reasons[0].startswith(
        "You can buy this once per calendar month: available again on 1 "
    )
    assert Order.objects.filter(items__action="add").count() == 1


def test_a_failed_activation_does_not_count_against_the_limit(customer):
    from orders.services import product_instance_fail_activation

    monthly = OfferFactory(purchase_limit=1, purchase_limit_window="calendar_month")
    buy(customer, monthly, key="month-key-1")
    product_instance_fail_activation(
        product_instance_id=ProductInstance.objects.get().pk, reason="x"
    )

    buy(customer, monthly, key="month-key-2")

    assert ProductInstance.objects.filter(status="pending_active").count() == 1


def test_an_offer_priced_in_another_currency_is_refused(customer):
    offer = OfferFactory(currency="GBP")

    with pytest.raises(NotEligibleError) as refused:
        buy(customer, offer)

    assert refused.value.reasons == ("This offer is priced in GBP; your account is in EUR.",)
    assert _nothing_written()


@pytest.mark.parametrize(("channel", "paid"), [("portal", "9.00"), ("agent", "12.00")])
def test_a_purchase_pays_the_price_of_the_channel_it_is_made_on(customer, channel, paid):
    promo = OfferFactory(price=Decimal("12.00"), channel_prices={"portal": "9.00"})

    product_instance_purchase(
        customer=customer,
        line_id=customer.lines.get().pk,
        offer_id=promo.pk,
        channel=channel,
        idempotency_key=f"promo-{channel}",
    )

    assert LedgerEntry.objects.get(kind="charge").amount == -Decimal(paid)
    assert ProductInstance.objects.get().price == Decimal(paid)


def test_the_portal_switch_shows_the_portal_price_beside_the_crossed_out_price(customer_client):
    promo = OfferFactory(name="Promo", price=Decimal("12.00"), channel_prices={"portal": "9.00"})

    page = customer_client.get("/offers/")

    assert '<s aria-label="was €12.00">€12.00</s>' in page.text
    assert "€9.00" in page.text
    assert "Self-care portal price" in page.text
    assert promo.pk


def test_the_orders_status_changes_are_in_her_history_once_each(
    customer, data_offer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = buy(customer, data_offer)

    history = Interaction.objects.filter(customer=customer).order_by("id")
    assert [(i.kind, i.channel, i.actor, i.summary) for i in history] == [
        ("order_placed", "portal", "customer", "Switched on Data 15GB (€10.00)"),
        ("order_status", "system", "system", f"Order #{order.pk}: completed"),
        ("addon_status", "system", "system", "Data 15GB is active"),
        ("message_sent", "system", "system", "SMS sent: Data 15GB is active"),
    ]


def test_a_line_that_is_not_active_buys_nothing(customer, data_offer):
    customer.lines.update(status="suspended")

    with pytest.raises(NotEligibleError, match="is suspended"):
        buy(customer, data_offer)
    assert not Order.objects.exists()
    assert customer_balance(customer=customer) == Decimal("50.00")
