"""What she is told when an add-on of hers is suspended, resumed, scheduled to start later or
has its options changed: one message each, in-app and the way she prefers (as her other add-on
messages), worded here with gettext and written in her language by
`selfcare.services.messages.notification_word`. Money written with `money_text`, dates in the
operator's time zone."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from catalog.policies import money_text
from selfcare.models import Notification
from selfcare.services import notification_send

from ..models import ProductInstance


def _when(at) -> str:
    return date_format(timezone.localtime(at), "j M, H:i")


def product_suspended_tell(*, instance: ProductInstance) -> Notification:
    """Her add-on is suspended: its time stops until she resumes it."""
    name = instance.offer.name

    def words():
        return (
            gettext("%(offer)s is suspended") % {"offer": name},
            gettext("%(offer)s is suspended: its time stops until you resume it.")
            % {"offer": name},
        )

    return _send(instance, "addon_suspended", words)


def product_resumed_tell(*, instance: ProductInstance) -> Notification:
    """Her add-on is on again, until its (moved) end if it has one."""
    name, ends_at = instance.offer.name, instance.ends_at

    def words():
        subject = gettext("%(offer)s is on again") % {"offer": name}
        if ends_at is None:
            return subject, gettext("%(offer)s is on again.") % {"offer": name}
        body = gettext("%(offer)s is on again, until %(ends)s.")
        return subject, body % {"offer": name, "ends": _when(ends_at)}

    return _send(instance, "addon_resumed", words)


def product_scheduled_tell(*, instance: ProductInstance) -> Notification:
    """Her add-on is bought to start later: when, and what it cost."""
    name, starts_at = instance.offer.name, instance.starts_at
    paid = money_text(instance.paid_amount, instance.offer.currency)

    def words():
        subject = gettext("%(offer)s starts %(starts)s") % {
            "offer": name,
            "starts": _when(starts_at),
        }
        if instance.paid_amount:
            body = gettext("%(offer)s will start on %(starts)s. %(paid)s was charged.")
        else:
            body = gettext("%(offer)s will start on %(starts)s.")
        return subject, body % {"offer": name, "starts": _when(starts_at), "paid": paid}

    return _send(instance, "addon_scheduled", words)


def product_changed_tell(
    *, instance: ProductInstance, after: Iterable[str], due_now: Decimal
) -> Notification:
    """Her bundle's options changed: what it gives now, and what was charged or given back."""
    name, currency = instance.offer.name, instance.offer.currency
    gives = "; ".join(after)

    def words():
        subject = gettext("%(offer)s is changed") % {"offer": name}
        body = gettext("%(offer)s now gives you: %(gives)s.") % {"offer": name, "gives": gives}
        if due_now > 0:
            body += " " + gettext("%(amount)s was charged.") % {
                "amount": money_text(due_now, currency)
            }
        elif due_now < 0:
            body += " " + gettext("%(amount)s is back on your balance.") % {
                "amount": money_text(-due_now, currency)
            }
        return subject, body

    return _send(instance, "addon_changed", words)


def _send(instance: ProductInstance, template: str, words) -> Notification:
    # Her preferred medium, as her other add-on messages; an SMS also lands in her inbox.
    return notification_send(customer=instance.customer, template=template, words=words)
