"""Top-up by card and by voucher: each path's exact ledger, top-up row, history and message;
refusals that charge and write nothing; the settling of a charge the gateway did not answer."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache

import orders.tasks  # noqa: F401 (registers the network job a lifted bar publishes by name)
from selfcare.models import (
    Interaction,
    LedgerEntry,
    Notification,
    OutOfBundleTally,
    ServiceBar,
    TopUp,
    Voucher,
    VoucherPinFailure,
)
from selfcare.payments import Card, PaymentTimeoutError, SimulatedPaymentGateway
from selfcare.selectors import customer_balance
from selfcare.services import (
    TopUpAmountError,
    TopUpDeclinedError,
    TopUpNotConfirmedError,
    VoucherError,
    VoucherLockedError,
    topup_by_agent_voucher,
    topup_by_card,
    topup_by_voucher,
    topup_settle_pending,
    voucher_create,
)
from tests.factories import CustomerFactory, UserFactory
from tests.selfcare import test_usage

pytestmark = pytest.mark.django_db

VISA = Card("4242424242424242", 12, 2030, "123")
DECLINED = Card("4000000000000002", 12, 2030, "123")
NO_FUNDS = Card("4000000000009995", 12, 2030, "123")
TIMES_OUT = Card("4000000000000119", 12, 2030, "123")
PIN = "1111 2222 3333 4444"


@pytest.fixture(autouse=True)
def _gateway_forgets():
    # The simulated gateway keeps its charges in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


class LostAnswerGateway(SimulatedPaymentGateway):
    """Takes the money, then its answer is lost on the way back (a real gateway's timeout)."""

    def charge(self, request):
        super().charge(request)
        raise PaymentTimeoutError("no answer")


class CountingGateway(SimulatedPaymentGateway):
    """Counts the charges it is asked to make, to prove a settled attempt is not sent again."""

    asked: list[str] = []

    def charge(self, request):
        CountingGateway.asked.append(request.key)
        return super().charge(request)


def _written(customer):
    """What a top-up writes, to assert nothing was."""
    return {
        "top_ups": TopUp.objects.filter(customer=customer, status="succeeded").count(),
        "entries": LedgerEntry.objects.filter(account__customer=customer).count(),
        "history": Interaction.objects.filter(customer=customer).count(),
        "messages": Notification.objects.filter(customer=customer).count(),
    }


def test_a_card_top_up_credits_her_balance_writes_her_history_and_sends_a_receipt(
    customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        topup = topup_by_card(
            customer=customer, amount="10.00", card=VISA, idempotency_key="key-card-1"
        )

    topup.refresh_from_db()
    assert (topup.status, topup.method, topup.amount) == ("succeeded", "card", Decimal("10.00"))
    assert (topup.card_brand, topup.card_last4) == ("Visa", "4242")
    assert topup.card_token.startswith("simtok_4242_")
    assert topup.gateway_reference.startswith("sim_ch_")
    entry = LedgerEntry.objects.get(reference=f"top-up:{topup.pk}")
    assert (entry.kind, entry.amount) == ("top_up", Decimal("10.00"))
    assert entry.description == "Top-up by card (Visa ending 4242)"
    assert customer_balance(customer=customer) == Decimal("60.00")
    history = Interaction.objects.get(customer=customer, kind="top_up")
    assert (history.channel, history.actor, history.actor_user) == (
        "portal",
        "customer",
        customer.user,
    )
    assert history.summary == "Topped up €10.00 by card (Visa ending 4242)"
    receipt = Notification.objects.get(customer=customer)
    assert (receipt.template, receipt.status) == ("topup_receipt", "sent")
    assert receipt.subject == "€10.00 added to your balance"
    assert "€10.00 was added to your balance from your Visa card ending 4242." in receipt.body
    assert "Your balance is now €60.00." in receipt.body
    # The card's number is nowhere: only its brand, last 4 and the gateway's token.
    for field in TopUp._meta.concrete_fields:
        assert "4242424242424242" not in str(getattr(topup, field.attname))


@pytest.mark.parametrize(
    ("card", "words"),
    [
        (DECLINED, "Your card was declined. Nothing was charged."),
        (NO_FUNDS, "Your card has insufficient funds. Nothing was charged."),
    ],
)
def test_a_declined_card_charges_nothing_and_says_why(customer, card, words):
    before = _written(customer)

    with pytest.raises(TopUpDeclinedError) as refused:
        topup_by_card(customer=customer, amount="10.00", card=card, idempotency_key="key-dec-1")

    assert str(refused.value) == words
    assert _written(customer) == before
    assert customer_balance(customer=customer) == Decimal("50.00")
    # The attempt is kept, as declined, with its last 4 digits only.
    attempt = TopUp.objects.get(customer=customer)
    assert (attempt.status, attempt.card_last4, attempt.completed_at is not None) == (
        "declined",
        card.last4,
        True,
    )


def test_a_timeout_charges_nothing_and_the_sweep_settles_it_as_not_charged(customer):
    before = _written(customer)

    with pytest.raises(TopUpNotConfirmedError) as refused:
        topup_by_card(customer=customer, amount="20.00", card=TIMES_OUT, idempotency_key="k-t-1")

    assert str(refused.value) == "The payment could not be confirmed; nothing was charged."
    attempt = TopUp.objects.get(customer=customer)
    assert attempt.status == "pending"
    assert _written(customer) == before

    topup_settle_pending(topup_id=attempt.pk)

    attempt.refresh_from_db()
    assert attempt.status == "failed"
    assert _written(customer) == before
    assert customer_balance(customer=customer) == Decimal("50.00")


def test_a_charge_whose_answer_was_lost_is_credited_once_when_the_gateway_says_it_was_taken(
    customer, settings
):
    settings.PAYMENT_GATEWAY = "tests.selfcare.test_topup.LostAnswerGateway"
    with pytest.raises(TopUpNotConfirmedError):
        topup_by_card(customer=customer, amount="15.00", card=VISA, idempotency_key="k-lost-1")
    attempt = TopUp.objects.get(customer=customer)
    assert customer_balance(customer=customer) == Decimal("50.00")

    topup_settle_pending(topup_id=attempt.pk)
    topup_settle_pending(topup_id=attempt.pk)

    attempt.refresh_from_db()
    assert attempt.status == "succeeded"
    assert customer_balance(customer=customer) == Decimal("65.00")
    assert LedgerEntry.objects.filter(kind="top_up", account__customer=customer).count() == 2
    assert Notification.objects.filter(customer=customer, template="topup_receipt").count() == 1


def test_the_same_submit_twice_is_one_top_up(customer):
    first = topup_by_card(customer=customer, amount="10.00", card=VISA, idempotency_key="dbl-1")
    second = topup_by_card(customer=customer, amount="10.00", card=VISA, idempotency_key="dbl-1")

    assert first.pk == second.pk
    assert TopUp.objects.filter(customer=customer).count() == 1
    assert customer_balance(customer=customer) == Decimal("60.00")
    assert Notification.objects.filter(customer=customer).count() == 1


def test_a_second_submit_of_a_settled_key_never_reaches_the_gateway(customer, settings):
    settings.PAYMENT_GATEWAY = "tests.selfcare.test_topup.CountingGateway"
    CountingGateway.asked = []

    first = topup_by_card(customer=customer, amount="10.00", card=VISA, idempotency_key="dbl-2")
    second = topup_by_card(customer=customer, amount="10.00", card=VISA, idempotency_key="dbl-2")

    assert first.pk == second.pk
    assert CountingGateway.asked == [f"top-up-{first.pk}"]
    assert customer_balance(customer=customer) == Decimal("60.00")


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0.99", "A top-up is between €1.00 and €100.00; €0.99 is not."),
        ("100.01", "A top-up is between €1.00 and €100.00; €100.01 is not."),
        ("-5", "A top-up is between €1.00 and €100.00; -€5.00 is not."),
        ("1.005", "Enter an amount in euros, e.g. 10 or 12.50."),
        ("ten", "Enter an amount in euros, e.g. 10 or 12.50."),
        ("NaN", "Enter an amount in euros, e.g. 10 or 12.50."),
    ],
)
def test_an_amount_outside_the_limits_is_refused_before_the_gateway_is_asked(
    customer, amount, words
):
    before = _written(customer)

    with pytest.raises(TopUpAmountError) as refused:
        topup_by_card(customer=customer, amount=amount, card=VISA, idempotency_key="k-lim-1")

    assert str(refused.value) == words
    assert _written(customer) == before
    assert not TopUp.objects.exists()
    assert cache.get("simulated-gateway:top-up-1") is None


@pytest.mark.parametrize("amount", ["1.00", "100", "12.5"])
def test_the_limits_themselves_are_accepted(customer, amount):
    topup = topup_by_card(customer=customer, amount=amount, card=VISA, idempotency_key="k-ok-1")

    assert topup.amount == Decimal(amount)
    assert customer_balance(customer=customer) == Decimal("50.00") + Decimal(amount)


# Vouchers


@pytest.fixture
def voucher(db):
    return voucher_create(pin=PIN, serial="V-0001", amount=Decimal("15.00"))


def test_the_pin_is_kept_only_as_a_keyed_hash(voucher):
    stored = Voucher.objects.get(pk=voucher.pk)
    assert "1111222233334444" not in stored.pin_hash
    assert len(stored.pin_hash) == 64


def test_a_voucher_tops_up_once_with_history_and_receipt(customer, voucher):
    topup = topup_by_voucher(customer=customer, pin=PIN, idempotency_key="v-key-1")

    assert (topup.status, topup.method, topup.amount, topup.voucher_id) == (
        "succeeded",
        "voucher",
        Decimal("15.00"),
        voucher.pk,
    )
    voucher.refresh_from_db()
    assert voucher.used_by == customer
    assert voucher.used_at is not None
    assert customer_balance(customer=customer) == Decimal("65.00")
    history = Interaction.objects.get(customer=customer, kind="top_up")
    assert history.summary == "Topped up €15.00 with voucher V-0001"
    receipt = Notification.objects.get(customer=customer)
    assert "€15.00 was added to your balance with voucher V-0001." in receipt.body

    other = CustomerFactory()
    with pytest.raises(VoucherError, match="This voucher has already been used"):
        topup_by_voucher(customer=other, pin="1111-2222-3333-4444", idempotency_key="v-key-2")
    assert customer_balance(customer=other) == Decimal("50.00")
    # The same submit again is the same top-up, not a refusal.
    assert topup_by_voucher(customer=customer, pin=PIN, idempotency_key="v-key-1").pk == topup.pk


def test_an_expired_voucher_is_refused(customer):
    voucher_create(
        pin="9999 8888 7777 6666",
        serial="V-OLD",
        amount=Decimal("5.00"),
        valid_until=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    )
    with pytest.raises(VoucherError, match="This voucher has expired"):
        topup_by_voucher(customer=customer, pin="9999888877776666", idempotency_key="v-exp-1")
    assert customer_balance(customer=customer) == Decimal("50.00")


def test_a_malformed_pin_is_refused_without_counting_as_a_wrong_try(customer, voucher):
    with pytest.raises(VoucherError, match="the 16 digits under the scratch panel"):
        topup_by_voucher(customer=customer, pin="12345", idempotency_key="v-mal-1")
    assert not VoucherPinFailure.objects.exists()


def test_five_wrong_pins_in_an_hour_lock_vouchers_for_her_until_the_hour_is_over(
    customer, voucher, settings
):
    settings.VOUCHER_MAX_WRONG_PINS = 5
    start = dt.datetime(2026, 12, 4, 14, 40, 10, tzinfo=dt.UTC)  # 14:40 in Lisbon, winter
    words = []
    with time_machine.travel(start, tick=False):
        for i in range(5):
            with pytest.raises(VoucherError) as refused:
                topup_by_voucher(
                    customer=customer, pin=f"000000000000000{i}", idempotency_key=f"w-{i}"
                )
            words.append(str(refused.value))
    assert words[0] == "That PIN is not right: check it and try again (4 tries left this hour)."
    assert words[3] == "That PIN is not right: check it and try again (1 try left this hour)."
    assert words[4] == "Too many wrong PINs: try again after 15:41."

    # Locked: even the right PIN is refused, and not counted.
    with (
        time_machine.travel(start + dt.timedelta(minutes=30), tick=False),
        pytest.raises(VoucherLockedError, match="try again after 15:41"),
    ):
        topup_by_voucher(customer=customer, pin=PIN, idempotency_key="w-right")
    assert VoucherPinFailure.objects.count() == 5
    assert customer_balance(customer=customer) == Decimal("50.00")
    # Someone else is not locked by her tries.
    other = CustomerFactory()
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        assert topup_by_voucher(customer=other, pin=PIN, idempotency_key="w-other")

    voucher_create(pin="5555 6666 7777 8888", serial="V-0002", amount=Decimal("5.00"))
    with time_machine.travel(start + dt.timedelta(hours=1, seconds=1), tick=False):
        topup = topup_by_voucher(customer=customer, pin="5555666677778888", idempotency_key="w-ok")
    assert topup.amount == Decimal("5.00")


def test_an_agent_applies_a_voucher_for_her_recorded_with_his_name(customer, voucher):
    agent = UserFactory(first_name="Alex", last_name="Agent", groups=["Call-centre agents"])

    topup = topup_by_agent_voucher(customer=customer, pin=PIN, idempotency_key="a-1", agent=agent)

    assert (topup.method, topup.channel, topup.created_by) == ("agent", "agent", agent)
    history = Interaction.objects.get(customer=customer, kind="top_up")
    assert (history.actor, history.actor_user, history.channel) == ("agent", agent, "agent")
    assert history.summary == "Topped up €15.00 with voucher V-0001, applied by the call centre"
    assert customer_balance(customer=customer) == Decimal("65.00")


# Bars lifted after a top-up


def _barred(customer, *, owed_mb: int):
    """Her data barred with `owed_mb` MB of out-of-bundle use unpaid (€0.01 a MB)."""
    line = customer.lines.get()
    OutOfBundleTally.objects.create(
        line=line, unit="bytes", quantity=owed_mb * 1024 * 1024, charged=Decimal("0.00")
    )
    now = dt.datetime.now(dt.UTC)
    return ServiceBar.objects.create(
        line=line, service="data", reason="Balance too low", barred_at=now, network_barred_at=now
    )


def test_a_top_up_pays_what_out_of_bundle_use_owes_and_lifts_the_bar(
    django_capture_on_commit_callbacks, settings
):
    # the simulated network, recording what it is told
    settings.NETWORK_ADAPTER = "tests.selfcare.test_usage.RecordingNetwork"
    test_usage.calls.clear()
    customer = CustomerFactory(balance=Decimal("0.00"))
    bar = _barred(customer, owed_mb=250)  # €2.50 owed

    with django_capture_on_commit_callbacks(execute=True):
        topup = topup_by_card(customer=customer, amount="5.00", card=VISA, idempotency_key="b-1")

    bar.refresh_from_db()
    assert bar.lifted_at is not None
    assert bar.network_lifted_at is not None
    assert test_usage.calls == [("lift_bar", customer.lines.get().msisdn, "data")]
    owed = LedgerEntry.objects.get(reference=f"top-up:{topup.pk}:owed:{bar.pk}")
    assert (owed.kind, owed.amount) == ("charge", Decimal("-2.50"))
    assert OutOfBundleTally.objects.get().charged == Decimal("2.50")
    assert customer_balance(customer=customer) == Decimal("2.50")
    assert Interaction.objects.get(kind="top_up").data["bars_lifted"] == ["data"]
    assert "Data is back on." in Notification.objects.get(template="topup_receipt").body


def test_a_top_up_too_small_for_what_is_owed_leaves_the_bar_and_charges_nothing_more():
    customer = CustomerFactory(balance=Decimal("0.00"))
    bar = _barred(customer, owed_mb=1000)  # €10.00 owed

    topup_by_card(customer=customer, amount="5.00", card=VISA, idempotency_key="b-2")

    bar.refresh_from_db()
    assert bar.lifted_at is None
    assert customer_balance(customer=customer) == Decimal("5.00")
    assert OutOfBundleTally.objects.get().charged == Decimal("0.00")
    assert not LedgerEntry.objects.filter(kind="charge").exists()
