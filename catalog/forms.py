"""The product managers' offer forms: what they type, in their units (GB, minutes, a price per
channel, a row per bundle choice), turned into the terms the catalog keeps (MB, a dict of
channel prices, option groups). The checks are the catalog's own (`catalog.policies`,
`catalog.options`); saving and publishing stay with `catalog.services`."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.text import format_lazy, slugify
from django.utils.translation import gettext_lazy as _

from .models import DataScope, LifecycleStatus, Offer, OfferTemplate, SalesChannel
from .options import option_groups_problems
from .policies import channel_prices_problems, offer_problems
from .services import TERMS_FIELDS

MB_PER_GB = 1024
# What a PositiveIntegerField holds on every database Django supports.
MAX_MB = 2_147_483_647

# The form fields that stand for a term the offer keeps in another unit.
DATA_FIELDS = {
    "data": "data_mb",
    "service_data": "service_data_mb",
    "data_per_contract_year": "data_mb_per_contract_year",
}
CHANNEL_PRICE_FIELDS = {f"price_{channel}": channel for channel in SalesChannel.values}

_DATA_AMOUNT = re.compile(r"^(?P<number>\d+(?:[.,]\d+)?)\s*(?P<unit>gb|g|mb|m)?$", re.IGNORECASE)


def data_words(mb: int) -> str:
    """Whole MB as a product manager reads them back, exactly: 15360 -> "15 GB", 1536 -> "1.5
    GB", 100 -> "100 MB" (a GB figure that would need rounding is said in MB)."""
    gb = Decimal(mb) / MB_PER_GB
    if mb and gb == gb.quantize(Decimal("0.01")):
        return f"{gb.normalize():f} GB"
    return f"{mb} MB"


class DataAmountField(forms.CharField):
    """An amount of data typed as "15 GB", "1.5", "500 MB" (GB unless MB is said); cleaned to
    the whole MB the offer keeps (1 GB = 1024 MB), or refused with what to type instead."""

    default_error_messages = {
        "invalid": _("Write an amount of data like 15 GB or 500 MB."),
        "fraction": _("%(amount)s is not a whole number of MB (1 GB = 1024 MB): write it in MB."),
        "too_big": _("That is more data than an offer can hold."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 10, "inputmode": "decimal"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return data_words(value) if isinstance(value, int) else value

    def to_python(self, value) -> int:
        value = super().to_python(value)
        if value in self.empty_values:
            return 0
        match = _DATA_AMOUNT.match(value)
        if match is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        number = Decimal(match["number"].replace(",", "."))
        in_gb = (match["unit"] or "gb")[0].lower() == "g"
        mb = number * MB_PER_GB if in_gb else number
        if mb != mb.to_integral_value():
            raise ValidationError(
                self.error_messages["fraction"], code="fraction", params={"amount": value}
            )
        if mb > MAX_MB:
            raise ValidationError(self.error_messages["too_big"], code="too_big")
        return int(mb)


class CommaListField(forms.CharField):
    """A list of names typed as "Family Bundle M, Prepaid Go"."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [part.strip() for part in (value or "").split(",") if part.strip()]


class TermsForm(forms.ModelForm):
    """The policies a template or an offer is sold under."""

    eligible_statuses = forms.MultipleChoiceField(
        label=_("Eligible statuses"),
        choices=LifecycleStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Lifecycle statuses of the customers who may buy it."),
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=SalesChannel.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Pick at least one channel the offer is sold on.")},
    )
    eligible_plans = CommaListField(
        label=_("Eligible plans"),
        required=False,
        help_text=_("Base plans, separated by commas; empty for any plan."),
    )
    eligible_segments = CommaListField(
        label=_("Eligible segments"),
        required=False,
        help_text=_("Segments, separated by commas; empty for everyone."),
    )


class OptionChoiceForm(forms.Form):
    """One choice of a configurable bundle, in a row: its group ("Data"), its name ("20 GB"),
    what it grants and what it adds to the price. `key` and `value` keep the names a saved
    offer's choices already have."""

    group = forms.CharField(label=_("Group"), required=False, max_length=60)
    label = forms.CharField(label=_("Choice"), required=False, max_length=60)
    data = DataAmountField(label=_("Data"))
    voice_minutes = forms.IntegerField(
        label=_("Minutes"), required=False, min_value=0, widget=forms.NumberInput(attrs={"size": 6})
    )
    vod = DataAmountField(label=_("Video-on-demand data"))
    price = forms.DecimalField(
        label=_("Adds to the price"),
        required=False,
        min_value=0,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"size": 6, "step": "0.01"}),
    )
    key = forms.CharField(required=False, widget=forms.HiddenInput)
    value = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.is_blank():
            return cleaned
        if not cleaned.get("group") or not cleaned.get("label"):
            raise ValidationError(_("Give the choice both a group and a name, or clear the row."))
        return cleaned

    def is_blank(self) -> bool:
        cleaned = self.cleaned_data
        return not any(
            cleaned.get(name) for name in ("group", "label", "data", "vod", "price")
        ) and (not cleaned.get("voice_minutes"))


OptionChoiceFormSet = forms.formset_factory(
    OptionChoiceForm, extra=3, max_num=40, validate_max=True
)


def option_rows(groups) -> list[dict]:
    """An offer's option groups as the formset's rows, one per choice."""
    rows = []
    for group in groups if isinstance(groups, list) else []:
        for choice in group.get("choices", []):
            rows.append(
                {
                    "group": group.get("label", ""),
                    "key": group.get("key", ""),
                    "label": choice.get("label", ""),
                    "value": choice.get("value", ""),
                    "data": choice.get("data_mb", 0),
                    "voice_minutes": choice.get("voice_minutes") or None,
                    "vod": choice.get("vod_mb", 0),
                    "price": Decimal(str(choice["price"])) if choice.get("price") else None,
                }
            )
    return rows


def _unique_slug(text: str, taken: set[str]) -> str:
    base = slugify(text) or "choice"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def option_groups_from_rows(rows: list[dict]) -> list[dict]:
    """The rows back as the option groups the offer keeps: rows of the same group together, in
    the order they first appear; a group's key and a choice's value are kept when it had them,
    else made from its name."""
    groups: dict[str, dict] = {}
    keys: set[str] = set()
    for row in rows:
        label = row["group"].strip()
        group = groups.get(label.casefold())
        if group is None:
            key = row["key"] if row["key"] and row["key"] not in keys else ""
            keys.add(key)
            group = {"key": key or _unique_slug(label, keys), "label": label, "choices": []}
            groups[label.casefold()] = group
        values = {choice["value"] for choice in group["choices"]}
        choice = {
            "value": row["value"]
            if row["value"] and row["value"] not in values
            else _unique_slug(row["label"], values),
            "label": row["label"].strip(),
        }
        for name, key in (
            ("data", "data_mb"),
            ("voice_minutes", "voice_minutes"),
            ("vod", "vod_mb"),
        ):
            if row.get(name):
                choice[key] = row[name]
        if row.get("price"):
            choice["price"] = str(row["price"])
        group["choices"].append(choice)
    return list(groups.values())


def _channel_price_field(channel: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=format_lazy(_("{channel} price"), channel=SalesChannel(channel).label),
        required=False,
        help_text=_("Empty: the price above. Lower it to discount the offer there only."),
    )


# A price field per channel, declared (not added per form) so the admin can make them read-only.
ChannelPriceFields = type(
    "ChannelPriceFields",
    (forms.Form,),
    {name: _channel_price_field(channel) for name, channel in CHANNEL_PRICE_FIELDS.items()},
)


class OfferForm(ChannelPriceFields, TermsForm):
    """An offer in a product manager's words. Data is typed in GB (or MB) and kept in MB; each
    channel's price is a field of its own and kept in `channel_prices`; a bundle's choices are
    rows (`options`) and kept in `option_groups`. Input that cannot be right (a negative price, a
    channel price on a channel it is not sold on, data that is not whole MB) is refused here with
    what to fix, so nothing is saved; what only makes it unsellable yet (no price, no days) waits
    for publishing, which `catalog.services.offer_publish` checks."""

    template = forms.ModelChoiceField(
        label=_("Template"),
        queryset=OfferTemplate.objects.all(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Pick a template first."),
            "invalid_choice": _("Pick a template."),
        },
    )
    summary = forms.CharField(
        label=_("What she reads under the name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text=_("Leave it empty to say what she gets, e.g. “15 GB for 30 days”."),
    )
    data = DataAmountField(label=_("Data"), help_text=_("In GB, e.g. 15 or 1.5; or in MB: 500 MB."))
    service_data = DataAmountField(
        label=_("Service-only data"),
        help_text=_("Usable only for the service chosen under Advanced (e.g. TV streaming)."),
    )
    data_per_contract_year = DataAmountField(
        label=_("Data per full contract year"),
        help_text=_("Loyalty rewards: this much more for each full year of her contract."),
    )
    code = forms.SlugField(
        label=_("Code"),
        max_length=60,
        required=False,
        help_text=_("The offer's identifier in links and the API; made from the name if empty."),
    )

    class Meta:
        model = Offer
        # The status is not editable: it changes only through the publish and retire services.
        exclude = ["status"]  # noqa: DJ006
        labels = {
            "price": _("Price"),
            "voice_minutes": _("Voice (minutes)"),
            "duration_days": _("Runs for (days)"),
            "duration_until": _("Runs until (time of day)"),
            "min_tenure_days": _("With us for at least (days)"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["eligible_statuses"].label = _("Sold to customers whose line is")
        self.fields["channels"].label = _("Sold on")
        terms = self._terms()
        for name, term in DATA_FIELDS.items():
            if name in self.fields:
                self.initial.setdefault(name, terms[term])
        scope = terms["service_scope"]
        if "service_data" in self.fields and scope in DataScope.values:
            self.fields["service_data"].label = format_lazy(
                _("{service} data"), service=DataScope(scope).label
            )
        prices = terms["channel_prices"] if isinstance(terms["channel_prices"], dict) else {}
        for name, channel in CHANNEL_PRICE_FIELDS.items():
            if name in self.fields and channel in prices:
                self.initial.setdefault(name, Decimal(str(prices[channel])))
        # A bundle's choices are terms like the price: editable while it is a draft only.
        self.options = None
        if self.instance.pk is None or self.instance.status == Offer.Status.DRAFT:
            self.options = OptionChoiceFormSet(
                self.data if self._options_posted() else None,
                prefix="options",
                initial=option_rows(terms["option_groups"]),
            )

    def _terms(self) -> dict:
        """A term's value as the form starts: from the template (a new offer's `initial`),
        else the offer's own."""
        return {
            name: self.initial.get(name, getattr(self.instance, name))
            for name in (
                *DATA_FIELDS.values(),
                "service_scope",
                "channel_prices",
                "option_groups",
            )
        }

    def _options_posted(self) -> bool:
        # A post without the options' rows (not from this page) leaves the offer's options as
        # they are: none, for a new one.
        return self.is_bound and "options-TOTAL_FORMS" in self.data

    def clean_price(self):
        price = self.cleaned_data.get("price")
        if price is not None and price < 0:
            raise ValidationError(_("The price cannot be negative (0 makes it free)."))
        return price

    def clean(self):
        cleaned = super().clean()
        self._clean_code(cleaned)
        self._clean_channel_prices(cleaned)
        self._clean_options(cleaned)
        if not cleaned.get("summary") and not self.errors:
            cleaned["summary"] = self._summary_suggested(cleaned)
        offer = self.instance
        if offer.pk and offer.status == Offer.Status.PUBLISHED and not self.errors:
            many_to_many = {f.name for f in Offer._meta.many_to_many}
            for name, value in self._terms_cleaned(cleaned).items():
                if name not in many_to_many:
                    setattr(offer, name, value)
            problems = offer_problems(offer)
            if problems:
                raise ValidationError(
                    [_("This offer is on sale, so it must stay coherent:"), *problems]
                )
        return cleaned

    def _clean_code(self, cleaned) -> None:
        if "code" not in self.fields or cleaned.get("code") or not cleaned.get("name"):
            return
        taken = set(
            Offer.objects.exclude(pk=self.instance.pk)
            .filter(code__startswith=slugify(cleaned["name"])[:50])
            .values_list("code", flat=True)
        )
        cleaned["code"] = _unique_slug(cleaned["name"][:50], taken)

    def _clean_channel_prices(self, cleaned) -> None:
        """Each channel's price, checked by the catalog's own rule, the problem put on its
        field."""
        if not set(CHANNEL_PRICE_FIELDS) <= set(self.fields):
            return
        prices = {}
        for name, channel in CHANNEL_PRICE_FIELDS.items():
            amount = cleaned.get(name)
            if amount is None:
                continue
            one = Offer(
                price=cleaned.get("price"),
                currency=cleaned.get("currency") or "EUR",
                channels=cleaned.get("channels") or [],
                channel_prices={channel: str(amount)},
            )
            for problem in channel_prices_problems(one):
                self.add_error(name, problem)
            prices[channel] = str(amount)
        cleaned["channel_prices"] = prices

    def _clean_options(self, cleaned) -> None:
        if self.options is None or not self._options_posted():
            return
        if not self.options.is_valid():
            self.add_error(None, _("Fix the bundle's options under Advanced."))
            return
        rows = [row.cleaned_data for row in self.options if row.cleaned_data and not row.is_blank()]
        groups = option_groups_from_rows(rows)
        problems = option_groups_problems(groups)
        if problems:
            self.add_error(None, [_("The bundle's options:"), *problems])
            return
        cleaned["option_groups"] = groups

    def _terms_cleaned(self, cleaned) -> dict:
        """The cleaned values under the names the offer keeps them by."""
        terms = {
            DATA_FIELDS.get(name, name): value
            for name, value in cleaned.items()
            if name not in CHANNEL_PRICE_FIELDS
        }
        return terms

    def _summary_suggested(self, cleaned) -> str:
        """What she gets, in the words of `summary.txt`, from the terms as typed (and the
        offer's own for any not in the form)."""
        terms = {name: getattr(self.instance, name) for name in TERMS_FIELDS}
        terms |= self._terms_cleaned(cleaned)
        allowances = [
            (kind, terms[name])
            for kind, name in (
                ("data", "data_mb"),
                ("service", "service_data_mb"),
                ("per_year", "data_mb_per_contract_year"),
                ("voice", "voice_minutes"),
                ("sms", "sms"),
            )
            if terms.get(name)
        ]
        service = terms.get("service_scope")
        text = render_to_string(
            "admin/catalog/offer/summary.txt",
            {
                **terms,
                "allowances": allowances,
                "service_label": DataScope(service).label if service in DataScope.values else "",
            },
        )
        return " ".join(text.split())[:200]

    def _post_clean(self):
        # What the offer keeps in other names or units than the form's fields.
        for name, value in self._terms_cleaned(self.cleaned_data).items():
            if name in ("channel_prices", "option_groups", *DATA_FIELDS.values()):
                setattr(self.instance, name, value)
        super()._post_clean()
