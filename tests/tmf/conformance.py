"""TM Forum's own OpenAPI documents (../shared/tmf-specs/, see its README) as the contract: a
resource we return is valid against the spec's definition of it (required fields, types, enums,
date-time formats), checked with jsonschema. The documents are Swagger 2.0, whose schemas are
JSON Schema draft 4."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from jsonschema import Draft4Validator

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "tmf-specs"
# Which official document defines each API's resources.
DOCUMENTS = {
    "TMF620": "product-catalog.json",
    "TMF622": "product-ordering-management.json",
    "TMF637": "product-inventory.json",
    "TMF635": "usage-management.json",
    "TMF654": "tmf654.json",
    "TMF663": "tmf663.json",
    "TMF679": "tmf679.json",
    "TMF681": "tmf681.json",
    "TMF683": "tmf683.json",
}


@functools.cache
def _document(api: str) -> dict:
    path = SPECS / DOCUMENTS[api]
    assert path.exists(), f"TM Forum's {api} document is missing: {path}"
    return json.loads(path.read_text())


@functools.cache
def validator(api: str, definition: str) -> Draft4Validator:
    document = _document(api)
    assert definition in document["definitions"], f"{api} defines no {definition}"
    schema = {"$ref": f"#/definitions/{definition}", "definitions": document["definitions"]}
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def conforms(api: str, definition: str, instance) -> None:
    """Fails with every difference between `instance` and TM Forum's `definition`."""
    problems = [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in validator(api, definition).iter_errors(instance)
    ]
    assert not problems, f"not a valid {api} {definition}:\n" + "\n".join(problems)


def conforms_list(api: str, definition: str, items: list) -> None:
    assert isinstance(items, list), items
    for item in items:
        conforms(api, definition, item)


def spec_enum(api: str, definition: str) -> list:
    return _document(api)["definitions"][definition]["enum"]
