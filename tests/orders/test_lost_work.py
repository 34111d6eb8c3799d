"""Lost work (DESIGN.md §12): a committed service never fails because the broker is down, the stuck
sweep finds what a killed worker held or what was never published within its short deadline,
and a job run again makes no second network call and charges nothing twice."""

import datetime as dt
from unittest import mock

import pytest
import time_machine
from kombu.exceptions import OperationalError

from orders import tasks
from orders.models import Order, ProductInstance
from orders.provisioning import NetworkTransientError
from orders.services import (
    product_instance_activate,
    product_instance_cancel,
    product_instance_deprovision,
    product_instance_retry_stuck,
)
from selfcare.models import Bucket, LedgerEntry, Notification
from tests.orders.helpers import buy

pytestmark = pytest.mark.django_db

BROKER_DOWN = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


class Network:
    calls: list = []
    fail_with: Exception | None = None

    def activate(self, request):
        if Network.fail_with:
            raise Network.fail_with
        Network.calls.append(("activate", request.product_instance_id))

    def deactivate(self, request):
        Network.calls.append(("deactivate", request.product_instance_id))


@pytest.fixture
def network(settings):
    settings.NETWORK_ADAPTER = "tests.orders.test_lost_work.Network"
    Network.calls = []
    Network.fail_with = None
    return Network


@pytest.fixture
def broker_down(monkeypatch):
    """Every publish fails the way it does while Redis is down."""

    def refuse(*args, **kwargs):
        raise BROKER_DOWN

    for task in (
        tasks.product_instance_activate_task,
        tasks.product_instance_deprovision_task,
        tasks.product_instance_release_task,
    ):
        monkeypatch.setattr(task, "delay", refuse)
    from selfcare.tasks import notification_deliver_task

    monkeypatch.setattr(notification_deliver_task, "delay", refuse)


def enqueued_by_sweep(monkeypatch, task) -> list:
    enqueued = []
    monkeypatch.setattr(task, "delay", enqueued.append)
    return enqueued


@pytest.mark.django_db(transaction=True)
def test_a_purchase_committed_while_the_broker_is_down_returns_normally(
    customer, data_offer, broker_down, caplog
):
    # when she buys while Redis is down (a real commit: the publish runs as the service returns)
    order = buy(customer, data_offer)

    # then the purchase stands, charged once, and the failed publish is only logged
    assert order.status == Order.Status.IN_PROGRESS
    assert ProductInstance.objects.get().status == ProductInstance.Status.PENDING_ACTIVE
    assert LedgerEntry.objects.filter(kind="charge").count() == 1
    assert "Could not publish orders.tasks.product_instance_activate_task" in caplog.text


def test_the_sweep_enqueues_a_purchase_whose_publish_failed(
    customer, data_offer, broker_down, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        buy(customer, data_offer)
    assert len(callbacks) == 2  # activation, and the event log's dispatch (ProductPurchased)
    assert "Connection refused" in caplog.text
    instance = ProductInstance.objects.get()

    enqueued = enqueued_by_sweep(monkeypatch, tasks.product_instance_activate_task)
    with time_machine.travel(instance.status_changed_at + dt.timedelta(seconds=20)):
        assert product_instance_retry_stuck() == {"activation": 1, "deprovisioning": 0}
    assert enqueued == [instance.pk]


def test_a_switch_off_while_the_broker_is_down_returns_normally_and_the_sweep_sends_it(
    customer, data_offer, network, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    buy(customer, data_offer)
    instance = ProductInstance.objects.get()
    product_instance_activate(product_instance_id=instance.pk)

    # when she switches it off while Redis is down
    monkeypatch.setattr(
        tasks.product_instance_deprovision_task, "delay", mock.Mock(side_effect=BROKER_DOWN)
    )
    with django_capture_on_commit_callbacks(execute=True):
        order = product_instance_cancel(
            customer=customer,
            product_instance_id=instance.pk,
            channel="portal",
            idempotency_key="off-1",
        )

    # then the switch-off stands (refund written) and the failure is logged
    instance.refresh_from_db()
    assert (order.status, instance.status) == ("in_progress", "pending_terminate")
    assert LedgerEntry.objects.filter(kind="refund").count() == 1
    assert "Could not publish orders.tasks.product_instance_deprovision_task" in caplog.text

    # and the sweep enqueues the deprovisioning once its short deadline has passed
    enqueued = enqueued_by_sweep(monkeypatch, tasks.product_instance_deprovision_task)
    with time_machine.travel(instance.status_changed_at + dt.timedelta(seconds=10)):
        assert product_instance_retry_stuck()["deprovisioning"] == 0
    with time_machine.travel(instance.status_changed_at + dt.timedelta(seconds=20)):
        assert product_instance_retry_stuck()["deprovisioning"] == 1
    assert enqueued == [instance.pk]


def test_the_sweep_enqueues_an_activation_only_once_its_attempt_is_past_the_deadline(
    customer, data_offer, monkeypatch, settings
):
    settings.PENDING_DEADLINE_SECONDS = 15
    buy(customer, data_offer)  # its job never leaves: the test's transaction never commits
    instance = ProductInstance.objects.get()
    bought_at = instance.status_changed_at
    enqueued = enqueued_by_sweep(monkeypatch, tasks.product_instance_activate_task)

    with time_machine.travel(bought_at + dt.timedelta(seconds=14)):
        assert product_instance_retry_stuck()["activation"] == 0
    # a job that started late noted its attempt: the deadline counts from there
    ProductInstance.objects.filter(pk=instance.pk).update(
        last_attempt_at=bought_at + dt.timedelta(seconds=10)
    )
    with time_machine.travel(bought_at + dt.timedelta(seconds=20)):
        assert product_instance_retry_stuck()["activation"] == 0
    with time_machine.travel(bought_at + dt.timedelta(seconds=26)):
        assert product_instance_retry_stuck()["activation"] == 1
    assert enqueued == [instance.pk]


class RetryScheduled(Exception):
    pass


def test_the_sweep_leaves_alone_an_activation_waiting_for_its_retry(
    customer, data_offer, network, monkeypatch, settings
):
    # given a job that starts late and finds the network not answering: it retries in 30 s
    settings.ACTIVATION_RETRY_BACKOFF_SECONDS = 30
    network.fail_with = NetworkTransientError("no answer")
    buy(customer, data_offer)
    instance = ProductInstance.objects.get()
    monkeypatch.setattr(
        tasks.product_instance_activate_task,
        "retry",
        lambda exc, countdown: RetryScheduled(countdown),
    )
    started = instance.status_changed_at + dt.timedelta(minutes=1)
    with time_machine.travel(started, tick=False), pytest.raises(RetryScheduled):
        tasks.product_instance_activate_task.run(instance.pk)
    instance.refresh_from_db()
    assert instance.last_attempt_at == started + dt.timedelta(seconds=30)

    # then the sweep leaves it to its retry, and takes it up only if the retry is lost too
    enqueued = enqueued_by_sweep(monkeypatch, tasks.product_instance_activate_task)
    with time_machine.travel(started + dt.timedelta(seconds=40)):
        assert product_instance_retry_stuck()["activation"] == 0
    with time_machine.travel(started + dt.timedelta(seconds=30 + 16)):
        assert product_instance_retry_stuck()["activation"] == 1
    assert enqueued == [instance.pk]


def test_a_renewal_stopped_product_is_not_stuck_before_its_end(customer, data_offer, monkeypatch):
    buy(customer, data_offer)
    instance = ProductInstance.objects.get()
    ProductInstance.objects.filter(pk=instance.pk).update(
        status="pending_terminate", ends_at=instance.status_changed_at + dt.timedelta(days=3)
    )
    enqueued = enqueued_by_sweep(monkeypatch, tasks.product_instance_deprovision_task)

    with time_machine.travel(instance.status_changed_at + dt.timedelta(days=1)):
        assert product_instance_retry_stuck()["deprovisioning"] == 0
    assert enqueued == []


def test_an_activation_run_again_after_the_network_answered_makes_no_second_call(
    customer, data_offer, network
):
    buy(customer, data_offer)
    instance = ProductInstance.objects.get()

    # given a worker killed after the network answered, before the product was made active
    with (
        mock.patch("orders.services.activation.buckets_grant", side_effect=RuntimeError("killed")),
        pytest.raises(RuntimeError),
    ):
        product_instance_activate(product_instance_id=instance.pk)
    instance.refresh_from_db()
    assert instance.status == "pending_active"
    assert instance.network_done_for == instance.status_changed_at

    # when the job runs again (the stuck sweep)
    product_instance_activate(product_instance_id=instance.pk)

    # then it completes without asking the network a second time
    instance.refresh_from_db()
    assert instance.status == "active"
    assert network.calls == [("activate", instance.pk)]
    assert Bucket.objects.filter(granted_by_instance=instance.pk).count() == 1


def test_a_deprovisioning_run_again_after_the_network_answered_makes_no_second_call(
    customer, data_offer, network
):
    buy(customer, data_offer)
    instance = ProductInstance.objects.get()
    product_instance_activate(product_instance_id=instance.pk)
    product_instance_cancel(
        customer=customer, product_instance_id=instance.pk, channel="portal", idempotency_key="o"
    )

    # the activation's record is for an earlier change: the switch-off asks the network itself
    with (
        mock.patch(
            "orders.services.termination.redundant_services_resume",
            side_effect=RuntimeError("killed"),
        ),
        pytest.raises(RuntimeError),
    ):
        product_instance_deprovision(product_instance_id=instance.pk)
    product_instance_deprovision(product_instance_id=instance.pk)

    instance.refresh_from_db()
    assert instance.status == "terminated"
    assert network.calls == [("activate", instance.pk), ("deactivate", instance.pk)]


def test_a_job_enqueued_twice_charges_once_and_provisions_once(
    customer, data_offer, network, django_capture_on_commit_callbacks
):
    buy(customer, data_offer)
    instance = ProductInstance.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        tasks.product_instance_activate_task.apply(args=[instance.pk])
        tasks.product_instance_activate_task.apply(args=[instance.pk])
    with django_capture_on_commit_callbacks(execute=True):
        product_instance_cancel(
            customer=customer,
            product_instance_id=instance.pk,
            channel="portal",
            idempotency_key="o",
        )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.product_instance_deprovision_task.apply(args=[instance.pk])

    instance.refresh_from_db()
    assert instance.status == "terminated"
    assert LedgerEntry.objects.filter(kind="charge").count() == 1
    assert LedgerEntry.objects.filter(kind="refund").count() == 1
    assert Bucket.objects.filter(granted_by_instance=instance.pk).count() == 1
    assert network.calls == [("activate", instance.pk), ("deactivate", instance.pk)]
    templates = list(Notification.objects.order_by("pk").values_list("template", flat=True))
    assert templates == ["addon_active", "addon_off"]


def test_beat_runs_the_stuck_sweeps_every_few_seconds(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    for entry in ("retry-stuck-product-instances", "retry-stuck-notifications"):
        assert schedule[entry]["schedule"] == settings.STUCK_SWEEP_SECONDS == 5.0
    # lost work runs again within 30 s: a deadline, then at most one sweep's wait
    assert settings.PENDING_DEADLINE_SECONDS + settings.STUCK_SWEEP_SECONDS <= 25
    assert settings.NOTIFICATION_DEADLINE_SECONDS + settings.STUCK_SWEEP_SECONDS <= 25
