"""The network's usage feed over HTTP: `POST /api/usage/` with a JSON array (or JSON Lines) of
at most 10,000 events, for a system client holding `usage:write`. The answer is the batch's
counts and each rejected event's id and reason; errors are `{"detail": ...}`."""

import json

from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from selfcare.models import ApiClient
from selfcare.services.api_clients import api_client_used
from selfcare.services.usage import MAX_EVENTS_PER_BATCH, Rejection, usage_ingest

from .authentication import ApiClientTokenAuthentication, HasScope


def events_parse(body: bytes) -> tuple[list, list[int]]:
    """The events of a JSON array (or one object), or of JSON Lines; with JSON Lines, the
    positions of lines that are not JSON. Raises ParseError for a body that is neither."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError("The body is not UTF-8 JSON.") from exc
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    else:
        return (parsed if isinstance(parsed, list) else [parsed]), []
    events, malformed = [], []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            events.append(json.loads(line))
        except ValueError:
            events.append(None)
            malformed.append(len(events))
    if not events or len(malformed) == len(events):
        raise ParseError("The body is neither a JSON array of events nor JSON Lines.")
    return events, malformed


class UsageFeedView(APIView):
    authentication_classes = [ApiClientTokenAuthentication]
    permission_classes = [HasScope]
    required_scope = ApiClient.Scope.USAGE_WRITE
    parser_classes = []  # the body is read as it is: a JSON array or JSON Lines

    def post(self, request):
        events, malformed = events_parse(request.body)
        if len(events) > MAX_EVENTS_PER_BATCH:
            raise ParseError(
                f"At most {MAX_EVENTS_PER_BATCH:,} events a request; this one has {len(events):,}."
            )
        api_client_used(client=request.auth)
        kept = [(i, e) for i, e in enumerate(events, start=1) if e is not None]
        result = usage_ingest(events=[e for _, e in kept])
        result.rejected = sorted(
            [Rejection(None, "malformed JSON", position) for position in malformed]
            + [Rejection(r.event_id, r.reason, kept[r.position - 1][0]) for r in result.rejected],
            key=lambda r: r.position,
        )
        return Response(result.summary())
