"""Pause during a send, with real threads on PostgreSQL: once `campaign_pause` returns, no
message of that campaign is sent, including those already queued (issue 11, §3)."""

import threading
import time
from unittest import mock

import pytest
from django.db import connection

from campaigns.models import Delivery
from campaigns.services import campaign_deliveries_send, campaign_pause, lifecycle
from selfcare.models import Notification
from selfcare.services.events import event_dispatch

from .conftest import campaign_running, consenting, crossed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queued(data_offer, django_capture_on_commit_callbacks):
    """20 decisions queued, their send jobs not run."""
    customers = [consenting() for _ in range(20)]
    campaign = campaign_running(offer=data_offer)
    with mock.patch("selfcare.jobs.job_publish"):  # the send jobs are "in the broker"
        for customer in customers:
            event_dispatch(event_ids=crossed(customer))
    assert Delivery.objects.filter(outcome="queued").count() == 20
    return campaign, list(Delivery.objects.order_by("pk").values_list("pk", flat=True))


def slow_carry_out(delay):
    """Each delivery of a batch carried out `delay` seconds more slowly."""
    real = lifecycle._carry_out

    def carry_out(delivery, *, now):
        time.sleep(delay)
        return real(delivery, now=now)

    return carry_out


def test_a_pause_waits_for_the_send_in_progress_and_nothing_is_sent_after_it(queued):
    campaign, ids = queued
    first, rest = ids[:10], ids[10:]
    started, finished = threading.Event(), {}

    def send_first_batch():
        try:
            with mock.patch.object(lifecycle, "_carry_out", slow_carry_out(0.05)):
                started.set()
                finished["sent"] = campaign_deliveries_send(delivery_ids=first)
        finally:
            started.set()  # never leave the test waiting, whatever failed
            connection.close()

    sender = threading.Thread(target=send_first_batch)
    sender.start()
    started.wait()
    time.sleep(0.1)  # the batch (10 x 50 ms) holds its share lock on the campaign
    asked = time.monotonic()
    campaign_pause(campaign_id=campaign.pk)
    waited = time.monotonic() - asked
    sender.join()

    # the pause waited for the batch in progress (about 0.4 s more), which went out whole
    assert waited > 0.25
    assert finished["sent"] == 10
    # what was still queued is not sent, however often its jobs run
    assert campaign_deliveries_send(delivery_ids=rest) == 0
    assert campaign_deliveries_send(delivery_ids=ids) == 0
    assert Delivery.objects.filter(outcome="sent").count() == 10
    assert Delivery.objects.filter(outcome="queued").count() == 10
    assert Notification.objects.filter(campaign_id=campaign.pk).count() == 10


def test_a_send_that_starts_while_a_pause_commits_sends_nothing(queued):
    campaign, ids = queued
    result = {}

    def send_all():
        try:
            result["sent"] = campaign_deliveries_send(delivery_ids=ids)
        finally:
            connection.close()

    original = lifecycle._record

    def slow_record(**kwargs):
        original(**kwargs)
        sender = threading.Thread(target=send_all)
        sender.start()
        time.sleep(0.3)  # the send waits on the pause's row lock
        result["thread"] = sender

    with mock.patch.object(lifecycle, "_record", slow_record):
        campaign_pause(campaign_id=campaign.pk)
    result["thread"].join()

    assert result["sent"] == 0
    assert not Notification.objects.filter(campaign_id=campaign.pk).exists()
    assert Delivery.objects.filter(outcome="queued").count() == 20
