"""Bad bodies of every shape and size, on every API endpoint: a 4xx with a JSON `detail` that
says what is wrong, never a 500 or an HTML page, and nothing written. And the browsable API
only in DEBUG."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIRequestFactory, force_authenticate

from orders.models import Cart, CartItem, Order
from selfcare.api.authentication import SystemClient
from selfcare.api.parsers import MAX_DEPTH
from selfcare.api.views import UsageFeedView
from selfcare.models import ApiClient, Interaction, UsageRecord
from selfcare.services.api_clients import api_client_create
from tests.factories import OfferFactory

pytestmark = pytest.mark.django_db

JSON = "application/json"
TOO_DEEP = f"The body is nested more than {MAX_DEPTH} levels deep."

# (content type, body, status, detail): what the cart's endpoints answer to each bad body.
SHAPES = {
    "a list nested 1,000 deep": (JSON, b"[" * 1000 + b"]" * 1000, 400, TOO_DEEP),
    "an object nested 1,000 deep": (
        JSON,
        b'{"a":' * 1000 + b"1" + b"}" * 1000,
        400,
        TOO_DEEP,
    ),
    "a list nested 100,000 deep": (JSON, b"[" * 100_000 + b"]" * 100_000, 400, TOO_DEEP),
    # Python parses 33 levels without trouble: the limit is ours, before any code walks it.
    "options nested 33 deep": (
        JSON,
        b'{"offer": 1, "options": ' + b"[" * 32 + b"]" * 32 + b"}",
        400,
        TOO_DEEP,
    ),
    "not JSON": (
        JSON,
        b"offer=1",
        400,
        "The body is not valid JSON: Expecting value: line 1 column 1 (char 0).",
    ),
    "cut short": (
        JSON,
        b'{"offer": 1',
        400,
        "The body is not valid JSON: Expecting ',' delimiter: line 1 column 12 (char 11).",
    ),
    "not UTF-8": (JSON, b'{"offer": "\xff\xfe"}', 400, "The body is not UTF-8 text (byte 12)."),
    "NaN": (JSON, b'{"offer": NaN}', 400, "The body is not valid JSON: NaN is not a JSON value."),
    "a list": (
        JSON,
        b"[1, 2]",
        400,
        "Invalid data. Expected a dictionary, but got list.",
    ),
    "a string": (JSON, b'"offer"', 400, "Invalid data. Expected a dictionary, but got str."),
    "null": (JSON, b"null", 400, "No data provided"),
    "plain text": (
        "text/plain",
        b'{"offer": 1}',
        415,
        'Unsupported media type "text/plain" in request.',
    ),
    "a form": (
        "application/x-www-form-urlencoded",
        b"offer=1",
        415,
        'Unsupported media type "application/x-www-form-urlencoded" in request.',
    ),
    "multipart": (
        "multipart/form-data; boundary=x",
        b"--x\r\n",
        415,
        'Unsupported media type "multipart/form-data; boundary=x" in request.',
    ),
    "over 2.5 MB": (
        JSON,
        b'{"offer": 1, "x": "' + b"a" * 2_700_000 + b'"}',
        413,
        "The body is over 2.5\xa0MB: send less in one request.",
    ),
}


def nothing_written() -> bool:
    return not (
        Cart.objects.exists()
        or CartItem.objects.exists()
        or Order.objects.exists()
        or Interaction.objects.exists()
    )


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("path", ["/api/cart/items/", "/api/cart/checkout/"])
def test_a_bad_body_is_a_4xx_with_a_detail_and_changes_nothing(customer_client, path, shape):
    OfferFactory(pk=1)
    content_type, body, status, detail = SHAPES[shape]

    response = customer_client.generic("POST", path, body, content_type=content_type)

    assert response.status_code == status
    assert response["Content-Type"] == JSON
    assert response.json() == {"detail": detail}
    assert nothing_written()


def test_a_body_without_a_length_is_read_as_empty(customer_client):
    response = customer_client.generic("POST", "/api/cart/items/", b"", content_type=JSON)

    assert response.status_code == 400
    assert response.json() == {"detail": "offer: This field is required."}
    assert nothing_written()


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        ({"offer": 2**80}, None),  # an id out of every range is no offer: 404
        ({"offer": 1, "options": {"data": {"deep": "x"}}}, "options.data: Not a valid string."),
        ({"offer": 1, "options": {"data": "x" * 65}}, "options.data: "),
    ],
)
def test_odd_values_in_well_formed_bodies(customer_client, data, detail):
    OfferFactory(pk=1)

    response = customer_client.post("/api/cart/items/", data, content_type=JSON)

    assert response.status_code == (404 if detail is None else 400)
    assert set(response.json()) == {"detail"}
    assert detail is None or response.json()["detail"].startswith(detail)
    assert nothing_written()


# Every endpoint under /api/, whoever adds it: a bad body never makes a 500 or an HTML error.

NASTY = ["a list nested 1,000 deep", "not UTF-8", "a list", "plain text", "over 2.5 MB"]


def api_paths() -> list[str]:
    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/"):
                yield "/" + route.replace("<int:item_id>", "1").replace("^", "").rstrip("$")

    return sorted(set(walk(get_resolver().url_patterns, "")))


def test_the_sweep_finds_the_apis_endpoints():
    assert {"/api/cart/", "/api/cart/items/", "/api/cart/checkout/", "/api/usage/"} <= set(
        api_paths()
    )


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_no_bad_body_makes_a_500_or_an_html_page_anywhere(customer_client, method):
    for path in api_paths():
        for shape in NASTY:
            content_type, body, *_ = SHAPES[shape]
            response = customer_client.generic(method, path, body, content_type=content_type)
            where = f"{method} {path} with {shape}: {response.status_code}"
            assert response.status_code < 500, where
            if response.status_code >= 400:
                assert response["Content-Type"] == JSON, where
                assert "detail" in response.json(), where
    assert nothing_written()


def test_an_unknown_api_address_is_a_json_404(customer_client):
    response = customer_client.post("/api/no-such-thing/", b"[" * 1000, content_type=JSON)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found."}


# The usage feed reads its own body (a JSON array or JSON Lines), within the same bounds.


@pytest.fixture
def feed():
    client, _ = api_client_create(name="mediation", scopes=[ApiClient.Scope.USAGE_WRITE])

    def post(body: bytes, content_type: str = JSON):
        request = APIRequestFactory().generic("POST", "/api/usage/", body, content_type)
        force_authenticate(request, user=SystemClient(client), token=client)
        response = UsageFeedView.as_view()(request)
        response.render()
        return response

    return post


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (b"[" * 1000 + b"]" * 1000, 400, TOO_DEEP),
        (b'[{"id": ' + b"[" * 40 + b"]" * 40 + b"}]", 400, TOO_DEEP),
        (b"\xff\xfe[]", 400, "The body is not UTF-8 JSON."),
        (b"offer=1", 400, "The body is neither a JSON array of events nor JSON Lines."),
    ],
)
def test_a_bad_usage_body_is_a_400_with_a_detail_and_rates_nothing(feed, body, status, detail):
    response = feed(body)

    assert response.status_code == status
    assert response.data == {"detail": detail}
    assert not UsageRecord.objects.exists()


def test_usage_events_that_are_not_objects_are_each_rejected_not_dropped(feed):
    response = feed(b'[null, 7, "x", {"id": NaN}]')

    assert response.status_code == 400  # NaN is not JSON: the whole array is refused
    response = feed(b"null\n7\n[[1]]\n{oops")

    assert response.status_code == 200
    assert [(r["position"], r["reason"]) for r in response.data["rejections"]] == [
        (1, "not a JSON object"),
        (2, "not a JSON object"),
        (3, "not a JSON object"),
        (4, "malformed JSON"),
    ]
    assert not UsageRecord.objects.exists()


# The browsable API: HTML forms over every endpoint, for developers only.


def renderers_when(debug: str) -> list[str]:
    """The renderer classes the product's settings pick with DJANGO_DEBUG=`debug`."""
    env = {**os.environ, "DJANGO_DEBUG": debug, "DJANGO_SECRET_KEY": "x" * 50}
    code = "from selfcare.settings import REST_FRAMEWORK; print(REST_FRAMEWORK[%r])"
    code %= "DEFAULT_RENDERER_CLASSES"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    return ast.literal_eval(out.stdout)


def test_the_browsable_api_is_on_in_debug_only():
    assert renderers_when("false") == ["rest_framework.renderers.JSONRenderer"]
    assert renderers_when("true") == [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ]


def test_a_browser_asking_for_html_gets_json(customer_client):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = customer_client.get("/api/cart/", headers={"Accept": browser})

    assert response.status_code == 200
    assert response["Content-Type"] == JSON
    assert json.loads(response.content)["items"] == []
