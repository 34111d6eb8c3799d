"""Bearer tokens of system clients (`ApiClient`), and the scope a view needs. A request with no
token is answered 401, as is a wrong or revoked one; a client without the view's scope, 403."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from selfcare.models import ApiClient
from selfcare.services.api_clients import api_client_get_by_token


class SystemClient:
    """The `request.user` of a system client: authenticated, never a person."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, client: ApiClient):
        self.client = client
        self.pk = None

    def __str__(self) -> str:
        return f"API client {self.client.name}"


class ApiClientTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Give the token as: Authorization: Bearer <token>.")
        client = api_client_get_by_token(token=parts[1].decode("latin-1"))
        if client is None:
            raise AuthenticationFailed("Unknown or revoked token.")
        return SystemClient(client), client

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class HasScope(BasePermission):
    """The client holds the view's `required_scope`."""

    message = "This client may not do this (missing scope)."

    def has_permission(self, request, view) -> bool:
        client = request.auth
        return isinstance(client, ApiClient) and view.required_scope in client.scopes


class ApiClientTokenScheme(OpenApiAuthenticationExtension):
    """How the schema names a system client's bearer token."""

    target_class = ApiClientTokenAuthentication
    name = "systemToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
