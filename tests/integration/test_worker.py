"""Purchase -> active through a real Celery worker over Redis (the production broker)."""

import time

import pytest

from orders.models import ProductInstance
from orders.services import product_instance_purchase

pytestmark = pytest.mark.redis


def _wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_purchase_is_activated_by_a_real_worker_over_redis(
    celery_worker_thread, customer, data_offer
):
    # given a customer and a published offer, and a worker consuming from Redis
    line = customer.lines.get()

    # when she buys it (the activation job leaves on commit)
    order = product_instance_purchase(
        customer=customer,
        line_id=line.pk,
        offer_id=data_offer.pk,
        channel="portal",
        idempotency_key="worker-test-1",
    )

    # then the worker activates it and completes the order
    instance = ProductInstance.objects.get(line=line, offer=data_offer)
    assert _wait_for(lambda: ProductInstance.objects.get(pk=instance.pk).status == "active")
    order.refresh_from_db()
    assert order.status == "completed"
    assert list(order.status_changes.values_list("to_status", flat=True)) == [
        "acknowledged",
        "in_progress",
        "completed",
    ]
