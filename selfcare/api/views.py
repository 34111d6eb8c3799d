"""The network's usage feed over HTTP: `POST /api/usage/` with a JSON array (or JSON Lines) of
at most 10,000 events, for a system client holding `usage:write`. The answer is the batch's
counts and each rejected event's id and reason; errors are `{"detail": ...}`."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from selfcare.models import ApiClient, UsageRecord
from selfcare.services.api_clients import api_client_used
from selfcare.services.usage import MAX_EVENTS_PER_BATCH, Rejection, usage_ingest

from .authentication import ApiClientTokenAuthentication, BearerAuthentication, HasScope
from .parsers import NestedTooDeepError, json_load_bounded
from .schema import RequiredBodySchema, detail_errors

# A line of JSON Lines that is not JSON: rejected as malformed, unlike a line that is JSON but
# not an event (`null`, a number), which the feed rejects as not an object.
MALFORMED = object()


def events_parse(body: bytes) -> tuple[list, list[int]]:
    """The events of a JSON array (or one object), or of JSON Lines; with JSON Lines, the
    positions of lines that are not JSON (their events are MALFORMED). Raises ParseError for a
    body that is neither, or nested too deep (`selfcare.api.parsers`)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError("The body is not UTF-8 JSON.") from exc
    try:
        parsed = json_load_bounded(text)
    except NestedTooDeepError:
        raise
    except ParseError:
        pass
    else:
        return (parsed if isinstance(parsed, list) else [parsed]), []
    events, malformed = [], []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            events.append(json_load_bounded(line))
        except ParseError:
            events.append(MALFORMED)
            malformed.append(len(events))
    if not events or len(malformed) == len(events):
        raise ParseError("The body is neither a JSON array of events nor JSON Lines.")
    return events, malformed


# The largest valid event is about 270 bytes of JSON (a 64-character id, a 32-character zone, a
# time with microseconds); 512 leaves room for indentation and escapes. A full batch may be this
# size, above Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) for every other request, and no more.
MAX_EVENT_BYTES = 512
MAX_BODY_BYTES = MAX_EVENTS_PER_BATCH * MAX_EVENT_BYTES


# What the feed accepts, for the schema: any JSON, as every event is checked on its own (one
# that is not a valid event is rejected with its reason, the others are rated), though what the
# network should send is an array of at most 10,000 of these events (or JSON Lines of them).
USAGE_EVENT_SCHEMA = {
    "type": "object",
    "required": ["id", "msisdn", "service", "quantity", "unit", "at"],
    "properties": {
        "id": {"type": "string", "maxLength": 64, "description": "A replay is a duplicate."},
        "msisdn": {"type": "string"},
        "service": {"type": "string", "enum": sorted(UsageRecord.Service.values)},
        "quantity": {"type": "integer", "minimum": 0, "description": "In the unit."},
        "unit": {
            "type": "string",
            "enum": ["bytes", "seconds", "messages"],
            "description": "bytes for data, tv and vod; seconds for voice; messages for sms.",
        },
        "at": {"type": "string", "format": "date-time", "description": "Not in the future."},
        "country": {"type": "string", "description": "ISO 3166 alpha-2, when roaming."},
        "zone": {"type": "string", "maxLength": 32},
    },
}
USAGE_BODY_SCHEMA = {
    "description": "A JSON array of at most 10,000 usage events (or one event), or JSON Lines "
    "of them (Content-Type: application/x-ndjson). Each event is checked on its own.",
    "anyOf": [
        {"type": "array", "maxItems": MAX_EVENTS_PER_BATCH, "items": USAGE_EVENT_SCHEMA},
        {},
    ],
}


class UsageRejectionSerializer(serializers.Serializer):
    id = serializers.CharField(allow_null=True)
    position = serializers.IntegerField(help_text="1-based, in the batch.")
    reason = serializers.CharField()


class UsageSummarySerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = serializers.IntegerField()
    rejections = UsageRejectionSerializer(many=True)


class UsageFeedView(APIView):
    authentication_classes = [BearerAuthentication, ApiClientTokenAuthentication]
    permission_classes = [HasScope]
    required_scope = ApiClient.Scope.USAGE_WRITE
    parser_classes = []  # the body is read as it is: a JSON array or JSON Lines
    schema = RequiredBodySchema()

    @extend_schema(
        summary="Feed network usage (system clients with usage:write)",
        request={"application/json": USAGE_BODY_SCHEMA},
        responses={200: UsageSummarySerializer, **detail_errors(400, 401, 403, 413, 429)},
        examples=[
            OpenApiExample(
                "Two events",
                request_only=True,
                media_type="application/json",
                value=[
                    {
                        "id": "ev-1",
                        "msisdn": "+32470000001",
                        "service": "data",
                        "quantity": 1048576,
                        "unit": "bytes",
                        "at": "2026-12-01T10:00:00Z",
                    },
                    {
                        "id": "ev-2",
                        "msisdn": "+32470000001",
                        "service": "voice",
                        "quantity": 90,
                        "unit": "seconds",
                        "at": "2026-12-01T10:05:00+01:00",
                        "country": "FR",
                    },
                ],
            )
        ],
    )
    def post(self, request):
        body = body_read(request._request)
        if body is None:
            return Response(
                {
                    "detail": f"At most {MAX_BODY_BYTES:,} bytes a request "
                    f"({MAX_EVENTS_PER_BATCH:,} events); send the rest in another request."
                },
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        events, malformed = events_parse(body)
        if len(events) > MAX_EVENTS_PER_BATCH:
            raise ParseError(
                f"At most {MAX_EVENTS_PER_BATCH:,} events a request; this one has {len(events):,}."
            )
        api_client_used(client=request.user.client)
        kept = [(i, e) for i, e in enumerate(events, start=1) if e is not MALFORMED]
        result = usage_ingest(events=[e for _, e in kept])
        result.rejected = sorted(
            [Rejection(None, "malformed JSON", position) for position in malformed]
            + [Rejection(r.event_id, r.reason, kept[r.position - 1][0]) for r in result.rejected],
            key=lambda r: r.position,
        )
        return Response(result.summary())


def body_read(request) -> bytes | None:
    """The body, up to MAX_BODY_BYTES (None beyond), read from the stream: `request.body` would
    refuse anything over DATA_UPLOAD_MAX_MEMORY_SIZE."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return None
    body = request.read(MAX_BODY_BYTES + 1)
    return None if len(body) > MAX_BODY_BYTES else body
