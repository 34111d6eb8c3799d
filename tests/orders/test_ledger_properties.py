"""Over any sequence of taps, usage and failures, charges minus refunds never go negative."""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders.models import ProductInstance
from orders.services import (
    NotCancellableError,
    OrderError,
    product_instance_activate,
    product_instance_cancel,
    product_instance_fail_activation,
)
from selfcare.models import BYTES_PER_MB as MB
from selfcare.models import Bucket, LedgerEntry
from selfcare.services import InsufficientBalanceError
from tests.factories import CustomerFactory, OfferFactory
from tests.orders.helpers import buy

steps = st.lists(
    st.one_of(
        st.tuples(st.just("buy")),
        st.tuples(st.just("activate")),
        st.tuples(st.just("fail")),
        st.tuples(st.just("use"), st.integers(min_value=0, max_value=2000)),
        st.tuples(st.just("cancel")),
        st.tuples(st.just("cancel_again")),
    ),
    max_size=12,
)


class Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=steps, refund_policy=st.sampled_from(["none", "pro_rata_data", "pro_rata_time"]))
def test_money_taken_is_never_less_than_money_given_back(steps, refund_policy):
    try:
        with transaction.atomic():
            customer = CustomerFactory(balance=Decimal("100.00"))
            offer = OfferFactory(
                price=Decimal("7.77"), data_mb=2000, refund_policy=refund_policy, duration_days=30
            )
            keys = iter(f"key-{n:05d}" for n in range(100))
            for step in steps:
                instance = ProductInstance.objects.filter(customer=customer).first()
                try:
                    if step[0] == "buy":
                        buy(customer, offer, key=next(keys))
                    elif instance is None:
                        continue
                    elif step[0] == "activate":
                        product_instance_activate(product_instance_id=instance.pk)
                    elif step[0] == "fail":
                        product_instance_fail_activation(
                            product_instance_id=instance.pk, reason="x"
                        )
                    elif step[0] == "use":
                        Bucket.objects.filter(granted_by_instance=instance.pk).update(
                            used=step[1] * MB
                        )
                    else:
                        key = "off-same" if step[0] == "cancel_again" else next(keys)
                        product_instance_cancel(
                            customer=customer,
                            product_instance_id=instance.pk,
                            channel="portal",
                            idempotency_key=key,
                        )
                except (OrderError, NotCancellableError, InsufficientBalanceError):
                    pass
                for product in ProductInstance.objects.filter(customer=customer):
                    items = product.order_items.values_list("pk", flat=True)
                    refs = [f"charge:order-item:{pk}" for pk in items] + [
                        f"refund:order-item:{pk}" for pk in items
                    ]
                    total = sum(
                        LedgerEntry.objects.filter(reference__in=refs).values_list(
                            "amount", flat=True
                        ),
                        Decimal(0),
                    )
                    assert total <= 0, (steps, total)
            raise Rollback
    except Rollback:
        pass
