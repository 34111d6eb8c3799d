"""Her usage records [TMF635 Usage], her inbox [TMF681 CommunicationMessage] and her history
[TMF683 PartyInteraction], a page at a time with how many there are in all: what the API shows.
Scoped to her: another customer's record is not found."""

from __future__ import annotations

from .models import Customer, Interaction, Notification, UsageRecord
from .notifications import inbox_media, notification_get_for_inbox


def customer_get(*, pk: int) -> Customer:
    """A customer by id, for an agent acting for her. Raises Customer.DoesNotExist."""
    return Customer.objects.get(pk=pk)


# Usage


def _usage(*, customer: Customer):
    return UsageRecord.objects.filter(line__customer=customer).select_related("line")


def usage_page_for_customer(
    *, customer: Customer, offset: int, limit: int
) -> tuple[int, list[UsageRecord]]:
    """Her usage records on every line of hers (with the line), newest first: how many there are
    in all, and the page from `offset`, at most `limit`. Two queries."""
    rows = _usage(customer=customer)
    return rows.count(), list(rows.order_by("-at", "-id")[offset : offset + limit])


def usage_get_for_customer(*, customer: Customer, pk: int) -> UsageRecord:
    """One usage record of hers. Raises UsageRecord.DoesNotExist for any other id."""
    return _usage(customer=customer).get(pk=pk)


def usage_get_by_event_id(*, event_id: str) -> UsageRecord | None:
    """The record the network's event `event_id` was rated into (with its line and customer), or
    None: what the feed answers a network's system with."""
    return UsageRecord.objects.select_related("line__customer").filter(event_id=event_id).first()


# The inbox


def notification_page_for_inbox(
    *, customer: Customer, offset: int, limit: int
) -> tuple[int, list[Notification]]:
    """Her inbox (the messages the portal's inbox shows: in-app ones and those mirrored to it,
    none that failed), newest first: how many in all, and the page. Two queries."""
    rows = Notification.objects.filter(customer=customer, medium__in=inbox_media()).exclude(
        status=Notification.Status.FAILED
    )
    return rows.count(), list(rows.order_by("-created_at", "-id")[offset : offset + limit])


def notification_get_for_customer(*, customer: Customer, pk: int) -> Notification:
    """One message of her inbox. Raises Notification.DoesNotExist for any other id."""
    return notification_get_for_inbox(customer=customer, notification_id=pk)


# Her history


def _interactions(*, customer: Customer, public: bool, channel: str = ""):
    rows = Interaction.objects.filter(customer=customer).select_related("actor_user")
    if public:
        rows = rows.exclude(kind=Interaction.Kind.NOTE)
    if channel:
        rows = rows.filter(channel=channel)
    return rows


def interaction_page_window(
    *, customer: Customer, offset: int, limit: int, public: bool, channel: str = ""
) -> tuple[int, list[Interaction]]:
    """Her history, newest first, every channel or only `channel`: how many in all, and the page
    from `offset`. `public`: what she sees herself (agents' internal notes left out). Two
    queries."""
    rows = _interactions(customer=customer, public=public, channel=channel)
    return rows.count(), list(rows.order_by("-created_at", "-id")[offset : offset + limit])


def interaction_get_for_customer(*, customer: Customer, pk: int, public: bool) -> Interaction:
    """One interaction of her history. Raises Interaction.DoesNotExist for any other id (and,
    with `public`, for an agent's internal note)."""
    return _interactions(customer=customer, public=public).get(pk=pk)
