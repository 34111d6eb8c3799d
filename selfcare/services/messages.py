"""Outgoing messages and the links in them: written from templates, carried by the configured
backend after commit, retried by Celery, and their delivery recorded."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.translation import gettext_noop
from django_fsm import can_proceed

from catalog.policies import operator_zone

from ..jobs import (
    job_default_queue,
    job_fan_out,
    job_fan_out_on_commit,
    job_lease_expired,
    job_queue_backlogged,
)
from ..languages import customer_language
from ..models import (
    Channel,
    Customer,
    Interaction,
    Line,
    Notification,
    NotificationStatusChange,
    TrackedLink,
)
from ..notifications import DeliveryError, DeliveryRefused, backend_for
from ..said import choice, said
from ..selectors import lines_get_home
from ..tasks import notification_deliver_task

if TYPE_CHECKING:
    from catalog.models import Offer

# Every message the product sends: templates/notifications/<name>.txt, with a `subject` and a
# `body` partial each.
NOTIFICATION_TEMPLATES = (
    "addon_active",
    "addon_failed",
    "addon_off",
    "addon_ended",
    "addon_renewed",
    "addon_renewal_failed",
    "addon_ending_soon",
    "addon_renewing_soon",
    "confirmation_code",
    "signin_code",
    "password_reset_code",
    "password_reset_link",
    "gift_received",
    "gift_returned",
    "cart_shared",
    "promotion",
    "usage_alert",
    "spend_cap_alert",
    "topup_receipt",
    "topup_auto_failed",
    "addon_suspended",
    "addon_resumed",
    "addon_scheduled",
    "addon_changed",
)


def notification_render(*, template: str, values: dict) -> tuple[str, str]:
    """The subject and body of `template` with `values`: plain text (nothing HTML-escaped), in
    her language (`values["customer"]`'s, `customer_language`), dates in the operator's time zone,
    each line stripped and blank lines dropped."""
    rendered = []
    language = customer_language(values.get("customer"))
    with timezone.override(operator_zone()), translation.override(language):
        for part in ("subject", "body"):
            proxy = get_template(f"notifications/{template}.txt#{part}").template
            text = proxy.render(Context(values, autoescape=False))
            rendered.append("\n".join(line.strip() for line in text.splitlines() if line.strip()))
    subject, body = rendered
    return subject[:200], body


def _recipient(*, customer: Customer, medium: str, homes: Mapping[int, Line]) -> tuple[str, str]:
    """The medium the message can really go by, and to where: an SMS needs a line, an e-mail an
    address; without one it goes to her in-app inbox instead of nowhere. An SMS goes to her home
    line (`homes`, the batch's, read at once by `lines_get_home`) while it is active, never to a
    travel line she also has."""
    if medium == Notification.Medium.SMS:
        line = homes.get(customer.pk)
        if line is not None and line.status == Line.Status.ACTIVE:
            return medium, line.msisdn
    elif medium == Notification.Medium.EMAIL and customer.email:
        return medium, customer.email
    return Notification.Medium.IN_APP, ""


@dataclass(frozen=True)
class Outgoing:
    """One message to write (see `notification_send` for what each field means)."""

    customer: Customer
    template: str
    context: dict | None = None
    medium: str | None = None
    campaign_id: int | None = None
    link_target: str | None = None
    link_offer: Offer | None = None


def notification_send(
    *,
    customer: Customer,
    template: str,
    context: dict | None = None,
    medium: str | None = None,
    campaign_id: int | None = None,
    link_target: str | None = None,
    link_offer=None,
    queue: str | None = None,
) -> Notification:
    """Write a message to the customer from `template` and queue it; it leaves through the
    medium's backend after commit (`notification_deliver_task`, on `queue` if given: a campaign's
    messages go on their own, behind nothing transactional). `medium` defaults to the one she
    prefers. With `link_target` (a path in the portal) the message carries a tracked link to it,
    as `link_url` in the template. Runs in the caller's transaction."""
    (notification,) = notifications_send(
        messages=[
            Outgoing(
                customer=customer,
                template=template,
                context=context,
                medium=medium,
                campaign_id=campaign_id,
                link_target=link_target,
                link_offer=link_offer,
            )
        ],
        queue=queue,
    )
    return notification


def notifications_send(
    *,
    messages: Sequence[Outgoing],
    queue: str | None = None,
) -> list[Notification]:
    """`notification_send` for a batch (a feed's usage alerts, a campaign's sends): every
    message checked before any is written, then written in a fixed number of queries whatever
    their number (the home lines of those who get an SMS, the messages, their first
    status-history rows, their tracked links), and published on commit, each to its delivery
    job. Returns the messages, in order."""
    if not messages:
        return []
    for message in messages:
        if message.template not in NOTIFICATION_TEMPLATES:
            raise ValueError(f"Unknown notification template: {message.template}")
        target = message.link_target
        if target is not None and (not target.startswith("/") or target.startswith("//")):
            raise ValueError("A tracked link leads to a path inside the portal.")
    mediums = [message.medium or message.customer.preferred_medium for message in messages]
    texted = {
        message.customer.pk
        for message, medium in zip(messages, mediums, strict=True)
        if medium == Notification.Medium.SMS
    }
    homes = lines_get_home(customer_ids=texted) if texted else {}
    notifications, links = [], []
    portal = settings.PORTAL_URL.rstrip("/")
    for message, wanted in zip(messages, mediums, strict=True):
        customer = message.customer
        medium, recipient = _recipient(customer=customer, medium=wanted, homes=homes)
        notification = Notification(
            customer=customer,
            medium=medium,
            template=message.template,
            recipient=recipient,
            campaign_id=message.campaign_id,
        )
        values = {
            "customer": customer,
            "first_name": customer.first_name,
            "operator_name": settings.OPERATOR_NAME,
            **(message.context or {}),
        }
        if message.link_target is not None:
            link = TrackedLink(
                token=secrets.token_urlsafe(12),
                customer=customer,
                campaign_id=message.campaign_id,
                target=message.link_target,
                offer=message.link_offer,
            )
            links.append((link, notification))
            values["link_url"] = f"{portal}/l/{link.token}/"
        notification.subject, notification.body = notification_render(
            template=message.template, values=values
        )
        notifications.append(notification)
    # bulk_create sets primary keys (and `created_at`) on PostgreSQL and SQLite alike.
    Notification.objects.bulk_create(notifications)
    NotificationStatusChange.objects.bulk_create(
        NotificationStatusChange(notification=n, to_status=n.status, changed_at=n.created_at)
        for n in notifications
    )
    for link, notification in links:
        link.notification = notification
    TrackedLink.objects.bulk_create(link for link, _notification in links)
    job_fan_out_on_commit(
        task=notification_deliver_task, ids=[n.pk for n in notifications], queue=queue
    )
    return notifications


def notification_deliver(*, notification_id: int) -> Notification | None:
    """Hand a queued message to its backend, then record that it went, once, on the locked row:
    `sent` with its status-history row, `sent_at` and a MESSAGE_SENT interaction. Safe to run
    twice: a message recorded as sent (or given up) is not sent again, and each attempt first
    claims the message (compare-and-set on `attempts`), so of two runs that read it at the same
    moment only one sends. The backend is called outside any
    transaction and lock (a gateway may be slow): a run started while another is still sending,
    or a crash between sending and recording, can send it twice (the HTTP gateway gets an
    Idempotency-Key for that), never not at all.

    Raises DeliveryError (recorded in `error`, still `queued`) for the task to retry; a message
    the backend refuses for good (DeliveryRefused) is failed at once."""
    notification = (
        Notification.objects.select_related("customer").filter(pk=notification_id).first()
    )
    if notification is None or not can_proceed(notification.deliver):
        return notification
    claimed = Notification.objects.filter(
        pk=notification.pk, status=Notification.Status.QUEUED, attempts=notification.attempts
    ).update(attempts=F("attempts") + 1, last_attempt_at=timezone.now())
    if not claimed:
        return notification  # another run has it
    notification.attempts += 1
    try:
        backend_for(notification.medium).send(notification)
    except DeliveryRefused as exc:
        return notification_fail(notification_id=notification.pk, error=str(exc))
    except DeliveryError as exc:
        Notification.objects.filter(pk=notification.pk).update(error=str(exc)[:255])
        raise
    with transaction.atomic():
        notification = _lock(notification_id=notification.pk)
        # A run that sent it at the same moment, or a sweep that gave it up, recorded it first.
        if notification is not None and can_proceed(notification.deliver):
            at = timezone.now()
            notification.deliver(at=at)
            notification_set_status(
                notification=notification, from_status=Notification.Status.QUEUED, at=at
            )
            interaction_record_message(notification=notification, sent=True)
    return notification


def notification_fail(*, notification_id: int, error: str) -> Notification | None:
    """Give a message up after its last retry: `failed`, with the error, in its status history
    and her history. Locks the message; nothing happens to one already sent or given up."""
    with transaction.atomic():
        notification = _lock(notification_id=notification_id)
        if notification is not None and can_proceed(notification.fail):
            notification.fail(error=error)
            notification_set_status(
                notification=notification,
                from_status=Notification.Status.QUEUED,
                at=timezone.now(),
                note=notification.error,
            )
            interaction_record_message(notification=notification, sent=False)
    return notification


def _lock(*, notification_id: int) -> Notification | None:
    return (
        Notification.objects.select_for_update(of=("self",), no_key=True)
        .select_related("customer")
        .filter(pk=notification_id)
        .first()
    )


def notification_set_status(
    *, notification: Notification, from_status: str, at: dt.datetime, note: str = ""
) -> None:
    """Save a locked message after a transition and write its status-history row, in the
    caller's transaction."""
    notification.save(update_fields=["status", "sent_at", "error"])
    NotificationStatusChange.objects.create(
        notification=notification,
        from_status=from_status,
        to_status=notification.status,
        note=note[:255],
        changed_at=at,
    )


def interaction_record_message(*, notification: Notification, sent: bool) -> None:
    from . import interaction_record

    medium = choice(Notification.Medium, notification.medium)
    interaction_record(
        customer=notification.customer,
        kind=Interaction.Kind.MESSAGE_SENT if sent else Interaction.Kind.MESSAGE_FAILED,
        channel=Channel.SYSTEM,
        summary=(
            said(
                gettext_noop("%(medium)s sent: %(subject)s"),
                medium=medium,
                subject=notification.subject,
            )
            if sent
            else said(
                gettext_noop("%(medium)s not delivered: %(subject)s (%(error)s)"),
                medium=medium,
                subject=notification.subject,
                error=notification.error,
            )
        ),
        data={
            "notification_id": notification.pk,
            "medium": notification.medium,
            "campaign_id": notification.campaign_id,
        },
    )


def notification_mark_read(*, customer: Customer, notification_id: int | None = None) -> int:
    """Mark one of her messages read (or all of them); returns how many changed."""
    unread = Notification.objects.filter(customer=customer, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())


def tracked_link_clicker(*, link: TrackedLink, user) -> str:
    """Who opened her link: herself, someone not signed in, staff (an agent, a marketer trying
    the campaign), or another customer (a forwarded message)."""
    if user is None or not user.is_authenticated:
        return TrackedLink.Clicker.ANONYMOUS
    if user.pk == link.customer.user_id:
        return TrackedLink.Clicker.CUSTOMER
    if Customer.objects.filter(user=user).exists():
        return TrackedLink.Clicker.OTHER_CUSTOMER
    return TrackedLink.Clicker.STAFF


# Her history's line for each clicker: only her own click is worded as hers.
LINK_OPENED = {
    TrackedLink.Clicker.CUSTOMER: (
        gettext_noop("Clicked the link in “%(about)s”"),
        Interaction.Actor.CUSTOMER,
    ),
    TrackedLink.Clicker.ANONYMOUS: (
        gettext_noop("The link in “%(about)s” was opened by someone not signed in"),
        Interaction.Actor.SYSTEM,
    ),
    TrackedLink.Clicker.STAFF: (
        gettext_noop("Opened the link in “%(about)s” sent to her"),
        Interaction.Actor.AGENT,
    ),
    TrackedLink.Clicker.OTHER_CUSTOMER: (
        gettext_noop("The link in “%(about)s” was opened by another customer's account"),
        Interaction.Actor.SYSTEM,
    ),
}


@transaction.atomic
def tracked_link_click(
    *, token: str, user=None, at: dt.datetime | None = None
) -> TrackedLink | None:
    """Record an opening of a link in a message by `user` (None or anonymous: someone not
    signed in) in the customer's history, with who it was (`TrackedLink.Clicker`; the user
    when signed in), against the message and its campaign. Only her clicks and anonymous
    ones count as the link's clicks (what credits a campaign or a purchase). Locks the link's
    row. Returns the link (None for an unknown token: nothing written)."""
    from . import interaction_record

    at = at or timezone.now()
    link = (
        TrackedLink.objects.select_for_update(of=("self",), no_key=True)
        .select_related("customer", "notification", "offer")
        .filter(token=token)
        .first()
    )
    if link is None:
        return None
    clicker = tracked_link_clicker(link=link, user=user)
    if clicker in (TrackedLink.Clicker.CUSTOMER, TrackedLink.Clicker.ANONYMOUS):
        link.click_count += 1
        link.first_clicked_at = link.first_clicked_at or at
        link.last_clicked_at = at
        link.save(update_fields=["click_count", "first_clicked_at", "last_clicked_at"])
    about = link.notification.subject if link.notification else link.target
    summary, actor = LINK_OPENED[clicker]
    interaction_record(
        customer=link.customer,
        kind=Interaction.Kind.LINK_CLICKED,
        channel=Channel.PORTAL,
        actor=actor,
        actor_user=user if clicker != TrackedLink.Clicker.ANONYMOUS else None,
        summary=said(summary, about=about),
        data={
            "link_id": link.pk,
            "notification_id": link.notification_id,
            "campaign_id": link.campaign_id,
            "offer_id": link.offer_id,
            "clicked_by": str(clicker),
        },
    )
    return link


def tracked_link_for_purchase(
    *, customer: Customer, offer_id: int, at: dt.datetime, from_cart: bool = False
):
    """The link a purchase of `offer_id` now is credited to: the last one promoting that offer
    she clicked within the attribution window; for a cart's checkout, else the last link to her
    cart she clicked (the cart an agent sent her); or None."""
    since = at - dt.timedelta(days=settings.LINK_ATTRIBUTION_DAYS)
    clicked = TrackedLink.objects.filter(customer=customer, last_clicked_at__gte=since).order_by(
        "-last_clicked_at", "-id"
    )
    link = clicked.filter(offer_id=offer_id).first()
    if link is None and from_cart:
        link = clicked.filter(offer__isnull=True, target="/cart/").first()
    return link


def notification_retry_record(*, notification_id: int, retry_at: dt.datetime) -> None:
    """Note that the message's job waits for a retry due at `retry_at` (the task's backoff): the
    stuck sweep leaves it alone until then plus its deadline."""
    Notification.objects.filter(pk=notification_id).update(last_attempt_at=retry_at)


# News older than this is no longer worth sending ("your add-on is active" a day late).
STALE_AFTER = dt.timedelta(days=1)


def notification_retry_stuck(*, at: dt.datetime | None = None, limit: int = 1000) -> dict:
    """Sweep messages whose job was lost (a killed worker, a broker restart, a publish that
    failed): queued, and neither written nor taken up by a job (claimed, enqueued again here, or
    due for a retry) within their lease: NOTIFICATION_DEADLINE_SECONDS after the first publish,
    doubled with each publish (`job_lease_expired`). Beat runs it every STUCK_SWEEP_SECONDS.
    Sends again what is still worth sending, each on the queue it was written for (a campaign's
    on the campaigns queue), marked as taken up now and published once more; publishes nothing
    onto a queue in backlog (`job_queue_backlogged`: what it would send again most likely waits
    there). Gives up (`failed`, in her history) what is a day old. Returns the counts."""
    at = at or timezone.now()
    deadline = dt.timedelta(seconds=settings.NOTIFICATION_DEADLINE_SECONDS)
    stuck = Notification.objects.filter(
        Q(last_attempt_at__isnull=True, created_at__lt=at - deadline)
        | job_lease_expired(
            at=at, published_at="last_attempt_at", publishes="publishes", deadline=deadline
        ),
        status=Notification.Status.QUEUED,
    ).order_by("created_at")
    stale = list(stuck.filter(created_at__lt=at - STALE_AFTER).values_list("pk", flat=True)[:limit])
    for pk in stale:
        notification_fail(notification_id=pk, error="Not delivered within a day: given up.")
    fresh = stuck.filter(created_at__gte=at - STALE_AFTER)
    sent_again = waiting = 0
    for queue, route, of_queue in (
        (job_default_queue(), None, fresh.filter(campaign_id__isnull=True)),
        (settings.CAMPAIGN_QUEUE, settings.CAMPAIGN_QUEUE, fresh.filter(campaign_id__isnull=False)),
    ):
        if job_queue_backlogged(queue=queue):
            waiting += of_queue.count()
            continue
        with transaction.atomic():
            again = list(
                of_queue.select_for_update(skip_locked=True, of=("self",)).values_list(
                    "pk", flat=True
                )[:limit]
            )
            Notification.objects.filter(pk__in=again).update(
                last_attempt_at=at, publishes=F("publishes") + 1
            )
        sent_again += job_fan_out(task=notification_deliver_task, ids=again, queue=route)
    return {"sent_again": sent_again, "given_up": len(stale), "waiting": waiting}
