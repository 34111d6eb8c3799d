"""Top-up: money she adds to her balance by card, by voucher (herself or through an agent), or
by auto top-up from her saved card.

Every top-up that succeeds is one transaction: the `TopUp` row, the ledger credit under
`top-up:<id>`, her history, the bars her balance can now pay for lifted, and the receipt queued
(sent on commit). A card is charged through the payment gateway (`selfcare.payments`) outside
any lock on her account; the `TopUp` row, written first and committed, is the payment attempt:
its lock serialises a double submit, and a charge whose answer never came stays `pending` until
`topup_settle_pending` asks the gateway what became of it. Nothing is credited that the gateway
did not confirm, and nothing confirmed is left uncredited.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from catalog.policies import money_text, operator_zone

from ..jobs import job_fan_out
from ..models import (
    Account,
    Channel,
    Customer,
    DomainEvent,
    Interaction,
    LedgerEntry,
    ServiceBar,
    TopUp,
)
from ..payments import (
    Card,
    ChargeRequest,
    ChargeStatus,
    PaymentDeclinedError,
    PaymentTimeoutError,
    payment_gateway,
)
from ..said import Said, money, said
from ..selectors import account_balance
from ..tasks import topup_settle_task
from .events import balance_low_record, event_record
from .messages import notification_send
from .usage import out_of_bundle_settle, service_bar_lift

CENT = Decimal("0.01")
NOT_CONFIRMED = gettext_noop("The payment could not be confirmed; nothing was charged.")


class TopUpError(Exception):
    """A top-up refused: nothing was charged and nothing credited. Its words say why."""


class TopUpAmountError(TopUpError):
    pass


class TopUpDeclinedError(TopUpError):
    pass


class TopUpNotConfirmedError(TopUpError):
    """The gateway did not answer in time: nothing was credited, and the attempt is settled
    later by asking the gateway."""


def topup_limits() -> tuple[Decimal, Decimal]:
    return Decimal(settings.TOPUP_MIN_AMOUNT), Decimal(settings.TOPUP_MAX_AMOUNT)


def topup_amount_check(*, amount) -> Decimal:
    """The amount as a Decimal of whole cents within the limits, or TopUpAmountError."""
    low, high = topup_limits()
    try:
        value = Decimal(str(amount).strip().replace(",", "."))
    except (InvalidOperation, ValueError) as exc:
        raise TopUpAmountError(gettext("Enter an amount in euros, e.g. 10 or 12.50.")) from exc
    if not value.is_finite() or value != value.quantize(CENT):
        raise TopUpAmountError(gettext("Enter an amount in euros, e.g. 10 or 12.50."))
    if not low <= value <= high:
        raise TopUpAmountError(
            gettext("A top-up is between %(low)s and %(high)s; %(amount)s is not.")
            % {"low": money_text(low), "high": money_text(high), "amount": money_text(value)}
        )
    return value.quantize(CENT)


def topup_amount_suggested(*, shortfall: Decimal) -> Decimal:
    """What a "top up" link offers for a purchase `shortfall` short: at least the smallest
    top-up, at most the largest."""
    low, high = topup_limits()
    return min(max(shortfall.quantize(CENT), low), high)


# Completing a top-up


def _customer_actor(topup: TopUp) -> dict:
    if topup.method == TopUp.Method.AGENT:
        return {"actor": Interaction.Actor.AGENT, "actor_user": topup.created_by}
    if topup.method == TopUp.Method.AUTO:
        return {"actor": Interaction.Actor.SYSTEM, "actor_user": None}
    return {"actor": Interaction.Actor.CUSTOMER, "actor_user": topup.customer.user}


def _how(topup: TopUp) -> Said:
    card = {"brand": topup.card_brand, "last4": topup.card_last4}
    if topup.method == TopUp.Method.CARD:
        return said(gettext_noop("by card (%(brand)s ending %(last4)s)"), **card)
    if topup.method == TopUp.Method.AUTO:
        return said(gettext_noop("by auto top-up (%(brand)s ending %(last4)s)"), **card)
    serial = topup.voucher.serial
    if topup.method == TopUp.Method.AGENT:
        return said(
            gettext_noop("with voucher %(serial)s, applied by the call centre"), serial=serial
        )
    return said(gettext_noop("with voucher %(serial)s"), serial=serial)


def _bars_lift_covered(*, customer: Customer, topup: TopUp, at: dt.datetime) -> list[str]:
    """Lift every bar on her lines whose owed out-of-bundle use her balance can now pay (paying
    it), oldest bar first. Returns the services lifted."""
    bars = list(
        ServiceBar.objects.filter(line__customer=customer, lifted_at__isnull=True)
        .select_related("line__customer__account")
        .order_by("id")
    )
    lifted = []
    available = account_balance(account=customer.account)
    for bar in bars:
        reference = f"{topup.ledger_reference}:owed:{bar.pk}"
        paid = out_of_bundle_settle(
            line=bar.line, service=bar.service, available=available, reference=reference
        )
        if paid is None:
            continue
        if paid:
            # A charge like any other: BalanceLow if it takes her below LOW_BALANCE_THRESHOLD.
            entry_id, charged_at = LedgerEntry.objects.values_list("pk", "created_at").get(
                reference=reference
            )
            balance_low_record(
                account=customer.account,
                before=available,
                after=available - paid,
                entry_id=entry_id,
                at=charged_at,
            )
        available -= paid
        service_bar_lift(line=bar.line, service=bar.service, now=at)
        lifted.append(bar.service)
    return lifted


def topup_complete(*, topup: TopUp, at: dt.datetime, reference: str = "", token: str = "") -> None:
    """Credit a locked pending top-up and everything that goes with it, in the caller's
    transaction: her account is locked (as a purchase locks it) before the balance moves.
    Records `TopUpCompleted` (once per top-up) and, when paying what her bars owe takes her
    below LOW_BALANCE_THRESHOLD, `BalanceLow`, in that transaction."""
    # Imported here: the package re-exports this module, so importing it at the top would be
    # an import circle.
    from . import account_credit, interaction_record

    customer = topup.customer
    Account.objects.select_for_update().get(customer=customer)
    topup.succeed(at=at, reference=reference)
    if token:
        topup.card_token = token
    topup.save(update_fields=["status", "completed_at", "gateway_reference", "card_token", "error"])
    account_credit(
        account=customer.account,
        amount=topup.amount,
        description=said(gettext_noop("Top-up %(how)s"), how=_how(topup)),
        reference=topup.ledger_reference,
        kind=LedgerEntry.Kind.TOP_UP,
    )
    lifted = _bars_lift_covered(customer=customer, topup=topup, at=at)
    interaction_record(
        customer=customer,
        kind=Interaction.Kind.TOP_UP,
        channel=topup.channel,
        summary=said(
            gettext_noop("Topped up %(amount)s %(how)s"),
            amount=money(topup.amount, topup.currency),
            how=_how(topup),
        ),
        data={
            "top_up_id": topup.pk,
            "method": topup.method,
            "amount": str(topup.amount),
            "bars_lifted": lifted,
        },
        **_customer_actor(topup),
    )
    balance = account_balance(account=customer.account)
    notification_send(
        customer=customer,
        template="topup_receipt",
        context={
            "top_up": topup,
            "amount": topup.amount,
            "currency": topup.currency,
            "balance": balance,
            # Words, not lazy labels: a message is rendered without autoescape, and `join`
            # joins only strings there.
            "lifted": [str(ServiceBar.Service(s).label) for s in lifted],
            "auto": getattr(customer, "auto_top_up", None),
        },
    )
    event_record(
        kind=DomainEvent.Kind.TOP_UP_COMPLETED,
        customer_id=customer.pk,
        cause=f"top-up:{topup.pk}:completed",
        occurred_at=at,
        facts={
            "top_up_id": topup.pk,
            "method": topup.method,
            "channel": topup.channel,
            "amount": str(topup.amount),
            "currency": topup.currency,
            "balance": str(balance),
            "bars_lifted": lifted,
        },
    )


# By card


def _topup_start(*, customer: Customer, key: str, defaults: dict) -> TopUp:
    """The attempt with this key, written and committed before the gateway is asked, so a
    charge the gateway took is never without its row."""
    topup, _ = TopUp.objects.get_or_create(
        customer=customer, idempotency_key=key, defaults=defaults
    )
    return topup


def _outcome(topup: TopUp) -> TopUp:
    """A settled attempt as its caller sees it: the top-up, or the refusal it ended in."""
    if topup.status == TopUp.Status.SUCCEEDED:
        return topup
    if topup.status == TopUp.Status.DECLINED:
        raise TopUpDeclinedError(
            gettext("%(error)s. Nothing was charged.") % {"error": topup.error}
        )
    # Failed (never taken), or pending (no answer yet): either way nothing confirmed.
    raise TopUpNotConfirmedError(gettext(NOT_CONFIRMED))


def _gateway_key(topup: TopUp) -> str:
    return f"top-up-{topup.pk}"


def _declined_auto(*, topup: TopUp, reason: str) -> None:
    from .auto_topup import auto_topup_off_declined

    auto_topup_off_declined(topup=topup, reason=reason)


def topup_charge(*, topup_id: int, card: Card | None = None, token: str = "") -> TopUp:
    """Charge a pending top-up through the gateway and settle it by the answer. Locks the
    top-up's row for the call, so a second submit of the same key waits and gets the first
    one's outcome; the gateway is idempotent by key, so an attempt charged again (a job run
    twice) is charged once. Raises TopUpDeclinedError (declined, nothing charged) or
    TopUpNotConfirmedError (no answer: left pending for `topup_settle_pending`)."""
    with transaction.atomic():
        topup = TopUp.objects.select_for_update().select_related("customer").get(pk=topup_id)
        if topup.status != TopUp.Status.PENDING:
            return _outcome(topup)
        request = ChargeRequest(
            key=_gateway_key(topup),
            amount=topup.amount,
            currency=topup.currency,
            description=f"Top-up of {topup.customer.name}",
            card=card,
            token=token,
        )
        now = timezone.now()
        try:
            charge = payment_gateway().charge(request)
        except PaymentDeclinedError as exc:
            topup.decline(at=now, reason=str(exc))
            topup.save(update_fields=["status", "completed_at", "error"])
            if topup.method == TopUp.Method.AUTO:
                _declined_auto(topup=topup, reason=str(exc))
        except PaymentTimeoutError:
            topup.error = "The payment gateway did not answer in time."
            topup.save(update_fields=["error"])
        else:
            topup_complete(topup=topup, at=now, reference=charge.reference, token=charge.token)
    return _outcome(topup)


def topup_by_card(
    *,
    customer: Customer,
    amount,
    card: Card,
    idempotency_key: str,
    channel: str = Channel.PORTAL,
) -> TopUp:
    """Top up `amount` (within the limits) from `card`. One top-up per key, however often it is
    submitted. The card's number goes to the gateway only; its brand and last 4 digits are
    kept. Raises TopUpAmountError, TopUpDeclinedError or TopUpNotConfirmedError: in each case
    nothing was charged or credited."""
    amount = topup_amount_check(amount=amount)
    topup = _topup_start(
        customer=customer,
        key=idempotency_key,
        defaults={
            "amount": amount,
            "currency": customer.account.currency,
            "method": TopUp.Method.CARD,
            "channel": channel,
            "card_brand": card.brand,
            "card_last4": card.last4,
        },
    )
    return topup_charge(topup_id=topup.pk, card=card)


# Settling what the gateway did not answer


def topup_settle_pending(*, topup_id: int) -> TopUp | None:
    """Ask the gateway what became of a pending card charge, and settle it as it says: taken
    (credited, with the receipt), declined, or never taken (failed: nothing charged). A row
    another process holds (a charge still waiting for its answer) is left to it; a gateway
    still silent leaves it pending for the next sweep."""
    with transaction.atomic():
        topup = (
            TopUp.objects.select_for_update(skip_locked=True)
            .select_related("customer")
            .filter(pk=topup_id, status=TopUp.Status.PENDING)
            .first()
        )
        if topup is None:
            return None
        try:
            answer = payment_gateway().status(key=_gateway_key(topup))
        except PaymentTimeoutError:
            return topup
        now = timezone.now()
        if answer.status == ChargeStatus.SUCCEEDED:
            topup_complete(
                topup=topup, at=now, reference=answer.charge.reference, token=answer.charge.token
            )
        elif answer.status == ChargeStatus.DECLINED:
            topup.decline(at=now, reason=answer.reason)
            topup.save(update_fields=["status", "completed_at", "error"])
        else:
            topup.fail(at=now, reason=NOT_CONFIRMED)
            topup.save(update_fields=["status", "completed_at", "error"])
    return topup


def topup_settle_pending_due(*, now: dt.datetime | None = None) -> int:
    """The sweep: settle every card top-up pending for longer than
    TOPUP_PENDING_SETTLE_SECONDS, one job each."""
    now = now or timezone.now()
    due = now - dt.timedelta(seconds=settings.TOPUP_PENDING_SETTLE_SECONDS)
    ids = TopUp.objects.filter(status=TopUp.Status.PENDING, created_at__lte=due).values_list(
        "pk", flat=True
    )
    return job_fan_out(task=topup_settle_task, ids=list(ids.order_by("pk")[:500]))


def local_time_words(at: dt.datetime) -> str:
    return timezone.localtime(at, operator_zone()).strftime("%H:%M")
