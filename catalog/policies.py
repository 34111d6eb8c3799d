"""Pure policy functions of the catalog: how long an offer runs and whether it can be published.

Nothing here touches the database, so the same rules serve the admin, the portal and the jobs.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext

from .models import (
    Billing,
    DataScope,
    DurationKind,
    LifecycleStatus,
    OfferTerms,
    RefundPolicy,
    SalesChannel,
)
from .options import option_groups_problems

# Currencies whose minor unit is not the cent.
_MINOR_UNIT_DIGITS = {"JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3, "TND": 3}


def money_round(amount: Decimal, *, currency: str) -> Decimal:
    """Round to the currency's minor unit, half up: the one rounding rule for money."""
    digits = _MINOR_UNIT_DIGITS.get(currency, 2)
    return amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


# Currencies written with a symbol before the amount; any other is written by its code ("CHF 6.13").
_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}
# Languages that write the currency after the amount, as Portugal does ("3,99 €").
SYMBOL_AFTER_LANGUAGES = {"pt"}


def money_text(amount: Decimal, currency: str = "EUR", *, places: int | None = None) -> str:
    """How money is written everywhere, on pages, in errors, history and messages, in the
    language active now (hers, for what is written to her): in English "€3.99", "-€2.00",
    "€1,250.00"; in Portuguese "3,99 €", "-2,00 €", "1.250,00 €" (the symbol after, the
    language's separators); a currency without a symbol as "CHF 6.13" / "6,13 CHF".

    `places` defaults to the currency's minor unit (the amount is rounded half up to it, as
    `money_round` does); a rate per unit may ask for more ("€0.008").
    """
    digits = _MINOR_UNIT_DIGITS.get(currency, 2) if places is None else places
    value = Decimal(amount).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    number = number_format(abs(value), decimal_pos=digits, use_l10n=True, force_grouping=True)
    symbol = _SYMBOLS.get(currency)
    if get_language() in SYMBOL_AFTER_LANGUAGES:
        return f"{sign}{number} {symbol or currency}"
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{currency} {number}"


def operator_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def period_end(terms: OfferTerms, *, start: dt.datetime) -> dt.datetime | None:
    """When a period of `terms` started at `start` ends; None for open-ended offers.

    Local times of day and calendar months are counted in the operator's time zone, so "until
    04:00" is 04:00 on the wall clock on the nights the clocks change too.
    """
    zone = operator_zone()
    if terms.duration_kind == DurationKind.DAYS:
        return start + dt.timedelta(days=terms.duration_days or 0)
    if terms.duration_kind == DurationKind.UNTIL_LOCAL_TIME:
        local = start.astimezone(zone)
        end = dt.datetime.combine(local.date(), terms.duration_until, tzinfo=zone)
        if end <= local:
            end = dt.datetime.combine(
                local.date() + dt.timedelta(days=1), terms.duration_until, tzinfo=zone
            )
        return end.astimezone(dt.UTC)
    if terms.duration_kind == DurationKind.CALENDAR_MONTH:
        local = start.astimezone(zone)
        first_of_next = (local.date().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        return dt.datetime.combine(first_of_next, dt.time(0), tzinfo=zone).astimezone(dt.UTC)
    return None


# What a customer buys: fixed once the offer is on sale, so what she owns never changes under her.
COMMERCIAL_FIELDS = (
    "price",
    "currency",
    "billing",
    "data_mb",
    "voice_minutes",
    "sms",
    "data_mb_per_contract_year",
    "service_data_mb",
    "service_scope",
    "rollover_scope",
    "option_groups",
    "duration_kind",
    "duration_days",
    "duration_until",
    "refund_policy",
    "refund_grace_minutes",
    # What it is: a gift waits for the friend, a temporary line is closed when it ends.
    "is_gift",
    "creates_temporary_line",
    "channel_prices",
)


def channel_price(terms: OfferTerms, *, channel: str) -> Decimal:
    """The base price of `terms` when bought on `channel`: its channel price if it has one."""
    prices = terms.channel_prices if isinstance(terms.channel_prices, dict) else {}
    special = prices.get(channel)
    return Decimal(str(special)) if special is not None else terms.price


def channel_prices_problems(terms: OfferTerms) -> list[str]:
    """What is wrong with the channel prices of `terms`, in the language active now (a channel
    is named by its label in that language)."""
    prices = terms.channel_prices
    if prices in (None, {}):
        return []
    if not isinstance(prices, dict):
        return [gettext('Write channel prices as {"channel": "price"}, e.g. {"portal": "8.00"}.')]
    labels = dict(SalesChannel.choices)
    problems = []
    for channel, raw in prices.items():
        if channel not in labels:
            problems.append(
                gettext("Channel price for an unknown channel: %(channel)s.") % {"channel": channel}
            )
            continue
        said = {"channel": str(labels[channel]), "currency": terms.currency}
        if isinstance(terms.channels, list) and channel not in terms.channels:
            problems.append(
                gettext("It has a %(channel)s price but is not sold there: add the channel.") % said
            )
        try:
            amount = Decimal(str(raw))
        except (ArithmeticError, ValueError):
            problems.append(
                gettext("The %(channel)s price is not an amount: %(amount)s.")
                % {**said, "amount": raw}
            )
            continue
        if not amount.is_finite() or amount < 0:
            problems.append(gettext("The %(channel)s price cannot be negative.") % said)
        elif amount != money_round(amount, currency=terms.currency):
            problems.append(
                gettext("The %(channel)s price has more decimals than %(currency)s allows.") % said
            )
        elif terms.price is not None and amount > terms.price:
            problems.append(
                gettext(
                    "The %(channel)s price is above the offer's price: a channel price is a "
                    "discount."
                )
                % said
            )
    return problems


def terms_problems(terms: OfferTerms) -> list[str]:
    """Everything that makes `terms` impossible to sell, each said as what to fix, in the
    language active now."""
    problems = []
    if terms.currency != settings.OPERATOR_CURRENCY:
        problems.append(
            gettext("Price it in %(currency)s, the currency customers' accounts are in.")
            % {"currency": settings.OPERATOR_CURRENCY}
        )
    if terms.price is None:
        problems.append(gettext("Set a price (0 for a free offer)."))
    elif terms.price < 0:
        problems.append(gettext("The price cannot be negative."))
    elif terms.price != money_round(terms.price, currency=terms.currency):
        problems.append(
            gettext("The price has more decimals than %(currency)s allows.")
            % {"currency": terms.currency}
        )

    if terms.duration_kind == DurationKind.DAYS and not terms.duration_days:
        problems.append(gettext("Say for how many days the offer runs."))
    if terms.duration_kind == DurationKind.UNTIL_LOCAL_TIME and terms.duration_until is None:
        problems.append(gettext("Say until which time of day the offer runs (e.g. 04:00)."))
    if terms.billing == Billing.RECURRING and terms.duration_kind not in (
        DurationKind.DAYS,
        DurationKind.CALENDAR_MONTH,
    ):
        problems.append(
            gettext(
                "A recurring price renews every period: give the offer a period of N days or a "
                "calendar month, or make the price one-off."
            )
        )

    if terms.service_data_mb and not terms.service_scope:
        problems.append(
            gettext("Say which service the service-only data is for (TV or video on demand).")
        )
    if terms.service_scope and not terms.service_data_mb:
        problems.append(gettext("Give the service-only data an amount, or clear its service."))

    if terms.data_mb_per_contract_year and terms.min_tenure_days < 365:
        problems.append(
            gettext(
                "A reward per full contract year gives nothing in the first year: set the minimum "
                "tenure to 365 days or more."
            )
        )

    has_data = terms.data_mb > 0 or terms.data_mb_per_contract_year > 0
    if terms.refund_policy == RefundPolicy.PRO_RATA_DATA and not has_data:
        problems.append(
            gettext(
                "The refund 'pro-rata of unused data' needs a data allowance: add one, or pick "
                "another refund policy."
            )
        )
    if (
        terms.refund_policy == RefundPolicy.PRO_RATA_TIME
        and terms.duration_kind == DurationKind.OPEN_ENDED
    ):
        problems.append(
            gettext(
                "The refund 'pro-rata of unused time' needs an end: give the offer a duration, or "
                "pick another refund policy."
            )
        )
    if terms.refund_policy == RefundPolicy.FULL_WITHIN_GRACE and not terms.refund_grace_minutes:
        problems.append(gettext("Say how many minutes the full-refund grace window lasts."))

    if bool(terms.purchase_limit) != bool(terms.purchase_limit_window):
        problems.append(
            gettext(
                "A purchase limit needs both a number and a window (per calendar month or per "
                "rolling 12 months)."
            )
        )
    channels = terms.channels
    if not isinstance(channels, list) or not channels:
        problems.append(gettext("Pick at least one channel the offer is sold on."))
    elif not set(channels) <= set(SalesChannel.values):
        unknown = ", ".join(sorted(set(map(str, channels)) - set(SalesChannel.values)))
        problems.append(gettext("Unknown channel: %(channels)s.") % {"channels": unknown})

    problems += channel_prices_problems(terms)
    problems += option_groups_problems(terms.option_groups)
    if terms.requires_confirmation and terms.allows_postpone:
        problems.append(
            gettext(
                "An offer confirmed with a code cannot also be postponed: the code would expire "
                "before the start. Untick one of them."
            )
        )
    if terms.is_gift:
        if terms.requires_confirmation or terms.allows_postpone:
            problems.append(
                gettext("A gift starts when the friend accepts it: no code, no later start.")
            )
        if terms.refund_policy != RefundPolicy.NONE:
            problems.append(
                gettext(
                    "A gift cannot be refunded (the friend keeps it): set the refund policy to "
                    "none."
                )
            )

    valid_statuses = set(LifecycleStatus.values)
    statuses = terms.eligible_statuses
    if not isinstance(statuses, list) or not statuses:
        problems.append(
            gettext("Pick at least one customer lifecycle status the offer is sold to.")
        )
    elif not set(statuses) <= valid_statuses:
        unknown = ", ".join(sorted(set(map(str, statuses)) - valid_statuses))
        problems.append(gettext("Unknown lifecycle status: %(statuses)s.") % {"statuses": unknown})
    return problems


def contract_years(*, contract_start: dt.date, on: dt.date) -> int:
    """Full years of a contract on a date (a contract started 29 February counts on 28 February)."""
    years = on.year - contract_start.year
    if (on.month, on.day) < (contract_start.month, contract_start.day):
        years -= 1
    return max(years, 0)


def terms_warnings(terms: OfferTerms) -> list[str]:
    """What can be sold but deserves a second look before publishing, in the language active
    now."""
    warnings = []
    if terms.service_data_mb and terms.service_scope:
        warnings.append(
            gettext(
                "%(service)s traffic will not count against the customer's data (zero-rating). "
                "That is not allowed in some markets, e.g. the EU under its net-neutrality "
                "rules: check it is allowed where you sell this offer."
            )
            % {"service": str(DataScope(terms.service_scope).label)}
        )
    return warnings


def offer_problems(offer) -> list[str]:
    """`terms_problems` plus what only an offer (not a template) has, in the language active
    now."""
    problems = []
    if not offer.name.strip():
        problems.append(gettext("Give the offer a name."))
    problems += terms_problems(offer)
    if offer.pk is not None:
        needed = {o.pk for o in offer.requires_offers.all()}
        if needed & {o.pk for o in offer.excludes_offers.all()}:
            problems.append(
                gettext(
                    "An offer cannot both require and exclude the same offer: fix 'Other offers'."
                )
            )
        if offer.pk in needed:
            problems.append(gettext("An offer cannot require itself."))
        suspended = {o.pk for o in offer.suspends_offers.all()}
        if offer.pk in suspended:
            problems.append(gettext("An offer cannot make itself redundant: fix 'Other offers'."))
        if suspended & needed:
            problems.append(
                gettext("An offer cannot suspend an offer it requires: fix 'Other offers'.")
            )
        mutual = [
            o.name
            for o in offer.suspends_offers.all()
            if o.pk != offer.pk and offer in o.suspends_offers.all()
        ]
        if mutual:
            problems.append(
                gettext("This offer and %(offers)s would suspend each other: keep one direction.")
                % {"offers": ", ".join(mutual)}
            )
    if (
        offer.available_from
        and offer.available_until
        and offer.available_until <= offer.available_from
    ):
        problems.append(
            gettext(
                "The offer's availability ends before it starts: move 'available until' after "
                "'available from'."
            )
        )
    return problems


def refund_due(
    terms: OfferTerms,
    *,
    paid: Decimal,
    started_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    at: dt.datetime,
    data_initial_bytes: int,
    data_used_bytes: int,
) -> Decimal:
    """What the refund policy of `terms` gives back of `paid` when the product is switched off at
    `at`, with `data_initial_bytes` of data granted and `data_used_bytes` of it used (allowances
    keep bytes). Never more than `paid`, never negative, rounded to the currency's minor unit."""
    if paid <= 0 or started_at is None or (ends_at is not None and at >= ends_at):
        # Nothing is owed back for a period that is over, even before the sweep has ended it.
        return Decimal("0.00")
    policy = terms.refund_policy
    if policy == RefundPolicy.PRO_RATA_DATA:
        if data_initial_bytes <= 0:
            return Decimal("0.00")
        unused = max(data_initial_bytes - data_used_bytes, 0)
        due = paid * Decimal(unused) / Decimal(data_initial_bytes)
    elif policy == RefundPolicy.PRO_RATA_TIME:
        if ends_at is None or ends_at <= started_at:
            return Decimal("0.00")
        total = Decimal((ends_at - started_at).total_seconds())
        left = Decimal(max((ends_at - max(at, started_at)).total_seconds(), 0))
        due = paid * left / total
    elif policy == RefundPolicy.FULL_WITHIN_GRACE:
        grace = dt.timedelta(minutes=terms.refund_grace_minutes or 0)
        due = paid if at - started_at <= grace and data_used_bytes == 0 else Decimal(0)
    else:
        due = Decimal(0)
    return min(money_round(due, currency=terms.currency), paid)
