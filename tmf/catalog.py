"""TMF620 Product Catalog: `productOffering`, read only. The published catalog as the portal
sells it (`catalog.selectors.offer_list_published`, one small query while the catalog's version
stands): prices per sales channel, validity, lifecycle status, terms and allowances."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from catalog.models import Billing, DurationKind, Offer, SalesChannel
from catalog.policies import channel_price
from catalog.selectors import offer_list_published

from . import schema
from .common import (
    ReadsCatalog,
    TmfError,
    TmfView,
    href,
    list_response,
    money,
    one_response,
    page_read,
    period,
)

PATH = "productCatalogManagement/v4/productOffering"
CHANNEL_NAMES = dict(SalesChannel.choices)
# TMF620's lifecycle vocabulary for the offer's own states.
LIFECYCLE = {
    Offer.Status.DRAFT: "In design",
    Offer.Status.PUBLISHED: "Launched",
    Offer.Status.RETIRED: "Retired",
}
# What an offer grants, as characteristics of the product she gets (name, unit, offer field).
ALLOWANCES = (
    ("data", "MB", "data_mb"),
    ("voice", "minutes", "voice_minutes"),
    ("sms", "messages", "sms"),
    ("serviceData", "MB", "service_data_mb"),
)


def offering_href(request, offer_id: int) -> str:
    return href(request, f"{PATH}/{offer_id}")


def offering_ref(request, offer: Offer) -> dict:
    return {
        "id": str(offer.pk),
        "href": offering_href(request, offer.pk),
        "name": offer.name,
        "@referredType": "ProductOffering",
    }


def _price_type(offer: Offer) -> dict:
    if offer.billing != Billing.RECURRING:
        return {"priceType": "oneTime"}
    if offer.duration_kind == DurationKind.CALENDAR_MONTH:
        return {"priceType": "recurring", "recurringChargePeriod": "month"}
    return {
        "priceType": "recurring",
        "recurringChargePeriod": "day",
        "recurringChargePeriodLength": offer.duration_days or 1,
    }


def _prices(offer: Offer) -> list[dict]:
    """One price per channel it is sold on (a channel price where it has one); for a bundle of
    options, the price before her options."""
    return [
        {
            "name": channel,
            "description": f"Price on {CHANNEL_NAMES.get(channel, channel)}"
            + (", before options" if offer.option_groups else ""),
            **_price_type(offer),
            "price": {
                "taxIncludedAmount": money(
                    channel_price(offer, channel=channel) or 0, offer.currency
                )
            },
            "@type": "ProductOfferingPrice",
        }
        for channel in offer.channels
    ]


def _terms(offer: Offer) -> list[dict]:
    if offer.duration_kind == DurationKind.DAYS and offer.duration_days:
        duration = {"amount": offer.duration_days, "units": "days"}
    elif offer.duration_kind == DurationKind.CALENDAR_MONTH:
        duration = {"amount": 1, "units": "calendarMonth"}
    else:
        return []
    return [{"name": "duration", "duration": duration, "@type": "ProductOfferingTerm"}]


def _allowances(offer: Offer) -> list[dict]:
    return [
        {
            "name": name,
            "valueType": "number",
            "productSpecCharacteristicValue": [
                {"value": getattr(offer, field), "unitOfMeasure": unit, "isDefault": True}
            ],
            "@type": "ProductSpecificationCharacteristicValueUse",
        }
        for name, unit, field in ALLOWANCES
        if getattr(offer, field)
    ]


def offering_data(request, offer: Offer) -> dict:
    """`offer` as a TMF620 ProductOffering."""
    return {
        "id": str(offer.pk),
        "href": offering_href(request, offer.pk),
        "name": offer.name,
        "description": offer.summary,
        "isBundle": bool(offer.option_groups),
        "isSellable": offer.status == Offer.Status.PUBLISHED,
        "lastUpdate": offer.updated_at,
        "lifecycleStatus": LIFECYCLE.get(offer.status, offer.status),
        "validFor": period(offer.available_from or offer.published_at, offer.available_until),
        "channel": [
            {"id": channel, "name": CHANNEL_NAMES.get(channel, channel), "@referredType": "Channel"}
            for channel in offer.channels
        ],
        "productOfferingPrice": _prices(offer),
        "productOfferingTerm": _terms(offer),
        "prodSpecCharValueUse": _allowances(offer),
        "@type": "ProductOffering",
    }


_Price = schema.resource(
    "ProductOfferingPrice",
    {
        "name": schema.text(),
        "description": schema.text(),
        "priceType": serializers.ChoiceField(choices=["oneTime", "recurring"]),
        "recurringChargePeriod": schema.text(),
        "recurringChargePeriodLength": serializers.IntegerField(),
        "price": schema.resource(
            "ProductPriceValue", {"taxIncludedAmount": schema.Money()}, identity=()
        )(),
        "@type": schema.text(),
    },
    identity=(),
)
_Duration = schema.resource(
    "TmfDuration", {"amount": serializers.IntegerField(), "units": schema.text()}, identity=()
)
_Term = schema.resource(
    "ProductOfferingTerm",
    {"name": schema.text(), "duration": _Duration(), "@type": schema.text()},
    identity=(),
)
_CharValue = schema.resource(
    "ProductSpecCharacteristicValue",
    {
        "value": serializers.IntegerField(),
        "unitOfMeasure": schema.text(),
        "isDefault": serializers.BooleanField(),
    },
    identity=(),
)
_CharValueUse = schema.resource(
    "ProductSpecificationCharacteristicValueUse",
    {
        "name": schema.text(),
        "valueType": schema.text(),
        "productSpecCharacteristicValue": _CharValue(many=True),
        "@type": schema.text(),
    },
    identity=(),
)
ProductOffering = schema.resource(
    "ProductOffering",
    {
        "id": schema.text(),
        "href": schema.text(),
        "name": schema.text(),
        "description": schema.text(),
        "isBundle": serializers.BooleanField(),
        "isSellable": serializers.BooleanField(),
        "lastUpdate": schema.moment(),
        "lifecycleStatus": schema.text(),
        "validFor": schema.TimePeriod(),
        "channel": schema.ref("TmfChannelRef")(many=True),
        "productOfferingPrice": _Price(many=True),
        "productOfferingTerm": _Term(many=True),
        "prodSpecCharValueUse": _CharValueUse(many=True),
        "@type": schema.text(),
    },
    doc="TMF620 ProductOffering: an offer of the published catalog.",
)


class ProductOfferingListView(TmfView):
    permission_classes = [ReadsCatalog]

    @extend_schema(
        tags=["TMF620 Product Catalog"],
        summary="The published catalog",
        parameters=[schema.FIELDS, *schema.PAGING, *schema.LIST_HEADERS],
        responses={200: ProductOffering(many=True), **schema.errors(400, 401, 403, 429)},
    )
    def get(self, request):
        page = page_read(request)
        offers = offer_list_published()
        shown = offers[page.offset : page.offset + page.limit]
        return list_response(
            request, total=len(offers), items=[offering_data(request, o) for o in shown]
        )


class ProductOfferingView(TmfView):
    permission_classes = [ReadsCatalog]

    @extend_schema(
        tags=["TMF620 Product Catalog"],
        summary="One offer of the published catalog",
        parameters=[schema.FIELDS],
        responses={200: ProductOffering, **schema.errors(401, 403, 404, 429)},
    )
    def get(self, request, offering_id: str):
        offer = offering_find(offering_id)
        if offer is None:
            raise TmfError(
                f"No product offering {offering_id} in the published catalog.",
                code="notFound",
                status_code=404,
            )
        return one_response(request, offering_data(request, offer))


def offering_find(offering_id: str) -> Offer | None:
    """The published offer of this id, or None."""
    published = {str(offer.pk): offer for offer in offer_list_published()}
    return published.get(offering_id)
