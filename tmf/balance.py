"""TMF654 Prepay Balance Management: `bucket`, read only. Her allowances usable now on every line
of hers (`selfcare.selectors_buckets`), in the network's units, and her prepaid balance as a
monetary bucket (id `balance-<account>`)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from selfcare.models import Bucket
from selfcare.selectors_buckets import (
    PrepaidBalance,
    bucket_get_for_customer,
    bucket_list_for_customer,
    prepaid_balance_get,
)

from . import schema
from .common import (
    IsCustomer,
    TmfError,
    TmfView,
    href,
    list_response,
    one_found,
    one_response,
    page_read,
    period,
)
from .inventory import product_href

PATH = "prepayBalanceManagement/v4/bucket"
BALANCE_PREFIX = "balance-"
# TMF654's usage type of each unit an allowance is kept in.
USAGE_TYPES = {
    Bucket.Unit.BYTES: "data",
    Bucket.Unit.SECONDS: "voice",
    Bucket.Unit.MESSAGES: "sms",
}


def _party(customer) -> list[dict]:
    return [
        {
            "id": str(customer.pk),
            "name": customer.name,
            "role": "owner",
            "@referredType": "Customer",
        }
    ]


def bucket_data(request, bucket: Bucket, *, customer) -> dict:
    """An allowance as a TMF654 Bucket; `initialValue` (what it granted) is ours, beside
    TMF's `remainingValue`."""
    found = {
        "id": str(bucket.pk),
        "href": href(request, f"{PATH}/{bucket.pk}"),
        "name": bucket.name,
        "description": bucket.get_scope_display(),
        "isShared": False,
        "usageType": USAGE_TYPES[bucket.unit],
        "status": "suspended" if bucket.suspended else "active",
        "remainingValue": {"amount": bucket.remaining, "units": bucket.unit},
        "initialValue": {"amount": bucket.initial, "units": bucket.unit},
        "validFor": period(bucket.valid_from, bucket.valid_until),
        "logicalResource": [
            {"id": bucket.line.msisdn, "name": "MSISDN", "@referredType": "LogicalResource"}
        ],
        "product": [
            {
                "id": str(bucket.granted_by_instance),
                "href": product_href(request, bucket.granted_by_instance),
                "@referredType": "Product",
            }
        ]
        if bucket.granted_by_instance
        else [],
        "relatedParty": _party(customer),
        "@type": "Bucket",
    }
    return found


def balance_data(request, balance: PrepaidBalance, *, customer) -> dict:
    """Her prepaid balance as a TMF654 monetary Bucket."""
    account = balance.account
    bucket_id = f"{BALANCE_PREFIX}{account.pk}"
    return {
        "id": bucket_id,
        "href": href(request, f"{PATH}/{bucket_id}"),
        "name": "Prepaid balance",
        "isShared": False,
        "usageType": "monetary",
        "status": "active",
        "remainingValue": {"amount": balance.amount, "units": account.currency},
        "partyAccount": {
            "id": str(account.pk),
            "name": f"{account.get_kind_display()} account",
            "@referredType": "BillingAccount",
        },
        "relatedParty": _party(customer),
        "@type": "Bucket",
    }


_Resource = schema.resource(
    "TmfLogicalResourceRef",
    {"id": schema.text(), "name": schema.text(), "@referredType": schema.text()},
    identity=("id",),
)
TmfBucket = schema.resource(
    "Bucket",
    {
        "id": schema.text(),
        "href": schema.text(),
        "name": schema.text(),
        "description": schema.text(),
        "isShared": serializers.BooleanField(),
        "usageType": serializers.ChoiceField(choices=["monetary", "data", "voice", "sms"]),
        "status": serializers.ChoiceField(choices=["active", "suspended"]),
        "remainingValue": schema.Quantity(),
        "initialValue": schema.Quantity(),
        "validFor": schema.TimePeriod(),
        "logicalResource": _Resource(many=True),
        "product": schema.ref("TmfProductRef")(many=True),
        "partyAccount": schema.ref("TmfPartyAccountRef")(),
        "relatedParty": schema.ref("TmfBucketParty", role=True)(many=True),
        "@type": schema.text(),
    },
    doc="TMF654 Bucket: an allowance of hers usable now, or her prepaid balance.",
)


class BucketListView(TmfView):
    permission_classes = [IsCustomer]

    @extend_schema(
        tags=["TMF654 Prepay Balance Management"],
        summary="Her prepaid balance, then her allowances usable now (soonest to end first)",
        parameters=[schema.FIELDS, *schema.PAGING, *schema.LIST_HEADERS],
        responses={200: TmfBucket(many=True), **schema.errors(400, 401, 403, 429)},
    )
    def get(self, request):
        page = page_read(request)
        customer = request.her.customer
        balance = prepaid_balance_get(customer=customer)
        items = [balance_data(request, balance, customer=customer)] if balance else []
        items += [
            bucket_data(request, bucket, customer=customer)
            for bucket in bucket_list_for_customer(customer=customer, at=timezone.now())
        ]
        shown = items[page.offset : page.offset + page.limit]
        return list_response(request, total=len(items), items=shown)


class BucketView(TmfView):
    permission_classes = [IsCustomer]

    @extend_schema(
        tags=["TMF654 Prepay Balance Management"],
        summary="Her prepaid balance, or one allowance of hers usable now",
        parameters=[schema.FIELDS],
        responses={200: TmfBucket, **schema.errors(401, 403, 404, 429)},
    )
    def get(self, request, bucket_id: str):
        customer = request.her.customer
        if bucket_id.startswith(BALANCE_PREFIX):
            balance = prepaid_balance_get(customer=customer)
            if balance is not None and bucket_id == f"{BALANCE_PREFIX}{balance.account.pk}":
                return one_response(request, balance_data(request, balance, customer=customer))
            raise TmfError(_missing(bucket_id), code="notFound", status_code=404)
        bucket = one_found(
            bucket_id,
            lambda pk: bucket_get_for_customer(customer=customer, pk=pk, at=timezone.now()),
            missing=_missing(bucket_id),
        )
        return one_response(request, bucket_data(request, bucket, customer=customer))


def _missing(bucket_id: str) -> str:
    return f"No bucket {bucket_id} of yours usable now."
