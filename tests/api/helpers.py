"""Credentials for API tests, got the way an integrator gets them."""

import base64

from selfcare.services.api_clients import api_client_create


def token_for(client, credentials, scope: str | None = None) -> dict:
    """The token endpoint's answer to a client credentials grant (HTTP Basic, as RFC 6749
    prefers)."""
    basic = base64.b64encode(
        f"{credentials.client_id}:{credentials.client_secret}".encode()
    ).decode()
    data = {"grant_type": "client_credentials"} | ({"scope": scope} if scope else {})
    response = client.post("/o/token/", data, headers={"Authorization": f"Basic {basic}"})
    return response.json() | {"status": response.status_code}


def system_token(client, *, name: str, scopes: list[str]) -> str:
    """A new system client's access token, with every scope it was given."""
    _, credentials = api_client_create(name=name, scopes=scopes)
    answer = token_for(client, credentials)
    assert answer["status"] == 200, answer
    return answer["access_token"]
