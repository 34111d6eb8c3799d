"""The event hub's listeners and delivery log, for the operator's staff: read only (listeners are
registered and unregistered by their systems through the API, deliveries are the log of what was
sent). The secret a delivery is signed with is never shown."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import HubDelivery, HubListener


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(HubListener)
class HubListenerAdmin(_ReadOnly):
    list_display = (
        "id",
        "client",
        "api",
        "callback",
        "query",
        "failures",
        "failing_since",
        "retry_at",
        "created_at",
        "unregistered_at",
    )
    list_filter = ("api",)
    list_select_related = ("client",)
    exclude = ("secret",)


@admin.register(HubDelivery)
class HubDeliveryAdmin(_ReadOnly):
    list_display = (
        "id",
        "listener",
        "event_type",
        "resource",
        "status",
        "attempts",
        "status_code",
        "last_error",
        "last_attempt_at",
        "delivered_at",
    )
    list_filter = ("status", "listener__api")
    list_select_related = ("listener__client", "event")
    readonly_fields = ("event_body",)

    @admin.display(description=_("event type"))
    def event_type(self, obj: HubDelivery) -> str:
        return obj.event.event_type

    @admin.display(description=_("resource"))
    def resource(self, obj: HubDelivery) -> str:
        return obj.event.resource_key

    @admin.display(description=_("body sent"))
    def event_body(self, obj: HubDelivery):
        return obj.event.body
