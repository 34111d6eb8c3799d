"""TMF635 Usage: `usage`. The network's feed in TM Forum's shape, and her usage records.

POST, for a system client with `usage:write`: one Usage, a JSON array of them (a batch), or JSON
Lines of them (a file, Content-Type application/x-ndjson), at most 10,000 a request. Each Usage
is the feed's event (`POST /api/usage/`, `manage.py ingest_usage`) written as TMF635 writes it:
`usageType` is the service, `usageDate` when, and `usageCharacteristic` carries the rest (eventId,
msisdn, quantity, unit, and when roaming country and zone). It goes through the feed's own
service (`selfcare.services.usage_ingest`): checked event by event, rated against her
allowances, charged out of bundle, barred when unpaid, alerts and campaign events recorded, a
replayed eventId never rated twice.

- One Usage: 201 with the record as rated (200 with the record already rated, for a replay); a
  Usage the feed refuses is a 400 with its reason, and nothing is written.
- A batch or a file: 200 with the feed's summary (accepted, duplicates, rejected, each rejection's
  position and reason), as the feed answers: a bad event is refused on its own.

GET: her usage records (a customer), or a customer's (an agent, naming her with
`relatedParty.id`), newest first, each rated (`status` rated), with what allowances covered."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import serializers
from rest_framework.exceptions import ParseError

from selfcare.api.authentication import (
    ApiClientTokenAuthentication,
    BearerAuthentication,
    HasScope,
)
from selfcare.api.parsers import json_load_bounded
from selfcare.api.views import MALFORMED, MAX_BODY_BYTES, body_read, events_parse
from selfcare.models import ApiClient, UsageRecord
from selfcare.selectors_history import (
    usage_get_by_event_id,
    usage_get_for_customer,
    usage_page_for_customer,
)
from selfcare.services.api_clients import api_client_used
from selfcare.services.usage import MAX_EVENTS_PER_BATCH, Rejection, usage_ingest

from . import schema
from .common import (
    PARTY_PARAMETER,
    IsCustomerOrAgent,
    TmfError,
    TmfView,
    href,
    list_response,
    one_found,
    one_response,
    page_read,
)

PATH = "usageManagement/v4/usage"
# The feed's event field each characteristic carries.
CHARACTERISTICS = {
    "eventId": "id",
    "msisdn": "msisdn",
    "quantity": "quantity",
    "unit": "unit",
    "country": "country",
    "zone": "zone",
}


def usage_href(request, record_id: int) -> str:
    return href(request, f"{PATH}/{record_id}")


def event_from_usage(usage):
    """The feed's event of a TMF635 Usage. Anything that is not a Usage is passed on as it is,
    for the feed to refuse with its reason; a characteristic named twice is refused here."""
    if not isinstance(usage, dict):
        return usage
    event = {"service": usage.get("usageType"), "at": usage.get("usageDate")}
    characteristics = usage.get("usageCharacteristic")
    if not isinstance(characteristics, list):
        return "usageCharacteristic is not a list"
    for characteristic in characteristics:
        if not isinstance(characteristic, dict):
            return "a usageCharacteristic is not an object"
        field = CHARACTERISTICS.get(characteristic.get("name"))
        if field is None:
            continue
        if field in event:
            return f"usageCharacteristic {characteristic['name']} named twice"
        event[field] = characteristic.get("value")
    return event


def _ratings(record: UsageRecord) -> list[dict]:
    """TMF's rating tag: all of it covered by allowances, some of it beyond them, or none."""
    if not record.out_of_bundle:
        tag = "included usage"
    elif record.rated_against:
        tag = "non included usage"
    else:
        tag = "usage"
    return [
        {
            "usageRatingTag": tag,
            "ratingDate": record.created_at,
            "isBilled": False,
            "@type": "RatedProductUsage",
        }
    ]


def usage_data(request, record: UsageRecord) -> dict:
    """`record` as a TMF635 Usage."""
    line = record.line
    characteristics = [
        ("eventId", "string", record.event_id),
        ("msisdn", "string", line.msisdn),
        ("quantity", "integer", record.quantity),
        ("unit", "string", record.unit),
        ("outOfBundle", "integer", record.out_of_bundle),
        ("ratedAgainst", "object", {str(k): v for k, v in record.rated_against.items()}),
    ]
    if record.country:
        characteristics.append(("country", "string", record.country))
    if record.zone:
        characteristics.append(("zone", "string", record.zone))
    return {
        "id": str(record.pk),
        "href": usage_href(request, record.pk),
        "description": f"{record.get_service_display()}: {record.quantity} {record.unit}",
        "usageDate": record.at,
        "usageType": record.service,
        "status": "rated",
        "usageCharacteristic": [
            {"name": name, "valueType": kind, "value": value, "@type": "UsageCharacteristic"}
            for name, kind, value in characteristics
        ],
        "ratedProductUsage": _ratings(record),
        "relatedParty": [
            {"id": str(line.customer_id), "role": "customer", "@referredType": "Customer"}
        ],
        "@type": "Usage",
    }


# Schema

_Characteristic = schema.resource(
    "UsageCharacteristic",
    {
        "name": schema.text(),
        "valueType": schema.text(),
        "value": serializers.JSONField(),
        "@type": schema.text(),
    },
    identity=("name", "value"),
)
_Rating = schema.resource(
    "RatedProductUsage",
    {
        "usageRatingTag": serializers.ChoiceField(
            choices=["usage", "included usage", "non included usage"]
        ),
        "ratingDate": schema.moment(),
        "isBilled": serializers.BooleanField(),
        "@type": schema.text(),
    },
    identity=("usageRatingTag",),
)
Usage = schema.resource(
    "Usage",
    {
        "id": schema.text(),
        "href": schema.text(),
        "description": schema.text(),
        "usageDate": schema.moment(),
        "usageType": serializers.ChoiceField(choices=sorted(UsageRecord.Service.values)),
        "status": schema.text(help_text="rated: every record is rated as it arrives."),
        "usageCharacteristic": _Characteristic(many=True),
        "ratedProductUsage": _Rating(many=True),
        "relatedParty": schema.ref("TmfUsageParty", role=True)(many=True),
        "@type": schema.text(),
    },
    doc="TMF635 Usage: one network event of one of her lines, as it was rated.",
)
_Rejection = schema.resource(
    "TmfUsageRejection",
    {
        "id": serializers.CharField(allow_null=True),
        "position": serializers.IntegerField(help_text="1-based, in the batch."),
        "reason": schema.text(),
    },
    identity=("id", "position", "reason"),
)
UsageBatchResult = schema.resource(
    "UsageBatchResult",
    {
        "accepted": serializers.IntegerField(),
        "duplicates": serializers.IntegerField(),
        "rejected": serializers.IntegerField(),
        "rejections": _Rejection(many=True),
        "@type": schema.text(),
    },
    identity=("accepted", "duplicates", "rejected", "rejections", "@type"),
    doc="What the feed did with a batch: rated, replays ignored, refused (each with its reason).",
)

_CHARACTERISTIC_IN = {
    "type": "object",
    "required": ["name", "value"],
    "properties": {
        "name": {
            "type": "string",
            "enum": sorted(CHARACTERISTICS),
            "description": "eventId (a replay is a duplicate), msisdn, quantity (a whole number "
            "in the unit), unit (bytes for data, tv and vod; seconds for voice; messages for "
            "sms), country (ISO 3166 alpha-2, when roaming), zone.",
        },
        "value": {},
    },
}
USAGE_IN = {
    "type": "object",
    "required": ["usageType", "usageDate", "usageCharacteristic"],
    "properties": {
        "usageType": {"type": "string", "enum": sorted(UsageRecord.Service.values)},
        "usageDate": {"type": "string", "format": "date-time"},
        "usageCharacteristic": {"type": "array", "items": _CHARACTERISTIC_IN},
    },
}
USAGE_BODY = {
    "description": "One TMF635 Usage, a JSON array of at most 10,000 (a batch), or JSON Lines of "
    "them (a file: Content-Type application/x-ndjson). Each is checked on its own.",
    "anyOf": [
        USAGE_IN,
        {"type": "array", "maxItems": MAX_EVENTS_PER_BATCH, "items": USAGE_IN},
        {},
    ],
}
_EXAMPLE = {
    "usageType": "data",
    "usageDate": "2026-12-01T10:00:00Z",
    "usageCharacteristic": [
        {"name": "eventId", "value": "ev-1"},
        {"name": "msisdn", "value": "+32470000001"},
        {"name": "quantity", "value": 1048576},
        {"name": "unit", "value": "bytes"},
    ],
}
TAGS = ["TMF635 Usage"]


class UsageListView(TmfView):
    parser_classes = []  # a POST's body is read as it is: a Usage, an array, or JSON Lines

    def get_authenticators(self):
        """A POST is a system's: its bearer token, or a pre-OAuth2 client's static token, as the
        feed takes them; a read is hers or an agent's, as every TMF resource's."""
        if getattr(self.request, "method", None) == "POST":
            return [BearerAuthentication(), ApiClientTokenAuthentication()]
        return super().get_authenticators()

    def get_permissions(self):
        if self.request.method == "POST":
            return [HasScope()]
        return [IsCustomerOrAgent()]

    @property
    def required_scope(self):
        return ApiClient.Scope.USAGE_WRITE if self.request.method == "POST" else None

    @extend_schema(
        tags=TAGS,
        summary="Her usage records, newest first (a customer, or an agent naming her)",
        parameters=[
            schema.FIELDS,
            *schema.PAGING,
            *schema.LIST_HEADERS,
            PARTY_PARAMETER,
        ],
        responses={200: Usage(many=True), **schema.errors(400, 401, 403, 404, 429)},
    )
    def get(self, request):
        page = page_read(request)
        total, records = usage_page_for_customer(
            customer=request.her.customer, offset=page.offset, limit=page.limit
        )
        return list_response(request, total=total, items=[usage_data(request, r) for r in records])

    @extend_schema(
        tags=TAGS,
        summary="Feed network usage: one Usage, a batch, or a file (system clients with "
        "usage:write)",
        parameters=[schema.FIELDS],
        request={"application/json": USAGE_BODY},
        responses={
            201: OpenApiResponse(Usage, description="One Usage, rated."),
            200: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="UsageFeedAnswer",
                    serializers=[Usage, UsageBatchResult],
                    resource_type_field_name=None,
                ),
                description="A batch or a file: what was rated, replayed, refused; or one "
                "Usage rated before (a replay), as it was.",
            ),
            **schema.errors(400, 401, 403, 429),
            413: OpenApiResponse(schema.Error, description="More than 10,000 events a request."),
        },
        examples=[
            OpenApiExample("One Usage", request_only=True, value=_EXAMPLE),
        ],
    )
    def post(self, request):
        body = body_read(request._request)
        if body is None:
            raise TmfError(
                f"At most {MAX_BODY_BYTES:,} bytes a request ({MAX_EVENTS_PER_BATCH:,} "
                "events); send the rest in another request.",
                code="tooLarge",
                status_code=413,
            )
        events, malformed = events_parse(body)
        if len(events) > MAX_EVENTS_PER_BATCH:
            raise TmfError(
                f"At most {MAX_EVENTS_PER_BATCH:,} events a request; this one has {len(events):,}.",
                code="tooLarge",
                status_code=413,
            )
        api_client_used(client=request.user.client)
        if len(events) == 1 and not malformed and _is_one_object(body):
            return self._one(request, events[0])
        return self._batch(request, events, malformed)

    def _one(self, request, usage):
        event = event_from_usage(usage)
        if isinstance(event, str):
            raise TmfError(f"Usage refused: {event}.", code="invalidUsage", status_code=400)
        result = usage_ingest(events=[event])
        if result.rejected:
            raise TmfError(
                f"Usage refused: {result.rejected[0].reason}.",
                code="invalidUsage",
                status_code=400,
            )
        record = usage_get_by_event_id(event_id=event["id"])
        status_code = 201 if result.accepted else 200
        return one_response(request, usage_data(request, record), status_code=status_code)

    def _batch(self, request, events, malformed):
        kept, refused = [], []
        for position, usage in enumerate(events, start=1):
            if usage is MALFORMED:
                continue
            event = event_from_usage(usage)
            if isinstance(event, str):
                refused.append(Rejection(None, event, position))
            else:
                kept.append((position, event))
        result = usage_ingest(events=[e for _, e in kept])
        result.rejected = sorted(
            [Rejection(None, "malformed JSON", position) for position in malformed]
            + refused
            + [Rejection(r.event_id, r.reason, kept[r.position - 1][0]) for r in result.rejected],
            key=lambda r: r.position,
        )
        return one_response(request, result.summary() | {"@type": "UsageBatchResult"})


def _is_one_object(body: bytes) -> bool:
    """Whether the body is one JSON object (one Usage), not an array nor JSON Lines. Called once
    `events_parse` took the body (it is UTF-8, and within bounds), and only for a body of one
    event: it parses the body again, which a batch of thousands need not pay for."""
    if not body.lstrip().startswith(b"{"):
        return False
    try:
        return isinstance(json_load_bounded(body.decode("utf-8")), dict)
    except ParseError:  # JSON Lines: the first object, then more
        return False


class UsageView(TmfView):
    permission_classes = [IsCustomerOrAgent]

    @extend_schema(
        tags=TAGS,
        summary="One usage record of hers (a customer, or an agent naming her)",
        parameters=[
            schema.FIELDS,
            PARTY_PARAMETER,
        ],
        responses={200: Usage, **schema.errors(400, 401, 403, 404, 429)},
    )
    def get(self, request, usage_id: str):
        record = one_found(
            usage_id,
            lambda pk: usage_get_for_customer(customer=request.her.customer, pk=pk),
            missing=f"No usage {usage_id} of hers.",
        )
        return one_response(request, usage_data(request, record))
