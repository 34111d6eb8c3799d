"""`{{ stored|said:line }}`: a line kept with its words (selfcare/said.py), said in the language
active now; `line` as it is when nothing is stored."""

from django import template

from selfcare.said import said_text

register = template.Library()


@register.filter(name="said")
def said_filter(stored: dict | None, line: str) -> str:
    return said_text(stored, line)
