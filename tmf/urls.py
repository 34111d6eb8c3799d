"""/tmf-api/...: each API under its TM Forum base path and version. Anything else under /tmf-api/
is a 404 in TMF's Error body, not Django's HTML page."""

from django.urls import path, re_path
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny

from . import (
    balance,
    cart,
    catalog,
    communication,
    hub_api,
    interaction,
    inventory,
    ordering,
    qualification,
    usage,
)
from .common import TmfError, tmf_exception_handler

app_name = "tmf"


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request, rest=""):
    raise TmfError(f"No resource at {request.path}.", code="notFound", status_code=404)


not_found.cls.get_exception_handler = lambda self: tmf_exception_handler
not_found.cls.schema = None  # not an endpoint of the schema

urlpatterns = [
    path(
        "productCatalogManagement/v4/productOffering",
        catalog.ProductOfferingListView.as_view(),
        name="product_offering_list",
    ),
    path(
        "productCatalogManagement/v4/productOffering/<str:offering_id>",
        catalog.ProductOfferingView.as_view(),
        name="product_offering",
    ),
    path(
        "productOfferingQualification/v4/productOfferingQualification",
        qualification.ProductOfferingQualificationView.as_view(),
        name="product_offering_qualification",
    ),
    path(
        "productOrderingManagement/v4/productOrder",
        ordering.ProductOrderListView.as_view(),
        name="product_order_list",
    ),
    path(
        "productOrderingManagement/v4/productOrder/<str:order_id>",
        ordering.ProductOrderView.as_view(),
        name="product_order",
    ),
    path(
        "productInventory/v4/product",
        inventory.ProductListView.as_view(),
        name="product_list",
    ),
    path(
        "productInventory/v4/product/<str:product_id>",
        inventory.ProductView.as_view(),
        name="product",
    ),
    path(
        "prepayBalanceManagement/v4/bucket",
        balance.BucketListView.as_view(),
        name="bucket_list",
    ),
    path(
        "prepayBalanceManagement/v4/bucket/<str:bucket_id>",
        balance.BucketView.as_view(),
        name="bucket",
    ),
    path(
        "shoppingCart/v4/shoppingCart",
        cart.ShoppingCartListView.as_view(),
        name="shopping_cart_list",
    ),
    path(
        "shoppingCart/v4/shoppingCart/<str:cart_id>",
        cart.ShoppingCartView.as_view(),
        name="shopping_cart",
    ),
    path("usageManagement/v4/usage", usage.UsageListView.as_view(), name="usage_list"),
    path("usageManagement/v4/usage/<str:usage_id>", usage.UsageView.as_view(), name="usage"),
    path(
        "communicationManagement/v4/communicationMessage",
        communication.CommunicationMessageListView.as_view(),
        name="communication_message_list",
    ),
    path(
        "communicationManagement/v4/communicationMessage/<str:message_id>",
        communication.CommunicationMessageView.as_view(),
        name="communication_message",
    ),
    path(
        "partyInteraction/v4/partyInteraction",
        interaction.PartyInteractionListView.as_view(),
        name="party_interaction_list",
    ),
    path(
        "partyInteraction/v4/partyInteraction/<str:interaction_id>",
        interaction.PartyInteractionView.as_view(),
        name="party_interaction",
    ),
    # Each API's event hub (tmf/hub_api.py).
    *hub_api.hub_urls(),
    re_path(r"^(?P<rest>.*)$", not_found),
]
