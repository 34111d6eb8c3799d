"""The in-app inbox: every message sent to her, newest first, with what is still unread.

Marking read is a POST: from htmx it answers with the changed part of the page and the nav's
badge (out of band); without JavaScript it sends her back to the inbox."""

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from selfcare.models import Notification
from selfcare.notifications import notification_get_for_inbox, notification_list_for_inbox
from selfcare.services import notification_mark_read

from .common import customer_required


@customer_required
def inbox(request):
    context = {"notifications": notification_list_for_inbox(customer=request.customer)}
    return render(request, "selfcare/inbox/page.html", context)


@require_POST
@customer_required
def inbox_read(request, notification_id: int):
    try:
        notification = notification_get_for_inbox(
            customer=request.customer, notification_id=notification_id
        )
    except Notification.DoesNotExist as exc:
        raise Http404("No such message.") from exc
    notification_mark_read(customer=request.customer, notification_id=notification.pk)
    if not request.htmx:
        return HttpResponseRedirect(f"{reverse('selfcare:inbox')}#message-{notification.pk}")
    notification.refresh_from_db(fields=["read_at"])
    context = {"notification": notification, "announce": _("Marked as read.")}
    return render(request, "selfcare/inbox/read.html", context)


@require_POST
@customer_required
def inbox_read_all(request):
    changed = notification_mark_read(customer=request.customer)
    if not request.htmx:
        return HttpResponseRedirect(reverse("selfcare:inbox"))
    context = {
        "notifications": notification_list_for_inbox(customer=request.customer),
        "announce": _("All messages marked as read.") if changed else _("Nothing was unread."),
    }
    return render(request, "selfcare/inbox/read_all.html", context)
