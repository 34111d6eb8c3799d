"""The form of her usage alerts (the portal's, and the console's for her)."""

from django import forms

from selfcare.services.alerts import BUCKET_THRESHOLDS

MEDIUM_CHOICES = [
    ("", "The way I prefer to be told"),
    ("sms", "SMS"),
    ("email", "E-mail"),
    ("in_app", "In-app message"),
]


class AlertSettingForm(forms.Form):
    thresholds = forms.TypedMultipleChoiceField(
        label="Tell me when I have used",
        choices=[(t, f"{t} %") for t in BUCKET_THRESHOLDS],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Of any allowance on this line. Tick none to get no usage alerts.",
    )
    medium = forms.ChoiceField(
        label="Tell me by", choices=MEDIUM_CHOICES, required=False, widget=forms.RadioSelect
    )

    def clean(self):
        # No box ticked is a choice (no alerts); a post without the medium's radio, which the
        # page always sends, is not a form she filled in: it changes nothing.
        if "medium" not in self.data:
            raise forms.ValidationError(
                "That request was not complete: reload the page and try again."
            )
        return super().clean()


class LocationConsentForm(forms.Form):
    location_consent = forms.BooleanField(
        label="Use the network area my phone is in",
        required=False,
    )
