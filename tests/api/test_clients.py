"""Who may call the API: system clients with OAuth2 client credentials and scopes, customers'
apps with the authorization code flow and PKCE; each revocable and rate-limited."""

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from oauth2_provider.models import AccessToken, get_application_model

from selfcare.models import ApiClient, UsageRecord
from selfcare.services.api_clients import ApiClientError, api_client_create, api_client_revoke
from tests.api.helpers import system_token, token_for
from tests.selfcare.test_usage import event

pytestmark = pytest.mark.django_db


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# System clients


def test_a_token_carries_only_the_scopes_its_client_was_given(client):
    _, credentials = api_client_create(name="partner", scopes=["catalog:read", "orders:write"])

    answer = token_for(client, credentials)
    narrower = token_for(client, credentials, scope="catalog:read")
    wider = token_for(client, credentials, scope="catalog:read usage:write")

    assert answer["status"] == 200
    assert set(answer["scope"].split()) == {"catalog:read", "orders:write"}
    assert answer["token_type"] == "Bearer"
    assert answer["expires_in"] == 3600
    assert narrower["scope"] == "catalog:read"
    assert (wider["status"], wider["error"]) == (400, "invalid_scope")
    assert AccessToken.objects.count() == 2


def test_a_wrong_secret_gets_no_token(client):
    _, credentials = api_client_create(name="partner", scopes=["catalog:read"])
    wrong = type(credentials)(client_id=credentials.client_id, client_secret="guess")

    answer = token_for(client, wrong)

    assert (answer["status"], answer["error"]) == (401, "invalid_client")
    assert not AccessToken.objects.exists()


def test_a_scope_outside_the_list_or_a_name_in_use_makes_nothing(db):
    api_client_create(name="partner", scopes=["catalog:read"])

    with pytest.raises(ApiClientError, match="Unknown scope: admin"):
        api_client_create(name="other", scopes=["admin"])
    with pytest.raises(ApiClientError, match="exists already"):
        api_client_create(name="partner", scopes=["usage:write"])

    assert list(ApiClient.objects.values_list("name", flat=True)) == ["partner"]
    assert get_application_model().objects.count() == 1


def test_revoking_a_client_kills_its_tokens_and_its_credentials_at_once(client, line):
    _, credentials = api_client_create(name="mediation", scopes=["usage:write"])
    token = token_for(client, credentials)["access_token"]

    api_client_revoke(name="mediation")

    response = client.post(
        "/api/usage/", json.dumps([event(line, 10)]), "application/json", headers=bearer(token)
    )
    assert response.status_code == 401
    assert token_for(client, credentials)["status"] == 401
    assert not AccessToken.objects.exists()
    assert not UsageRecord.objects.exists()


def test_a_system_client_is_throttled_alone_with_retry_after(client, line, settings):
    settings.API_RATE_LIMITS = {"system": "3/min", "customer": "300/min"}
    cache.clear()
    busy = system_token(client, name="busy", scopes=["usage:write"])
    calm = system_token(client, name="calm", scopes=["usage:write"])

    def post(token, n):
        body = json.dumps([event(line, 1, id=f"{token[:6]}-{n}")])
        return client.post("/api/usage/", body, "application/json", headers=bearer(token))

    codes = [post(busy, n).status_code for n in range(4)]
    refused = post(busy, 5)

    assert codes == [200, 200, 200, 429]
    assert int(refused["Retry-After"]) > 0
    assert "detail" in refused.json()
    assert post(calm, 1).status_code == 200
    assert UsageRecord.objects.count() == 4  # nothing from the refused requests


# Customers' apps: the authorization code flow with PKCE


@pytest.fixture
def app(db):
    Application = get_application_model()
    return Application.objects.create(
        name="Operator app",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://app.example/callback",
        skip_authorization=True,
    )


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.decode().rstrip("=")


def authorize(client, app, **extra):
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": "https://app.example/callback",
        "scope": "customer catalog:read",
    } | extra
    return client.get("/o/authorize/", query)


def test_her_app_gets_a_token_with_pkce_and_sees_her_cart(customer_client, customer, app):
    verifier, challenge = pkce_pair()

    redirect = authorize(
        customer_client, app, code_challenge=challenge, code_challenge_method="S256"
    )
    code = parse_qs(urlparse(redirect["Location"]).query)["code"][0]
    customer_client.logout()
    answer = customer_client.post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "https://app.example/callback",
            "client_id": app.client_id,
            "code_verifier": verifier,
        },
    ).json()
    cart = customer_client.get("/api/cart/", headers=bearer(answer["access_token"]))

    assert set(answer["scope"].split()) == {"customer", "catalog:read"}
    assert cart.status_code == 200
    assert cart.json()["items"] == []
    assert AccessToken.objects.get().user == customer.user


def test_an_app_without_pkce_gets_no_code(customer_client, app):
    response = authorize(customer_client, app)

    assert response.status_code == 302
    assert parse_qs(urlparse(response["Location"]).query)["error"] == ["invalid_request"]
    assert not AccessToken.objects.exists()
