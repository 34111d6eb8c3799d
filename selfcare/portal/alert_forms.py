"""The form of her usage alerts (the portal's, and the console's for her)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from selfcare.services.alerts import BUCKET_THRESHOLDS, AlertChoice
from selfcare.services.limits import LimitChoice, UsageLimitError, spend_cap_clean

MEDIUM_CHOICES = [
    ("", _("The way I prefer to be told")),
    ("sms", _("SMS")),
    ("email", _("E-mail")),
    ("in_app", _("In-app message")),
]


class AlertSettingForm(forms.Form):
    thresholds = forms.TypedMultipleChoiceField(
        label=_("Tell me when I have used"),
        choices=[(t, f"{t} %") for t in BUCKET_THRESHOLDS],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Of any allowance on this line. Tick none to get no usage alerts."),
    )
    medium = forms.ChoiceField(
        label=_("Tell me by"), choices=MEDIUM_CHOICES, required=False, widget=forms.RadioSelect
    )

    @classmethod
    def showing(cls, choice: AlertChoice) -> "AlertSettingForm":
        """The unbound form, filled in with the alerts in force."""
        return cls(initial={"thresholds": list(choice.thresholds), "medium": choice.medium})

    def clean(self):
        # No box ticked is a choice (no alerts); a post without the medium's radio, which the
        # page always sends, is not a form she filled in: it changes nothing.
        if "medium" not in self.data:
            raise forms.ValidationError(
                _("That request was not complete: reload the page and try again.")
            )
        return super().clean()


class LocationConsentForm(forms.Form):
    location_consent = forms.BooleanField(
        label=_("Use the network area my phone is in"),
        required=False,
    )


class UsageLimitForm(forms.Form):
    """Her limits on out-of-bundle use. The cap is checked by the service's own rule
    (`spend_cap_clean`), so the page and the service refuse the same things in the same words."""

    stop_when_used_up = forms.BooleanField(
        label=_("Stop when my allowance is used up"),
        required=False,
        help_text=_("Nothing is charged beyond your allowances: the service stops instead."),
    )
    monthly_cap = forms.CharField(
        label=_("Monthly limit beyond my allowances (€)"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("Leave empty for no limit. We warn you at 80 %."),
    )

    @classmethod
    def showing(cls, choice: LimitChoice) -> "UsageLimitForm":
        """The unbound form, filled in with the limits in force."""
        return cls(
            initial={
                "stop_when_used_up": choice.stop_when_used_up,
                "monthly_cap": choice.monthly_cap or "",
            }
        )

    def clean(self):
        # An empty box is a choice (no cap); a post without the box, which the page always
        # sends, is not a form she filled in: it changes nothing.
        if "monthly_cap" not in self.data:
            raise forms.ValidationError(
                _("That request was not complete: reload the page and try again.")
            )
        return super().clean()

    def clean_monthly_cap(self):
        try:
            return spend_cap_clean(self.cleaned_data.get("monthly_cap"))
        except UsageLimitError as exc:
            raise forms.ValidationError(str(exc)) from exc


class LanguageForm(forms.Form):
    """The language of her pages and messages."""

    language = forms.ChoiceField(
        label=_("Language"), choices=settings.LANGUAGES, widget=forms.RadioSelect
    )
