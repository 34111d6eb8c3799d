"""What the OpenAPI schema (drf-spectacular) says of the product's own endpoints: their error body
`{"detail": ...}`, written once for every view of `/api/`."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers


class DetailErrorSerializer(serializers.Serializer):
    """Every error of /api/: one sentence a person can read."""

    detail = serializers.CharField()


_MEANINGS = {
    400: "Malformed request: the field and what is wrong with it.",
    401: "No credentials, or a wrong, expired or revoked token.",
    403: "Signed in, but not allowed (not a customer, or a client without the scope).",
    404: "No such thing, or not hers.",
    409: "Refused as it stands: a stale cart version, an offer she cannot buy, a changed total.",
    413: "The body is larger than a request may be.",
    429: "Too many requests: wait the seconds in Retry-After.",
}


def detail_errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The schema's responses for these error codes, each a `{"detail": ...}` body."""
    return {
        code: OpenApiResponse(response=DetailErrorSerializer, description=_MEANINGS[code])
        for code in codes
    }


@extend_schema_field(
    {"type": "string", "pattern": r"^[0-9]{1,8}(\.[0-9]{1,2})?$", "example": "12.00"}
)
class MoneyField(serializers.DecimalField):
    """An amount of money in a request, e.g. "12.00": a decimal string with at most 2 decimals
    (the schema's pattern, which drf-spectacular's own would let be empty)."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=10, decimal_places=2, min_value=0, **kwargs)


class RequiredBodySchema(AutoSchema):
    """A view whose request body is a raw schema (drf-spectacular then marks it optional) and
    which needs one: an empty request is a 400."""

    def _get_request_body(self, direction="request"):
        body = super()._get_request_body(direction)
        if body:
            body["required"] = True
        return body
