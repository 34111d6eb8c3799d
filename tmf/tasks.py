"""Thin Celery entry points of the event hub: each calls one function of `tmf.hub_delivery`,
imported inside its body (STYLE rule 16: `tmf.hub` imports these tasks at its top)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def hub_listener_deliver_task(listener_id: int) -> int:
    """Deliver what waits for one listener, in order. Safe to run twice: a second run finds the
    listener's lease taken, or nothing left to send. Its retries are the sweep's, below, when
    the listener's backoff is over."""
    from .hub_delivery import hub_listener_deliver

    return hub_listener_deliver(listener_id=listener_id)


@shared_task
def hub_deliver_due_task() -> int:
    """The sweep: a delivery job for each listener whose deliveries wait and are due."""
    from .hub_delivery import hub_deliver_due

    return hub_deliver_due()
