from django import forms

KEY_HELP = "A fresh key is rendered with every switch; a replay of the same key changes nothing."


class SwitchOnForm(forms.Form):
    idempotency_key = forms.RegexField(regex=r"^[A-Za-z0-9-]{8,64}$", help_text=KEY_HELP)


class SwitchOffForm(SwitchOnForm):
    expected_refund = forms.DecimalField(max_digits=10, decimal_places=2, min_value=0)
