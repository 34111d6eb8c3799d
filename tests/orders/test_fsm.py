"""The state machines as tables: every (state, transition) pair is allowed or refused as drawn
in DESIGN.md, and nothing else."""

import pytest
from django_fsm import TransitionNotAllowed

from orders.models import Order, ProductInstance

O = Order.Status
P = ProductInstance.Status

ORDER_TABLE = {
    "await_confirmation": {O.ACKNOWLEDGED: O.PENDING},
    "start": {O.ACKNOWLEDGED: O.IN_PROGRESS, O.PENDING: O.IN_PROGRESS},
    "complete": {O.IN_PROGRESS: O.COMPLETED},
    "fail": {O.ACKNOWLEDGED: O.FAILED, O.IN_PROGRESS: O.FAILED},
    "cancel": {O.ACKNOWLEDGED: O.CANCELLED, O.PENDING: O.CANCELLED},
}

INSTANCE_TABLE = {
    "activate": {P.PENDING_ACTIVE: P.ACTIVE},
    "fail": {P.PENDING_ACTIVE: P.FAILED},
    "suspend": {P.ACTIVE: P.SUSPENDED},
    "resume": {P.SUSPENDED: P.ACTIVE},
    "request_termination": {P.ACTIVE: P.PENDING_TERMINATE, P.SUSPENDED: P.PENDING_TERMINATE},
    "terminate": {P.PENDING_TERMINATE: P.TERMINATED},
}

KWARGS = {
    "complete": {"at": None},
    "fail": {"reason": "x", "at": None},
    "cancel": {"reason": "x", "at": None},
    "activate": {"at": None, "ends_at": None},
    "suspend": {"reason": "x", "at": None},
    "resume": {"at": None},
    "request_termination": {"reason": "x", "at": None},
    "terminate": {"at": None},
}


def _cases(table, states):
    for name, allowed in table.items():
        for state in states:
            yield name, state, allowed.get(state)


@pytest.mark.parametrize(("name", "source", "target"), list(_cases(ORDER_TABLE, O.values)))
def test_order_transitions(name, source, target):
    order = Order(status=source)
    transition = getattr(order, name)

    if target is None:
        with pytest.raises(TransitionNotAllowed):
            transition(**KWARGS.get(name, {}))
    else:
        transition(**KWARGS.get(name, {}))
        assert order.status == target


@pytest.mark.parametrize(("name", "source", "target"), list(_cases(INSTANCE_TABLE, P.values)))
def test_product_instance_transitions(name, source, target):
    instance = ProductInstance(status=source)
    transition = getattr(instance, name)

    if target is None:
        with pytest.raises(TransitionNotAllowed):
            transition(**KWARGS.get(name, {}))
    else:
        transition(**KWARGS.get(name, {}))
        assert instance.status == target


def test_the_status_cannot_be_assigned_directly():
    instance = ProductInstance.objects.model(status=P.ACTIVE)

    with pytest.raises(AttributeError):
        instance.status = P.TERMINATED
