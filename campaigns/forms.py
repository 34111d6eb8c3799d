"""The marketers' forms in the admin: a campaign's terms (lists as checkboxes and comma-separated
text, never raw JSON), the choice made at a resume, and the days a dry run looks back."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalog.forms import CommaListField
from catalog.models import LifecycleStatus

from .models import Campaign, Trigger
from .services import campaign_problems
from .services.lifecycle import ResumePolicy

# The parameters each trigger reads (`campaigns.engine.trigger_matches`): the form shows only
# these for the trigger chosen (static/campaigns/campaign_form.js), and keeps them all.
TRIGGER_PARAMETERS = {
    Trigger.BUCKET_THRESHOLD_CROSSED: ["threshold_percent", "bucket_unit"],
    Trigger.BUCKET_DEPLETED: ["bucket_unit"],
    Trigger.OUT_OF_BUNDLE_STARTED: ["bucket_unit"],
    Trigger.BALANCE_LOW: ["balance_below"],
    Trigger.PRODUCT_PURCHASED: ["trigger_offer"],
    Trigger.PRODUCT_EXPIRING: ["trigger_offer"],
    Trigger.PRODUCT_ENDED: ["trigger_offer"],
    Trigger.ROAMING_STARTED: ["place"],
    Trigger.ZONE_ENTERED: ["place"],
    Trigger.SCHEDULE_ONCE: ["schedule_at"],
    Trigger.SCHEDULE_DAILY: ["schedule_time"],
}
PARAMETER_FIELDS = sorted({name for names in TRIGGER_PARAMETERS.values() for name in names})


class CampaignForm(forms.ModelForm):
    """A campaign's terms. Its state is not here: only the Start, Pause, Resume and End buttons
    change it. A running or paused campaign's edit must leave it able to send."""

    audience_statuses = forms.MultipleChoiceField(
        label=_("Lifecycle statuses"),
        choices=LifecycleStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: any status."),
    )
    audience_plans = CommaListField(
        label=_("Base plans"),
        required=False,
        help_text=_("Base plans, separated by commas; empty for any plan."),
    )
    audience_segments = CommaListField(
        label=_("Segments"),
        required=False,
        help_text=_("Segments, separated by commas; empty for everyone."),
    )
    # The browser's own date and time picker, one labelled field: the admin's split date and
    # time boxes leave both inputs without a label (axe's "label", tests/e2e/test_accessibility.py).
    schedule_at = forms.DateTimeField(
        label=_("Send at"),
        required=False,
        help_text=_("For a one-off send, in the operator's time zone."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    class Meta:
        model = Campaign
        exclude = ["state", "current_version"]  # noqa: DJ006 - every term is edited here
        labels = {
            "trigger_offer": "Which add-on",
            "place": "Where",
            "schedule_at": "Send at",
            "schedule_time": "Send every day at",
            "link_to": "Link to",
            "medium": "Sent by",
            "stale_after_hours": "Too late after (hours)",
        }
        # The offers as checkboxes, not the admin's two-box filter: its search icons carry an
        # aria-label a screen reader may not be given (axe's "aria-prohibited-attr"), and a
        # catalog's add-ons fit in a list of checkboxes that works without JavaScript.
        widgets = {
            "message": forms.Textarea(attrs={"rows": 3, "cols": 60}),
            "audience_requires": forms.CheckboxSelectMultiple,
            "audience_excludes": forms.CheckboxSelectMultiple,
            "audience_bought": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "trigger" in self.fields:
            self.fields["trigger"].widget.attrs["data-parameters"] = json.dumps(
                {str(trigger): names for trigger, names in TRIGGER_PARAMETERS.items()}
            )

    def clean(self):
        cleaned = super().clean()
        campaign = self.instance
        if campaign.pk and campaign.state in (Campaign.State.RUNNING, Campaign.State.PAUSED):
            if self.errors:
                return cleaned
            many_to_many = {f.name for f in Campaign._meta.many_to_many}
            for name, value in cleaned.items():
                if name not in many_to_many:
                    setattr(campaign, name, value)
            problems = campaign_problems(campaign=campaign)
            if problems:
                raise ValidationError(
                    [
                        f"It is {campaign.get_state_display().lower()}, so it must stay able "
                        "to send:",
                        *problems,
                    ]
                )
        return cleaned


class ResumeForm(forms.Form):
    """How a paused campaign resumes. The hours are checked by `campaign_resume`."""

    policy = forms.ChoiceField(
        label=_("What happened while it was paused"),
        choices=[
            (ResumePolicy.SKIP, _("Skip it: only what happens from now on")),
            (ResumePolicy.CATCH_UP, _("Catch up events no older than the hours below")),
        ],
        initial=ResumePolicy.SKIP,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose to skip what happened while paused, or to catch up.")
        },
    )
    catch_up_hours = forms.IntegerField(
        label=_("Hours to catch up"),
        required=False,
        initial=6,
        min_value=0,
        help_text=_("Between 1 and 72: older events are not sent."),
    )


class DryRunForm(forms.Form):
    days = forms.IntegerField(
        label=_("Days of recorded events"),
        initial=7,
        min_value=1,
        max_value=90,
        help_text=_("The campaign as it is saved, decided against what happened in these days."),
    )
