"""Auto top-up with her recorded consent: "when my balance falls below €X, add €Y from my saved
card", at most AUTO_TOPUP_MAX_PER_MONTH times a calendar month, told to her each time.

What triggers it: a charge that leaves her balance below her threshold calls
`auto_topup_maybe` on commit (`account_charge` and the usage feed's out-of-bundle charges),
which publishes `topup_auto_task` when she has it on; the task re-checks everything under her
account's lock. A top-up is a credit, never a charge, so it cannot trigger itself; and one auto
top-up at a time: none starts while another is pending.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from ..jobs import job_publish
from ..models import Account, AutoTopUp, Channel, Customer, Interaction, TopUp
from ..said import money, said
from ..selectors import account_balance, month_start, topup_saved_card_get
from ..tasks import topup_auto_task
from .messages import notification_send
from .topup import (
    TopUpError,
    TopUpNotConfirmedError,
    topup_amount_check,
    topup_charge,
)


def auto_topup_set(
    *,
    customer: Customer,
    enabled: bool,
    threshold=None,
    amount=None,
    channel: str = Channel.PORTAL,
    actor: str = Interaction.Actor.CUSTOMER,
    actor_user=None,
) -> AutoTopUp | None:
    """Turn auto top-up on (with her threshold and amount, both within the top-up limits, from
    the card of her last card top-up) or off, and record it in her history with what she
    agreed to. Raises TopUpError (no saved card, an amount out of limits): nothing changes.
    Turning off what is not on changes nothing and returns None."""
    from . import interaction_record  # the package re-exports this module: no circle

    now = timezone.now()
    with transaction.atomic():
        account = Account.objects.select_for_update().get(customer=customer)
        current = AutoTopUp.objects.filter(customer=customer).first()
        if not enabled:
            if current is None or not current.enabled:
                return current
            current.enabled = False
            current.save(update_fields=["enabled", "updated_at"])
            account.auto_topup_below = None
            account.save(update_fields=["auto_topup_below"])
            interaction_record(
                customer=customer,
                kind=Interaction.Kind.AUTO_TOP_UP,
                channel=channel,
                actor=actor,
                actor_user=actor_user,
                summary=said(gettext_noop("Auto top-up turned off")),
                data={"enabled": False},
            )
            return current
        try:
            threshold = topup_amount_check(amount=threshold)
        except TopUpError as exc:
            raise TopUpError(
                gettext("The balance to top up below: %(problem)s") % {"problem": exc}
            ) from exc
        amount = topup_amount_check(amount=amount)
        card = topup_saved_card_get(customer=customer)
        if card is None:
            raise TopUpError(
                gettext("Top up once by card first: auto top-up uses the card of that top-up.")
            )
        setting = current or AutoTopUp(customer=customer)
        setting.enabled = True
        setting.threshold, setting.amount = threshold, amount
        setting.card_token, setting.card_brand, setting.card_last4 = (
            card.card_token,
            card.card_brand,
            card.card_last4,
        )
        setting.consented_at = now
        setting.save()
        account.auto_topup_below = threshold
        account.save(update_fields=["auto_topup_below"])
        currency = customer.account.currency
        interaction_record(
            customer=customer,
            kind=Interaction.Kind.AUTO_TOP_UP,
            channel=channel,
            actor=actor,
            actor_user=actor_user,
            summary=said(
                gettext_noop(
                    "Auto top-up turned on: when the balance falls below %(below)s, add "
                    "%(amount)s from %(brand)s ending %(last4)s, at most %(times)s times a month"
                ),
                below=money(threshold, currency),
                amount=money(amount, currency),
                brand=card.card_brand,
                last4=card.card_last4,
                times=settings.AUTO_TOPUP_MAX_PER_MONTH,
            ),
            data={
                "enabled": True,
                "threshold": str(threshold),
                "amount": str(amount),
                "card_last4": card.card_last4,
            },
        )
    return setting


def auto_topup_maybe(*, customer_id: int, balance: Decimal | None = None) -> bool:
    """After a charge has committed: if she has auto top-up on and her balance (`balance`, as
    the charge left it, or read now) is below her threshold, publish the job that tops her up.
    One query when she has it off. Returns whether the job was published."""
    settings_row = AutoTopUp.objects.filter(customer_id=customer_id, enabled=True).first()
    if settings_row is None:
        return False
    if balance is None:
        balance = account_balance(account=Account.objects.get(customer_id=customer_id))
    if balance >= settings_row.threshold:
        return False
    return job_publish(topup_auto_task, customer_id)


def auto_topup_maybe_on_commit(*, customer_id: int, balance: Decimal | None = None) -> None:
    transaction.on_commit(lambda: auto_topup_maybe(customer_id=customer_id, balance=balance))


def auto_topup_run(*, customer_id: int, now: dt.datetime | None = None) -> TopUp | None:
    """The job: under her account's lock, if auto top-up is on, her balance is below her
    threshold, no auto top-up is pending and fewer than AUTO_TOPUP_MAX_PER_MONTH succeeded this
    month, write the attempt; then charge her saved card (`topup_charge`). A declined card turns
    auto top-up off and tells her. Safe to run twice: a second run finds the balance topped up
    or the attempt pending. Returns the top-up, or None when nothing was due."""
    now = now or timezone.now()
    with transaction.atomic():
        account = Account.objects.select_for_update().filter(customer_id=customer_id).first()
        if account is None:
            return None
        setting = AutoTopUp.objects.filter(customer_id=customer_id, enabled=True).first()
        if setting is None:
            return None
        pending = TopUp.objects.filter(
            customer_id=customer_id, method=TopUp.Method.AUTO, status=TopUp.Status.PENDING
        ).first()
        if pending is None:
            if account_balance(account=account) >= setting.threshold:
                return None
            month = month_start(now)
            this_month = TopUp.objects.filter(
                customer_id=customer_id,
                method=TopUp.Method.AUTO,
                created_at__gte=month,
            )
            done = this_month.filter(status=TopUp.Status.SUCCEEDED).count()
            if done >= settings.AUTO_TOPUP_MAX_PER_MONTH:
                return None
            pending = TopUp.objects.create(
                customer_id=customer_id,
                amount=setting.amount,
                currency=account.currency,
                method=TopUp.Method.AUTO,
                # Numbered within the month, under her account's lock: one per run.
                idempotency_key=f"auto-{month:%Y%m}-{this_month.count() + 1}",
                channel=Channel.SYSTEM,
                card_brand=setting.card_brand,
                card_last4=setting.card_last4,
                card_token=setting.card_token,
            )
    try:
        return topup_charge(topup_id=pending.pk, token=pending.card_token)
    except TopUpNotConfirmedError:
        return pending
    except TopUpError:
        return None


def auto_topup_off_declined(*, topup: TopUp, reason: str) -> None:
    """Her saved card was declined for an auto top-up: auto top-up is turned off (no retry loop
    on a card that refuses), her history says why, and she is told. In the caller's
    transaction."""
    from . import interaction_record  # the package re-exports this module: no circle

    AutoTopUp.objects.filter(customer_id=topup.customer_id).update(
        enabled=False, updated_at=timezone.now()
    )
    Account.objects.filter(customer_id=topup.customer_id).update(auto_topup_below=None)
    customer = topup.customer
    interaction_record(
        customer=customer,
        kind=Interaction.Kind.AUTO_TOP_UP,
        channel=Channel.SYSTEM,
        summary=said(gettext_noop("Auto top-up turned off: %(reason)s"), reason=reason),
        data={"enabled": False, "top_up_id": topup.pk},
    )
    notification_send(
        customer=customer,
        template="topup_auto_failed",
        context={
            "amount": topup.amount,
            "currency": topup.currency,
            "card_last4": topup.card_last4,
            "reason": reason,
        },
    )
