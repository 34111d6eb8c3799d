"""System clients of the API: made with a token shown once, found by the token's hash, revoked."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from ..models import ApiClient


class ApiClientError(Exception):
    pass


def api_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_client_create(*, name: str, scopes: list[str]) -> tuple[ApiClient, str]:
    """A new client and its token: the token is returned here only, and kept as its SHA-256.
    Raises ApiClientError for a name in use or an unknown scope."""
    unknown = set(scopes) - set(ApiClient.Scope.values)
    if unknown:
        raise ApiClientError(f"Unknown scope: {', '.join(sorted(unknown))}.")
    if ApiClient.objects.filter(name=name).exists():
        raise ApiClientError(f"A client called {name!r} exists already.")
    token = secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        name=name, scopes=sorted(set(scopes)), token_hash=api_token_hash(token)
    )
    return client, token


def api_client_revoke(*, name: str) -> ApiClient:
    """Its token stops working at once. Raises ApiClientError if there is no such client."""
    client = ApiClient.objects.filter(name=name).first()
    if client is None:
        raise ApiClientError(f"No client called {name!r}.")
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
    return client


def api_client_get_by_token(*, token: str) -> ApiClient | None:
    """The client this token belongs to, if it is not revoked."""
    return ApiClient.objects.filter(
        token_hash=api_token_hash(token), revoked_at__isnull=True
    ).first()


def api_client_used(*, client: ApiClient) -> None:
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
