import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.models import OrderItem
from selfcare.models import Interaction
from selfcare.payments import Card, luhn_valid

KEY_HELP = _("A fresh key is rendered with every switch; a replay of the same key changes nothing.")


class SwitchOnForm(forms.Form):
    idempotency_key = forms.RegexField(
        regex=r"^[A-Za-z0-9-]{8,64}$", help_text=KEY_HELP, widget=forms.HiddenInput
    )

    def malformed(self) -> bool:
        """A field the page fills itself (the key, the price shown) is missing or wrong: the
        request's fault, not anything she typed."""
        return any(field.errors for field in self.hidden_fields())


def expected_price_field() -> forms.DecimalField:
    """The price the page showed her: the purchase is refused if it is not the price now. It is
    required: a purchase without it is malformed and refused, never bought at the price of the
    moment."""
    return forms.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, widget=forms.HiddenInput
    )


class SwitchBuyForm(SwitchOnForm):
    """A tap that buys: the key, and the price on the switch she tapped."""

    expected_price = expected_price_field()


class SwitchOffForm(SwitchOnForm):
    expected_refund = forms.DecimalField(max_digits=10, decimal_places=2, min_value=0)


def option_fields(offer) -> dict[str, forms.Field]:
    """A radio field per option group of a configurable offer, by the group's key."""
    return {
        group["key"]: forms.ChoiceField(
            label=group["label"],
            choices=[(c["value"], c["label"]) for c in group["choices"]],
            widget=forms.RadioSelect,
            error_messages={
                "required": _("Pick one of the %(group)s options.")
                % {"group": group["label"].lower()}
            },
        )
        for group in offer.option_groups
    }


class PurchaseForm(SwitchOnForm):
    """What an offer asks of her before it is switched on: her choices for a configurable
    bundle, a free SIM's number, a friend's number, or a later start. Only types are checked
    here; the purchase service says what is wrong with a value, and the view shows it next to
    its field."""

    def __init__(self, *args, offer, quoting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # A post that only asks for the price of her choices (`quoting`, the button a browser
        # without JavaScript shows) buys nothing, so it carries no price to hold it to.
        self.fields["expected_price"] = expected_price_field()
        self.fields["expected_price"].required = not quoting
        self.fields.update(option_fields(offer))
        if not self.is_bound:
            # A complete choice from the start, so the form opens on a price, not "from".
            for group in offer.option_groups:
                self.initial.setdefault(group["key"], group["choices"][0]["value"])
        if offer.creates_temporary_line:
            self.fields["iccid"] = forms.CharField(
                label=_("SIM card number (ICCID)"),
                required=False,
                max_length=40,
                help_text=_("The 19 or 20 digits printed on the free SIM card, starting with 89."),
                widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            )
        if offer.is_gift:
            self.fields["friend_msisdn"] = forms.CharField(
                label=_("Your friend's mobile number"),
                required=False,
                max_length=20,
                widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            )
        if offer.allows_postpone:
            self.fields["starts_at"] = forms.DateTimeField(
                label=_("Start on"),
                required=False,
                help_text=_("Leave empty to start now."),
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                input_formats=["%Y-%m-%dT%H:%M"],
                error_messages={"invalid": _("Enter a date and time, e.g. 2026-12-24 18:00.")},
            )
        self.option_keys = [group["key"] for group in offer.option_groups]

    def options(self) -> dict:
        data = self.cleaned_data
        return {
            key: data[key] for key in (*self.option_keys, "iccid", "friend_msisdn") if key in data
        }

    def options_typed(self) -> dict:
        """The choices as sent, valid or not, for a quote of what she has picked so far."""
        return {key: self.data.get(key) for key in self.option_keys}

    def starts_at_typed(self):
        """The later start as sent, if it reads as one (else None: a quote of starting now)."""
        field = self.fields.get("starts_at")
        if field is None:
            return None
        try:
            return field.clean(self.data.get("starts_at"))
        except forms.ValidationError:
            return None


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={
            "required": _("Enter the 6 digits we sent by SMS."),
            "invalid": _("The code has 6 digits."),
        },
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 6}
        ),
    )


class ChangeOptionsForm(SwitchOnForm):
    expected_due_now = forms.DecimalField(
        max_digits=10, decimal_places=2, required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, offer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(option_fields(offer))
        self.option_keys = [group["key"] for group in offer.option_groups]

    def options(self) -> dict:
        return {key: self.cleaned_data[key] for key in self.option_keys}


class CartEditForm(forms.Form):
    """An edit of the shared cart, made on the version the editor saw."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class CheckoutForm(CartEditForm):
    cart_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    expected_total = forms.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, widget=forms.HiddenInput
    )


# Top-up


class TopUpAmountMixin(forms.Form):
    """A preset amount, or "other" with an amount she types. The limits are the top-up
    service's (`topup_amount_check`): the view shows its words next to the amount."""

    OTHER = "other"
    idempotency_key = forms.RegexField(
        regex=r"^[A-Za-z0-9-]{8,64}$", help_text=KEY_HELP, widget=forms.HiddenInput
    )
    amount = forms.ChoiceField(
        label=_("Amount"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Pick an amount, or type one.")},
    )
    other_amount = forms.CharField(
        label=_("Other amount (€)"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def __init__(self, *args, presets: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].choices = [*presets, (self.OTHER, _("Other amount"))]

    def clean(self):
        data = super().clean()
        if data.get("amount") == self.OTHER and not data.get("other_amount", "").strip():
            self.add_error("other_amount", _("Type the amount, e.g. 12.50."))
        return data

    def amount_value(self) -> str:
        data = self.cleaned_data
        return data["other_amount"] if data["amount"] == self.OTHER else data["amount"]


class TopUpCardForm(TopUpAmountMixin):
    """A card as typed: checked here (digits, check digit, expiry, CVC), handed to the gateway,
    never stored and never shown back (the CVC is not rendered again)."""

    number = forms.CharField(
        label=_("Card number"),
        max_length=23,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "cc-number"}),
        error_messages={"required": _("Type the card's number.")},
    )
    expiry = forms.CharField(
        label=_("Expiry (MM/YY)"),
        max_length=7,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "cc-exp", "placeholder": "MM/YY"}
        ),
        error_messages={"required": _("Type the expiry date, e.g. 08/29.")},
    )
    cvc = forms.CharField(
        label=_("Security code (CVC)"),
        max_length=4,
        help_text=_("The 3 digits on the back (4 on the front for American Express)."),
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "autocomplete": "cc-csc"}, render_value=False
        ),
        error_messages={"required": _("Type the security code.")},
    )

    def clean_number(self) -> str:
        digits = "".join(self.cleaned_data["number"].split()).replace("-", "")
        if not digits.isdigit() or not 12 <= len(digits) <= 19:
            raise forms.ValidationError(_("A card number is 12 to 19 digits."))
        if not luhn_valid(digits):
            raise forms.ValidationError(_("This card number is not valid: check it."))
        return digits

    def clean_expiry(self) -> tuple[int, int]:
        text = self.cleaned_data["expiry"].replace(" ", "")
        month, _slash, year = text.partition("/")
        if not (month.isdigit() and year.isdigit() and len(year) in (2, 4)):
            raise forms.ValidationError(_("Type the expiry as MM/YY, e.g. 08/29."))
        month, year = int(month), int(year) + (2000 if len(year) == 2 else 0)
        if not 1 <= month <= 12:
            raise forms.ValidationError(_("Type the expiry as MM/YY, e.g. 08/29."))
        today = dt.date.today()
        if (year, month) < (today.year, today.month):
            raise forms.ValidationError(_("This card has expired."))
        return month, year

    def clean_cvc(self) -> str:
        cvc = self.cleaned_data["cvc"].strip()
        if not cvc.isdigit() or len(cvc) not in (3, 4):
            raise forms.ValidationError(_("The security code is 3 or 4 digits."))
        return cvc

    def card(self):
        month, year = self.cleaned_data["expiry"]
        return Card(self.cleaned_data["number"], month, year, self.cleaned_data["cvc"])


class VoucherForm(forms.Form):
    idempotency_key = forms.RegexField(
        regex=r"^[A-Za-z0-9-]{8,64}$", help_text=KEY_HELP, widget=forms.HiddenInput
    )
    pin = forms.CharField(
        label=_("Voucher PIN"),
        max_length=30,
        help_text=_("The 16 digits under the scratch panel."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": _("Type the PIN under the scratch panel.")},
    )


class AutoTopUpForm(forms.Form):
    threshold = forms.CharField(
        label=_("When my balance falls below (€)"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={"required": _("Type the balance, e.g. 5.")},
    )
    amount = forms.CharField(
        label=_("Add (€)"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={"required": _("Type the amount, e.g. 10.")},
    )


class ActivityFilterForm(forms.Form):
    """Which kind of her activity to show (every kind she sees: agents' notes are not hers)."""

    kind = forms.ChoiceField(
        required=False,
        choices=[("", _("Everything"))]
        + [(k.value, k.label) for k in Interaction.Kind if k != Interaction.Kind.NOTE],
        error_messages={
            "invalid_choice": _("We list no activity of that kind: here is everything.")
        },
    )


class OrderFilterForm(forms.Form):
    """Which of her orders to show, by what the order did (switch on, switch off...)."""

    kind = forms.ChoiceField(
        required=False,
        choices=[("", _("All orders")), *OrderItem.Action.choices],
        error_messages={
            "invalid_choice": _("We list no orders of that kind: here are all of them.")
        },
    )
