from django.urls import path

from selfcare import converters  # noqa: F401 (registers <id:...>)

from . import views

app_name = "backoffice"

CUSTOMER = "customers/<id:customer_id>/"

urlpatterns = [
    path("", views.console, name="console"),
    path("search/", views.search, name="search"),
    path(CUSTOMER, views.customer_detail, name="customer"),
    path(f"{CUSTOMER}notes/", views.note_add, name="note_add"),
    path(f"{CUSTOMER}alerts/", views.alerts_set, name="alerts_set"),
    path(f"{CUSTOMER}limits/", views.limits_set, name="limits_set"),
    path(f"{CUSTOMER}cart/add/", views.cart_add_offer, name="cart_add_offer"),
    path(f"{CUSTOMER}cart/add/<id:offer_id>/", views.cart_add, name="cart_add"),
    path(
        f"{CUSTOMER}cart/items/<id:item_id>/configure/",
        views.cart_configure,
        name="cart_configure",
    ),
    path(f"{CUSTOMER}cart/items/<id:item_id>/remove/", views.cart_remove, name="cart_remove"),
    path(f"{CUSTOMER}cart/share/", views.cart_share, name="cart_share"),
    path(f"{CUSTOMER}addons/<id:instance_id>/suspend/", views.addon_suspend, name="addon_suspend"),
    path(f"{CUSTOMER}addons/<id:instance_id>/resume/", views.addon_resume, name="addon_resume"),
    path(f"{CUSTOMER}addons/<id:instance_id>/cancel/", views.addon_cancel, name="addon_cancel"),
    path(f"{CUSTOMER}topups/voucher/", views.topup_voucher_apply, name="topup_voucher_apply"),
]
