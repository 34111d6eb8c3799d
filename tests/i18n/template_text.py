"""What a template says to a person that is not marked for translation.

The template is cut into Django's own tokens (text, variables, tags, comments). Words a person
reads are in text tokens outside {% translate %} / {% blocktranslate %}, {% comment %}, <script>
and <style>: between HTML tags, and in the attributes that are read out or shown (alt, title,
placeholder, aria-label, the portal's data-says-*). Whatever is left once variables, tags,
numbers, punctuation and the few words that are the same in both languages are taken out must be
nothing."""

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
    "Wi",
    "Fi",
    "e",
    "x",
}
READ_ATTRIBUTES = re.compile(
    r"""\s(alt|title|placeholder|aria-label|aria-roledescription|aria-valuetext|data-says-[\w-]+)\s*=\s*("[^"]*"|'[^']*')""",
    re.IGNORECASE,
)
TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)
WORD = re.compile(r"[^\W\d_]+")
ENTITY = re.compile(r"&[#\w]+;")
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


def _plain_text(source: str) -> list[tuple[str, str]]:
    """The template's text outside translation and comment tags, with variables and tags
    replaced by a marker: [(kind, text)] where kind is "text" or "tag" (HTML between < and >)."""
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
            else:
                parts.append("\x00")
        elif token.token_type == TokenType.VAR:
            parts.append("\x00")
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
        pieces.extend(TAG.sub("\x00", text).split("\x00"))
    for piece in pieces:
        if _words(piece):
            found.append(" ".join(piece.split()))
    return found
