"""The messages' stuck sweep publishes again only what is lost, never a backlog waiting its turn
(issue 11, the known defect): a lease that doubles with each publish, and nothing published onto
a queue in backlog. Each message still goes exactly once."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from selfcare.celery import app
from selfcare.jobs import job_queue_depth
from selfcare.models import Interaction, Notification
from selfcare.services import notification_retry_stuck, notification_send
from selfcare.tasks import notification_deliver_task
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
N = 10


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def queues(settings, monkeypatch):
    """The default and campaigns queues, of the test's own on the real broker (Redis with
    REDIS_URL, else the in-memory transport); `hold(queue, n)` makes one hold n jobs."""
    default = f"sweep-test-{uuid.uuid4().hex}"
    monkeypatch.setitem(app.conf, "task_default_queue", default)
    settings.CAMPAIGN_QUEUE = f"sweep-test-campaigns-{uuid.uuid4().hex}"
    settings.STUCK_SWEEP_BACKLOG = 40
    with app.connection_for_write() as connection:
        opened = {name: connection.SimpleQueue(name) for name in (default, settings.CAMPAIGN_QUEUE)}

        def hold(name: str, n: int) -> None:
            for i in range(n):
                opened[name].put({"waiting": i})

        yield default, opened, hold
        for queue in opened.values():
            queue.clear()
            queue.close()


def write(capture, n=N, **kwargs):
    """`n` messages written; their jobs published on commit, captured, not run: waiting."""
    customers = [CustomerFactory() for _ in range(n)]
    with capture(execute=False) as first:
        for customer in customers:
            notification_send(
                customer=customer,
                template="addon_active",
                context={"offer_name": "Data 15GB", "msisdn": "351960000001"},
                **kwargs,
            )
    return sorted(Notification.objects.values_list("pk", flat=True)), first


@pytest.fixture
def sweep():
    """The sweep at `at`: what it publishes recorded as (id, queue), not run (it waits)."""

    def swept(*, at):
        published = []

        def publish(args, kwargs=None, **options):
            published.append((args[0], options.get("queue")))

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(notification_deliver_task, "apply_async", publish)
            counts = notification_retry_stuck(at=at)
        return counts, sorted(published)

    return swept


def run(callbacks) -> None:
    for callback in callbacks:
        callback()


def sent_once(ids) -> None:
    assert set(Notification.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert Interaction.objects.filter(kind=Interaction.Kind.MESSAGE_SENT).count() == len(ids)


def test_the_broker_says_how_long_a_queue_is(queues):
    default, _, hold = queues

    assert job_queue_depth(queue=default) == 0
    hold(default, 7)
    assert job_queue_depth(queue=default) == 7


def test_a_backlog_waiting_in_a_long_queue_is_published_once(queues, capture, sweep):
    default, _, hold = queues
    ids, first = write(capture)
    hold(default, 40)  # activations, alerts...: our N wait somewhere in there
    written = timezone.now()

    sweeps = [sweep(at=written + dt.timedelta(seconds=s)) for s in (16, 60, 600)]

    assert sweeps == [({"sent_again": 0, "given_up": 0, "waiting": N}, [])] * 3
    assert set(Notification.objects.values_list("publishes", "last_attempt_at")) == {(1, None)}
    run(first)  # the queue reaches them
    sent_once(ids)


def test_lost_jobs_in_a_short_queue_are_published_again_once_per_lease(queues, capture, sweep):
    ids, _lost = write(capture)  # the broker lost them all
    written = Notification.objects.order_by("-created_at").values_list("created_at", flat=True)[0]

    def at(seconds):
        return written + dt.timedelta(seconds=seconds)

    assert sweep(at=at(14))[1] == []  # within the 15 s deadline
    counts, second = sweep(at=at(16))
    assert (counts["sent_again"], second) == (N, [(pk, None) for pk in ids])
    assert set(Notification.objects.values_list("publishes", flat=True)) == {2}
    # Its second lease is 30 s: the sweeps every 5 s in between publish nothing.
    assert [sweep(at=at(s))[1] for s in (21, 31, 41, 45)] == [[]] * 4
    counts, third = sweep(at=at(47))
    assert counts["sent_again"] == N
    assert [sweep(at=at(s))[1] for s in (52, 76, 106)] == [[]] * 3

    # Both copies of each reach a worker: each message goes once.
    for pk, _ in second + third:
        notification_deliver_task.apply(args=(pk,))
    sent_once(ids)
    assert sweep(at=at(3600))[1] == []


def test_a_job_the_broker_dropped_during_a_backlog_goes_once_the_queue_drains(
    queues, capture, sweep
):
    default, opened, hold = queues
    ids, _lost = write(capture)
    hold(default, 45)
    written = timezone.now()

    assert sweep(at=written + dt.timedelta(minutes=3))[1] == []
    opened[default].clear()  # the backlog is worked off
    counts, copies = sweep(at=written + dt.timedelta(minutes=3, seconds=5))

    assert counts == {"sent_again": N, "given_up": 0, "waiting": 0}
    for pk, _ in copies:
        notification_deliver_task.apply(args=(pk,))
    sent_once(ids)


def test_a_campaigns_backlog_holds_back_only_campaign_messages_which_go_on_their_queue(
    queues, capture, settings, sweep
):
    _, opened, hold = queues
    transactional, _ = write(capture, n=2)
    campaign, _ = write(capture, n=2, campaign_id=7)
    campaign = sorted(set(campaign) - set(transactional))
    hold(settings.CAMPAIGN_QUEUE, 40)  # a campaign of thousands is being sent
    written = timezone.now()

    counts, published = sweep(at=written + dt.timedelta(seconds=16))
    assert counts == {"sent_again": 2, "given_up": 0, "waiting": 2}
    assert published == [(pk, None) for pk in transactional]  # default queue, not behind it

    opened[settings.CAMPAIGN_QUEUE].clear()
    counts, published = sweep(at=written + dt.timedelta(seconds=21))
    assert published == [(pk, settings.CAMPAIGN_QUEUE) for pk in campaign]
