"""What a switch says, in her words: the selectors hand over states, datetimes and reasons
(`orders.selectors.AddonSwitch`); the sentences are made here, where the portal's wording lives."""

import datetime as dt

from django import template
from django.utils import dateformat, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orders.models import ProductInstance
from selfcare.phones import msisdn_format

register = template.Library()

Status = ProductInstance.Status

STATUS_LABELS = {
    Status.PENDING_ACTIVE: _("Activating…"),
    Status.PENDING_TERMINATE: _("Switching off…"),
    Status.SCHEDULED: _("Scheduled"),
    Status.ACTIVE: _("Active"),
    Status.SUSPENDED: _("Suspended"),
}


def when(moment: dt.datetime) -> str:
    """ "Sat 5 Dec, 10:00", in the operator's time zone (the templates' `|date:"D j M, H:i"`)."""
    return dateformat.format(timezone.localtime(moment), "D j M, H:i")


@register.filter
def switch_status(switch) -> str:
    """The words beside the switch: "Active", "Waiting for your code", "On until Sat 5 Dec,
    10:00"."""
    if switch.awaiting_order_id:
        return gettext("Waiting for your code")
    if switch.ending_later:
        return gettext("On until %(when)s") % {"when": when(switch.instance.ends_at)}
    if switch.is_gift_waiting:
        return gettext("Gift sent")
    if switch.failed:
        return gettext("Failed — refunded") if switch.instance.paid_amount else gettext("Failed")
    return str(STATUS_LABELS.get(switch.state, gettext("Off")))


@register.filter
def switch_note(switch) -> str:
    """One more line under the offer: why it failed or waits, when it starts, or when a limit
    lifts; "" when there is nothing to add."""
    instance = switch.instance
    if switch.is_gift_waiting:
        return gettext(
            "Waiting for %(friend)s to accept; it comes back to you if not accepted within 7 days."
        ) % {"friend": msisdn_format(instance.options.get("friend_msisdn"))}
    if switch.state == Status.SCHEDULED and instance.starts_at:
        return gettext("Starts %(when)s.") % {"when": when(instance.starts_at)}
    if switch.state in (Status.FAILED, Status.SUSPENDED) or switch.ending_later:
        return instance.reason_text
    if not switch.checked and switch.decision and switch.decision.limited_only:
        return switch.decision.reasons[0]
    return ""


@register.filter
def switch_announcement(switch) -> str:
    """What the live region says when the switch changes."""
    if switch.failed:
        refunded = " " + gettext("Your money was refunded.") if switch.instance.paid_amount else ""
        failed = gettext("%(offer)s: failed.") % {"offer": switch.offer.name}
        return f"{failed} {switch.instance.reason_text}{refunded}"
    return f"{switch.offer.name}: {switch_status(switch).rstrip('…').lower()}"


@register.simple_tag(takes_context=True)
def page_back(context) -> str:
    """The page a panel's forms lead back to without JavaScript: the one it was opened from
    (`back`, given to a panel shown as a page of its own), else the page in the address bar (for
    a card htmx swapped in, the page it was swapped into)."""
    if context.get("back"):
        return context["back"]
    request = context["request"]
    if request.htmx and request.htmx.current_url_abs_path:
        return request.htmx.current_url_abs_path.partition("#")[0]
    return request.get_full_path()
