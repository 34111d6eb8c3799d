"""Publishing jobs to the broker, the one way every service and sweep does it.

PostgreSQL is the source of truth and the broker only wakes workers up (DESIGN.md §12). A job
that cannot be published (Redis down, restarting, unreachable) is not an error for whoever asked
for it: what it was to do is already committed, and the stuck and due-date sweeps find it there
and publish it again. So a publish failure is logged, never raised: a purchase that committed
returns normally, and a sweep stops at the first failure instead of waiting out the broker's
retries once per id.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError
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


def job_fan_out(*, task: Task, ids: Iterable[int]) -> int:
    """Publish `task(pk)` for each id, in order: a sweep's fan-out. Stops at the first broker
    error (every other publish would wait out the same retries); what is left is still due and
    the next sweep publishes it. Returns how many were published."""
    published = 0
    for pk in ids:
        if not job_publish(task, pk):
            break
        published += 1
    return published
