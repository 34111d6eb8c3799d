import threading

from django.db import connection

from orders.selectors.pricing import purchase_quote
from orders.services import product_instance_purchase
from selfcare.models import Channel

THREADS = 20


def shown_price(offer, **options) -> str:
    """The price the portal shows for `offer` with `options` (its switch's card, or the
    configure form's quote), as its pages post it with a purchase (`expected_price`); empty
    while a choice is missing, when the form shows no price."""
    price = purchase_quote(offer=offer, options=options, channel=Channel.PORTAL).price
    return "" if price is None else str(price)


def tap(offer, key: str) -> dict:
    """What a tap on the offer's switch posts: its key and the price its card shows."""
    return {"idempotency_key": key, "expected_price": shown_price(offer)}


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
