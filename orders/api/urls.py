from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("cart/", views.CartView.as_view(), name="cart"),
    path("cart/items/", views.CartItemsView.as_view(), name="cart_items"),
    path("cart/items/<int:item_id>/", views.CartItemView.as_view(), name="cart_item"),
    path("cart/checkout/", views.CheckoutView.as_view(), name="cart_checkout"),
]
