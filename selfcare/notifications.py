"""The backends that carry a message out, one per medium, chosen by `NOTIFICATION_BACKENDS`, and
what the in-app inbox shows.

A backend has `send(notification)`: it returns when the message is handed over, raises
`DeliveryError` when it could not be this time (retried with backoff) and `DeliveryRefused` when
it never will be (a number the gateway rejects: failed at once). `mirrors_to_inbox` says whether
its messages also show in her in-app inbox: true where nothing really leaves the machine (the
console and the file of the embedded demo), so she still sees what she was sent.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Notification

logger = logging.getLogger("selfcare.notifications")


class DeliveryError(Exception):
    """A backend could not hand the message over this time (gateway down, timeout): retry."""


class DeliveryRefused(Exception):
    """A backend refused the message for good (a number the gateway rejects): no retry."""


DEFAULT_BACKENDS = {
    Notification.Medium.SMS: "selfcare.notifications.ConsoleBackend",
    Notification.Medium.EMAIL: "selfcare.notifications.EmailBackend",
    Notification.Medium.IN_APP: "selfcare.notifications.InAppBackend",
}


class Backend:
    mirrors_to_inbox = False

    def send(self, notification: Notification) -> None:
        raise NotImplementedError


class ConsoleBackend(Backend):
    """Writes the message to the log (the worker's console): the embedded default for SMS."""

    mirrors_to_inbox = True

    def send(self, notification: Notification) -> None:
        logger.info(
            "%s to %s: %s — %s",
            notification.get_medium_display(),
            notification.recipient or f"customer {notification.customer_id}",
            notification.subject,
            notification.body,
        )


class FileBackend(Backend):
    """Appends one JSON line per message to `NOTIFICATION_FILE_PATH` (under var/ by default): a
    record a test, a demo or a script can read back."""

    mirrors_to_inbox = True

    def send(self, notification: Notification) -> None:
        path = Path(settings.NOTIFICATION_FILE_PATH)
        record = {
            "id": notification.pk,
            "medium": notification.medium,
            "to": notification.recipient,
            "customer_id": notification.customer_id,
            "template": notification.template,
            "campaign_id": notification.campaign_id,
            "subject": notification.subject,
            "body": notification.body,
            "at": timezone.now().isoformat(),
        }
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # One write() on an O_APPEND descriptor: lines from two workers never interleave.
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        except OSError as exc:
            raise DeliveryError(f"Could not write to {path}: {exc}") from exc


class EmailBackend(Backend):
    """Sends e-mail with Django's `send_mail`, so `EMAIL_URL` (EMAIL_BACKEND, host, …) applies.
    Mirrors to the inbox while Django's e-mail backend keeps mail on this machine (console, file,
    in-memory), as in the embedded demo."""

    LOCAL_EMAIL_BACKENDS = (
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
    )

    @property
    def mirrors_to_inbox(self) -> bool:
        return settings.EMAIL_BACKEND in self.LOCAL_EMAIL_BACKENDS

    def send(self, notification: Notification) -> None:
        try:
            send_mail(
                subject=notification.subject,
                message=notification.body,
                from_email=None,  # DEFAULT_FROM_EMAIL
                recipient_list=[notification.recipient],
                fail_silently=False,
            )
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryRefused(f"The mail server refused {notification.recipient}.") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"The mail server did not take the message: {exc}") from exc


class InAppBackend(Backend):
    """Nothing to carry: the row is the message, and her inbox shows it."""

    def send(self, notification: Notification) -> None:
        return None


class HttpSmsGatewayBackend(Backend):
    """POSTs `{"to", "from", "text"}` as JSON with a bearer token to `SMS_GATEWAY_URL`.

    A timeout, a lost connection, a 5xx, 408 or 429 is transient (`DeliveryError`: retried);
    any other 4xx is the gateway refusing this message for good (`DeliveryRefused`, with the
    gateway's own words). Each message carries an `Idempotency-Key`, for gateways that honour it
    when a retry follows a lost answer.
    """

    TRANSIENT_STATUSES = (408, 429)

    def send(self, notification: Notification) -> None:
        url = settings.SMS_GATEWAY_URL
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            # Retried like an outage: set SMS_GATEWAY_URL within the retries and nothing is lost.
            logger.error("SMS_GATEWAY_URL is not an http(s) URL: SMS cannot leave.")
            raise DeliveryError("The SMS gateway is not configured (SMS_GATEWAY_URL).")
        payload = {
            "to": notification.recipient,
            "from": settings.SMS_GATEWAY_SENDER,
            "text": notification.body,
        }
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
            url,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}",
                "Idempotency-Key": f"notification-{notification.pk}",
            },
        )
        try:
            with urllib.request.urlopen(  # noqa: S310
                request, timeout=settings.SMS_GATEWAY_TIMEOUT_SECONDS
            ) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            detail = _gateway_detail(exc)
            if exc.code >= 500 or exc.code in self.TRANSIENT_STATUSES:
                raise DeliveryError(f"SMS gateway answered {exc.code}: {detail}") from exc
            raise DeliveryRefused(
                f"SMS gateway refused the message ({exc.code}): {detail}"
            ) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(f"SMS gateway unreachable: {reason}") from exc


def _gateway_detail(exc: urllib.error.HTTPError) -> str:
    """The gateway's own message: `detail`, `message` or `error` of a JSON body, else the text."""
    try:
        raw = exc.read().decode("utf-8", "replace").strip()
    except OSError:
        raw = ""
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("detail", "message", "error"):
            if isinstance(body.get(key), str) and body[key]:
                return body[key][:200]
    return raw[:200] or exc.reason or "no detail"


def backend_for(medium: str) -> Backend:
    """The configured backend of `medium` (NOTIFICATION_BACKENDS, else the embedded default)."""
    paths = getattr(settings, "NOTIFICATION_BACKENDS", {})
    return import_string(paths.get(medium) or DEFAULT_BACKENDS[medium])()


# --- What the in-app inbox shows ---------------------------------------------------------------


def inbox_media() -> list[str]:
    """In-app messages, plus the media whose backend mirrors its messages to the inbox."""
    mirrored = [
        medium
        for medium in (Notification.Medium.SMS, Notification.Medium.EMAIL)
        if backend_for(medium).mirrors_to_inbox
    ]
    return [Notification.Medium.IN_APP, *mirrored]


def _inbox(**owner):
    return Notification.objects.filter(**owner, medium__in=inbox_media()).exclude(
        status=Notification.Status.FAILED
    )


def notification_list_for_inbox(*, customer, limit: int = 100) -> list[Notification]:
    """Her inbox, newest first."""
    return list(_inbox(customer=customer).order_by("-created_at", "-id")[:limit])


def notification_get_for_inbox(*, customer, notification_id: int) -> Notification:
    """One message of her inbox; raises Notification.DoesNotExist for anyone else's."""
    return _inbox(customer=customer).get(pk=notification_id)


def notification_count_unread(*, customer_id: int | None = None, user_id: int | None = None) -> int:
    """How many messages of her inbox she has not read: one COUNT on (customer, read_at)."""
    owner = {"customer_id": customer_id} if customer_id else {"customer__user_id": user_id}
    return _inbox(**owner).filter(read_at__isnull=True).count()
