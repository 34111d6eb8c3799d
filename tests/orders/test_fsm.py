"""The state machines as tables: every (state, transition) pair is allowed or refused as drawn
in DESIGN.md, and nothing else."""

import datetime as dt

import pytest
from django_fsm import TransitionNotAllowed

from orders.models import Order, ProductInstance

OS = Order.Status
PS = ProductInstance.Status

ORDER_TABLE = {
    "await_confirmation": {OS.ACKNOWLEDGED: OS.PENDING},
    "start": {OS.ACKNOWLEDGED: OS.IN_PROGRESS, OS.PENDING: OS.IN_PROGRESS},
    "complete": {OS.IN_PROGRESS: OS.COMPLETED},
    "fail": {OS.ACKNOWLEDGED: OS.FAILED, OS.IN_PROGRESS: OS.FAILED},
    "cancel": {OS.ACKNOWLEDGED: OS.CANCELLED, OS.PENDING: OS.CANCELLED},
}

INSTANCE_TABLE = {
    "begin": {PS.SCHEDULED: PS.PENDING_ACTIVE},
    "activate": {PS.PENDING_ACTIVE: PS.ACTIVE},
    "fail": {PS.PENDING_ACTIVE: PS.FAILED},
    "suspend": {PS.ACTIVE: PS.SUSPENDED},
    "resume": {PS.SUSPENDED: PS.ACTIVE},
    "renew": {PS.ACTIVE: PS.ACTIVE},
    "request_termination": {
        PS.SCHEDULED: PS.PENDING_TERMINATE,
        PS.ACTIVE: PS.PENDING_TERMINATE,
        PS.SUSPENDED: PS.PENDING_TERMINATE,
        PS.PENDING_TERMINATE: PS.PENDING_TERMINATE,
    },
    "terminate": {PS.PENDING_TERMINATE: PS.TERMINATED},
}

KWARGS = {
    "complete": {"at": None},
    "fail": {"reason": "x", "at": None},
    "cancel": {"reason": "x", "at": None},
    "activate": {"at": None, "ends_at": None},
    "suspend": {"reason": "x", "at": None},
    "resume": {"at": None},
    "begin": {"at": None},
    "request_termination": {
        "reason": "x",
        "at": None,
        "ends_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    },
    "renew": {"at": None, "ends_at": None, "paid": 0},
    "terminate": {"at": None},
}


def _cases(table, states):
    for name, allowed in table.items():
        for state in states:
            yield name, state, allowed.get(state)


@pytest.mark.parametrize(("name", "source", "target"), list(_cases(ORDER_TABLE, OS.values)))
def test_order_transitions(name, source, target):
    order = Order(status=source)
    transition = getattr(order, name)

    if target is None:
        with pytest.raises(TransitionNotAllowed):
            transition(**KWARGS.get(name, {}))
    else:
        transition(**KWARGS.get(name, {}))
        assert order.status == target


@pytest.mark.parametrize(("name", "source", "target"), list(_cases(INSTANCE_TABLE, PS.values)))
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
    instance = ProductInstance.objects.model(status=PS.ACTIVE)

    with pytest.raises(AttributeError):
        instance.status = PS.TERMINATED
