"""System clients of the API: OAuth2 client credentials (django-oauth-toolkit) with the scopes
the operator gave them, shown once, revoked at once. Clients made before OAuth2 keep their static
bearer token, found by its hash, until they are revoked."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from oauth2_provider.generators import generate_client_id, generate_client_secret
from oauth2_provider.models import get_application_model

from ..models import ApiClient

# What a customer's own app may ask for (the authorization code flow with PKCE): to act for her,
# and to read the catalog she buys from.
CUSTOMER_APP_SCOPES = ("customer", ApiClient.Scope.CATALOG_READ.value)


class ApiClientError(Exception):
    pass


@dataclass(frozen=True)
class ClientCredentials:
    """What a new client signs in with: shown once (only the secret's hash is kept)."""

    client_id: str
    client_secret: str


def api_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_client_create(*, name: str, scopes: list[str]) -> tuple[ApiClient, ClientCredentials]:
    """A new system client, with an OAuth2 application that may use the client credentials
    grant, and its credentials: returned here only. Raises ApiClientError for a name in use or
    an unknown scope."""
    unknown = set(scopes) - set(ApiClient.Scope.values)
    if unknown:
        raise ApiClientError(f"Unknown scope: {', '.join(sorted(unknown))}.")
    if ApiClient.objects.filter(name=name).exists():
        raise ApiClientError(f"A client called {name!r} exists already.")
    Application = get_application_model()
    credentials = ClientCredentials(
        client_id=generate_client_id(), client_secret=generate_client_secret()
    )
    application = Application.objects.create(
        name=f"System client: {name}",
        client_id=credentials.client_id,
        client_secret=credentials.client_secret,  # hashed by the model on save
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    client = ApiClient.objects.create(
        name=name, scopes=sorted(set(scopes)), application=application
    )
    return client, credentials


@transaction.atomic
def api_client_revoke(*, name: str) -> ApiClient:
    """It can no longer sign in, and every token it holds stops working at once (its OAuth2
    application is deleted with its tokens). Raises ApiClientError if there is no such client."""
    client = ApiClient.objects.select_for_update().filter(name=name).first()
    if client is None:
        raise ApiClientError(f"No client called {name!r}.")
    if client.application_id is not None:
        client.application.delete()
        client.application = None
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
    client.save(update_fields=["application", "revoked_at"])
    return client


def api_client_get_by_token(*, token: str) -> ApiClient | None:
    """The client a static (pre-OAuth2) token belongs to, if it is not revoked."""
    return ApiClient.objects.filter(
        token_hash=api_token_hash(token), revoked_at__isnull=True
    ).first()


def api_client_get_for_application(*, application_id: int) -> ApiClient | None:
    """The system client of this OAuth2 application, if it is not revoked."""
    return ApiClient.objects.filter(application_id=application_id, revoked_at__isnull=True).first()


def api_client_scopes(*, application) -> tuple[str, ...]:
    """The scopes a token of this OAuth2 application may carry: a system client's own, or a
    customer's app's."""
    client = api_client_get_for_application(application_id=application.pk)
    if client is not None:
        return tuple(client.scopes)
    if application.authorization_grant_type == application.GRANT_CLIENT_CREDENTIALS:
        return ()  # a client-credentials application that is no system client of ours
    return CUSTOMER_APP_SCOPES


def api_client_used(*, client: ApiClient) -> None:
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
