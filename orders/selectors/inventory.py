"""What her lines own, page by page [TMF637 Product inventory]: every product instance of the
customer, whichever line, newest first. Scoped to her: another customer's id is not found."""

from __future__ import annotations

from selfcare.models import Customer

from ..models import ProductInstance


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
