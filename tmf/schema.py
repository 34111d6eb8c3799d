"""The OpenAPI schema (drf-spectacular) of the TM Forum resources: what this API returns of each,
with TMF's attribute names (`@type`, `@referredType`). Every attribute but the identity is
optional, as `fields=` may leave it out. The tests check the answers against TM Forum's own
documents, and schemathesis checks them against this."""

from __future__ import annotations

import copy
import functools

from django.core.validators import ProhibitNullCharactersValidator
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

IDENTITY = ("id", "href", "@type")


def resource(name: str, fields: dict, *, doc: str = "", identity=IDENTITY) -> type:
    """A serializer class (for the schema only) named `name`, whose attributes are `fields`:
    those of `identity` required, the others optional."""

    def get_fields(self):
        made = {}
        for key, field in fields.items():
            field = copy.deepcopy(field)
            field.required = key in identity
            made[key] = field
        return made

    return type(
        f"{name}Serializer",
        (serializers.Serializer,),
        {"get_fields": get_fields, "__doc__": doc, "__module__": __name__},
    )


def text(**kwargs):
    return serializers.CharField(**kwargs)


def moment(**kwargs):
    return serializers.DateTimeField(**kwargs)


def number(**kwargs):
    return serializers.FloatField(**kwargs)


@functools.cache
def ref(name: str, *, role: bool = False) -> type:
    """A TMF entity reference: id, href, name, @referredType (and the party's role); one class
    per name, so the schema has one component of each."""
    extra = {"role": text()} if role else {}
    return resource(
        name,
        {"id": text(), "href": text(), "name": text(), "@referredType": text(), **extra},
        identity=("id",),
    )


Money = resource("TmfMoney", {"unit": text(), "value": number()}, identity=())
Quantity = resource("TmfQuantity", {"amount": number(), "units": text()}, identity=())
TimePeriod = resource(
    "TmfTimePeriod", {"startDateTime": moment(), "endDateTime": moment()}, identity=()
)
Error = resource(
    "TmfError",
    {
        "code": text(),
        "reason": text(),
        "message": text(),
        "status": text(),
        "@type": text(),
    },
    identity=("code", "reason", "message", "status", "@type"),
    doc="TM Forum's Error body: every refusal of /tmf-api/.",
)

_MEANINGS = {
    400: "Malformed query or body.",
    401: "No credentials, or a wrong, expired or revoked token.",
    403: "Not allowed: not a customer, or a token without the scope.",
    404: "No such resource, or not hers.",
    409: "Refused as it stands: not eligible, not enough balance, a key used for another order.",
    429: "Too many requests: wait the seconds in Retry-After.",
}


def errors(*codes: int) -> dict:
    return {code: OpenApiResponse(Error, description=_MEANINGS[code]) for code in codes}


FIELDS = OpenApiParameter(
    "fields",
    str,
    description="Comma-separated attributes to return (id, href and @type always are).",
)
PAGING = [
    OpenApiParameter(
        "offset",
        {"type": "integer", "minimum": 0, "maximum": 10**9},
        description="Index of the first item (from 0).",
    ),
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": 100},
        description="At most this many items (1 to 100; 100 when not given).",
    ),
]
LIST_HEADERS = [
    OpenApiParameter(
        "X-Total-Count", int, OpenApiParameter.HEADER, response=True, description="In all."
    ),
    OpenApiParameter(
        "X-Result-Count", int, OpenApiParameter.HEADER, response=True, description="In this page."
    ),
]


class StrictCharField(serializers.CharField):
    """Text that must be a JSON string (DRF's CharField would take 12 for "12"). Any string the
    schema allows, NUL included: what it carries is looked up or echoed, never stored."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [
            v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false (DRF's BooleanField would take "yes" or 1)."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data
