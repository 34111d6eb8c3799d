"""URL converters shared by the portal and the console. Registered once, when this module is
first imported (Django refuses to register a name twice)."""

from django.urls import register_converter


class IdConverter:
    """A database id: digits that fit a 64-bit key, so a huge number is a 404, not an overflow."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
