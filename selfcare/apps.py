from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelfcareConfig(AppConfig):
    name = "selfcare"
    verbose_name = _("Customers")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .languages import language_session_start

        # Not domain logic: her language, read once, kept in the session her sign-in starts.
        user_logged_in.connect(language_session_start, dispatch_uid="language_session_start")
