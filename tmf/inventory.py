"""TMF637 Product Inventory: `product`, read only. What her lines own (`ProductInstance`), every
state from scheduled to terminated, newest first, through `orders.selectors.inventory`."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from orders.models import ProductInstance
from orders.selectors.inventory import (
    product_instance_get_owned,
    product_instance_page_for_customer,
)

from . import schema
from .catalog import offering_ref
from .common import (
    IsCustomer,
    TmfView,
    href,
    list_response,
    money,
    one_found,
    one_response,
    page_read,
)

PATH = "productInventory/v4/product"
Status = ProductInstance.Status
# TMF637's ProductStatusType for each state. A failed activation was given up and paid back:
# "cancelled" (TMF's own enum spells the other candidate "aborted " with a trailing space).
STATUSES = {
    Status.SCHEDULED: "created",
    Status.PENDING_ACTIVE: "pendingActive",
    Status.ACTIVE: "active",
    Status.SUSPENDED: "suspended",
    Status.PENDING_TERMINATE: "pendingTerminate",
    Status.TERMINATED: "terminated",
    Status.FAILED: "cancelled",
}


def product_href(request, product_id: int) -> str:
    return href(request, f"{PATH}/{product_id}")


def _characteristics(instance: ProductInstance) -> list[dict]:
    found = [
        {"name": "msisdn", "valueType": "string", "value": instance.line.msisdn},
        {"name": "renews", "valueType": "boolean", "value": instance.renews},
        {"name": "renewalCount", "valueType": "integer", "value": instance.renewal_count},
    ]
    if instance.status_reason:
        found.append(
            {"name": "statusReason", "valueType": "string", "value": instance.status_reason}
        )
    found += [
        {"name": f"option.{key}", "valueType": "string", "value": str(value)}
        for key, value in sorted((instance.options or {}).items())
    ]
    return [item | {"@type": "Characteristic"} for item in found]


def product_data(request, instance: ProductInstance) -> dict:
    """`instance` as a TMF637 Product."""
    offer, customer = instance.offer, instance.customer
    found = {
        "id": str(instance.pk),
        "href": product_href(request, instance.pk),
        "name": offer.name,
        "description": offer.summary,
        "isBundle": bool(offer.option_groups),
        "isCustomerVisible": True,
        "status": STATUSES[instance.status],
        "orderDate": instance.created_at,
        "startDate": instance.started_at or instance.starts_at,
        "terminationDate": instance.terminated_at or instance.ends_at,
        "productOffering": offering_ref(request, offer),
        "productPrice": [
            {
                "name": "paid",
                "priceType": "recurring" if instance.renews else "oneTime",
                "price": {"taxIncludedAmount": money(instance.price, offer.currency)},
                "@type": "ProductPrice",
            }
        ]
        if instance.price is not None
        else [],
        "productCharacteristic": _characteristics(instance),
        "relatedParty": [
            {
                "id": str(customer.pk),
                "name": customer.name,
                "role": "owner",
                "@referredType": "Customer",
            }
        ],
        "@type": "Product",
    }
    return {key: value for key, value in found.items() if value is not None}


_Characteristic = schema.resource(
    "TmfCharacteristic",
    {
        "name": schema.text(),
        "valueType": schema.text(),
        "value": serializers.JSONField(),
        "@type": schema.text(),
    },
    identity=("name", "value"),
)
_Price = schema.resource(
    "ProductPrice",
    {
        "name": schema.text(),
        "priceType": schema.text(),
        "price": schema.resource("TmfPrice", {"taxIncludedAmount": schema.Money()}, identity=())(),
        "@type": schema.text(),
    },
    identity=("priceType", "price"),
)
_Party = schema.resource(
    "TmfRelatedParty",
    {
        "id": schema.text(),
        "name": schema.text(),
        "role": schema.text(),
        "@referredType": schema.text(),
    },
    identity=("id", "@referredType"),
)
Product = schema.resource(
    "Product",
    {
        "id": schema.text(),
        "href": schema.text(),
        "name": schema.text(),
        "description": schema.text(),
        "isBundle": serializers.BooleanField(),
        "isCustomerVisible": serializers.BooleanField(),
        "status": serializers.ChoiceField(choices=sorted(set(STATUSES.values()))),
        "orderDate": schema.moment(),
        "startDate": schema.moment(),
        "terminationDate": schema.moment(),
        "productOffering": schema.ref("TmfProductOfferingRef")(),
        "productPrice": _Price(many=True),
        "productCharacteristic": _Characteristic(many=True),
        "relatedParty": _Party(many=True),
        "@type": schema.text(),
    },
    doc="TMF637 Product: what one of her lines owns.",
)


class ProductListView(TmfView):
    permission_classes = [IsCustomer]

    @extend_schema(
        tags=["TMF637 Product Inventory"],
        summary="What her lines own, newest first",
        parameters=[schema.FIELDS, *schema.PAGING, *schema.LIST_HEADERS],
        responses={200: Product(many=True), **schema.errors(400, 401, 403, 429)},
    )
    def get(self, request):
        page = page_read(request)
        total, instances = product_instance_page_for_customer(
            customer=request.her.customer, offset=page.offset, limit=page.limit
        )
        return list_response(
            request, total=total, items=[product_data(request, i) for i in instances]
        )


class ProductView(TmfView):
    permission_classes = [IsCustomer]

    @extend_schema(
        tags=["TMF637 Product Inventory"],
        summary="One product of hers",
        parameters=[schema.FIELDS],
        responses={200: Product, **schema.errors(401, 403, 404, 429)},
    )
    def get(self, request, product_id: str):
        instance = one_found(
            product_id,
            lambda pk: product_instance_get_owned(customer=request.her.customer, pk=pk),
            missing=f"No product {product_id} of yours.",
        )
        return one_response(request, product_data(request, instance))
