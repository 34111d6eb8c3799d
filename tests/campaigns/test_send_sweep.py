"""The campaign-sends sweep publishes again only what is lost, never a backlog waiting its turn
(issue 11, the known defect): a lease that doubles with each publish, and nothing published
onto a campaigns queue that is in backlog. Each delivery is still carried out exactly once."""

import datetime as dt
import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from campaigns.models import Delivery
from campaigns.services import campaign_deliveries_due, campaign_pause, campaign_resume
from campaigns.services.lifecycle import SEND_DEADLINE
from campaigns.tasks import campaign_deliveries_send_task
from selfcare.celery import app
from selfcare.models import DomainEvent, Notification
from selfcare.services.events import EventRow, event_dispatch, events_record

from .conftest import GB, campaign_running, consenting

pytestmark = pytest.mark.django_db
Outcome = Delivery.Outcome
N = 12


@pytest.fixture
def campaigns_queue(settings):
    """A campaigns queue of the test's own on the real broker (Redis with REDIS_URL, else
    Celery's in-memory transport), and a way to make it hold `n` jobs."""
    settings.CAMPAIGN_QUEUE = f"sweep-test-{uuid.uuid4().hex}"
    with app.connection_for_write() as connection:
        queue = connection.SimpleQueue(settings.CAMPAIGN_QUEUE)

        def hold(n: int) -> None:
            for i in range(n):
                queue.put({"waiting": i})

        yield queue, hold
        queue.clear()
        queue.close()


def crossing_batch(customers, *, at):
    """One rated batch taking each customer past 80 %: one event each, recorded together."""
    rows = [
        EventRow(
            DomainEvent.Kind.BUCKET_THRESHOLD_CROSSED,
            c.pk,
            f"sweep-test:{c.pk}",
            at,
            {
                "bucket_id": 1,
                "bucket_name": "Plan data",
                "unit": "bytes",
                "used": 8 * GB,
                "initial": 10 * GB,
                "threshold": 80,
                "valid_until": (at + dt.timedelta(days=1)).isoformat(),
            },
            c.lines.get().pk,
        )
        for c in customers
    ]
    with transaction.atomic():
        return events_record(rows=rows)


def published(callbacks) -> list[int]:
    """The delivery ids the captured on-commit send jobs carry (not her usage alert's job)."""
    return sorted(
        pk
        for callback in callbacks
        if callback.args[0] is campaign_deliveries_send_task
        for pk in callback.args[1]
    )


def sweep(capture, *, at):
    """The sweep at `at`, its publishes captured, not run (they wait in the queue)."""
    with capture(execute=False) as callbacks:
        count = campaign_deliveries_due(at=at)
    assert count == len(published(callbacks))
    return callbacks


def run(callbacks) -> None:
    """A worker takes the jobs: each captured publish run inline."""
    for callback in callbacks:
        callback()


@pytest.fixture
def backlog(data_offer, capture, campaigns_queue):
    """N customers' deliveries decided and their send jobs published, not run yet: waiting."""
    customers = [consenting() for _ in range(N)]
    campaign = campaign_running(offer=data_offer)
    decided_at = timezone.now()
    with capture(execute=False) as first:
        event_dispatch(event_ids=crossing_batch(customers, at=decided_at))
    ids = sorted(Delivery.objects.values_list("pk", flat=True))
    assert len(ids) == N
    assert published(first) == ids
    return campaign, ids, first


def lease(pk):
    return Delivery.objects.values_list("outcome", "publishes").get(pk=pk)


def test_a_backlog_waiting_in_a_long_queue_is_published_once(
    backlog, capture, campaigns_queue, settings
):
    campaign, ids, first = backlog
    _, hold = campaigns_queue
    settings.STUCK_SWEEP_BACKLOG = 50
    hold(50)  # the campaigns queue holds 50 jobs: our N are somewhere in there
    decided_at = Delivery.objects.get(pk=ids[0]).decided_at

    again = [
        published(sweep(capture, at=decided_at + SEND_DEADLINE + dt.timedelta(seconds=s)))
        for s in (1, 30, 600)
    ]

    assert again == [[], [], []]
    assert {lease(pk) for pk in ids} == {("queued", 1)}
    run(first)  # the queue reaches them
    assert Notification.objects.filter(campaign_id=campaign.pk).count() == N
    assert set(Delivery.objects.values_list("outcome", flat=True)) == {"sent"}


def test_a_backlog_in_a_short_queue_is_published_again_once_per_lease(backlog, capture):
    campaign, ids, first = backlog
    decided_at = Delivery.objects.get(pk=ids[0]).decided_at

    def at(seconds):
        return decided_at + dt.timedelta(seconds=seconds)

    assert published(sweep(capture, at=at(29))) == []  # within its 30 s lease
    second = sweep(capture, at=at(31))  # lease over: taken for lost
    assert published(second) == ids
    assert {lease(pk) for pk in ids} == {("queued", 2)}
    # Its second lease is 60 s: the sweeps every 10 s in between publish nothing.
    assert [published(sweep(capture, at=at(s))) for s in (41, 61, 81, 90)] == [[]] * 4
    third = sweep(capture, at=at(92))
    assert published(third) == ids
    assert [published(sweep(capture, at=at(s))) for s in (102, 150, 211)] == [[]] * 3

    # The original jobs and both copies all reach a worker: each delivery is carried out once.
    run(first)
    run(second)
    run(third)
    assert Notification.objects.filter(campaign_id=campaign.pk).count() == N
    assert {lease(pk) for pk in ids} == {("sent", 3)}
    assert published(sweep(capture, at=at(3600))) == []


def test_the_lease_stops_doubling_at_its_cap(backlog, capture):
    _, ids, _ = backlog
    Delivery.objects.filter(pk__in=ids).update(publishes=20)
    published_at = Delivery.objects.get(pk=ids[0]).published_at
    cap = SEND_DEADLINE * 2**5  # 16 min

    assert published(sweep(capture, at=published_at + cap - dt.timedelta(seconds=1))) == []
    assert published(sweep(capture, at=published_at + cap + dt.timedelta(seconds=1))) == ids


def test_jobs_the_broker_dropped_during_a_backlog_are_published_once_it_drains(
    backlog, capture, campaigns_queue, settings
):
    campaign, ids, _dropped = backlog  # a Redis restart lost them: never run
    queue, hold = campaigns_queue
    settings.STUCK_SWEEP_BACKLOG = 50
    hold(60)
    decided_at = Delivery.objects.get(pk=ids[0]).decided_at

    assert published(sweep(capture, at=decided_at + dt.timedelta(minutes=5))) == []
    queue.clear()  # the backlog is worked off
    copies = sweep(capture, at=decided_at + dt.timedelta(minutes=5, seconds=10))

    assert published(copies) == ids
    run(copies)
    assert Notification.objects.filter(campaign_id=campaign.pk).count() == N
    assert {lease(pk) for pk in ids} == {("sent", 2)}


def test_a_message_after_quiet_hours_is_published_once_not_at_every_sweep(
    data_offer, capture, settings
):
    stacy = consenting()
    campaign_running(offer=data_offer)
    now = timezone.now()
    with capture(execute=False):
        event_dispatch(event_ids=crossing_batch([stacy], at=now))
    morning = now - dt.timedelta(minutes=1)  # decided in the night, its morning is over now
    Delivery.objects.update(
        outcome=Outcome.QUIET_HOURS, send_after=morning, published_at=None, publishes=0
    )

    assert published(sweep(capture, at=morning - dt.timedelta(seconds=1))) == []
    first = sweep(capture, at=morning)
    assert len(published(first)) == 1
    assert [published(sweep(capture, at=morning + dt.timedelta(seconds=s))) for s in (10, 20)] == [
        [],
        [],
    ]
    run(first)
    assert Delivery.objects.get().outcome == "sent"


def test_a_paused_campaigns_backlog_is_not_swept_and_resume_publishes_it_once(backlog, capture):
    campaign, ids, first = backlog
    decided_at = Delivery.objects.get(pk=ids[0]).decided_at
    campaign_pause(campaign_id=campaign.pk)
    run(first)  # the jobs reach a worker while it is paused: nothing sent, still queued
    assert published(sweep(capture, at=decided_at + dt.timedelta(minutes=5))) == []

    with capture(execute=False) as resumed:
        campaign_resume(campaign_id=campaign.pk, policy="catch_up", catch_up_hours=1)
    assert published(resumed) == ids
    assert {lease(pk) for pk in ids} == {("queued", 2)}
    resumed_at = Delivery.objects.get(pk=ids[0]).published_at
    assert published(sweep(capture, at=resumed_at + dt.timedelta(seconds=45))) == []
    run(resumed)
    assert Notification.objects.filter(campaign_id=campaign.pk).count() == N
