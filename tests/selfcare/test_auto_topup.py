"""Auto top-up: only with her recorded consent and a saved card, triggered by a charge that takes
her below her threshold, at most a few times a month, told each time, never a loop."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache

from selfcare.models import Account, AutoTopUp, Interaction, Notification, TopUp
from selfcare.payments import Card
from selfcare.selectors import customer_balance
from selfcare.services import (
    TopUpError,
    account_charge,
    auto_topup_run,
    auto_topup_set,
    topup_by_card,
)
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

VISA = Card("4242424242424242", 12, 2030, "123")
SAVED_DECLINES = Card("4000000000000341", 12, 2030, "123")


@pytest.fixture(autouse=True)
def _gateway_forgets():
    cache.clear()
    yield
    cache.clear()


def _with_auto(card=VISA, *, balance="20.00", threshold="5.00", amount="10.00"):
    """A customer who topped up once by `card` and turned auto top-up on."""
    customer = CustomerFactory(balance=Decimal(balance) - Decimal("10.00"))
    topup_by_card(customer=customer, amount="10.00", card=card, idempotency_key="first-card")
    auto_topup_set(customer=customer, enabled=True, threshold=threshold, amount=amount)
    return customer


def _spend(customer, amount: str, ref: str, capture):
    with capture(execute=True):
        # the account as a purchase reads it, under its lock: fresh
        account = Account.objects.get(customer=customer)
        account_charge(account=account, amount=Decimal(amount), description="Spent", reference=ref)


def test_turning_it_on_needs_a_saved_card_and_changes_nothing_without_one(customer):
    with pytest.raises(TopUpError, match="Top up once by card first"):
        auto_topup_set(customer=customer, enabled=True, threshold="5", amount="10")

    assert not AutoTopUp.objects.exists()
    assert not Interaction.objects.filter(kind="auto_top_up").exists()


@pytest.mark.parametrize(
    ("threshold", "amount", "words"),
    [
        ("0", "10", "The balance to top up below: A top-up is between €1.00 and €100.00"),
        ("5", "500", "A top-up is between €1.00 and €100.00; €500.00 is not."),
    ],
)
def test_amounts_out_of_limits_are_refused(customer, threshold, amount, words):
    topup_by_card(customer=customer, amount="10.00", card=VISA, idempotency_key="first-card")

    with pytest.raises(TopUpError) as refused:
        auto_topup_set(customer=customer, enabled=True, threshold=threshold, amount=amount)

    assert str(refused.value).startswith(words)
    assert not AutoTopUp.objects.exists()


def test_turning_it_on_and_off_is_recorded_in_her_history_with_what_she_agreed_to(customer):
    topup_by_card(customer=customer, amount="10.00", card=VISA, idempotency_key="first-card")

    setting = auto_topup_set(
        customer=customer, enabled=True, threshold="5", amount="10", actor_user=customer.user
    )
    auto_topup_set(customer=customer, enabled=False, actor_user=customer.user)
    auto_topup_set(customer=customer, enabled=False, actor_user=customer.user)

    setting.refresh_from_db()
    assert (setting.enabled, setting.threshold, setting.amount, setting.card_last4) == (
        False,
        Decimal("5.00"),
        Decimal("10.00"),
        "4242",
    )
    assert setting.card_token.startswith("simtok_4242_")
    assert setting.consented_at is not None
    history = list(
        Interaction.objects.filter(kind="auto_top_up")
        .order_by("id")
        .values_list("summary", "actor", "actor_user")
    )
    assert history == [
        (
            "Auto top-up turned on: when the balance falls below €5.00, add €10.00 from Visa "
            "ending 4242, at most 3 times a month",
            "customer",
            customer.user.pk,
        ),
        ("Auto top-up turned off", "customer", customer.user.pk),
    ]


def test_a_charge_below_her_threshold_tops_her_up_from_her_saved_card_and_tells_her(
    django_capture_on_commit_callbacks,
):
    customer = _with_auto()  # €20.00

    _spend(customer, "16.00", "spend-1", django_capture_on_commit_callbacks)  # €4.00 < €5.00

    auto = TopUp.objects.get(customer=customer, method="auto")
    assert (auto.status, auto.amount, auto.channel, auto.card_last4) == (
        "succeeded",
        Decimal("10.00"),
        "system",
        "4242",
    )
    assert customer_balance(customer=customer) == Decimal("14.00")
    history = Interaction.objects.get(customer=customer, kind="top_up", data__method="auto")
    assert (history.actor, history.summary) == (
        "system",
        "Topped up €10.00 by auto top-up (Visa ending 4242)",
    )
    receipt = Notification.objects.filter(customer=customer, template="topup_receipt").first()
    assert (
        "€10.00 was added to your balance by auto top-up from your Visa card ending 4242, as "
        "your balance fell below €5.00." in receipt.body
    )


def test_a_charge_that_leaves_her_at_or_above_her_threshold_tops_up_nothing(
    django_capture_on_commit_callbacks,
):
    customer = _with_auto()  # €20.00

    _spend(customer, "15.00", "spend-1", django_capture_on_commit_callbacks)  # €5.00, not below

    assert not TopUp.objects.filter(method="auto").exists()
    assert customer_balance(customer=customer) == Decimal("5.00")


def test_turned_off_it_tops_up_nothing(django_capture_on_commit_callbacks):
    customer = _with_auto()
    auto_topup_set(customer=customer, enabled=False)

    _spend(customer, "19.00", "spend-1", django_capture_on_commit_callbacks)

    assert not TopUp.objects.filter(method="auto").exists()


def test_the_monthly_cap_counts_only_this_calendar_month(django_capture_on_commit_callbacks):
    customer = _with_auto(balance="100.00", threshold="50.00", amount="1.00")
    december = dt.datetime(2026, 12, 10, 12, tzinfo=dt.UTC)

    # each charge of €1.00 below €50.00 tops up €1.00: three times in December, then no more
    with time_machine.travel(december, tick=False):
        _spend(customer, "51.00", "down", django_capture_on_commit_callbacks)  # €49.00
        for i in range(4):
            _spend(customer, "1.00", f"dec-{i}", django_capture_on_commit_callbacks)
    assert TopUp.objects.filter(method="auto", status="succeeded").count() == 3
    assert customer_balance(customer=customer) == Decimal("48.00")  # 49 - 4 + 3

    # a new month (in the operator's time zone) allows three more
    with time_machine.travel(dt.datetime(2027, 1, 1, 0, 30, tzinfo=dt.UTC), tick=False):
        _spend(customer, "1.00", "jan-0", django_capture_on_commit_callbacks)
    assert TopUp.objects.filter(method="auto", status="succeeded").count() == 4


def test_a_declined_saved_card_turns_it_off_tells_her_and_does_not_try_again(
    django_capture_on_commit_callbacks,
):
    customer = _with_auto(SAVED_DECLINES)  # its first charge succeeds, later ones are declined

    _spend(customer, "16.00", "spend-1", django_capture_on_commit_callbacks)
    _spend(customer, "1.00", "spend-2", django_capture_on_commit_callbacks)

    attempts = list(TopUp.objects.filter(method="auto").values_list("status", "error"))
    assert attempts == [("declined", "Your saved card was declined")]
    assert customer_balance(customer=customer) == Decimal("3.00")
    assert AutoTopUp.objects.get(customer=customer).enabled is False
    assert Interaction.objects.filter(
        customer=customer, summary="Auto top-up turned off: Your saved card was declined"
    ).exists()
    told = Notification.objects.get(customer=customer, template="topup_auto_failed")
    assert "auto top-up is now off" in told.body


def test_the_job_run_twice_tops_up_once_and_never_loops(django_capture_on_commit_callbacks):
    customer = _with_auto()
    with django_capture_on_commit_callbacks(execute=False):
        account_charge(
            account=Account.objects.get(customer=customer),
            amount=Decimal("16.00"),
            description="x",
            reference="s-1",
        )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = auto_topup_run(customer_id=customer.pk)
        second = auto_topup_run(customer_id=customer.pk)

    assert first is not None
    assert second is None
    assert TopUp.objects.filter(method="auto").count() == 1
    assert customer_balance(customer=customer) == Decimal("14.00")
    # what the top-up committed publishes its receipt, never another auto top-up
    assert all("topup_auto" not in repr(c) for c in callbacks)
