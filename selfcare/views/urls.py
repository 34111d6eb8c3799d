from django.urls import path

from . import addons, pages

app_name = "selfcare"

urlpatterns = [
    path("", pages.dashboard, name="dashboard"),
    path("offers/", pages.offers, name="offers"),
    path("orders/", pages.orders, name="orders"),
    path("addons/<int:offer_id>/", addons.addon_switch, name="addon_switch"),
    path("addons/<int:offer_id>/on/", addons.addon_on, name="addon_on"),
    path("addons/owned/<int:instance_id>/off/", addons.addon_off, name="addon_off"),
]
