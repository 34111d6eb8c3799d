from orders.services import product_instance_purchase


def buy(customer, offer, *, key="key-00001", run_jobs=None):
    """Buy `offer` for the customer's first line, as the portal does."""
    return product_instance_purchase(
        customer=customer,
        line_id=customer.lines.get().pk,
        offer_id=offer.pk,
        channel="portal",
        idempotency_key=key,
    )
