"""Who calls the API, and the scope a view needs.

OAuth2 bearer tokens (django-oauth-toolkit): a system client's, got with its client credentials
(`request.user` is a `SystemClient`), or a customer's app's, got with the authorization code flow
and PKCE (`request.user` is she). A system client made before OAuth2 may still send its static
token. A request with no token is answered 401, as is a wrong, expired or revoked one; a caller
without the view's scope, 403. When a token was last used is noted on it (to the minute), for
the portal's apps page. For whom a request acts (her, or the customer an agent names): acting.py.
"""

import datetime as dt

from django.utils import timezone
from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.models import AccessToken
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.scopes import SettingsScopes
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from selfcare.models import ApiClient
from selfcare.services.api_clients import (
    api_client_get_by_token,
    api_client_get_for_application,
    api_client_scopes,
)

# A token's `updated` says when it was last used: written at most this often, so most calls write
# nothing. Her "Apps and access" page shows it.
LAST_USE_EVERY = dt.timedelta(minutes=1)


class SystemClient:
    """The `request.user` of a system client: authenticated, never a person."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, client: ApiClient):
        self.client = client
        self.pk = None

    def __str__(self) -> str:
        return f"API client {self.client.name}"


class ClientScopes(SettingsScopes):
    """django-oauth-toolkit's scopes backend: a token carries at most what its client may have
    (a system client: the scopes the operator gave it; a customer's app: hers)."""

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        if application is None:
            return list(self.get_all_scopes())
        return list(api_client_scopes(application=application))

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return self.get_available_scopes(application=application, request=request)


class BearerAuthentication(OAuth2Authentication):
    """An OAuth2 access token in the Authorization header (nowhere else: the body is the view's,
    read by the view). A client-credentials token has no user: it is its system client's
    (refused once that client is revoked). A token that is not one of ours is left to the
    next authentication (a static token), and refused if none takes it."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != b"bearer":
            return None
        # The Django request: its POST is empty for a JSON body, and never parsed by DRF here.
        valid, oauth = get_oauthlib_core().verify_request(request._request, scopes=[])
        if not valid:
            request.oauth2_error = getattr(oauth, "oauth2_error", {})
            return None
        user, token = oauth.user, oauth.access_token
        _note_use(token)
        if user is not None:
            return user, token
        client = api_client_get_for_application(application_id=token.application_id)
        if client is None:
            raise AuthenticationFailed("Unknown, expired or revoked token.")
        return SystemClient(client), token


def _note_use(token: AccessToken) -> None:
    now = timezone.now()
    if token.updated < now - LAST_USE_EVERY:
        AccessToken.objects.filter(pk=token.pk).update(updated=now)


class ApiClientTokenAuthentication(BaseAuthentication):
    """A static token of a system client made before OAuth2 (kept as its SHA-256). Put after
    `BearerAuthentication`: a bearer token neither knows is refused here."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Give the token as: Authorization: Bearer <token>.")
        client = api_client_get_by_token(token=parts[1].decode("latin-1"))
        if client is None:
            raise AuthenticationFailed("Unknown, expired or revoked token.")
        return SystemClient(client), client

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


def caller_scopes(request) -> frozenset[str]:
    """The scopes the request's credentials carry: a token's (for a system client, no more than
    its client still has), a static token's client's; none for a session."""
    auth = request.auth
    if isinstance(auth, ApiClient):
        return frozenset(auth.scopes)
    if isinstance(auth, AccessToken):
        granted = frozenset(auth.scope.split())
        if isinstance(request.user, SystemClient):
            return granted & frozenset(request.user.client.scopes)
        return granted
    return frozenset()


class HasScope(BasePermission):
    """The caller's credentials carry the view's `required_scope`."""

    message = "This client may not do this (missing scope)."

    def has_permission(self, request, view) -> bool:
        return view.required_scope in caller_scopes(request)


class BearerScheme(DjangoOAuthToolkitScheme):
    """The schema's OAuth2 flows: client credentials for systems, the authorization code with
    PKCE for customers' apps."""

    target_class = BearerAuthentication
    name = "oauth2"

    def get_security_requirement(self, auto_schema):
        scope = getattr(auto_schema.view, "required_scope", None)
        return {self.name: [scope] if scope else []}


class ApiClientTokenScheme(OpenApiAuthenticationExtension):
    """How the schema names a pre-OAuth2 system client's static bearer token."""

    target_class = ApiClientTokenAuthentication
    name = "systemToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
