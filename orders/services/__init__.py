"""Every write of the orders domain: views, admin, API views and tasks call these, nothing else."""

from .activation import (
    product_instance_activate,
    product_instance_fail_activation,
    product_instance_release,
    product_instance_retry_record,
    product_instance_start,
)
from .barring import service_bar_retry_record, service_bar_retry_stuck, service_bar_sync
from .cart import (
    CartError,
    CartStaleError,
    PriceChangedError,
    cart_checkout,
    cart_item_add,
    cart_item_configure,
    cart_item_remove,
    cart_share,
)
from .confirmation import (
    ConfirmationError,
    order_confirm,
    order_confirmation_expire,
    order_confirmation_resend,
)
from .modification import ModifyChangedError, product_instance_modify
from .order_steps import IdempotencyConflictError, OrderError
from .purchase import (
    AlreadyOwnedError,
    NotEligibleError,
    OfferPriceChangedError,
    OptionsError,
    PostponeError,
    product_instance_grant,
    product_instance_purchase,
)
from .renewal import product_instance_renew
from .rollover import bucket_rollover_due
from .suspension import NotSuspendableError, product_instance_resume, product_instance_suspend
from .sweeps import (
    order_confirmation_expire_due,
    product_instance_expire_due,
    product_instance_remind,
    product_instance_remind_due,
    product_instance_renew_due,
    product_instance_retry_stuck,
    product_instance_start_due,
)
from .termination import (
    NotCancellableError,
    RefundChangedError,
    RefundNotAllowedError,
    product_instance_cancel,
    product_instance_deprovision,
    product_instance_expire,
    product_instance_renewal_stop,
)

__all__ = [
    "AlreadyOwnedError",
    "CartError",
    "CartStaleError",
    "ConfirmationError",
    "IdempotencyConflictError",
    "ModifyChangedError",
    "NotCancellableError",
    "NotEligibleError",
    "NotSuspendableError",
    "OfferPriceChangedError",
    "OptionsError",
    "OrderError",
    "PostponeError",
    "PriceChangedError",
    "RefundChangedError",
    "RefundNotAllowedError",
    "bucket_rollover_due",
    "cart_checkout",
    "cart_item_add",
    "cart_item_configure",
    "cart_item_remove",
    "cart_share",
    "order_confirm",
    "order_confirmation_expire",
    "order_confirmation_expire_due",
    "order_confirmation_resend",
    "product_instance_activate",
    "product_instance_cancel",
    "product_instance_deprovision",
    "product_instance_expire",
    "product_instance_expire_due",
    "product_instance_fail_activation",
    "product_instance_grant",
    "product_instance_modify",
    "product_instance_purchase",
    "product_instance_release",
    "product_instance_remind",
    "product_instance_remind_due",
    "product_instance_renew",
    "product_instance_renew_due",
    "product_instance_renewal_stop",
    "product_instance_resume",
    "product_instance_retry_record",
    "product_instance_retry_stuck",
    "product_instance_start",
    "product_instance_start_due",
    "product_instance_suspend",
    "service_bar_retry_record",
    "service_bar_retry_stuck",
    "service_bar_sync",
]
