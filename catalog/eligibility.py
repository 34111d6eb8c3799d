"""The eligibility engine: which offers a customer may buy, and why not.

Pure: it is handed offers (with `requires_offers` / `excludes_offers` prefetched when deciding many)
and a `CustomerContext` built by `orders`, which knows what the customer owns and bought. It reads
nothing else, so deciding 5 offers or 100 costs the same queries: those that built the context.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from dateutil.relativedelta import relativedelta
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext, override, pgettext

from .models import LifecycleStatus, LimitWindow, Offer, SalesChannel
from .policies import operator_zone


@dataclass(frozen=True)
class CustomerContext:
    lifecycle_status: str
    status_reason: str
    channel: str
    at: dt.datetime
    tenure_days: int = 0
    base_plan: str = ""
    segments: frozenset[str] = frozenset()
    owned_offer_ids: frozenset[int] = frozenset()
    # When she bought each offer (not counting failed activations), over the last 12 months.
    purchases: Mapping[int, tuple[dt.datetime, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    offer: Offer
    eligible: bool
    reasons: tuple[str, ...] = ()
    # Set when a purchase limit is what stops her: the first moment she may buy again.
    available_again_at: dt.datetime | None = None

    @property
    def limited_only(self) -> bool:
        """Only a purchase limit stands in the way: the portal shows when it lifts."""
        return not self.eligible and self.available_again_at is not None and len(self.reasons) == 1


def day_text(moment: dt.datetime | dt.date) -> str:
    """A day in words in the language active now ("21 December 2026"): a moment's day in the
    operator's time zone. The one way a day is said in a sentence."""
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(operator_zone()).date()
    return _date_text(moment, get_language())


@lru_cache(maxsize=2048)
def _date_text(day: dt.date, language: str | None) -> str:
    """A day in words in `language`: a campaign deciding half a million candidates writes a few
    hundred distinct days. Written under `language` itself, so what is cached under it is its."""
    with override(language):
        # Translators: a date format (Django's date filter): "21 December 2026".
        return date_format(day, pgettext("day in a sentence", "j F Y"))


def limit_window_start(window: str, *, at: dt.datetime) -> dt.datetime:
    """The start of the limit window that contains `at`."""
    if window == LimitWindow.CALENDAR_MONTH:
        local = at.astimezone(operator_zone())
        return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return at - relativedelta(months=12)


def available_again(offer: Offer, purchases: tuple[dt.datetime, ...], *, at: dt.datetime):
    """When the purchase limit of `offer` next lets her buy, or None if it does not stop her."""
    if not offer.purchase_limit or not offer.purchase_limit_window:
        return None
    start = limit_window_start(offer.purchase_limit_window, at=at)
    in_window = sorted(p for p in purchases if start <= p <= at)
    if len(in_window) < offer.purchase_limit:
        return None
    if offer.purchase_limit_window == LimitWindow.CALENDAR_MONTH:
        return start + relativedelta(months=1)
    # Rolling: once enough of the purchases in the window have aged out of it.
    return in_window[len(in_window) - offer.purchase_limit] + relativedelta(months=12)


@dataclass(frozen=True)
class AudienceRules:
    """Who an offer is for, or a campaign speaks to: the one rule language of eligibility. An
    offer's are read off its terms (`offer_audience_rules`), a campaign's off its version; the
    same rules are decided here for one customer and turned into SQL for many by
    `orders.selectors.audience`, which a property test holds to the same answers. Empty values
    do not restrict. `requires` / `excludes` are (offer id, name) pairs: she must own all of
    the first and none of the second."""

    statuses: tuple[str, ...] = ()
    min_tenure_days: int = 0
    plans: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    requires: tuple[tuple[int, str], ...] = ()
    excludes: tuple[tuple[int, str], ...] = ()
    # Recent buyers: she bought one of `bought` (not a failed activation) in the last
    # `bought_days` days.
    bought: tuple[tuple[int, str], ...] = ()
    bought_days: int = 30


def offer_audience_rules(offer: Offer) -> AudienceRules:
    """The audience rules of `offer` (`requires_offers` / `excludes_offers` prefetched when
    deciding many; an offer not saved yet has none)."""
    related = offer.pk is not None
    return AudienceRules(
        statuses=tuple(offer.eligible_statuses),
        min_tenure_days=offer.min_tenure_days,
        plans=tuple(offer.eligible_plans),
        segments=tuple(offer.eligible_segments),
        channels=tuple(offer.channels),
        requires=tuple((o.pk, o.name) for o in offer.requires_offers.all()) if related else (),
        excludes=tuple((o.pk, o.name) for o in offer.excludes_offers.all()) if related else (),
    )


def rules_reasons(*, rules: AudienceRules, context: CustomerContext) -> list[str]:
    """Every reason the customer in `context` is outside `rules`, in words for her; none when
    she is inside."""
    return [reason() for reason in _rules_failing(rules=rules, context=context)]


def rules_admit(*, rules: AudienceRules, context: CustomerContext) -> bool:
    """Whether the customer in `context` is inside `rules`: `rules_reasons` is empty, without
    writing a word (a campaign deciding for thousands of events asks only this)."""
    return next(_rules_failing(rules=rules, context=context), None) is None


def _rules_failing(
    *, rules: AudienceRules, context: CustomerContext
) -> Iterator[Callable[[], str]]:
    """Each rule `context` fails, as what says why when called: the rules are written once, for
    `rules_reasons` and `rules_admit` alike. Call each as it comes (its words read its names)."""
    at = context.at
    if rules.statuses and context.lifecycle_status not in rules.statuses:

        def status() -> str:
            label = LifecycleStatus(context.lifecycle_status).label.lower()
            if context.status_reason:
                return gettext("Your line is %(status)s: %(reason)s.") % {
                    "status": label,
                    "reason": context.status_reason,
                }
            return gettext("Your line is %(status)s.") % {"status": label}

        yield status
    if context.tenure_days < rules.min_tenure_days:
        eligible_on = at + dt.timedelta(days=rules.min_tenure_days - context.tenure_days)
        yield (
            lambda: (
                gettext("For customers with us %(days)s days or more: yours from %(day)s.")
                % {"days": rules.min_tenure_days, "day": day_text(eligible_on)}
            )
        )
    if rules.plans and context.base_plan not in rules.plans:
        yield (
            lambda: gettext("Not available on your plan (%(plan)s).") % {"plan": context.base_plan}
        )
    if rules.segments and not context.segments & set(rules.segments):
        yield lambda: gettext("This offer is for selected customers only.")
    if rules.channels and context.channel not in rules.channels:

        def channel() -> str:
            label = dict(SalesChannel.choices).get(context.channel, context.channel)
            return gettext("Not sold in the %(channel)s.") % {"channel": label.lower()}

        yield channel
    missing = [name for pk, name in rules.requires if pk not in context.owned_offer_ids]
    if missing:
        yield lambda: gettext("Needs %(offers)s first.") % {"offers": ", ".join(missing)}
    clashing = [name for pk, name in rules.excludes if pk in context.owned_offer_ids]
    if clashing:
        yield lambda: gettext("Not together with %(offers)s.") % {"offers": ", ".join(clashing)}
    if rules.bought:
        since = at - dt.timedelta(days=rules.bought_days)
        if not any(t >= since for pk, _ in rules.bought for t in context.purchases.get(pk, ())):

            def bought() -> str:
                names = gettext(" or ").join(name for _, name in rules.bought)
                return gettext("Did not buy %(offers)s in the last %(days)s days.") % {
                    "offers": names,
                    "days": rules.bought_days,
                }

            yield bought


def offer_decide(
    *, offer: Offer, context: CustomerContext, rules: AudienceRules | None = None
) -> Decision:
    """Whether the customer in `context` may buy `offer`, with every reason she may not.
    `rules` are `offer_audience_rules(offer)`, passed in when deciding it for many customers."""
    reasons = []
    at = context.at
    if offer.status != Offer.Status.PUBLISHED:
        reasons.append(gettext("This offer is not on sale."))
    if offer.available_from and at < offer.available_from:
        reasons.append(gettext("On sale from %(day)s.") % {"day": day_text(offer.available_from)})
    if offer.available_until and at >= offer.available_until:
        reasons.append(gettext("This offer is no longer on sale."))
    # An offer with no status or channel ticked cannot be published (`terms_problems`).
    reasons += rules_reasons(rules=rules or offer_audience_rules(offer), context=context)
    again = available_again(offer, context.purchases.get(offer.pk, ()), at=at)
    if again is not None:
        words = {
            "count": offer.purchase_limit,
            "window": LimitWindow(offer.purchase_limit_window).label,
            "day": day_text(again),
        }
        if offer.purchase_limit == 1:
            reason = gettext("You can buy this once %(window)s: available again on %(day)s.")
        else:
            reason = gettext(
                "You can buy this %(count)s times %(window)s: available again on %(day)s."
            )
        reasons.append(reason % words)
    return Decision(
        offer=offer, eligible=not reasons, reasons=tuple(reasons), available_again_at=again
    )
