"""TMF679 Product Offering Qualification: is she eligible for these offers, and if not, why not.

An instant, synchronous qualification: the answer is computed by the one eligibility engine
(`catalog.eligibility.offer_decide`) over the context `orders.selectors.customer_context_build`
makes for her home line, as the portal's switches and the cart do. Nothing is written, so the
answer has an id but no href to read it again. An offer she may not buy only because of its
purchase limit is `alternate`: the same offering proposed again from the day it is available."""

from __future__ import annotations

import uuid

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers

from catalog.eligibility import Decision, offer_decide
from catalog.models import SalesChannel
from orders.selectors import customer_context_build

from . import schema
from .catalog import CHANNEL_NAMES, offering_find, offering_ref
from .common import IsCustomer, TmfView, one_response

MAX_ITEMS = 50
NOT_ON_SALE = "This offer is not on sale."


class _OfferingRefIn(serializers.Serializer):
    id = schema.StrictCharField(max_length=32)


class _ItemIn(serializers.Serializer):
    id = schema.StrictCharField(max_length=64)
    productOffering = _OfferingRefIn()


class _ChannelIn(serializers.Serializer):
    id = serializers.ChoiceField(choices=SalesChannel.values)


class ProductOfferingQualificationCreateSerializer(serializers.Serializer):
    """TMF679 ProductOfferingQualification_Create: the offerings to qualify her for."""

    productOfferingQualificationItem = serializers.ListField(
        child=_ItemIn(), min_length=1, max_length=MAX_ITEMS
    )
    channel = _ChannelIn(required=False, help_text="The sales channel; api by default.")
    provideUnavailabilityReason = schema.StrictBooleanField(default=True)
    provideAlternative = schema.StrictBooleanField(
        default=True, help_text="Propose the date an offer she bought to its limit comes back."
    )
    description = schema.StrictCharField(required=False, max_length=255)


def _reasons(decision: Decision | None) -> list[dict]:
    if decision is None:
        found = [("notOnSale", NOT_ON_SALE)]
    elif decision.limited_only:
        found = [("purchaseLimit", decision.reasons[0])]
    else:
        found = [("notEligible", reason) for reason in decision.reasons]
    return [
        {"code": code, "label": label, "@type": "EligibilityUnavailabilityReason"}
        for code, label in found
    ]


def _item_data(request, item: dict, decision: Decision | None, options: dict) -> dict:
    found = {
        "id": item["id"],
        "state": "done",
        "productOffering": offering_ref(request, decision.offer)
        if decision
        else {"id": item["productOffering"]["id"], "@referredType": "ProductOffering"},
        "@type": "ProductOfferingQualificationItem",
    }
    if decision is not None and decision.eligible:
        return found | {"qualificationItemResult": "qualified"}
    alternate = options["provideAlternative"] and decision is not None and decision.limited_only
    found["qualificationItemResult"] = "alternate" if alternate else "unqualified"
    if options["provideUnavailabilityReason"]:
        found["eligibilityUnavailabilityReason"] = _reasons(decision)
    if alternate:
        found["alternateProductOfferingProposal"] = [
            {
                "id": "1",
                "alternateActivationDate": decision.available_again_at,
                "alternateProductOffering": offering_ref(request, decision.offer),
                "@type": "AlternateProductOfferingProposal",
            }
        ]
    return found


def _overall(results: list[str]) -> str:
    if all(result == "qualified" for result in results):
        return "qualified"
    return "unqualified" if "unqualified" in results else "alternate"


_Reason = schema.resource(
    "EligibilityUnavailabilityReason",
    {"code": schema.text(), "label": schema.text(), "@type": schema.text()},
    identity=(),
)
_Proposal = schema.resource(
    "AlternateProductOfferingProposal",
    {
        "id": schema.text(),
        "alternateActivationDate": schema.moment(),
        "alternateProductOffering": schema.ref("TmfProductOfferingRef")(),
        "@type": schema.text(),
    },
    identity=(),
)
RESULTS = ["qualified", "unqualified", "alternate"]
# Answered at once: every qualification and item is done.
TASK_STATES = ["done"]
_Item = schema.resource(
    "ProductOfferingQualificationItem",
    {
        "id": schema.text(),
        "state": serializers.ChoiceField(choices=TASK_STATES),
        "productOffering": schema.ref("TmfProductOfferingRef")(),
        "qualificationItemResult": serializers.ChoiceField(choices=RESULTS),
        "eligibilityUnavailabilityReason": _Reason(many=True),
        "alternateProductOfferingProposal": _Proposal(many=True),
        "@type": schema.text(),
    },
    identity=("id", "state", "productOffering", "qualificationItemResult", "@type"),
)
ProductOfferingQualification = schema.resource(
    "ProductOfferingQualification",
    {
        "id": schema.text(),
        "state": serializers.ChoiceField(choices=TASK_STATES),
        "qualificationResult": serializers.ChoiceField(choices=RESULTS),
        "instantSyncQualification": serializers.BooleanField(),
        "effectiveQualificationDate": schema.moment(),
        "provideUnavailabilityReason": serializers.BooleanField(),
        "provideAlternative": serializers.BooleanField(),
        "description": schema.text(),
        "channel": schema.ref("TmfChannelRef")(),
        "relatedParty": schema.ref("TmfQualificationParty", role=True)(many=True),
        "productOfferingQualificationItem": _Item(many=True),
        "@type": schema.text(),
    },
    identity=(
        "id",
        "state",
        "qualificationResult",
        "instantSyncQualification",
        "productOfferingQualificationItem",
        "@type",
    ),
    doc="TMF679 ProductOfferingQualification, answered at once.",
)


class ProductOfferingQualificationView(TmfView):
    permission_classes = [IsCustomer]

    @extend_schema(
        tags=["TMF679 Product Offering Qualification"],
        summary="May she buy these offerings, and if not, why not",
        request=ProductOfferingQualificationCreateSerializer,
        responses={200: ProductOfferingQualification, **schema.errors(400, 401, 403, 429)},
        examples=[
            OpenApiExample(
                "Two offerings",
                request_only=True,
                value={
                    "productOfferingQualificationItem": [
                        {"id": "1", "productOffering": {"id": "12"}},
                        {"id": "2", "productOffering": {"id": "15"}},
                    ],
                    "channel": {"id": "api"},
                },
            )
        ],
    )
    def post(self, request):
        serializer = ProductOfferingQualificationCreateSerializer(data=request.data)
        if not serializer.is_valid():
            raise serializers.ValidationError(serializer.errors)
        data = serializer.validated_data
        channel = data.get("channel", {}).get("id", SalesChannel.API)
        her, at = request.her, timezone.now()
        context = customer_context_build(
            customer=her.customer, line=her.line, channel=channel, at=at
        )
        items = []
        for item in data["productOfferingQualificationItem"]:
            offer = offering_find(item["productOffering"]["id"])
            decision = offer_decide(offer=offer, context=context) if offer else None
            items.append(_item_data(request, item, decision, data))
        answer = {
            "id": uuid.uuid4().hex,
            "state": "done",
            "qualificationResult": _overall([i["qualificationItemResult"] for i in items]),
            "instantSyncQualification": True,
            "effectiveQualificationDate": at,
            "provideUnavailabilityReason": data["provideUnavailabilityReason"],
            "provideAlternative": data["provideAlternative"],
            "channel": {
                "id": channel,
                "name": CHANNEL_NAMES[channel],
                "@referredType": "Channel",
            },
            "relatedParty": [
                {
                    "id": str(her.customer.pk),
                    "name": her.customer.name,
                    "role": "customer",
                    "@referredType": "Customer",
                }
            ],
            "productOfferingQualificationItem": items,
            "@type": "ProductOfferingQualification",
        }
        if data.get("description"):
            answer["description"] = data["description"]
        return one_response(request, answer)
