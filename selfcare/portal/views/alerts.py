"""Her usage alerts (at which % of an allowance, and how she is told) and her location
consent. Both work without JavaScript; with it, the alerts' effect in words follows her choice
as she makes it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from selfcare.languages import SESSION_KEY as LANGUAGE_SESSION_KEY
from selfcare.models import Channel
from selfcare.portal.alert_forms import (
    AlertSettingForm,
    LanguageForm,
    LocationConsentForm,
    UsageLimitForm,
)
from selfcare.selectors_alerts import alert_change_list, alert_choice_for
from selfcare.selectors_limits import limit_change_list, limit_choice_for, limit_spent_this_month
from selfcare.services.alerts import AlertChoice, AlertSettingError, alert_setting_save
from selfcare.services.consents import customer_location_consent_set
from selfcare.services.languages import customer_language_set
from selfcare.services.limits import LimitChoice, UsageLimitError, usage_limit_save

from .common import customer_required

PAGE = "selfcare/alerts/page.html"


def _context(
    request,
    form: AlertSettingForm | None = None,
    *,
    preview: AlertChoice | None = None,
    limit_form: UsageLimitForm | None = None,
    limit_preview: LimitChoice | None = None,
) -> dict:
    """The page: the alerts and the limits in force, each form as given or else filled in with
    them, the previews and the changes."""
    line = request.line
    current = alert_choice_for(line=line)
    limits = limit_choice_for(line=line)
    return {
        "customer": request.customer,
        "line": line,
        "form": form or AlertSettingForm.showing(current),
        "current": current,
        "preview": preview,
        "changes": alert_change_list(line=line),
        "limit_form": limit_form or UsageLimitForm.showing(limits),
        "limits": limits,
        "limit_preview": limit_preview,
        "limit_changes": limit_change_list(line=line),
        "spent": limit_spent_this_month(line=line, at=timezone.now()),
    }


@require_http_methods(["GET", "POST"])
@customer_required
def alerts(request):
    """GET: the form as set. POST `preview` (the no-JavaScript button, or htmx on each change):
    the effect in words, nothing saved. POST: saved, with her as who changed it."""
    line = request.line
    if request.method == "GET":
        return render(request, PAGE, _context(request))
    form = AlertSettingForm(request.POST)
    if not form.is_valid():
        return render(request, PAGE, _context(request, form), status=400)
    choice = AlertChoice(
        tuple(form.cleaned_data["thresholds"]), form.cleaned_data["medium"], chosen=True
    )
    if "preview" in request.POST:
        if request.htmx:
            return render(
                request, f"{PAGE}#effect", {"choice": choice, "customer": request.customer}
            )
        return render(request, PAGE, _context(request, form, preview=choice))
    try:
        alert_setting_save(
            line=line,
            thresholds=choice.thresholds,
            medium=choice.medium,
            channel=Channel.PORTAL,
            changed_by=request.user,
        )
    except AlertSettingError as exc:
        form.add_error(None, str(exc))
        return render(request, PAGE, _context(request, form), status=400)
    messages.success(request, _("Saved: your usage alerts are as shown."))
    return redirect("selfcare:alerts")


@require_POST
@customer_required
def limits(request):
    """Her limits on out-of-bundle use, on the alerts page. POST `preview`: the effect in words,
    nothing saved. POST: saved, with her as who changed them. A bad cap: the page again with
    the reason next to it (400), nothing changed."""
    line = request.line
    form = UsageLimitForm(request.POST)
    if not form.is_valid():
        return render(request, PAGE, _context(request, limit_form=form), status=400)
    choice = LimitChoice(form.cleaned_data["stop_when_used_up"], form.cleaned_data["monthly_cap"])
    if "preview" in request.POST:
        if request.htmx:
            return render(
                request,
                f"{PAGE}#limit_effect",
                {"limit": choice, "spent": limit_spent_this_month(line=line, at=timezone.now())},
            )
        return render(request, PAGE, _context(request, limit_form=form, limit_preview=choice))
    try:
        usage_limit_save(
            line=line,
            stop_when_used_up=choice.stop_when_used_up,
            monthly_cap=choice.monthly_cap,
            channel=Channel.PORTAL,
            changed_by=request.user,
        )
    except UsageLimitError as exc:
        form.add_error(exc.field, str(exc))
        return render(request, PAGE, _context(request, limit_form=form), status=400)
    messages.success(request, _("Saved: your limits are as shown."))
    return redirect("selfcare:alerts")


@require_POST
@customer_required
def location_consent(request):
    form = LocationConsentForm(request.POST)
    form.is_valid()  # a checkbox: absent is "no"
    consent = bool(form.cleaned_data.get("location_consent"))
    customer_location_consent_set(customer=request.customer, consent=consent)
    messages.success(
        request,
        _("Saved: we use the network area your phone is in.")
        if consent
        else _("Saved: we do not use the network area your phone is in."),
    )
    return redirect("selfcare:account")


@require_POST
@customer_required
def language(request):
    """Her pages and messages in the language she picks, from the next page on."""
    form = LanguageForm(request.POST)
    if form.is_valid():
        chosen = form.cleaned_data["language"]
        customer_language_set(customer=request.customer, language=chosen)
        request.session[LANGUAGE_SESSION_KEY] = chosen
        # The message is read on the next page: in the language she chose.
        with translation.override(chosen):
            messages.success(request, _("Saved: your pages and messages are in English."))
    else:
        messages.error(request, _("Choose one of the languages offered."))
    return redirect("selfcare:account")
