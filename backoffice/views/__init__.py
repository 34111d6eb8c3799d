"""The call-centre agent console: find a customer, see everything about her, act for her."""

from .addons import addon_cancel, addon_resume, addon_suspend
from .alerts import alerts_set
from .cart import cart_add, cart_add_offer, cart_configure, cart_remove, cart_share
from .common import agent_required
from .customers import customer_detail, note_add
from .limits import limits_set
from .search import console, search
from .topups import topup_voucher_apply

__all__ = [
    "addon_cancel",
    "addon_resume",
    "addon_suspend",
    "agent_required",
    "alerts_set",
    "cart_add",
    "cart_add_offer",
    "cart_configure",
    "cart_remove",
    "cart_share",
    "console",
    "customer_detail",
    "limits_set",
    "note_add",
    "search",
    "topup_voucher_apply",
]
