"""Her limits on out-of-bundle use, set by an agent for her (recorded with his name), from her
page: the same form, words and rules as the portal's."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from selfcare.models import Channel, Line
from selfcare.portal.alert_forms import UsageLimitForm
from selfcare.selectors import line_get_home
from selfcare.selectors_limits import limit_change_list, limit_choice_for, limit_spent_this_month
from selfcare.services.limits import LimitChoice, UsageLimitError, usage_limit_save

from .common import agent_name, agent_required, customer_or_404, render_customer
from .customers import customer_url


def limits_context(*, line: Line | None, form=None, preview: LimitChoice | None = None) -> dict:
    """Her home line's limits for her page: in force, the form, a preview, the changes, what
    she spent this month (three queries)."""
    if line is None:
        return {}
    current = limit_choice_for(line=line)
    return {
        "limit_line": line,
        "limits": current,
        "limit_form": form or UsageLimitForm.showing(current),
        "limit_preview": preview,
        "limit_changes": limit_change_list(line=line),
        "limit_spent": limit_spent_this_month(line=line, at=timezone.now()),
    }


@agent_required
@require_POST
def limits_set(request, customer_id: int):
    """`preview`: her page with what the limits would do, in words; else saved for her home
    line, with the agent as who changed them."""
    customer = customer_or_404(customer_id)
    line = line_get_home(customer=customer)
    form = UsageLimitForm(request.POST)
    if line is None:
        return render_customer(request, customer, error=_("She has no line."), status=409)
    if not form.is_valid():
        return render_customer(request, customer, limit_form=form, status=400)
    choice = LimitChoice(form.cleaned_data["stop_when_used_up"], form.cleaned_data["monthly_cap"])
    if "preview" in request.POST:
        return render_customer(request, customer, limit_form=form, limit_preview=choice)
    try:
        usage_limit_save(
            line=line,
            stop_when_used_up=choice.stop_when_used_up,
            monthly_cap=choice.monthly_cap,
            channel=Channel.AGENT,
            changed_by=request.user,
            by_agent=True,
        )
    except UsageLimitError as exc:
        form.add_error(exc.field, str(exc))
        return render_customer(request, customer, limit_form=form, status=400)
    messages.success(
        request,
        _("Her limits are saved, as changed by %(agent)s.") % {"agent": agent_name(request.user)},
    )
    return redirect(customer_url(customer, "limits"))
