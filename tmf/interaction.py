"""TMF683 Party Interaction: `partyInteraction`, read only. Her history (`Interaction`): every
touchpoint on every channel, newest first, as her activity page and the console's timeline show
it, through `selfcare.selectors_history`. A customer sees hers without the agents' internal notes;
an agent, naming her with `relatedParty.id`, sees them too. `channel.id` keeps one channel's.

Who acted is TMF's `direction` (inbound: she did; outbound: the operator, an agent or the system)
and, for an agent, a `note` by him. What an interaction was about (an order, an offering, her
cart, a message) is an `interactionItem` pointing at that resource."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from selfcare.models import Channel, Interaction
from selfcare.selectors_history import interaction_get_for_customer, interaction_page_window

from . import schema
from .common import (
    PARTY_FILTER,
    PARTY_PARAMETER,
    IsCustomerOrAgent,
    TmfError,
    TmfView,
    href,
    list_response,
    one_found,
    one_response,
    page_read,
)

PATH = "partyInteraction/v4/partyInteraction"
CHANNEL_FILTER = "channel.id"
# What `Interaction.data` may point at: (its key, the resource's path, its TMF type).
ITEMS = (
    ("order_id", "productOrderingManagement/v4/productOrder", "ProductOrder"),
    ("offer_id", "productCatalogManagement/v4/productOffering", "ProductOffering"),
    ("cart_id", "shoppingCart/v4/shoppingCart", "ShoppingCart"),
    ("notification_id", "communicationManagement/v4/communicationMessage", "CommunicationMessage"),
)


def _list_href(request, **query) -> str:
    filters = "&".join(f"{name}={value}" for name, value in query.items())
    return href(request, f"{PATH}?{filters}")


def _items(request, interaction: Interaction) -> list[dict]:
    data = interaction.data if isinstance(interaction.data, dict) else {}
    found = []
    for key, path, kind in ITEMS:
        pk = data.get(key)
        if isinstance(pk, int) and not isinstance(pk, bool):
            found.append(
                {
                    "id": str(len(found) + 1),
                    "item": {
                        "id": str(pk),
                        "href": href(request, f"{path}/{pk}"),
                        "role": "subject",
                        "@referredType": kind,
                    },
                    "@type": "InteractionItem",
                }
            )
    return found


def interaction_data(request, interaction: Interaction) -> dict:
    """`interaction` as a TMF683 PartyInteraction."""
    customer_id = str(interaction.customer_id)
    found = {
        "id": str(interaction.pk),
        "href": href(request, f"{PATH}/{interaction.pk}"),
        "creationDate": interaction.created_at,
        "description": interaction.summary,
        "reason": interaction.get_kind_display(),
        "direction": "inbound" if interaction.actor == Interaction.Actor.CUSTOMER else "outbound",
        "status": "completed",
        "statusChangeDate": interaction.created_at,
        "interactionDate": {
            "startDateTime": interaction.created_at,
            "endDateTime": interaction.created_at,
        },
        "channel": [
            {
                "id": interaction.channel,
                "href": _list_href(
                    request, **{PARTY_FILTER: customer_id, CHANNEL_FILTER: interaction.channel}
                ),
                "name": interaction.get_channel_display(),
                "role": "interaction channel",
                "@referredType": "Channel",
            }
        ],
        "interactionItem": _items(request, interaction),
        "relatedParty": [
            {
                "id": customer_id,
                "href": _list_href(request, **{PARTY_FILTER: customer_id}),
                "role": "customer",
                "@referredType": "Customer",
            }
        ],
        "@type": "PartyInteraction",
    }
    agent = interaction.actor_user if interaction.actor == Interaction.Actor.AGENT else None
    if agent is not None:
        found["note"] = [
            {
                "author": agent.get_full_name() or agent.get_username(),
                "date": interaction.created_at,
                "text": interaction.summary,
                "@type": "Note",
            }
        ]
    return found


def _channel_read(request) -> str:
    raw = request.query_params.get(CHANNEL_FILTER, "")
    if raw and raw not in Channel.values:
        raise TmfError(
            f"{CHANNEL_FILTER} is one of {', '.join(Channel.values)}.",
            code="invalidQuery",
            status_code=400,
        )
    return raw


# Schema

_Ref = schema.resource(
    "TmfInteractionRef",
    {
        "id": schema.text(),
        "href": schema.text(),
        "name": schema.text(),
        "role": schema.text(),
        "@referredType": schema.text(),
    },
    identity=("id", "href", "@referredType"),
)
_Item = schema.resource(
    "InteractionItem",
    {
        "id": schema.text(),
        "item": schema.resource(
            "TmfInteractionItemRef",
            {
                "id": schema.text(),
                "href": schema.text(),
                "role": schema.text(),
                "@referredType": schema.text(),
            },
            identity=("id", "href", "role", "@referredType"),
        )(),
        "@type": schema.text(),
    },
    identity=("id", "item", "@type"),
)
_Note = schema.resource(
    "TmfInteractionNote",
    {
        "author": schema.text(),
        "date": schema.moment(),
        "text": schema.text(),
        "@type": schema.text(),
    },
    identity=("author", "date", "text", "@type"),
)
PartyInteraction = schema.resource(
    "PartyInteraction",
    {
        "id": schema.text(),
        "href": schema.text(),
        "creationDate": schema.moment(),
        "description": schema.text(),
        "reason": schema.text(),
        "direction": serializers.ChoiceField(choices=["inbound", "outbound"]),
        "status": schema.text(help_text="completed: a touchpoint is recorded once done."),
        "statusChangeDate": schema.moment(),
        "interactionDate": schema.TimePeriod(),
        "channel": _Ref(many=True),
        "interactionItem": _Item(many=True),
        "relatedParty": _Ref(many=True),
        "note": _Note(many=True),
        "@type": schema.text(),
    },
    doc="TMF683 PartyInteraction: one touchpoint of her history.",
)
TAGS = ["TMF683 Party Interaction"]


class PartyInteractionListView(TmfView):
    permission_classes = [IsCustomerOrAgent]

    @extend_schema(
        tags=TAGS,
        summary="Her history, newest first (a customer, or an agent naming her)",
        parameters=[
            schema.FIELDS,
            *schema.PAGING,
            *schema.LIST_HEADERS,
            PARTY_PARAMETER,
            OpenApiParameter(
                CHANNEL_FILTER, str, enum=Channel.values, description="Only this channel's."
            ),
        ],
        responses={200: PartyInteraction(many=True), **schema.errors(400, 401, 403, 404, 429)},
    )
    def get(self, request):
        page = page_read(request)
        channel = _channel_read(request)
        total, interactions = interaction_page_window(
            customer=request.her.customer,
            offset=page.offset,
            limit=page.limit,
            public=request.agent is None,
            channel=channel,
        )
        return list_response(
            request, total=total, items=[interaction_data(request, i) for i in interactions]
        )


class PartyInteractionView(TmfView):
    permission_classes = [IsCustomerOrAgent]

    @extend_schema(
        tags=TAGS,
        summary="One interaction of her history (a customer, or an agent naming her)",
        parameters=[schema.FIELDS, PARTY_PARAMETER],
        responses={200: PartyInteraction, **schema.errors(400, 401, 403, 404, 429)},
    )
    def get(self, request, interaction_id: str):
        interaction = one_found(
            interaction_id,
            lambda pk: interaction_get_for_customer(
                customer=request.her.customer, pk=pk, public=request.agent is None
            ),
            missing=f"No interaction {interaction_id} in her history.",
        )
        return one_response(request, interaction_data(request, interaction))
