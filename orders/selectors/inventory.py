"""What her lines own and what she ordered, page by page [TMF637 Product inventory, TMF622
Product ordering]: every product instance and order of the customer, whichever line, newest
first. Scoped to her: another customer's id is not found."""

from __future__ import annotations

from django.db.models import Prefetch

from selfcare.models import Customer

from ..models import Order, OrderItem, ProductInstance


def _owned(*, customer: Customer):
    return ProductInstance.objects.filter(customer=customer).select_related("offer", "line")


def product_instance_page_for_customer(
    *, customer: Customer, offset: int, limit: int
) -> tuple[int, list[ProductInstance]]:
    """Her product instances (with offer and line), newest first: how many there are in all,
    and the page from `offset`, at most `limit`. Two queries."""
    owned = _owned(customer=customer)
    return owned.count(), list(owned.order_by("-created_at", "-id")[offset : offset + limit])


def product_instance_get_owned(*, customer: Customer, pk: int) -> ProductInstance:
    """One of her product instances, with offer and line. Raises ProductInstance.DoesNotExist
    for any other id."""
    return _owned(customer=customer).get(pk=pk)


def _orders(*, customer: Customer):
    return (
        Order.objects.filter(customer=customer)
        .select_related("line")
        .prefetch_related(
            Prefetch("items", queryset=OrderItem.objects.select_related("offer")),
            "status_changes",
        )
    )


def order_page_for_customer(
    *, customer: Customer, offset: int, limit: int
) -> tuple[int, list[Order]]:
    """Her orders (with items, their offers, and status history), newest first: how many in
    all, and the page from `offset`, at most `limit`. Four queries."""
    orders = _orders(customer=customer)
    return orders.count(), list(orders.order_by("-created_at", "-id")[offset : offset + limit])


def order_get_for_customer(*, customer: Customer, pk: int) -> Order:
    """One of her orders, with items and history. Raises Order.DoesNotExist for any other id."""
    return _orders(customer=customer).get(pk=pk)
