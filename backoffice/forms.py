from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from selfcare.portal.forms import CartEditForm, PurchaseForm, SwitchOnForm
from selfcare.portal.templatetags.money import money

__all__ = [
    "CancelForm",
    "CartEditForm",
    "CartItemConfigureForm",
    "CartOptionsForm",
    "NoteForm",
    "OfferChoiceForm",
    "SuspendForm",
]


def _choice_label(choice: dict, *, currency: str) -> str:
    extra = Decimal(str(choice.get("price") or "0"))
    return f"{choice['label']} (+{money(extra, currency)})" if extra else choice["label"]


class CartOptionsForm(PurchaseForm):
    """What an offer asks for before it goes in her cart: the portal's purchase form without what
    a cart item does not take (a purchase's key, a later start)."""

    def __init__(self, *args, offer, **kwargs):
        super().__init__(*args, offer=offer, **kwargs)
        self.fields.pop("idempotency_key")
        self.fields.pop("expected_price")
        self.fields.pop("starts_at", None)
        # The agent tells her what each choice adds to the price.
        for group in offer.option_groups:
            self.fields[group["key"]].choices = [
                (choice["value"], _choice_label(choice, currency=offer.currency))
                for choice in group["choices"]
            ]


class OfferChoiceForm(forms.Form):
    """The offer picked from the list of what she may buy."""

    offer = forms.IntegerField(min_value=1, max_value=10**18 - 1, widget=forms.HiddenInput)


class CartItemConfigureForm(CartOptionsForm):
    """New options for an item, made on the cart version the agent saw."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class SuspendForm(SwitchOnForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("In a few words; she sees it in her activity."),
        error_messages={"required": _("Say why it is suspended: it goes in her history.")},
    )


class CancelForm(SwitchOnForm):
    """Switch an add-on off for her. `goodwill` is always read, even from an agent who was not
    shown the field: the service refuses it unless the agent is a supervisor, so a goodwill
    refund is never silently dropped from a switch-off that then goes ahead."""

    expected_refund = forms.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, widget=forms.HiddenInput
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Why she wants it off, in a few words; she sees it in her activity."),
        error_messages={"required": _("Say why it is switched off: it goes in her history.")},
    )
    goodwill = forms.DecimalField(
        label=_("Goodwill refund (supervisors only)"),
        required=False,
        max_digits=10,
        decimal_places=2,
        min_value=0,
        help_text=_("On top of the policy's refund; leave empty for none."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write the note first.")},
    )
