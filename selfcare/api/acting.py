"""For whom an API request acts, and who acts, so that every write records it as the portal and
the console do.

- A customer (her portal session, or her app's token with the scope `customer`) acts for
  herself: channel API, actor customer, her user. Naming another customer is refused (403).
- A call-centre agent (signed in as for his console, or a token of an app he signed in to, with
  the scope `customer`) acts for the customer he names with the query parameter `relatedParty.id`
  (her customer id, as in the console's address; TMF630's filter, as the TMF reads take it). He
  is recorded as in his console: the call centre's channel (its prices and rules), actor agent,
  his user, so his cart changes, checkouts and orders through `/api/` or `/tmf-api/` show in her
  history, her orders and her cart with his name, as the console's do. His user is kept on each
  row (PROTECT: staff are deactivated, never deleted). Reads are not recorded, as the console's
  reads are not.
- Anyone else (a system client, staff who are not agents, a user who is no customer) acts for
  no one here.
"""

from __future__ import annotations

from dataclasses import dataclass

from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import NotFound, ParseError, PermissionDenied
from rest_framework.permissions import BasePermission

from backoffice.selectors import customer_get_for_agent
from selfcare.models import Channel, Customer, Interaction, Line
from selfcare.selectors import line_get_home, user_is_agent

from .authentication import SystemClient, caller_scopes

PARTY = "relatedParty.id"
PARTY_PARAMETER = OpenApiParameter(
    PARTY,
    str,
    description="For a call-centre agent: the id of the customer he acts for (required for "
    "him). A customer may leave it out or give her own.",
)


@dataclass(frozen=True)
class Acting:
    """The customer a request acts for, her home line, and who acts, on which channel."""

    customer: Customer
    line: Line
    channel: str
    actor: str
    actor_user: object

    def recorded_as(self) -> dict:
        """What a service that changes her cart or orders is given: for whom, where and by whom."""
        return {
            "customer": self.customer,
            "channel": self.channel,
            "actor": self.actor,
            "actor_user": self.actor_user,
        }


def acting_for(request) -> Acting | None:
    """Who the request acts for (see the module); None for a caller who acts for no customer
    (a system client, staff who are not agents, a token without the scope `customer`).

    Raises ParseError (400) for an agent who names no customer, NotFound for one naming a
    customer who does not exist, PermissionDenied for a customer naming someone else or a
    customer without a line."""
    user = request.user
    if user is None or not user.is_authenticated or isinstance(user, SystemClient):
        return None
    if request.auth is not None and "customer" not in caller_scopes(request):
        return None
    named = request.query_params.get(PARTY)
    line = line_get_home(user=user)
    if line is not None:
        if named is not None and named != str(line.customer_id):
            raise PermissionDenied("A customer acts for herself only.")
        return Acting(
            customer=line.customer,
            line=line,
            channel=Channel.API,
            actor=Interaction.Actor.CUSTOMER,
            actor_user=user,
        )
    if not user_is_agent(user=user):
        return None
    if not named:
        raise ParseError(f"An agent names the customer he acts for with {PARTY} (her id).")
    try:
        if not named.isascii() or not named.isdigit() or len(named) > 18:
            raise Customer.DoesNotExist
        customer = customer_get_for_agent(customer_id=int(named))  # any customer, as in his console
    except Customer.DoesNotExist as exc:
        raise NotFound(f"No such customer ({PARTY}).") from exc
    line = line_get_home(customer=customer)
    if line is None:
        raise PermissionDenied("She has no line.")
    return Acting(
        customer=customer,
        line=line,
        channel=Channel.AGENT,
        actor=Interaction.Actor.AGENT,
        actor_user=user,
    )


class ActsForCustomer(BasePermission):
    """The request acts for a customer (herself, or the one an agent names): `request.acting`."""

    message = "Only a customer (her session or app, scope customer) or a call-centre agent."

    def has_permission(self, request, view) -> bool:
        acting = acting_for(request)
        if acting is None:
            return False
        request.acting = acting
        return True
