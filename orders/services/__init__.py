"""Every write of the orders domain: views, admin, API views and tasks call these, nothing else."""

from .activation import (
    product_instance_activate,
    product_instance_fail_activation,
    product_instance_release,
)
from .common import OrderError
from .purchase import (
    AlreadyOwnedError,
    IdempotencyConflictError,
    NotEligibleError,
    product_instance_purchase,
)
from .sweeps import product_instance_expire_due, product_instance_retry_stuck
from .termination import (
    NotCancellableError,
    RefundChangedError,
    product_instance_cancel,
    product_instance_deprovision,
    product_instance_expire,
)

__all__ = [
    "AlreadyOwnedError",
    "IdempotencyConflictError",
    "NotCancellableError",
    "NotEligibleError",
    "OrderError",
    "RefundChangedError",
    "product_instance_activate",
    "product_instance_cancel",
    "product_instance_deprovision",
    "product_instance_expire",
    "product_instance_expire_due",
    "product_instance_fail_activation",
    "product_instance_purchase",
    "product_instance_release",
    "product_instance_retry_stuck",
]
