"""The OpenAPI schema is made from the code and served with its docs page from our own static
files: every endpoint, its parameters, bodies and errors."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_describes_every_endpoint_with_its_bodies_and_errors(schema):
    paths = schema["paths"]

    assert schema["openapi"].startswith("3.")
    assert set(paths) >= {
        "/api/cart/",
        "/api/cart/items/",
        "/api/cart/items/{item_id}/",
        "/api/cart/checkout/",
        "/api/usage/",
    }
    add = paths["/api/cart/items/"]["post"]
    assert set(add["responses"]) == {"201", "400", "401", "403", "404", "409"}
    item = add["requestBody"]["content"]["application/json"]["schema"]
    assert item["$ref"] == "#/components/schemas/ItemRequest"
    remove = paths["/api/cart/items/{item_id}/"]["delete"]
    assert {(p["name"], p["in"], p.get("required", False)) for p in remove["parameters"]} == {
        ("item_id", "path", True),
        ("version", "query", True),
        ("relatedParty.id", "query", False),  # the customer an agent acts for
    }
    usage = paths["/api/usage/"]["post"]
    assert usage["requestBody"]["required"] is True
    body = usage["requestBody"]["content"]["application/json"]["schema"]
    assert "JSON Lines" in body["description"]
    event = body["anyOf"][0]["items"]
    assert event["required"] == ["id", "msisdn", "service", "quantity", "unit", "at"]
    assert set(usage["responses"]) == {"200", "400", "401", "403", "413", "429"}
    error = schema["components"]["schemas"]["DetailError"]
    assert error["required"] == ["detail"]


def test_the_docs_page_loads_swagger_ui_from_our_static_files_not_a_cdn(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("swagger-ui-bundle.js" in s for s in sources)
    assert all(s.startswith(("/static/", "/api/docs/?script")) for s in sources), sources
    assert "cdn" not in page.lower()
    assert "<script>" not in page  # no inline script: its start-up script is a file too
    bundle = next(s for s in sources if "swagger-ui-bundle.js" in s)
    assert finders.find(bundle.removeprefix("/static/")) is not None
    start_up = client.get(next(s for s in sources if s.startswith("/api/docs/?script")))
    assert start_up.status_code == 200
    assert "/api/schema/" in start_up.content.decode()
