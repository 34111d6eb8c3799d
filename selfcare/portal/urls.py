from django.urls import path

from selfcare import converters  # noqa: F401 (registers <id:...>)

from .views import (
    account,
    activity,
    addons,
    alerts,
    apps,
    cart,
    controls,
    dashboard,
    inbox,
    offers,
    topup,
)

app_name = "selfcare"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("offers/", offers.offers, name="offers"),
    path("offers/<id:offer_id>/", offers.offer_detail, name="offer_detail"),
    path("cart/", cart.cart_page, name="cart"),
    path("cart/add/<id:offer_id>/", cart.cart_add, name="cart_add"),
    path("cart/items/<id:item_id>/remove/", cart.cart_remove, name="cart_remove"),
    path("cart/checkout/", cart.cart_checkout, name="cart_checkout"),
    path("activity/", activity.activity, name="activity"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/<id:notification_id>/read/", inbox.inbox_read, name="inbox_read"),
    path("inbox/read-all/", inbox.inbox_read_all, name="inbox_read_all"),
    path("l/<slug:token>/", activity.link_open, name="link_open"),
    path("orders/", activity.orders, name="orders"),
    path("allowances/", dashboard.allowances, name="allowances"),
    path("addons/<id:offer_id>/", addons.addon_switch, name="addon_switch"),
    path("addons/<id:offer_id>/on/", addons.addon_on, name="addon_on"),
    path("addons/owned/<id:instance_id>/off/", addons.addon_off, name="addon_off"),
    path("addons/<id:offer_id>/configure/", controls.addon_configure, name="addon_configure"),
    path("addons/<id:offer_id>/quote/", controls.addon_quote, name="addon_quote"),
    path("addons/owned/<id:instance_id>/manage/", controls.addon_manage, name="addon_manage"),
    path("addons/owned/<id:instance_id>/change/", controls.addon_change, name="addon_change"),
    path(
        "addons/owned/<id:instance_id>/<slug:action>/", controls.addon_control, name="addon_control"
    ),
    path("orders/<id:order_id>/code/", controls.order_code, name="order_code"),
    path("orders/<id:order_id>/confirm/", controls.order_confirm, name="order_confirm"),
    path("orders/<id:order_id>/resend-code/", controls.order_resend_code, name="order_resend_code"),
    path("account/", account.account_history, name="account"),
    path("account/alerts/", alerts.alerts, name="alerts"),
    path("account/apps/", apps.apps_page, name="apps"),
    path("account/apps/<id:application_id>/revoke/", apps.app_revoke, name="app_revoke"),
    path("account/limits/", alerts.limits, name="limits"),
    path("account/location/", alerts.location_consent, name="location_consent"),
    path("account/language/", alerts.language, name="language"),
    path("gifts/", account.gifts, name="gifts"),
    path("topup/", topup.topup_page, name="topup"),
    path("topup/card/", topup.topup_card, name="topup_card"),
    path("topup/voucher/", topup.topup_voucher, name="topup_voucher"),
    path("topup/auto/", topup.topup_auto, name="topup_auto"),
    path("topup/<id:topup_id>/", topup.topup_receipt, name="topup_receipt"),
    path("gifts/<id:gift_id>/accept/", account.gift_accept, name="gift_accept"),
]
