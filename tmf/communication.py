"""TMF681 Communication: `communicationMessage`, her inbox: the messages the portal's inbox shows
(in-app ones and those mirrored to it, none that failed), newest first, read through
`selfcare.selectors_history`.

Whether she read one is its characteristic `read` (and `readAt`): TMF681 has no attribute of its
own for it. PATCH marks one read, as the portal's inbox does (`notification_mark_read`): the only
change it takes is `{"characteristic": [{"name": "read", "value": true}]}`; anything else is a
400 and nothing changes (a message sent cannot be rewritten, nor made unread). A customer reads
and marks her own; an agent, naming her with `relatedParty.id`, reads hers."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers

from selfcare.models import Notification
from selfcare.selectors_history import notification_get_for_customer, notification_page_for_inbox
from selfcare.services import notification_mark_read

from . import schema
from .common import (
    PARTY_PARAMETER,
    IsCustomer,
    IsCustomerOrAgent,
    TmfError,
    TmfView,
    href,
    list_response,
    one_found,
    one_response,
    page_read,
)

PATH = "communicationManagement/v4/communicationMessage"
# TMF681's messageType of each medium (its examples: SMS, Email, Mobile app push notification).
MESSAGE_TYPES = {
    Notification.Medium.SMS: "SMS",
    Notification.Medium.EMAIL: "Email",
    Notification.Medium.IN_APP: "In-app message",
}
# TMF681's CommunicationMessageStateType of each status: a queued message is being sent.
STATES = {
    Notification.Status.QUEUED: "inProgress",
    Notification.Status.SENT: "completed",
    Notification.Status.FAILED: "failed",
}


def message_data(request, notification: Notification) -> dict:
    """`notification` as a TMF681 CommunicationMessage."""
    customer_id = str(notification.customer_id)
    receiver = {
        "id": customer_id,
        "party": {"id": customer_id, "role": "customer", "@referredType": "Customer"},
        "@type": "Receiver",
    }
    if notification.medium == Notification.Medium.SMS and notification.recipient:
        receiver["phoneNumber"] = notification.recipient
    elif notification.medium == Notification.Medium.EMAIL and notification.recipient:
        receiver["email"] = notification.recipient
    characteristics = [
        {"name": "read", "valueType": "boolean", "value": bool(notification.read_at)}
    ]
    if notification.read_at:
        characteristics.append(
            {"name": "readAt", "valueType": "dateTime", "value": notification.read_at.isoformat()}
        )
    found = {
        "id": str(notification.pk),
        "href": href(request, f"{PATH}/{notification.pk}"),
        "subject": notification.subject,
        "content": notification.body,
        "messageType": MESSAGE_TYPES[notification.medium],
        "state": STATES[notification.status],
        "sendTime": notification.sent_at,
        "sendTimeComplete": notification.sent_at,
        "receiver": [receiver],
        "sender": {"name": "Operator", "@type": "Sender"},
        "characteristic": [c | {"@type": "Characteristic"} for c in characteristics],
        "@type": "CommunicationMessage",
    }
    return {key: value for key, value in found.items() if value is not None}


def _message_get(request, message_id: str) -> Notification:
    return one_found(
        message_id,
        lambda pk: notification_get_for_customer(customer=request.her.customer, pk=pk),
        missing=f"No message {message_id} in her inbox.",
    )


# Bodies


class _ReadIn(serializers.Serializer):
    name = serializers.ChoiceField(choices=["read"])
    value = schema.StrictBooleanField()


class CommunicationMessageUpdateSerializer(serializers.Serializer):
    """TMF681 CommunicationMessage_Update: only `read`, to mark the message read."""

    characteristic = serializers.ListField(child=_ReadIn(), min_length=1, max_length=1)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - {"characteristic"})
            if unknown:
                raise serializers.ValidationError(
                    {unknown[0]: "A message sent cannot be changed: only read may be set."}
                )
        return super().to_internal_value(data)


# The body as the schema states it (the serializer above checks it): only `read`, true.
UPDATE_BODY = {
    "type": "object",
    "description": "TMF681 CommunicationMessage_Update: only the characteristic read, true, to "
    "mark the message read.",
    "required": ["characteristic"],
    "additionalProperties": False,
    "properties": {
        "characteristic": {
            "type": "array",
            "minItems": 1,
            "maxItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "value"],
                "properties": {
                    "name": {"type": "string", "enum": ["read"]},
                    "value": {"type": "boolean", "enum": [True]},
                },
            },
        }
    },
}

# Schema

_Party = schema.ref("TmfMessageParty", role=True)
_Receiver = schema.resource(
    "Receiver",
    {
        "id": schema.text(),
        "phoneNumber": schema.text(),
        "email": schema.text(),
        "party": _Party(),
        "@type": schema.text(),
    },
    identity=("id",),
)
_Sender = schema.resource(
    "Sender", {"name": schema.text(), "@type": schema.text()}, identity=("name",)
)
_Characteristic = schema.resource(
    "TmfMessageCharacteristic",
    {
        "name": serializers.ChoiceField(choices=["read", "readAt"]),
        "valueType": schema.text(),
        "value": serializers.JSONField(),
        "@type": schema.text(),
    },
    identity=("name", "value"),
)
CommunicationMessage = schema.resource(
    "CommunicationMessage",
    {
        "id": schema.text(),
        "href": schema.text(),
        "subject": schema.text(),
        "content": schema.text(),
        "messageType": serializers.ChoiceField(choices=sorted(MESSAGE_TYPES.values())),
        "state": serializers.ChoiceField(choices=sorted(set(STATES.values()))),
        "sendTime": schema.moment(),
        "sendTimeComplete": schema.moment(),
        "receiver": _Receiver(many=True),
        "sender": _Sender(),
        "characteristic": _Characteristic(many=True),
        "@type": schema.text(),
    },
    doc="TMF681 CommunicationMessage: a message of her inbox, and whether she read it.",
)
TAGS = ["TMF681 Communication"]


class CommunicationMessageListView(TmfView):
    permission_classes = [IsCustomerOrAgent]

    @extend_schema(
        tags=TAGS,
        summary="Her inbox, newest first (a customer, or an agent naming her)",
        parameters=[schema.FIELDS, *schema.PAGING, *schema.LIST_HEADERS, PARTY_PARAMETER],
        responses={200: CommunicationMessage(many=True), **schema.errors(400, 401, 403, 404, 429)},
    )
    def get(self, request):
        page = page_read(request)
        total, notifications = notification_page_for_inbox(
            customer=request.her.customer, offset=page.offset, limit=page.limit
        )
        return list_response(
            request, total=total, items=[message_data(request, n) for n in notifications]
        )


class CommunicationMessageView(TmfView):
    def get_permissions(self):
        if self.request.method == "PATCH":
            return [IsCustomer()]
        return [IsCustomerOrAgent()]

    @extend_schema(
        tags=TAGS,
        summary="One message of her inbox (a customer, or an agent naming her)",
        parameters=[schema.FIELDS, PARTY_PARAMETER],
        responses={200: CommunicationMessage, **schema.errors(400, 401, 403, 404, 429)},
    )
    def get(self, request, message_id: str):
        return one_response(request, message_data(request, _message_get(request, message_id)))

    @extend_schema(
        tags=TAGS,
        summary="Mark one message of hers read (she only)",
        parameters=[schema.FIELDS],
        request={"application/json": UPDATE_BODY},
        responses={200: CommunicationMessage, **schema.errors(400, 401, 403, 404, 429)},
        examples=[
            OpenApiExample(
                "Mark read",
                request_only=True,
                value={"characteristic": [{"name": "read", "value": True}]},
            )
        ],
    )
    def patch(self, request, message_id: str):
        notification = _message_get(request, message_id)
        serializer = CommunicationMessageUpdateSerializer(data=request.data)
        if not serializer.is_valid():
            raise serializers.ValidationError(serializer.errors)
        if not serializer.validated_data["characteristic"][0]["value"]:
            raise TmfError(
                "A message cannot be marked unread.", code="invalidBody", status_code=400
            )
        notification_mark_read(customer=request.her.customer, notification_id=notification.pk)
        notification = _message_get(request, message_id)
        return one_response(request, message_data(request, notification))
