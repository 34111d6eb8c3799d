"""How every API view reads a JSON body: strictly, and within bounds, so that no body, whatever
its shape or size, reaches a view (or a 500) as anything but data or a 400 with a `detail`.

Bounds: the body's size is Django's DATA_UPLOAD_MAX_MEMORY_SIZE (a bigger one is a 413, from
`selfcare.api.exceptions`); the text is UTF-8, as JSON must be (RFC 8259), whatever charset the
request names; NaN and Infinity are not JSON; and values nest at most MAX_DEPTH deep, because a
deeper one (`[[[[...]]]]`) makes Python's parser or any code that walks it run out of stack.
"""

import json
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# The deepest API body is a few levels (a cart item's options are two); TM Forum's resources
# nest a little more. 32 leaves room for all of them and far less than Python's stack.
MAX_DEPTH = 32


class NestedTooDeepError(ParseError):
    pass


def _not_json_constant(name: str):
    raise ValueError(f"{name} is not a JSON value")


def json_nested_deeper_than(value: Any, *, limit: int) -> bool:
    """Whether `value` nests lists and objects more than `limit` deep; without recursion, so a
    deep value cannot break this check too."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def json_load_bounded(data: bytes | str, *, what: str = "The body") -> Any:
    """Parse strict JSON nested at most MAX_DEPTH deep. Raises ParseError, saying what is
    wrong, for anything else: not UTF-8, not JSON, NaN or Infinity, too deep."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(f"{what} is not UTF-8 text (byte {exc.start + 1}).") from exc
    try:
        value = json.loads(data, parse_constant=_not_json_constant)
    except RecursionError as exc:
        raise NestedTooDeepError(f"{what} is nested more than {MAX_DEPTH} levels deep.") from exc
    except ValueError as exc:
        raise ParseError(f"{what} is not valid JSON: {exc}.") from exc
    if json_nested_deeper_than(value, limit=MAX_DEPTH):
        raise NestedTooDeepError(f"{what} is nested more than {MAX_DEPTH} levels deep.")
    return value


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, within the bounds above. DRF hands it the whole body, read through
    Django's size check (RequestDataTooBig beyond it)."""

    def parse(self, stream, media_type=None, parser_context=None):
        return json_load_bounded(stream.read())
