from django.urls import path, register_converter

from . import views


class IdConverter:
    """A database id: digits that fit a 64-bit key, so a huge number is a 404, not an overflow."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


# Its own name: the portal registers "id", and a converter name can be registered only once.
register_converter(IdConverter, "bo_id")

app_name = "backoffice"

CUSTOMER = "customers/<bo_id:customer_id>/"

urlpatterns = [
    path("", views.console, name="console"),
    path("search/", views.search, name="search"),
    path(CUSTOMER, views.customer_detail, name="customer"),
    path(f"{CUSTOMER}notes/", views.note_add, name="note_add"),
    path(f"{CUSTOMER}cart/add/", views.cart_add_offer, name="cart_add_offer"),
    path(f"{CUSTOMER}cart/add/<bo_id:offer_id>/", views.cart_add, name="cart_add"),
    path(
        f"{CUSTOMER}cart/items/<bo_id:item_id>/configure/",
        views.cart_configure,
        name="cart_configure",
    ),
    path(f"{CUSTOMER}cart/items/<bo_id:item_id>/remove/", views.cart_remove, name="cart_remove"),
    path(f"{CUSTOMER}cart/share/", views.cart_share, name="cart_share"),
    path(
        f"{CUSTOMER}addons/<bo_id:instance_id>/suspend/", views.addon_suspend, name="addon_suspend"
    ),
    path(f"{CUSTOMER}addons/<bo_id:instance_id>/resume/", views.addon_resume, name="addon_resume"),
    path(f"{CUSTOMER}addons/<bo_id:instance_id>/cancel/", views.addon_cancel, name="addon_cancel"),
]
