"""The customer's 360 view, and the notes an agent leaves in her history."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from backoffice.forms import NoteForm
from selfcare.models import Channel, Interaction
from selfcare.said import verbatim
from selfcare.services import interaction_record

from .common import agent_required, customer_or_404, render_customer


def customer_url(customer, section: str = "") -> str:
    url = reverse("backoffice:customer", args=[customer.pk])
    return f"{url}#{section}" if section else url


@agent_required
@require_GET
def customer_detail(request, customer_id: int):
    return render_customer(request, customer_or_404(customer_id))


@agent_required
@require_POST
def note_add(request, customer_id: int):
    """An internal note in her history (she does not see notes in her own activity)."""
    customer = customer_or_404(customer_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return render_customer(request, customer, note_form=form, status=400)
    interaction_record(
        customer=customer,
        kind=Interaction.Kind.NOTE,
        channel=Channel.AGENT,
        actor=Interaction.Actor.AGENT,
        actor_user=request.user,
        summary=verbatim(form.cleaned_data["text"]),
    )
    messages.success(request, _("Note added to her history."))
    return redirect(customer_url(customer, "timeline"))
