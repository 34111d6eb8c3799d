"""Every read of orders and products that is more than a `get`, scoped to its owner."""

from .actions import (
    AddonAction,
    AddonActions,
    Control,
    product_instance_actions,
    product_instance_controls,
)
from .barring import service_bar_ids_stuck
from .cart import Quote, QuoteLine, cart_contains, cart_get_open, cart_quote
from .pricing import PurchaseQuote, offer_price, purchase_quote
from .products import (
    ModifyQuote,
    TemporaryLine,
    customer_context_build,
    offer_needs_input,
    order_ids_unconfirmed,
    order_list_for_customer,
    order_page_for_customer,
    product_instance_get_for_customer,
    product_instance_ids_due_for_expiry,
    product_instance_ids_due_for_renewal,
    product_instance_ids_due_to_start,
    product_instance_ids_stuck,
    product_instance_modify_quote,
    product_instance_refund_quote,
    temporary_line_list_for_customer,
)
from .switches import (
    AddonSwitch,
    addon_switch_for_order,
    addon_switch_get,
    addon_switch_list_for_offers,
    addon_switch_list_owned,
)

__all__ = [
    "AddonAction",
    "AddonActions",
    "AddonSwitch",
    "Control",
    "ModifyQuote",
    "PurchaseQuote",
    "Quote",
    "QuoteLine",
    "TemporaryLine",
    "addon_switch_for_order",
    "addon_switch_get",
    "addon_switch_list_for_offers",
    "addon_switch_list_owned",
    "cart_contains",
    "cart_get_open",
    "cart_quote",
    "customer_context_build",
    "offer_needs_input",
    "offer_price",
    "order_ids_unconfirmed",
    "order_list_for_customer",
    "order_page_for_customer",
    "product_instance_actions",
    "product_instance_controls",
    "product_instance_get_for_customer",
    "product_instance_ids_due_for_expiry",
    "product_instance_ids_due_for_renewal",
    "product_instance_ids_due_to_start",
    "product_instance_ids_stuck",
    "product_instance_modify_quote",
    "product_instance_refund_quote",
    "purchase_quote",
    "service_bar_ids_stuck",
    "temporary_line_list_for_customer",
]
