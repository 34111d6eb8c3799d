"""The API's exception handler: every refusal is `{"detail": "..."}` with its 4xx status.

DRF answers its own exceptions; this adds Django's refusals of a request body, which DRF leaves
to Django's HTML error pages (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many form fields, a
body the connection lost), and words a serializer's field errors as one `detail` sentence.
"""

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import UnreadablePostError
from django.template.defaultfilters import filesizeformat
from rest_framework import exceptions, status
from rest_framework.views import exception_handler


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"


def error_sentence(detail) -> str:
    """The first error of a serializer's errors, named by its field's path: `options.data: Not
    a valid string.`"""
    path = []
    while isinstance(detail, dict | list) and detail:
        if isinstance(detail, dict):
            key, detail = next(iter(detail.items()))
            if key != "non_field_errors":
                path.append(str(key))
        else:
            detail = detail[0]
    sentence = str(detail) if detail not in ({}, []) else "Invalid request."
    return f"{'.'.join(path)}: {sentence}" if path else sentence


def api_exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        exc = BodyTooLarge(
            f"The body is over {filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}: "
            "send less in one request."
        )
    elif isinstance(exc, SuspiciousOperation | BadRequest):
        exc = exceptions.ParseError(f"The body cannot be read: {exc}")
    elif isinstance(exc, UnreadablePostError):
        exc = exceptions.ParseError("The body was cut short.")
    elif isinstance(exc, exceptions.ValidationError) and not (
        isinstance(exc.detail, dict) and set(exc.detail) == {"detail"}
    ):
        exc = exceptions.ValidationError({"detail": error_sentence(exc.detail)})
    return exception_handler(exc, context)
