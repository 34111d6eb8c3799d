"""Accounts in the admin: staff who leave are deactivated, never deleted, so every row they
wrote keeps their name (`selfcare.services.staff`). Deleting an account that wrote any such row
is refused by the database, and the admin's delete page lists what protects it."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .services.staff import StaffAccountError, user_deactivate

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    actions = ["deactivate_selected"]

    @admin.action(
        description=_(
            "Deactivate the selected accounts (they can no longer sign in; what they did keeps "
            "their name)"
        ),
        permissions=["change"],
    )
    def deactivate_selected(self, request, queryset):
        for user in queryset:
            try:
                deactivated = user_deactivate(user=user, actor=request.user)
            except StaffAccountError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                continue
            if deactivated:
                self.log_change(request, user, "Deactivated")
                self.message_user(
                    request,
                    gettext("%(username)s can no longer sign in.")
                    % {"username": user.get_username()},
                )
