"""Her usage alerts, set by an agent for her (recorded with his name), from her page."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from selfcare.models import Channel
from selfcare.portal.alert_forms import AlertSettingForm
from selfcare.selectors import line_get_home
from selfcare.services.alerts import AlertChoice, AlertSettingError, alert_setting_save

from .common import agent_name, agent_required, customer_or_404, render_customer
from .customers import customer_url


@agent_required
@require_POST
def alerts_set(request, customer_id: int):
    """`preview`: her page with what the choice would do, in words; else saved for her home
    line, with the agent as who changed it."""
    customer = customer_or_404(customer_id)
    line = line_get_home(customer=customer)
    form = AlertSettingForm(request.POST)
    if line is None:
        return render_customer(request, customer, error=_("She has no line."), status=409)
    if not form.is_valid():
        return render_customer(request, customer, alert_form=form, status=400)
    choice = AlertChoice(
        tuple(form.cleaned_data["thresholds"]), form.cleaned_data["medium"], chosen=True
    )
    if "preview" in request.POST:
        return render_customer(request, customer, alert_form=form, alert_preview=choice)
    try:
        alert_setting_save(
            line=line,
            thresholds=choice.thresholds,
            medium=choice.medium,
            channel=Channel.AGENT,
            changed_by=request.user,
            by_agent=True,
        )
    except AlertSettingError as exc:
        form.add_error(None, str(exc))
        return render_customer(request, customer, alert_form=form, status=400)
    messages.success(
        request,
        _("Her usage alerts are saved, as changed by %(agent)s.")
        % {"agent": agent_name(request.user)},
    )
    return redirect(customer_url(customer, "alerts"))
