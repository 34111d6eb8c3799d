"""The top-up's events: `TopUpCompleted` once per top-up for every way in (card, a charge the
gateway answered late, voucher, agent's voucher, auto top-up), in the top-up's transaction; and
`BalanceLow` when paying what her bars owe takes her below LOW_BALANCE_THRESHOLD."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import transaction

import orders.tasks  # noqa: F401 (registers the network job a lifted bar publishes by name)
from selfcare.models import Account, DomainEvent, LedgerEntry, OutOfBundleTally, ServiceBar, TopUp
from selfcare.payments import Card
from selfcare.selectors import customer_balance
from selfcare.services import (
    TopUpNotConfirmedError,
    account_charge,
    auto_topup_set,
    topup_by_agent_voucher,
    topup_by_card,
    topup_by_voucher,
    topup_settle_pending,
    voucher_create,
)
from tests.factories import CustomerFactory, UserFactory
from tests.selfcare.test_topup import LostAnswerGateway  # noqa: F401 (settings names it)

pytestmark = pytest.mark.django_db

VISA = Card("4242424242424242", 12, 2030, "123")
PIN = "1111 2222 3333 4444"


@pytest.fixture(autouse=True)
def _gateway_forgets():
    cache.clear()
    yield
    cache.clear()


def _events(kind):
    return list(DomainEvent.objects.filter(kind=kind).order_by("id").values_list("cause", "facts"))


def _completed(topup, *, method, channel, amount, balance, lifted=()):
    return (
        f"top-up:{topup.pk}:completed",
        {
            "top_up_id": topup.pk,
            "method": method,
            "channel": channel,
            "amount": amount,
            "currency": "EUR",
            "balance": balance,
            "bars_lifted": list(lifted),
        },
    )


def test_a_card_top_up_records_one_top_up_completed_even_submitted_twice(customer):
    topup = topup_by_card(customer=customer, amount="10.00", card=VISA, idempotency_key="c-1")
    topup_by_card(customer=customer, amount="10.00", card=VISA, idempotency_key="c-1")

    assert _events("TopUpCompleted") == [
        _completed(topup, method="card", channel="portal", amount="10.00", balance="60.00")
    ]
    event = DomainEvent.objects.get()
    assert (event.customer_id, event.line_id, event.occurred_at) == (
        customer.pk,
        None,
        topup.completed_at,
    )
    assert not DomainEvent.objects.exclude(kind="TopUpCompleted").exists()


def test_a_charge_answered_late_records_it_once_when_settled_not_when_tried(customer, settings):
    settings.PAYMENT_GATEWAY = "tests.selfcare.test_topup.LostAnswerGateway"
    with pytest.raises(TopUpNotConfirmedError):
        topup_by_card(customer=customer, amount="15.00", card=VISA, idempotency_key="late-1")
    assert not DomainEvent.objects.exists()
    attempt = TopUp.objects.get(customer=customer)

    topup_settle_pending(topup_id=attempt.pk)
    topup_settle_pending(topup_id=attempt.pk)

    assert _events("TopUpCompleted") == [
        _completed(attempt, method="card", channel="portal", amount="15.00", balance="65.00")
    ]


def test_a_declined_card_records_nothing(customer):
    with pytest.raises(Exception, match="declined"):
        topup_by_card(
            customer=customer,
            amount="10.00",
            card=Card("4000000000000002", 12, 2030, "123"),
            idempotency_key="d-1",
        )

    assert not DomainEvent.objects.exists()


def test_a_voucher_and_an_agents_voucher_each_record_one(customer):
    voucher_create(pin=PIN, serial="V-0001", amount=Decimal("15.00"))
    voucher_create(pin="5555 6666 7777 8888", serial="V-0002", amount=Decimal("5.00"))
    agent = UserFactory(first_name="Alex", last_name="Agent", groups=["Call-centre agents"])

    own = topup_by_voucher(customer=customer, pin=PIN, idempotency_key="v-1")
    topup_by_voucher(customer=customer, pin=PIN, idempotency_key="v-1")
    by_agent = topup_by_agent_voucher(
        customer=customer, pin="5555666677778888", idempotency_key="a-1", agent=agent
    )

    assert _events("TopUpCompleted") == [
        _completed(own, method="voucher", channel="portal", amount="15.00", balance="65.00"),
        _completed(by_agent, method="agent", channel="agent", amount="5.00", balance="70.00"),
    ]


def test_an_auto_top_up_records_one(django_capture_on_commit_callbacks):
    customer = CustomerFactory(balance=Decimal("10.00"))
    topup_by_card(customer=customer, amount="10.00", card=VISA, idempotency_key="first-card")
    auto_topup_set(customer=customer, enabled=True, threshold="5.00", amount="10.00")

    with django_capture_on_commit_callbacks(execute=True):
        account = Account.objects.get(customer=customer)
        account_charge(account=account, amount=Decimal("16.00"), description="x", reference="s-1")

    auto = TopUp.objects.get(customer=customer, method="auto")
    first = TopUp.objects.get(customer=customer, method="card")
    assert _events("TopUpCompleted") == [
        _completed(first, method="card", channel="portal", amount="10.00", balance="20.00"),
        _completed(auto, method="auto", channel="system", amount="10.00", balance="14.00"),
    ]


def test_the_event_rolls_back_with_the_top_up(customer):
    voucher = voucher_create(pin=PIN, serial="V-0001", amount=Decimal("15.00"))

    def top_up_then_a_failure():
        with transaction.atomic():
            topup_by_voucher(customer=customer, pin=PIN, idempotency_key="r-1")
            assert len(_events("TopUpCompleted")) == 1
            raise RuntimeError("the caller's transaction fails")

    with pytest.raises(RuntimeError):
        top_up_then_a_failure()

    assert not DomainEvent.objects.exists()
    assert not TopUp.objects.exists()
    assert customer_balance(customer=customer) == Decimal("50.00")
    voucher.refresh_from_db()
    assert voucher.used_at is None


# BalanceLow when a top-up pays what her bars owe


def _barred(customer, *, owed_mb: int) -> ServiceBar:
    """Her data barred with `owed_mb` MB of out-of-bundle use unpaid (€0.01 a MB)."""
    line = customer.lines.get()
    OutOfBundleTally.objects.create(
        line=line, unit="bytes", quantity=owed_mb * 1024 * 1024, charged=Decimal("0.00")
    )
    now = dt.datetime.now(dt.UTC)
    return ServiceBar.objects.create(
        line=line, service="data", reason="Balance too low", barred_at=now, network_barred_at=now
    )


def test_paying_what_is_owed_below_the_threshold_records_balance_low_once(settings):
    settings.NETWORK_ADAPTER = "tests.selfcare.test_usage.RecordingNetwork"
    customer = CustomerFactory(balance=Decimal("0.00"))
    bar = _barred(customer, owed_mb=390)  # €3.90 owed

    topup = topup_by_card(customer=customer, amount="5.00", card=VISA, idempotency_key="b-1")
    topup_by_card(customer=customer, amount="5.00", card=VISA, idempotency_key="b-1")

    owed = LedgerEntry.objects.get(reference=f"top-up:{topup.pk}:owed:{bar.pk}")
    assert owed.amount == Decimal("-3.90")
    assert _events("BalanceLow") == [
        (
            f"balance-low:ledger:{owed.pk}",
            {"balance": "1.10", "before": "5.00", "threshold": "2.00", "currency": "EUR"},
        )
    ]
    assert DomainEvent.objects.get(kind="BalanceLow").occurred_at == owed.created_at
    assert _events("TopUpCompleted") == [
        _completed(
            topup, method="card", channel="portal", amount="5.00", balance="1.10", lifted=["data"]
        )
    ]


def test_paying_what_is_owed_that_leaves_her_above_the_threshold_records_no_balance_low(
    settings,
):
    settings.NETWORK_ADAPTER = "tests.selfcare.test_usage.RecordingNetwork"
    customer = CustomerFactory(balance=Decimal("0.00"))
    _barred(customer, owed_mb=250)  # €2.50 owed: €2.50 left, not below €2.00

    topup_by_card(customer=customer, amount="5.00", card=VISA, idempotency_key="b-2")

    assert _events("BalanceLow") == []
    assert customer_balance(customer=customer) == Decimal("2.50")
