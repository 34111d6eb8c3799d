"""The hub of each API that tells events [TMF688 Hub, each API's `/hub`]: a system with the scope
`events:listen` registers a callback (`POST .../hub`) and unregisters it (`DELETE .../hub/{id}`).
The answer to a registration carries the secret its deliveries are signed with, once."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from selfcare.api.authentication import SystemClient, caller_scopes

from . import schema
from .common import TmfError, TmfView, id_read
from .hub import (
    EVENT_TYPES,
    CallbackRefusedError,
    HubError,
    hub_listener_register,
    hub_listener_unregister,
)
from .models import HubListener

SCOPE = "events:listen"
TAGS = {
    HubListener.Api.PRODUCT_ORDERING: "TMF622 Product Ordering",
    HubListener.Api.PRODUCT_INVENTORY: "TMF637 Product Inventory",
    HubListener.Api.PREPAY_BALANCE: "TMF654 Prepay Balance Management",
    HubListener.Api.EVENT: "TMF688 Event",
}


class ListensToEvents(BasePermission):
    """A system client whose token carries `events:listen`."""

    message = "Registering a listener needs a system client's token with the scope events:listen."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, SystemClient) and SCOPE in caller_scopes(request)


class HubCreateSerializer(serializers.Serializer):
    """TMF Hub_Create / EventSubscriptionInput."""

    callback = schema.StrictCharField(
        max_length=2000, help_text="Where events are POSTed: a host the operator allows."
    )
    query = schema.StrictCharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text="eventType=<type>[,<type>...]; empty: every event type of this hub.",
    )


Hub = schema.resource(
    "Hub",
    {
        "id": schema.text(),
        "callback": schema.text(),
        "query": schema.text(),
        "secret": schema.text(
            help_text="Only in the answer to the registration: the key of the HMAC-SHA256 in "
            "each delivery's X-Hub-Signature-256 header."
        ),
        "@type": schema.text(),
    },
    identity=("id", "callback", "@type"),
    doc="TMF688 Hub (TMF EventSubscription): a registered listener.",
)


def _hub_data(listener: HubListener, *, secret: str) -> dict:
    return {
        "id": str(listener.pk),
        "callback": listener.callback,
        "query": listener.query,
        "secret": secret,
        "@type": "Hub",
    }


class _HubView(TmfView):
    permission_classes = [ListensToEvents]
    api: str = ""


class HubView(_HubView):
    def post(self, request):
        serializer = HubCreateSerializer(data=request.data)
        if not serializer.is_valid():
            raise serializers.ValidationError(serializer.errors)
        data = serializer.validated_data
        try:
            registration = hub_listener_register(
                client=request.user.client,
                api=self.api,
                callback=data["callback"],
                query=data.get("query", ""),
            )
        except CallbackRefusedError as exc:
            raise TmfError(str(exc), code="callbackNotAllowed", status_code=400) from exc
        except HubError as exc:
            raise TmfError(str(exc), code="invalidQuery", status_code=400) from exc
        return Response(_hub_data(registration.listener, secret=registration.secret), status=201)


class HubListenerView(_HubView):
    def delete(self, request, listener_id: str):
        pk = id_read(listener_id)
        try:
            if pk is None:
                raise HubListener.DoesNotExist
            hub_listener_unregister(client=request.user.client, api=self.api, pk=pk)
        except HubListener.DoesNotExist as exc:
            raise TmfError(
                f"No listener {listener_id} of yours on this hub.", code="notFound", status_code=404
            ) from exc
        return Response(status=204)


def hub_views(api: str) -> tuple:
    """The hub's two views for `api`, documented with its tag and event types (extend_schema_view
    keeps each API's documentation on its own subclass, not on the shared methods)."""
    types = ", ".join(EVENT_TYPES[api])
    register = extend_schema(
        tags=[TAGS[api]],
        summary="Register a listener for this API's events",
        description=f"Event types: {types}. Each delivery is a POST of the event's JSON, "
        "signed in X-Hub-Signature-256 (sha256=HMAC-SHA256 of the body with the secret).",
        request=HubCreateSerializer,
        responses={201: Hub, **schema.errors(400, 401, 403, 429)},
        examples=[
            OpenApiExample(
                "Listen to some event types",
                request_only=True,
                value={
                    "callback": "https://partner.example/listener",
                    "query": f"eventType={EVENT_TYPES[api][-1]}",
                },
            )
        ],
    )
    unregister = extend_schema(
        tags=[TAGS[api]],
        summary="Unregister a listener",
        responses={
            204: OpenApiResponse(description="Unregistered: nothing more is sent to it."),
            **schema.errors(401, 403, 404, 429),
        },
    )
    name = api[:1].upper() + api[1:]
    create_view = extend_schema_view(post=register)(
        type(f"{name}HubView", (HubView,), {"api": api})
    )
    delete_view = extend_schema_view(delete=unregister)(
        type(f"{name}HubListenerView", (HubListenerView,), {"api": api})
    )
    return create_view.as_view(), delete_view.as_view()


def hub_urls() -> list:
    """The routes of every API's hub, for tmf/urls.py."""
    routes = []
    for api in HubListener.Api.values:
        create_view, delete_view = hub_views(api)
        routes += [
            path(f"{api}/v4/hub", create_view, name=f"{api}_hub"),
            path(f"{api}/v4/hub/<str:listener_id>", delete_view, name=f"{api}_hub_listener"),
        ]
    return routes
