from django.urls import path, register_converter

from . import addons, pages


class IdConverter:
    """A database id: digits that fit a 64-bit key, so a huge number is a 404, not an overflow."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")

app_name = "selfcare"

urlpatterns = [
    path("", pages.dashboard, name="dashboard"),
    path("offers/", pages.offers, name="offers"),
    path("orders/", pages.orders, name="orders"),
    path("addons/<id:offer_id>/", addons.addon_switch, name="addon_switch"),
    path("addons/<id:offer_id>/on/", addons.addon_on, name="addon_on"),
    path("addons/owned/<id:instance_id>/off/", addons.addon_off, name="addon_off"),
]
