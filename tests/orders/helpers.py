import threading

from django.db import connection

from orders.services import product_instance_purchase

THREADS = 20


def buy(customer, offer, *, key="key-00001", run_jobs=None):
    """Buy `offer` for the customer's first line, as the portal does."""
    return product_instance_purchase(
        customer=customer,
        line_id=customer.lines.get().pk,
        offer_id=offer.pk,
        channel="portal",
        idempotency_key=key,
    )


def race(target, count=THREADS):
    """Run `target(i)` in `count` threads released at the same instant; return outcomes."""
    start = threading.Barrier(count)
    outcomes = [None] * count

    def run(i):
        try:
            start.wait()
            outcomes[i] = target(i)
        except Exception as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes
