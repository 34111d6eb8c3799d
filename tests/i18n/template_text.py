"""What a template says to a person that is not marked for translation.

The template is cut into Django's own tokens (text, variables, tags, comments). Words a person
reads are in text tokens outside {% translate %} / {% blocktranslate %}, {% comment %}, <script>
and <style>: between HTML tags, and in the attributes that are read out or shown (alt, title,
placeholder, aria-label, the portal's data-says-*, a button input's value). A string literal a
variable or tag hands on as text counts too, where the variable stands: `{{ x|default:"none" }}`,
`{{ "Manage "|add:x }}`, `{% with label="Cancel" %}`, `{% include ... with saves="You save" %}`,
unless it is marked with `_("...")` or is a format (`|date:"j M"`). Whatever is left once
variables, tags, numbers, punctuation and the few words that are the same in both languages are
taken out must be nothing."""

from __future__ import annotations

import re

from django.template.base import Lexer, TokenType

# Words written the same in English and Portuguese: units, a brand's kind of thing, codes.
SAME_IN_EVERY_LANGUAGE = {
    "SMS",
    "MB",
    "GB",
    "KB",
    "min",
    "h",
    "s",
    "EUR",
    "PIN",
    "OK",
    "ID",
    "API",
    "JSON",
    "URL",
    "MSISDN",
    "HTML",
    "htmx",
    "TV",
    "VoD",
    "Swagger",
    "Wi",
    "Fi",
    "e",
    "x",
}
READ_ATTRIBUTES = re.compile(
    r"""\s(alt|title|placeholder|aria-label|aria-roledescription|aria-valuetext|data-says-[\w-]+)\s*=\s*("[^"]*"|'[^']*')""",
    re.IGNORECASE,
)
# A button made of an <input>: its value is what it says.
BUTTON_INPUT = re.compile(
    r"""<input\b[^>]*\btype\s*=\s*["']?(?:submit|button|reset)\b[^>]*>""", re.I
)
VALUE = re.compile(r"""\svalue\s*=\s*("[^"]*"|'[^']*')""", re.IGNORECASE)
TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)
WORD = re.compile(r"[^\W\d_]+")
ENTITY = re.compile(r"&[#\w]+;")
# A literal in a variable: bare, or a filter's argument (`|default:"none"`), unless marked `_()`.
VARIABLE_LITERAL = re.compile(r"""(?:^|\|(\w+):)\s*(_\()?("[^"]*"|'[^']*')""")
# A literal a tag hands on by name: `{% with label="Cancel" %}`, `{% include ... with x="..." %}`.
NAMED_LITERAL = re.compile(r"""(\w+)=(_\()?("[^"]*"|'[^']*')""")
# Filters whose argument is a format or a name, not words: |date:"j M Y", |admin_urlname:"delete".
FORMAT_FILTERS = {"date", "time", "stringformat", "admin_urlname"}
# Names a tag hands a machine value by (the admin's fieldset include: prefix="fieldset").
MACHINE_NAMES = {"prefix"}
OPENING = {"translate", "trans"}
BLOCKS = {
    "blocktranslate": "endblocktranslate",
    "blocktrans": "endblocktrans",
    "comment": "endcomment",
    "verbatim": "endverbatim",
}


def _words(text: str) -> list[str]:
    text = ENTITY.sub(" ", text)
    return [word for word in WORD.findall(text) if word not in SAME_IN_EVERY_LANGUAGE]


def _literal_words(token) -> str:
    """The words of the unmarked string literals a variable or tag gives out as text."""
    words: list[str] = []
    if token.token_type == TokenType.VAR:
        for match in VARIABLE_LITERAL.finditer(token.contents):
            if match.group(1) not in FORMAT_FILTERS and not match.group(2):
                words.extend(WORD.findall(match.group(3)))
    elif token.contents.split()[0] not in OPENING:
        for match in NAMED_LITERAL.finditer(token.contents):
            if match.group(1) not in MACHINE_NAMES and not match.group(2):
                words.extend(WORD.findall(match.group(3)))
        for match in VARIABLE_LITERAL.finditer(token.contents):
            if match.group(1) and match.group(1) not in FORMAT_FILTERS and not match.group(2):
                words.extend(WORD.findall(match.group(3)))
    return " ".join(words)


def _plain_text(source: str) -> str:
    """The template's text outside translation and comment tags, with each variable and tag
    replaced by a marker (and the words of the literals it gives out, between two markers)."""
    parts: list[str] = []
    closing: str | None = None
    for token in Lexer(source).tokenize():
        if closing is not None:
            if token.token_type == TokenType.BLOCK and token.contents.split()[0] == closing:
                closing = None
                parts.append("\x00")
            continue
        if token.token_type == TokenType.TEXT:
            parts.append(token.contents)
        elif token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0]
            if name in BLOCKS:
                closing = BLOCKS[name]
            parts.append(f"\x00{_literal_words(token)}\x00")
        elif token.token_type == TokenType.VAR:
            parts.append(f"\x00{_literal_words(token)}\x00")
    return "".join(parts)


def unmarked_texts(source: str, *, plain_text: bool = False) -> list[str]:
    """Each piece of text in `source` with words a person reads that are not marked for
    translation. `plain_text` for a message (SMS, e-mail) that is not HTML."""
    text = _plain_text(source)
    found: list[str] = []
    if plain_text:
        pieces = text.split("\x00")
    else:
        text = re.sub(r"<(script|style)\b.*?</\1>", "\x00", text, flags=re.DOTALL | re.IGNORECASE)
        pieces = []
        for match in READ_ATTRIBUTES.finditer(text):
            pieces.extend(match.group(2)[1:-1].split("\x00"))
        for button in BUTTON_INPUT.finditer(text):
            for match in VALUE.finditer(button.group(0)):
                pieces.extend(match.group(1)[1:-1].split("\x00"))
        pieces.extend(TAG.sub("\x00", text).split("\x00"))
    for piece in pieces:
        if _words(piece):
            found.append(" ".join(piece.split()))
    return found
