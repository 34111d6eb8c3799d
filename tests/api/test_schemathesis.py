"""schemathesis against /api/schema/: requests generated from the schema to every endpoint, with
a customer's app token and a system client's; every answer is within the schema (status,
headers, content type, body) and none is a 500. Bounded so that it runs in well under a
minute."""

import contextlib
import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from oauth2_provider.models import AccessToken, get_application_model

from selfcare.models import ApiClient
from tests.api.helpers import system_token
from tests.factories import OfferFactory

pytestmark = pytest.mark.django_db


def _schema():
    """The schema /api/schema/ serves, made by the same generator, for schemathesis to send
    requests to the WSGI application itself."""
    raw = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(raw)))
    loaded.app = get_wsgi_application()
    return loaded


schema = _schema()


@pytest.fixture(autouse=True)
def _rates(settings):
    # Generated requests come fast: the rate limits are tested on their own (test_clients.py).
    settings.API_RATE_LIMITS = {"system": "100000/min", "customer": "100000/min"}


@contextlib.contextmanager
def connection_kept():
    """Requests straight to the WSGI app, inside the test's transaction: its connection stays
    open at the end of each request, as Django's test client keeps it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(client, customer):
    """Bearer tokens: her app's, and a system client's with every scope; a catalog to read."""
    OfferFactory(data_offer=True)
    OfferFactory(promotion=True)
    Application = get_application_model()
    app = Application.objects.create(
        name="Operator app",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://app.example/callback",
    )
    hers = AccessToken.objects.create(
        user=customer.user,
        application=app,
        token="her-app-token-for-schemathesis",
        scope="customer catalog:read",
        expires=timezone.now() + timezone.timedelta(hours=1),
    )
    system = system_token(client, name="everything", scopes=ApiClient.Scope.values)
    return {"customer": hers.token, "system": system}


@schema.parametrize()
@hypothesis_settings(
    max_examples=10,
    deadline=None,
    derandomize=True,  # the same requests on every run: CI is repeatable
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_endpoint_answers_within_its_schema(case, tokens):
    token = tokens["system"] if case.path == "/api/usage/" else tokens["customer"]

    with connection_kept():
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
