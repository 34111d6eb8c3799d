"""Backends that carry a notification out. The in-app inbox needs none: the row is the message."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("selfcare.notifications")


class ConsoleBackend:
    """Writes the message to the log: the embedded default for SMS and e-mail."""

    def send(self, notification) -> None:
        logger.info(
            "%s to %s: %s — %s",
            notification.get_medium_display(),
            notification.customer,
            notification.subject,
            notification.body,
        )


class InAppBackend:
    def send(self, notification) -> None:
        pass


def backend_for(medium: str):
    paths = getattr(settings, "NOTIFICATION_BACKENDS", {})
    default = (
        "selfcare.notifications.InAppBackend"
        if medium == "in_app"
        else "selfcare.notifications.ConsoleBackend"
    )
    return import_string(paths.get(medium, default))()
