"""A bar (or its lifting) whose network job was lost is sent again by the stuck sweep, once per
deadline, and a job run again makes no second network call."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from orders import tasks
from orders.services import service_bar_retry_record, service_bar_retry_stuck, service_bar_sync
from selfcare.models import ServiceBar
from selfcare.services import service_bar_lift, usage_ingest
from tests.factories import CustomerFactory
from tests.selfcare import test_usage
from tests.selfcare.test_usage import MB, event

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(settings):
    """The network, recording what it is told (tests/selfcare/test_usage.py's)."""
    test_usage.calls.clear()
    settings.NETWORK_ADAPTER = "tests.selfcare.test_usage.RecordingNetwork"
    return test_usage.calls


@pytest.fixture
def enqueued(monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.service_bar_sync_task, "delay", sent.append)
    return sent


@pytest.fixture
def barred(db):
    """A line barred for data her balance cannot pay, whose job to tell the network was lost
    (the on-commit publish never ran)."""
    customer = CustomerFactory(balance=Decimal("0.00"))
    line = customer.lines.get()
    usage_ingest(events=[event(line, 5 * MB, id="over")])
    return ServiceBar.objects.get(line=line)


def test_a_bar_whose_job_was_lost_is_sent_again_once_per_deadline(barred, enqueued, network):
    # within the deadline: left to its job
    with time_machine.travel(barred.barred_at + dt.timedelta(seconds=10)):
        assert service_bar_retry_stuck() == 0
    assert enqueued == []

    # past it: sent again, once, however often the sweep runs meanwhile
    later = barred.barred_at + dt.timedelta(seconds=20)
    with time_machine.travel(later, tick=False):
        assert service_bar_retry_stuck() == 1
        assert service_bar_retry_stuck() == 0
    assert enqueued == [barred.pk]
    barred.refresh_from_db()
    assert barred.last_attempt_at == later

    # the job runs (twice: a duplicate is harmless): the network is told once
    service_bar_sync(service_bar_id=barred.pk)
    service_bar_sync(service_bar_id=barred.pk)
    assert network == [("bar", barred.line.msisdn, "data")]

    # confirmed: never sent again
    with time_machine.travel(later + dt.timedelta(minutes=5)):
        assert service_bar_retry_stuck() == 0
    assert enqueued == [barred.pk]


def test_a_lift_whose_job_was_lost_is_sent_again(barred, enqueued, network):
    service_bar_sync(service_bar_id=barred.pk)
    service_bar_lift(line=barred.line, service="data")  # its on-commit job never runs
    barred.refresh_from_db()

    with time_machine.travel(barred.lifted_at + dt.timedelta(seconds=20)):
        assert service_bar_retry_stuck() == 1
    service_bar_sync(service_bar_id=barred.pk)

    assert enqueued == [barred.pk]
    assert network == [
        ("bar", barred.line.msisdn, "data"),
        ("lift_bar", barred.line.msisdn, "data"),
    ]


def test_a_bar_lifted_before_the_network_heard_of_it_is_never_sent(barred, enqueued):
    service_bar_lift(line=barred.line, service="data")

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        assert service_bar_retry_stuck() == 0
    assert enqueued == []


def test_a_bar_waiting_for_its_retry_is_left_to_it(barred, enqueued):
    retry_at = barred.barred_at + dt.timedelta(seconds=60)
    service_bar_retry_record(service_bar_id=barred.pk, retry_at=retry_at)

    with time_machine.travel(retry_at - dt.timedelta(seconds=1)):
        assert service_bar_retry_stuck() == 0
    with time_machine.travel(retry_at + dt.timedelta(seconds=20)):
        assert service_bar_retry_stuck() == 1
    assert enqueued == [barred.pk]


def test_beat_runs_the_sweep_as_often_as_the_other_stuck_sweeps(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["retry-stuck-service-bars"]
    assert entry == {
        "task": "orders.tasks.service_bar_retry_stuck_task",
        "schedule": settings.STUCK_SWEEP_SECONDS,
    }
