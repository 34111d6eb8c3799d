"""Every write to the customer domain, re-exported from one place. Here: money on the ledger and
the interaction history, written in the caller's transaction (`account_charge` opens one only
when called alone). In their own modules, owning their transactions: messages, the usage feed,
top-up and vouchers, auto top-up, the event log, alerts and limits, sign-in codes."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from catalog.policies import money_text

from ..models import (
    Account,
    Customer,
    Interaction,
    LedgerEntry,
)
from ..said import Said, said, said_json
from ..selectors import account_balance


class InsufficientBalanceError(Exception):
    """Her balance cannot pay: `shortfall` is what is missing (the portal's "top up" link fills
    it in)."""

    def __init__(self, message: str, *, shortfall: Decimal | None = None, currency: str = ""):
        super().__init__(message)
        self.shortfall = shortfall
        self.currency = currency


def account_balance_check(*, account: Account, amount: Decimal) -> Decimal | None:
    """Raise InsufficientBalanceError if a prepaid account cannot pay `amount`; return the
    balance it has (None for postpaid)."""
    if account.kind != Account.Kind.PREPAID:
        return None
    balance = account_balance(account=account)
    if balance < amount:
        raise InsufficientBalanceError(
            gettext("Your balance is %(balance)s; this costs %(amount)s. Top up and try again.")
            % {
                "balance": money_text(balance, account.currency),
                "amount": money_text(amount, account.currency),
            },
            shortfall=amount - balance,
            currency=account.currency,
        )
    return balance


def account_charge(
    *, account: Account, amount: Decimal, description: str, reference: str
) -> LedgerEntry:
    """Take `amount` from the account. A prepaid account must hold enough; the caller holds a lock
    that serialises the customer's purchases, so the check cannot race. `reference` is unique:
    charging the same cause twice raises IntegrityError instead of paying twice. The entry and
    the events it causes are written together, in the caller's transaction or, called alone, in
    one of their own. A refusal (`InsufficientBalanceError`) comes before any write, so a caller
    that catches it goes on with its transaction intact."""
    if amount <= 0:
        raise ValueError("A charge is a positive amount.")
    balance = account_balance_check(account=account, amount=amount)
    with transaction.atomic(savepoint=False):
        entry = LedgerEntry.objects.create(
            account=account,
            kind=LedgerEntry.Kind.CHARGE,
            amount=-amount,
            description=description[:200],
            said=said_json(description),
            reference=reference,
        )
        if balance is not None:
            below = account.auto_topup_below
            if below is not None and balance - amount < below:
                # Her auto top-up: the charge took her below her threshold (once committed).
                auto_topup_maybe_on_commit(
                    customer_id=account.customer_id, balance=balance - amount
                )
            # The event log's BalanceLow, if it takes her below LOW_BALANCE_THRESHOLD.
            balance_low_record(
                account=account, before=balance, after=balance - amount, entry_id=entry.pk,
                at=entry.created_at,
            )  # fmt: skip
    return entry


def account_credit(
    *,
    account: Account,
    amount: Decimal,
    description: str,
    reference: str,
    kind: str = LedgerEntry.Kind.REFUND,
) -> LedgerEntry | None:
    """Give `amount` back (a refund, a credit or a top-up). Idempotent by `reference`: the second
    call with the same reference returns the first entry. Nothing is written for zero."""
    if amount < 0:
        raise ValueError("A credit is a positive amount.")
    if amount == 0:
        return None
    entry, _ = LedgerEntry.objects.get_or_create(
        reference=reference,
        defaults={
            "account": account,
            "kind": kind,
            "amount": amount,
            "description": description[:200],
            "said": said_json(description),
        },
    )
    return entry


def interaction_record(
    *,
    customer: Customer,
    kind: str,
    channel: str,
    summary: Said,
    actor: str = Interaction.Actor.SYSTEM,
    actor_user=None,
    data: dict | None = None,
) -> Interaction:
    """A line of her history. `summary` is a Said (selfcare/said.py): its words are said in the
    reader's language when read, so a plain string is refused."""
    if not isinstance(summary, Said):
        raise TypeError("A history line is said with selfcare.said.said() (or verbatim()).")
    return Interaction.objects.create(
        customer=customer,
        kind=kind,
        channel=channel,
        actor=actor,
        actor_user=actor_user,
        summary=summary[:255],
        said=said_json(summary),
        data=data or {},
    )


def offer_view_record(*, customer: Customer, offer, channel: str) -> Interaction:
    """She looked at an offer's page: a touchpoint an agent she calls next can see."""
    return interaction_record(
        customer=customer,
        kind=Interaction.Kind.OFFER_VIEWED,
        channel=channel,
        actor=Interaction.Actor.CUSTOMER,
        summary=said(gettext_noop("Viewed %(offer)s"), offer=offer.name),
        data={"offer_id": offer.pk},
    )


@transaction.atomic
def customer_create(
    *,
    user,
    name: str,
    msisdn: str,
    base_plan: str,
    contract_start,
    email: str = "",
    lifecycle_status: str = "active",
    status_reason: str = "",
    account_kind: str = Account.Kind.PREPAID,
    currency: str = "EUR",
    opening_balance: Decimal = Decimal("0.00"),
    marketing_consent: bool = False,
) -> Customer:
    """Create a customer with her account and line; an opening balance is a top-up on the ledger."""
    from ..models import Line

    customer = Customer.objects.create(
        user=user,
        name=name,
        email=email,
        lifecycle_status=lifecycle_status,
        status_reason=status_reason,
        contract_start=contract_start,
        marketing_consent=marketing_consent,
    )
    account = Account.objects.create(customer=customer, kind=account_kind, currency=currency)
    Line.objects.create(customer=customer, msisdn=msisdn, base_plan=base_plan)
    account_credit(
        account=account,
        amount=opening_balance,
        description=said(gettext_noop("Opening balance")),
        reference=f"top-up:opening:{customer.pk}",
        kind=LedgerEntry.Kind.TOP_UP,
    )
    return customer


# Messages are their own module; re-exported so callers import every service from one place.
from .auto_topup import (  # noqa: E402
    auto_topup_maybe,
    auto_topup_maybe_on_commit,
    auto_topup_run,
    auto_topup_set,
)
from .events import balance_low_record, event_record, events_record  # noqa: E402
from .messages import (  # noqa: E402
    NOTIFICATION_TEMPLATES,
    Outgoing,
    notification_deliver,
    notification_fail,
    notification_mark_read,
    notification_retry_record,
    notification_retry_stuck,
    notification_send,
    notifications_send,
    tracked_link_click,
    tracked_link_for_purchase,
)
from .topup import (  # noqa: E402
    TopUpAmountError,
    TopUpDeclinedError,
    TopUpError,
    TopUpNotConfirmedError,
    topup_amount_check,
    topup_amount_suggested,
    topup_by_card,
    topup_settle_pending,
)
from .usage import (  # noqa: E402
    IngestResult,
    service_bar_lift,
    usage_ingest,
)
from .vouchers import (  # noqa: E402
    VoucherError,
    VoucherLockedError,
    topup_by_agent_voucher,
    topup_by_voucher,
    voucher_create,
)

__all__ = [
    "NOTIFICATION_TEMPLATES",
    "IngestResult",
    "InsufficientBalanceError",
    "Outgoing",
    "TopUpAmountError",
    "TopUpDeclinedError",
    "TopUpError",
    "TopUpNotConfirmedError",
    "VoucherError",
    "VoucherLockedError",
    "account_balance_check",
    "account_charge",
    "account_credit",
    "auto_topup_maybe",
    "auto_topup_maybe_on_commit",
    "auto_topup_run",
    "auto_topup_set",
    "balance_low_record",
    "customer_create",
    "event_record",
    "events_record",
    "interaction_record",
    "notification_deliver",
    "notification_fail",
    "notification_mark_read",
    "notification_retry_record",
    "notification_retry_stuck",
    "notification_send",
    "notifications_send",
    "offer_view_record",
    "service_bar_lift",
    "topup_amount_check",
    "topup_amount_suggested",
    "topup_by_agent_voucher",
    "topup_by_card",
    "topup_by_voucher",
    "topup_settle_pending",
    "tracked_link_click",
    "tracked_link_for_purchase",
    "usage_ingest",
    "voucher_create",
]
