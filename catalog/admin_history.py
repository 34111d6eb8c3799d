"""What product managers did to offers, shown to product managers: each offer's history on its
History page, and every offer's in one read-only list. The rows are written by
`catalog.services` only; nobody adds, changes or deletes one here."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.utils.translation import gettext_lazy as _

from .models import OfferChange
from .selectors import offer_change_list


class OfferHistoryMixin:
    """For the offer's admin: its History page lists the offer's changes (who, when, what)
    above Django's own log of admin actions."""

    object_history_template = "admin/catalog/offer/object_history.html"

    def history_view(self, request, object_id, extra_context=None):
        offer = self.get_object(request, unquote(object_id))
        changes = offer_change_list(offer=offer) if offer is not None else []
        return super().history_view(
            request, object_id, extra_context={"offer_changes": changes, **(extra_context or {})}
        )


@admin.register(OfferChange)
class OfferChangeAdmin(admin.ModelAdmin):
    list_display = ["changed_at", "offer", "action", "person", "fields_changed"]
    list_filter = ["action"]
    search_fields = ["offer__name", "offer__code"]
    list_select_related = ["offer", "changed_by"]
    date_hierarchy = "changed_at"

    @admin.display(description=_("by"), ordering="changed_by__username")
    def person(self, change: OfferChange) -> str:
        user = change.changed_by
        return (user.get_full_name() or user.get_username()) if user else "—"

    @admin.display(description=_("fields changed"))
    def fields_changed(self, change: OfferChange) -> str:
        return ", ".join(change.fields)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
