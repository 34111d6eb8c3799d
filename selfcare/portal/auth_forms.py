"""The sign-in forms: password, one-time code, forgotten password."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

LOGIN_LABEL = _("Mobile number or e-mail")


def _number_field(**kwargs) -> forms.CharField:
    return forms.CharField(
        label=_("Mobile number"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("As you like: 912 345 678, +351 912 345 678…"),
        **kwargs,
    )


def _code_field() -> forms.RegexField:
    return forms.RegexField(
        label=_("Code"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("The code is the 6 digits in the SMS.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 6}
        ),
    )


class LoginForm(AuthenticationForm):
    """Django's sign-in form, said the way customers sign in."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "That mobile number or e-mail and password do not match: check them and try again, "
            "or sign in with a code."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = LOGIN_LABEL
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})


class CodeRequestForm(forms.Form):
    number = _number_field()


class CodeSignInForm(forms.Form):
    number = _number_field()
    code = _code_field()


class PasswordForgotForm(forms.Form):
    login = forms.CharField(
        label=LOGIN_LABEL,
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
        help_text=_("A number gets a code by SMS; an e-mail address gets a link."),
    )


class PasswordResetCodeForm(forms.Form):
    """The code sent to her phone and her new password (checked by the password validators
    before the code is tried, so a weak password does not use up the code)."""

    number = _number_field()
    code = _code_field()
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second:
            if first != second:
                self.add_error("new_password2", _("The two passwords are not the same."))
            else:
                try:
                    password_validation.validate_password(first)
                except forms.ValidationError as error:
                    self.add_error("new_password1", error)
        return cleaned
