"""Publishing jobs to the broker, the one way every service and sweep does it.

PostgreSQL is the source of truth and the broker only wakes workers up (DESIGN.md §12). A job
that cannot be published (Redis down, restarting, unreachable) is not an error for whoever asked
for it: what it was to do is already committed, and the stuck and due-date sweeps find it there
and publish it again. So a publish failure is logged, never raised: a purchase that committed
returns normally, and a sweep stops at the first failure instead of waiting out the broker's
retries once per id.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterable

from celery import Task, current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from kombu.exceptions import ChannelError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What publishing raises when the broker is away: kombu's error once its publish retries are
# spent, redis-py's when a connection drops mid-publish, and the socket's own.
BROKER_ERRORS = (OperationalError, RedisConnectionError, RedisTimeoutError, OSError)


def job_publish(task: Task, *args, queue: str | None = None) -> bool:
    """Publish `task(*args)` now, on `queue` if given (else the one CELERY_TASK_ROUTES gives
    it). Returns False, having logged why, if the broker is away."""
    try:
        if queue is None:
            task.delay(*args)
        else:
            task.apply_async(args, queue=queue)
    except BROKER_ERRORS as exc:
        # One line per job, no traceback: while the broker is away every publish fails alike.
        logger.error(
            "Could not publish %s%r (%s: %s): the stuck or due-date sweep will publish it again",
            task.name,
            args,
            type(exc).__name__,
            exc,
        )
        return False
    return True


def job_publish_on_commit(task: Task, *args, queue: str | None = None) -> None:
    """Publish `task(*args)` once the current transaction commits (at once outside one). The
    callback itself never raises for a broker error, so a service whose transaction committed
    returns normally whatever the broker does."""
    transaction.on_commit(functools.partial(job_publish, task, *args, queue=queue))


def job_fan_out(*, task: Task, ids: Iterable[int], queue: str | None = None) -> int:
    """Publish `task(pk)` for each id, in order, on `queue` if given: a sweep's fan-out. Stops
    at the first broker error (every other publish would wait out the same retries); what is
    left is still due and the next sweep publishes it. Returns how many were published."""
    published = 0
    for pk in ids:
        if not job_publish(task, pk, queue=queue):
            break
        published += 1
    return published


def job_fan_out_on_commit(*, task: Task, ids: Iterable[int], queue: str | None = None) -> None:
    """`job_fan_out` once the current transaction commits (at once outside one). The callback
    names its task first, as `job_publish_on_commit`'s does."""
    transaction.on_commit(functools.partial(_fan_out, task, list(ids), queue))


def _fan_out(task: Task, ids: list[int], queue: str | None) -> int:
    return job_fan_out(task=task, ids=ids, queue=queue)


# Stuck sweeps: publish again only what is really lost, never what merely waits in a queue.
#
# A stuck sweep cannot ask the broker whether one row's job is still in the queue, so it judges
# by time: a row whose job was published (or taken up) longer ago than its *lease* is taken for
# lost. Two rules keep a sweep from flooding a queue that is only slow (a backlog of thousands
# of jobs waiting their turn), each cheap and each enough on its own in the common cases:
#
# - the lease grows with the publishes: deadline × 2^(n − 1) after the n-th, at most
#   × 2^STUCK_LEASE_DOUBLINGS, so a job waiting an hour behind a backlog is published again a
#   handful of times, not once per sweep;
# - a sweep publishes nothing onto a queue that holds STUCK_SWEEP_BACKLOG jobs or more: the job
#   it would publish again most likely waits in that backlog, and a copy would wait behind it
#   anyway, so it gains nothing. Once the queue drains below that, what is really lost is
#   published again at the next sweep. A broker that cannot say how long its queue is counts
#   as no backlog (the lease alone then bounds the copies).
#
# What is published twice all the same (a lease too short for a slow queue) runs once: every job
# claims its row under a lock or a compare-and-set before it does anything.
STUCK_LEASE_DOUBLINGS = 5


def job_lease_expired(
    *, at: dt.datetime, published_at: str, publishes: str, deadline: dt.timedelta
) -> Q:
    """Rows (of a stuck sweep's query) whose lease has expired at `at`: published `publishes`
    times (n >= 1), the last at `published_at`, more than deadline × 2^(n − 1) ago (at most
    × 2^STUCK_LEASE_DOUBLINGS). Rows never published (n = 0) are not matched: a sweep says
    itself when those are due."""
    # n > STUCK_LEASE_DOUBLINGS: the longest lease; each smaller n: its own (one OR term each).
    expired = Q(
        **{
            f"{publishes}__gt": STUCK_LEASE_DOUBLINGS,
            f"{published_at}__lt": at - deadline * 2**STUCK_LEASE_DOUBLINGS,
        }
    )
    for n in range(1, STUCK_LEASE_DOUBLINGS + 1):
        expired |= Q(**{publishes: n, f"{published_at}__lt": at - deadline * 2 ** (n - 1)})
    return expired


def job_queue_depth(*, queue: str) -> int | None:
    """How many jobs wait in `queue` now (one cheap call: LLEN on Redis), or None when the
    broker cannot say (away, or a transport that does not count)."""
    try:
        with current_app.pool.acquire(block=True, timeout=5) as connection:
            declared = connection.default_channel.queue_declare(queue=queue, passive=True)
            return declared.message_count
    except ChannelError:
        return 0  # no such queue: Redis drops an empty one
    except (*BROKER_ERRORS, NotImplementedError) as exc:
        logger.warning("Could not read the length of queue %s (%s)", queue, exc)
        return None


def job_queue_backlogged(*, queue: str) -> bool:
    """Whether `queue` holds STUCK_SWEEP_BACKLOG jobs or more: a stuck sweep then publishes
    nothing onto it (see above)."""
    depth = job_queue_depth(queue=queue)
    return depth is not None and depth >= settings.STUCK_SWEEP_BACKLOG


def job_default_queue() -> str:
    """The queue a job goes to when nothing routes it elsewhere."""
    return current_app.conf.task_default_queue
