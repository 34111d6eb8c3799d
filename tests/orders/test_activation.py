import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.utils import timezone

from orders.models import Order, ProductInstance
from orders.provisioning import NetworkError, NetworkTransientError
from orders.services import product_instance_activate, product_instance_fail_activation
from orders.tasks import product_instance_activate_task
from selfcare.models import BYTES_PER_MB as MB
from selfcare.models import Bucket, LedgerEntry, Notification
from selfcare.phones import msisdn_format
from selfcare.selectors import customer_balance
from tests.factories import OfferFactory
from tests.orders.helpers import buy

pytestmark = pytest.mark.django_db


class CountingNetwork:
    """The network adapter seam, recording calls (a real adapter is swapped in by settings)."""

    calls: list = []
    fail_with: Exception | None = None

    def activate(self, request):
        CountingNetwork.calls.append(("activate", request.product_instance_id))
        if CountingNetwork.fail_with:
            raise CountingNetwork.fail_with

    def deactivate(self, request):
        CountingNetwork.calls.append(("deactivate", request.product_instance_id))


@pytest.fixture
def network(settings):
    settings.NETWORK_ADAPTER = "tests.orders.test_activation.CountingNetwork"
    CountingNetwork.calls = []
    CountingNetwork.fail_with = None
    return CountingNetwork


def test_activation_makes_it_active_grants_allowances_completes_the_order_and_tells_her(
    customer, data_offer, network, django_capture_on_commit_callbacks
):
    order = buy(customer, data_offer)
    instance = ProductInstance.objects.get()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        product_instance_activate(product_instance_id=instance.pk)

    instance.refresh_from_db()
    order.refresh_from_db()
    assert instance.status == "active"
    assert instance.ends_at - instance.started_at == dt.timedelta(days=30)
    bucket = Bucket.objects.get(granted_by_instance=instance.pk)
    assert (bucket.unit, bucket.initial, bucket.used, bucket.valid_until) == (
        "bytes",
        15360 * MB,
        0,
        instance.ends_at,
    )
    assert order.status == "completed"
    assert order.status_changes.last().to_status == "completed"
    sms = Notification.objects.get()
    until = timezone.localtime(instance.ends_at).strftime("%-d %b, %H:%M")
    assert (sms.template, sms.medium, sms.recipient, sms.subject, sms.body, sms.status) == (
        "addon_active",
        "sms",
        instance.line.msisdn,
        "Data 15GB is active",
        f"Data 15GB is now active on {msisdn_format(instance.line.msisdn)} until {until}.",
        "sent",
    )
    assert len(callbacks) == 1  # the notification leaves after commit
    assert network.calls == [("activate", instance.pk)]


def test_activation_twice_is_harmless(customer, data_offer, network):
    buy(customer, data_offer)
    instance = ProductInstance.objects.get()

    product_instance_activate(product_instance_id=instance.pk)
    product_instance_activate(product_instance_id=instance.pk)

    assert network.calls == [("activate", instance.pk)]
    assert Bucket.objects.filter(granted_by_instance=instance.pk).count() == 1
    assert Notification.objects.count() == 1


def test_activation_of_a_gone_instance_ends_quietly(network):
    assert product_instance_activate_task.apply(args=[999999]).successful()
    assert network.calls == []


def test_transient_failures_are_retried_then_refunded_and_she_is_told(
    customer, data_offer, network, settings, celery_runs_retries
):
    # given a network that never answers
    settings.ACTIVATION_MAX_RETRIES = 3
    network.fail_with = NetworkTransientError("The network did not confirm the activation in time.")
    order = buy(customer, data_offer)
    instance = ProductInstance.objects.get()

    # when the job runs with its retries
    product_instance_activate_task.apply(args=[instance.pk])

    # then it tried 1 + 3 times, then gave up: failed, refunded in full, told
    assert network.calls == [("activate", instance.pk)] * 4
    instance.refresh_from_db()
    order.refresh_from_db()
    assert (instance.status, instance.status_reason) == (
        "failed",
        "The network did not confirm the activation in time.",
    )
    assert (order.status, order.failure_reason) == (
        "failed",
        "The network did not confirm the activation in time.",
    )
    refund = LedgerEntry.objects.get(kind="refund")
    assert refund.amount == Decimal("10.00")
    assert customer_balance(customer=customer) == Decimal("50.00")
    told = Notification.objects.get()
    assert (told.template, told.medium, told.subject, told.body) == (
        "addon_failed",
        "sms",
        "Data 15GB could not be activated",
        "Sorry, Data 15GB could not be activated: The network did not confirm the activation in "
        "time. €10.00 is back on your balance.",
    )
    assert not Bucket.objects.filter(granted_by_instance=instance.pk).exists()


def test_a_permanent_failure_is_not_retried(customer, data_offer, network):
    network.fail_with = NetworkError("This SIM does not support Mobile TV.")
    buy(customer, data_offer)
    instance = ProductInstance.objects.get()

    product_instance_activate_task.apply(args=[instance.pk])

    assert network.calls == [("activate", instance.pk)]
    instance.refresh_from_db()
    assert (instance.status, instance.status_reason) == (
        "failed",
        "This SIM does not support Mobile TV.",
    )


def test_failing_twice_refunds_once(customer, data_offer, network):
    order = buy(customer, data_offer)
    instance = ProductInstance.objects.get()

    product_instance_fail_activation(product_instance_id=instance.pk, reason="x")
    product_instance_fail_activation(product_instance_id=instance.pk, reason="x")

    assert LedgerEntry.objects.filter(kind="refund").count() == 1
    assert Order.objects.get(pk=order.pk).status_changes.filter(to_status="failed").count() == 1


def test_the_simulated_network_fails_at_the_configured_rate(settings):
    from orders.provisioning import ProvisioningRequest, SimulatedNetworkAdapter

    request = ProvisioningRequest(product_instance_id=1, msisdn="351910000001", offer_code="x")

    SimulatedNetworkAdapter(latency_ms=0, failure_rate=0.0).activate(request)
    with pytest.raises(NetworkTransientError):
        SimulatedNetworkAdapter(latency_ms=0, failure_rate=1.0).activate(request)


def test_a_given_up_activation_is_switched_off_on_the_network_too(
    customer, data_offer, network, django_capture_on_commit_callbacks
):
    # a timeout is not a no: the network may have switched it on after all
    buy(customer, data_offer)
    instance = ProductInstance.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        product_instance_fail_activation(product_instance_id=instance.pk, reason="timeout")

    assert network.calls == [("deactivate", instance.pk)]


def test_an_activation_that_lands_after_it_was_given_up_is_taken_back(
    customer, data_offer, network, django_capture_on_commit_callbacks, monkeypatch
):
    buy(customer, data_offer)
    instance = ProductInstance.objects.get()

    # the network answers only after the activation was given up (and refunded)
    def late_answer(self, request):
        CountingNetwork.calls.append(("activate", request.product_instance_id))
        product_instance_fail_activation(product_instance_id=instance.pk, reason="timeout")

    monkeypatch.setattr(CountingNetwork, "activate", late_answer)
    with django_capture_on_commit_callbacks(execute=True):
        product_instance_activate(product_instance_id=instance.pk)

    instance.refresh_from_db()
    assert instance.status == "failed"
    assert network.calls.count(("deactivate", instance.pk)) >= 1
    assert not Bucket.objects.filter(granted_by_instance=instance.pk).exists()


def test_retries_back_off_exponentially_and_are_capped(settings):
    from orders.tasks import backoff

    settings.ACTIVATION_RETRY_BACKOFF_SECONDS = 2

    assert [backoff(n) for n in range(7)] == [2, 4, 8, 16, 32, 60, 60]


def test_loyalty_data_grants_100_mb_for_each_full_contract_year(network):
    import datetime as dt

    from tests.factories import CustomerFactory, OfferFactory

    stacy = CustomerFactory(contract_start=dt.date.today() - dt.timedelta(days=3 * 365 + 10))
    loyalty = OfferFactory(
        name="Loyalty Data", price=0, data_mb_per_contract_year=100, min_tenure_days=365
    )
    buy(stacy, loyalty)

    product_instance_activate(product_instance_id=ProductInstance.objects.get().pk)

    assert Bucket.objects.get().initial == 300 * MB


def test_the_tap_costs_a_bounded_number_of_queries(
    customer, data_offer, network, django_assert_max_num_queries
):
    """Tap-to-active is a benchmark target (bench/): the purchase and the activation job each
    cost a fixed number of queries, the same whatever she owns. An offer that suspends nothing
    does not look for what to suspend; eligibility reads the offer's rules with the offer."""
    for n in range(5):
        buy(customer, OfferFactory(price=Decimal("1.00")), key=f"other-{n}")

    # and the helper finding her line, the savepoint, the event log's ProductPurchased
    with django_assert_max_num_queries(21):
        buy(customer, data_offer, key="tap")
    instance = ProductInstance.objects.get(offer=data_offer)
    # with the savepoint of its transaction, and the look for "stop" bars its allowances lift
    with django_assert_max_num_queries(17):
        product_instance_activate(product_instance_id=instance.pk)

    assert ProductInstance.objects.get(pk=instance.pk).status == "active"


def test_a_late_job_records_its_attempt_so_the_stuck_sweep_leaves_it_alone(customer, data_offer):
    """A job that starts long after the purchase (a backlog, a retry) notes that it is working,
    so the stuck sweep does not enqueue a second one during its network call. A job that starts
    at once needs no such write: the purchase's own change of status keeps the sweep away."""
    buy(customer, data_offer)
    instance = ProductInstance.objects.get()
    seen = []

    class SlowNetwork:
        def activate(self, request):
            seen.append(ProductInstance.objects.get(pk=request.product_instance_id))

    with mock.patch("orders.services.activation.network_adapter", SlowNetwork):
        product_instance_activate(product_instance_id=instance.pk)
        assert seen[-1].last_attempt_at is None

        ProductInstance.objects.filter(pk=instance.pk).update(status="pending_active")
        later = instance.status_changed_at + dt.timedelta(minutes=1)
        with time_machine.travel(later, tick=False):
            product_instance_activate(product_instance_id=instance.pk)

    assert seen[-1].last_attempt_at == later
