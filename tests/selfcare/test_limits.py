"""The limits she sets: "stop when my allowance is used up" and a monthly spend cap, applied by the
rating on both paths (set-based on PostgreSQL, reference), lifted by their own rules."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from orders.models import ProductInstance
from orders.services import product_instance_activate
from selfcare.models import (
    Channel,
    DomainEvent,
    LedgerEntry,
    Notification,
    OutOfBundleTally,
    ServiceBar,
    UsageLimit,
    UsageLimitChange,
)
from selfcare.selectors import customer_balance
from selfcare.services import service_bar_lift, usage_ingest
from selfcare.services.events import event_dispatch
from selfcare.services.limits import (
    UsageLimitError,
    spend_cap_bars_lift_due,
    usage_limit_save,
)
from selfcare.services.usage import out_of_bundle_settle
from tests.factories import CustomerFactory, OfferFactory, UserFactory
from tests.orders.helpers import buy
from tests.selfcare.test_usage import MB, bucket, calls, event

pytestmark = pytest.mark.django_db

Cause = ServiceBar.Cause


@pytest.fixture(params=["set_based", "reference"])
def fast(request):
    if request.param == "set_based" and connection.vendor != "postgresql":
        pytest.skip("the set-based path needs PostgreSQL")
    return request.param == "set_based"


@pytest.fixture
def mocker_network(settings):
    """The simulated network, recording what it is told (test_usage's recorder)."""
    calls.clear()
    settings.NETWORK_ADAPTER = "tests.selfcare.test_usage.RecordingNetwork"
    return calls


def limit(line, *, stop=False, cap=None):
    return usage_limit_save(
        line=line, stop_when_used_up=stop, monthly_cap=cap, channel=Channel.PORTAL
    )


def charged():
    return -sum(e.amount for e in LedgerEntry.objects.filter(kind="charge"))


# Stop when my allowance is used up


def test_with_stop_on_out_of_bundle_use_is_barred_and_charges_nothing(
    line, fast, django_capture_on_commit_callbacks, mocker_network
):
    bucket(line, "Plan data", 100 * MB)
    limit(line, stop=True)

    with django_capture_on_commit_callbacks(execute=True):
        result = usage_ingest(events=[event(line, 350 * MB)], fast=fast)

    assert charged() == 0
    assert customer_balance(customer=line.customer) == Decimal("50.00")
    bar = ServiceBar.objects.get()
    assert (bar.service, bar.cause, bar.network_barred_at is not None) == ("data", "stop", True)
    assert result.lines[line.pk].barred == ["data"]
    assert mocker_network == [("bar", line.msisdn, "data")]
    tally = OutOfBundleTally.objects.get()
    # 250 MB beyond the allowance: €2.50 neither charged nor owed
    assert (tally.quantity, tally.charged, tally.waived) == (250 * MB, 0, Decimal("2.50"))

    # what slips through while the network bars it is not charged either, and no second bar
    usage_ingest(events=[event(line, 10 * MB, id="late")], fast=fast)
    assert charged() == 0
    assert ServiceBar.objects.count() == 1


def test_a_top_up_does_not_lift_a_bar_her_limits_made(line, fast):
    limit(line, stop=True)
    usage_ingest(events=[event(line, 10 * MB)], fast=fast)

    assert service_bar_lift(line=line, service="data") is False
    settled = out_of_bundle_settle(
        line=line, service="data", available=Decimal("50"), reference="x"
    )
    assert settled is None
    assert ServiceBar.objects.get().lifted_at is None
    assert charged() == 0


def test_turning_stop_off_lifts_its_bar_and_use_is_charged_again(
    line, fast, django_capture_on_commit_callbacks, mocker_network
):
    limit(line, stop=True)
    with django_capture_on_commit_callbacks(execute=True):
        usage_ingest(events=[event(line, 100 * MB)], fast=fast)

    with django_capture_on_commit_callbacks(execute=True):
        limit(line, stop=False)

    assert ServiceBar.objects.get().lifted_at is not None
    assert mocker_network[-1] == ("lift_bar", line.msisdn, "data")
    # the €1.00 used while stopped stays uncharged; new use is charged
    usage_ingest(events=[event(line, 50 * MB, id="after")], fast=fast)
    assert charged() == Decimal("0.50")


def test_a_new_allowance_lifts_the_stop_bar_of_its_unit_only(customer, line):
    limit(line, stop=True)
    usage_ingest(events=[event(line, 10 * MB), event(line, 1, service="sms", id="sms")])
    assert set(ServiceBar.objects.values_list("service", flat=True)) == {"data", "sms"}

    buy(customer, OfferFactory(data_offer=True))
    product_instance_activate(product_instance_id=ProductInstance.objects.get().pk)

    open_bars = ServiceBar.objects.filter(lifted_at__isnull=True)
    assert list(open_bars.values_list("service", flat=True)) == ["sms"]


# The monthly spend cap


def test_a_cap_reached_mid_batch_is_charged_exactly_up_to_it_and_the_rest_barred(
    line, fast, django_capture_on_commit_callbacks, mocker_network
):
    limit(line, cap="5.00")

    with django_capture_on_commit_callbacks(execute=True):
        usage_ingest(
            events=[
                event(line, 300 * MB, id="a"),
                event(line, 400 * MB, id="b"),
                event(line, 3, service="sms", id="c"),
            ],
            fast=fast,
        )

    # €7.00 of data: €5.00 charged, the cap reached, data and SMS barred; nothing for the SMS
    assert charged() == Decimal("5.00")
    assert customer_balance(customer=line.customer) == Decimal("45.00")
    assert sorted(ServiceBar.objects.values_list("service", "cause")) == [
        ("data", Cause.SPEND_CAP),
        ("sms", Cause.SPEND_CAP),
    ]
    assert sorted(OutOfBundleTally.objects.values_list("unit", "charged", "waived")) == [
        ("bytes", Decimal("5.00"), Decimal("2.00")),
        ("messages", Decimal("0.00"), Decimal("0.24")),
    ]
    kinds = DomainEvent.objects.filter(kind__startswith="SpendCap").values_list("kind", flat=True)
    assert sorted(kinds) == ["SpendCapNear", "SpendCapReached"]

    # more use that slips through: nothing charged, nothing owed after a top-up
    usage_ingest(events=[event(line, 100 * MB, id="late")], fast=fast)
    assert charged() == Decimal("5.00")
    assert service_bar_lift(line=line, service="data") is False


def test_below_the_cap_use_is_charged_as_without_one(line, fast):
    limit(line, cap="5.00")

    usage_ingest(events=[event(line, 350 * MB)], fast=fast)

    assert charged() == Decimal("3.50")
    assert not ServiceBar.objects.exists()
    assert not DomainEvent.objects.filter(kind__startswith="SpendCap").exists()


def test_the_warning_is_recorded_once_a_month_and_sent_in_words(line, fast):
    limit(line, cap="5.00")

    usage_ingest(events=[event(line, 410 * MB, id="a")], fast=fast)
    usage_ingest(events=[event(line, 20 * MB, id="b")], fast=fast)

    near = DomainEvent.objects.get(kind="SpendCapNear")
    assert (near.facts["spent"], near.facts["cap"]) == ("4.10", "5.00")
    assert near.cause.startswith(f"spend-cap:{line.pk}:")
    assert not DomainEvent.objects.filter(kind="SpendCapReached").exists()

    event_dispatch(event_ids=[near.pk])
    message = Notification.objects.get(template="spend_cap_alert")
    assert message.body.startswith("You have used €4.10 of your €5.00 limit this month.")
    assert message.subject == "€4.10 of your €5.00 limit used"


def test_raising_the_cap_lifts_its_bar_lowering_it_does_not(
    line, fast, django_capture_on_commit_callbacks, mocker_network
):
    limit(line, cap="2.00")
    with django_capture_on_commit_callbacks(execute=True):
        usage_ingest(events=[event(line, 300 * MB)], fast=fast)
    assert charged() == Decimal("2.00")

    limit(line, cap="1.50")
    assert ServiceBar.objects.get().lifted_at is None

    with django_capture_on_commit_callbacks(execute=True):
        limit(line, cap="10.00")
    assert ServiceBar.objects.get().lifted_at is not None
    assert mocker_network[-1] == ("lift_bar", line.msisdn, "data")
    # what was used beyond the old cap stays uncharged; new use is charged up to the new one
    usage_ingest(events=[event(line, 100 * MB, id="more")], fast=fast)
    assert charged() == Decimal("3.00")


def test_the_month_start_lifts_the_caps_bars_and_her_spend_starts_again(
    line, fast, django_capture_on_commit_callbacks, mocker_network
):
    # 20 December, 10:00 in Lisbon (UTC in winter)
    with time_machine.travel(dt.datetime(2026, 12, 20, 10, tzinfo=dt.UTC), tick=False):
        limit(line, cap="1.00")
        with django_capture_on_commit_callbacks(execute=True):
            usage_ingest(events=[event(line, 300 * MB)], fast=fast)
    assert charged() == Decimal("1.00")

    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC), tick=False):
        assert spend_cap_bars_lift_due() == 0
    with time_machine.travel(dt.datetime(2027, 1, 1, 0, 0, tzinfo=dt.UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert spend_cap_bars_lift_due() == 1
        assert spend_cap_bars_lift_due() == 0
        usage_ingest(events=[event(line, 50 * MB, id="january")], fast=fast)

    assert ServiceBar.objects.get().lifted_at is not None
    assert mocker_network[-1] == ("lift_bar", line.msisdn, "data")
    assert charged() == Decimal("1.50")


def test_the_month_is_the_operators(line):
    # 31 March 23:30 UTC is 1 April 00:30 in Lisbon (summer time): April already
    with time_machine.travel(dt.datetime(2027, 3, 20, 10, tzinfo=dt.UTC), tick=False):
        limit(line, cap="1.00")
        usage_ingest(events=[event(line, 300 * MB)])
    with time_machine.travel(dt.datetime(2027, 3, 31, 22, 59, tzinfo=dt.UTC), tick=False):
        assert spend_cap_bars_lift_due() == 0
    with time_machine.travel(dt.datetime(2027, 3, 31, 23, 30, tzinfo=dt.UTC), tick=False):
        assert spend_cap_bars_lift_due() == 1


# Who changed them, and bad input


def test_an_agents_change_is_recorded_with_his_name(line):
    agent = UserFactory(username="alex", first_name="Alex", last_name="Agent")
    limit(line, stop=True)

    usage_limit_save(
        line=line,
        stop_when_used_up=False,
        monthly_cap="7.5",
        channel=Channel.AGENT,
        changed_by=agent,
        by_agent=True,
    )
    # the same again changes nothing, and writes no history
    limit_row = usage_limit_save(
        line=line, stop_when_used_up=False, monthly_cap="7.50", channel=Channel.AGENT
    )

    assert (limit_row.stop_when_used_up, limit_row.monthly_cap) == (False, Decimal("7.50"))
    changes = list(UsageLimitChange.objects.order_by("id"))
    assert [(c.stop_when_used_up, c.monthly_cap, c.by_agent, c.changed_by) for c in changes] == [
        (True, None, False, None),
        (False, Decimal("7.50"), True, agent),
    ]


@pytest.mark.parametrize(
    ("cap", "message"),
    [
        ("-5", "more than €0.00"),
        ("0", "more than €0.00"),
        ("100000", "at most €500.00"),
        ("five", "in euros"),
        ("NaN", "in euros"),
        ("5.555", "Euros and cents only"),
    ],
)
def test_a_bad_cap_is_refused_with_a_clear_message_and_changes_nothing(line, cap, message):
    limit(line, cap="5.00")

    with pytest.raises(UsageLimitError, match=message) as refused:
        usage_limit_save(line=line, stop_when_used_up=True, monthly_cap=cap, channel=Channel.PORTAL)

    assert refused.value.field == "monthly_cap"
    row = UsageLimit.objects.get()
    assert (row.stop_when_used_up, row.monthly_cap) == (False, Decimal("5.00"))
    assert UsageLimitChange.objects.count() == 1


# Two batches at once near the cap


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fast", [True, False], ids=["set_based", "reference"])
def test_two_batches_at_once_near_the_cap_never_charge_beyond_it(fast):
    customer = CustomerFactory(balance=Decimal("50.00"))
    line = customer.lines.get()
    limit(line, cap="5.00")
    usage_ingest(events=[event(line, 400 * MB, id="first")], fast=fast)
    now = timezone.now()
    batches = [[event(line, MB, id=f"t{i}-{n}", at=now) for n in range(80)] for i in range(2)]
    barrier = threading.Barrier(2)

    def feed(i):
        barrier.wait()
        try:
            usage_ingest(events=batches[i], fast=fast)
        finally:
            connection.close()

    threads = [threading.Thread(target=feed, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # €4.00, then €0.80 and €0.80 more: the second batch is charged only up to €5.00
    assert charged() == Decimal("5.00")
    assert customer_balance(customer=customer) == Decimal("45.00")
    bar = ServiceBar.objects.get()
    assert (bar.service, bar.cause) == ("data", Cause.SPEND_CAP)
    tally = OutOfBundleTally.objects.get()
    assert (tally.charged, tally.waived) == (Decimal("5.00"), Decimal("0.60"))
