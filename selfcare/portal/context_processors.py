from django.conf import settings
from django.utils.functional import cached_property

from selfcare.notifications import notification_count_unread


def operator(request) -> dict:
    """The operator's name for page titles and the header."""
    return {"operator_name": settings.OPERATOR_NAME}


def brand(request) -> dict:
    """The operator's brand for every page: its name, logo and colours (`settings.BRAND`), and
    a version of it that the link to its stylesheet carries."""
    return {"brand": settings.BRAND, "brand_version": settings.BRAND_VERSION}


class InboxBadge:
    """Her unread count for the nav's Inbox badge, counted only when a page shows it (a partial
    that htmx swaps in costs nothing) and at most once a page: one COUNT query, for a signed-in
    customer only (None for visitors and staff)."""

    def __init__(self, request):
        self.request = request

    @cached_property
    def unread(self) -> int | None:
        customer = getattr(self.request, "customer", None)
        if customer is not None:  # set by @customer_required: no query to find her
            return notification_count_unread(customer_id=customer.pk)
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated or user.is_staff:
            return None
        return notification_count_unread(user_id=user.pk)


def inbox(request) -> dict:
    return {"inbox_badge": InboxBadge(request)}
