"""Publishing jobs (selfcare/jobs.py) and lost messages: a message written while the broker is down
is sent by the stuck sweep once its short deadline has passed, and not while a retry is due."""

import datetime as dt
import logging

import pytest
import time_machine
from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from selfcare.jobs import job_fan_out, job_lease_expired, job_publish_on_commit
from selfcare.models import Notification
from selfcare.services import notification_retry_record, notification_retry_stuck, notification_send
from selfcare.tasks import notification_deliver_task

pytestmark = pytest.mark.django_db


class Task:
    """A task whose publishes fail from the `fail_from`-th on, as when the broker goes away."""

    name = "tests.fake_task"

    def __init__(self, fail_from=None, error=None):
        self.published = []
        self.fail_from = fail_from
        self.error = error or OperationalError("Connection refused.")

    def delay(self, *args):
        if self.fail_from is not None and len(self.published) >= self.fail_from:
            raise self.error
        self.published.append(args)


def test_a_fan_out_stops_at_the_first_broker_error_and_says_how_many_left(caplog):
    task = Task(fail_from=2, error=RedisConnectionError("Connection refused."))

    with caplog.at_level(logging.ERROR, logger="selfcare.jobs"):
        assert job_fan_out(task=task, ids=[1, 2, 3, 4]) == 2

    assert task.published == [(1,), (2,)]
    assert caplog.messages == [
        "Could not publish tests.fake_task(3,) (ConnectionError: Connection refused.): the stuck "
        "or due-date sweep will publish it again"
    ]


def test_a_publish_on_commit_that_fails_leaves_the_commit_alone(
    django_capture_on_commit_callbacks, caplog
):
    task = Task(fail_from=0)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        job_publish_on_commit(task, 7)

    assert task.published == []
    assert "Could not publish tests.fake_task(7,)" in caplog.text


def test_a_message_written_while_the_broker_is_down_is_sent_by_the_sweep(
    customer, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def refuse(*args):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(notification_deliver_task, "delay", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_send(
            customer=customer,
            template="addon_active",
            context={"offer_name": "Data 15GB", "msisdn": "351960000001"},
        )
    assert Notification.objects.get().status == "queued"
    assert "Could not publish selfcare.tasks.notification_deliver_task" in caplog.text

    enqueued = []
    monkeypatch.setattr(notification_deliver_task, "delay", enqueued.append)
    with time_machine.travel(notification.created_at + dt.timedelta(seconds=10)):
        assert notification_retry_stuck() == {"sent_again": 0, "given_up": 0, "waiting": 0}
    with time_machine.travel(notification.created_at + dt.timedelta(seconds=20)):
        assert notification_retry_stuck() == {"sent_again": 1, "given_up": 0, "waiting": 0}
    with time_machine.travel(notification.created_at + dt.timedelta(seconds=30)):
        assert notification_retry_stuck() == {"sent_again": 0, "given_up": 0, "waiting": 0}
    assert enqueued == [notification.pk]


def test_the_sweep_leaves_a_message_waiting_for_its_retry_alone(customer, monkeypatch):
    notification = notification_send(
        customer=customer,
        template="addon_active",
        context={"offer_name": "Data 15GB", "msisdn": "351960000001"},
    )
    retry_at = notification.created_at + dt.timedelta(minutes=5)
    notification_retry_record(notification_id=notification.pk, retry_at=retry_at)
    enqueued = []
    monkeypatch.setattr(notification_deliver_task, "delay", enqueued.append)

    with time_machine.travel(retry_at + dt.timedelta(seconds=10)):
        assert notification_retry_stuck()["sent_again"] == 0
    with time_machine.travel(retry_at + dt.timedelta(seconds=20)):
        assert notification_retry_stuck()["sent_again"] == 1
    assert enqueued == [notification.pk]


@pytest.mark.parametrize(
    ("publishes", "lease_minutes"),
    [(1, 1), (2, 2), (3, 4), (5, 16), (6, 32), (7, 32), (40, 32)],
)
def test_a_lease_doubles_with_each_publish_up_to_its_cap(customer, publishes, lease_minutes):
    at = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
    lease = dt.timedelta(minutes=lease_minutes)
    second = dt.timedelta(seconds=1)
    notification_send(customer=customer, template="addon_active", context={})
    rows = Notification.objects.filter(
        job_lease_expired(
            at=at,
            published_at="last_attempt_at",
            publishes="publishes",
            deadline=dt.timedelta(minutes=1),
        )
    )

    def expired(published_ago):
        Notification.objects.update(publishes=publishes, last_attempt_at=at - published_ago)
        return rows.exists()

    assert not expired(lease - second)
    assert not expired(lease)
    assert expired(lease + second)


def test_a_message_never_published_has_no_lease(customer):
    at = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
    notification_send(customer=customer, template="addon_active", context={})
    Notification.objects.update(publishes=0, last_attempt_at=at - dt.timedelta(days=30))

    matched = Notification.objects.filter(
        job_lease_expired(
            at=at,
            published_at="last_attempt_at",
            publishes="publishes",
            deadline=dt.timedelta(minutes=1),
        )
    )

    assert not matched.exists()
