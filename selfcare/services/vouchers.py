"""Vouchers (scratch cards): a PIN kept only as a keyed hash, used once, and a few wrong PINs an
hour per customer before vouchers are locked for her for the rest of that hour."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext, ngettext

from ..models import Account, Channel, Customer, TopUp, Voucher, VoucherPinFailure
from .topup import TopUpError, local_time_words, topup_complete

PIN = re.compile(r"^\d{16}$")
WRONG_PIN_WINDOW = dt.timedelta(hours=1)


class VoucherError(TopUpError):
    pass


class VoucherLockedError(VoucherError):
    pass


def voucher_pin_normalise(pin: str) -> str:
    """The 16 digits under the scratch panel, spaces and dashes as printed allowed."""
    return re.sub(r"[\s-]", "", pin or "")


def voucher_pin_hash(pin: str) -> str:
    """A keyed hash (the project's secret key), so a copy of the table does not give the PINs
    away to a brute force of 10^16 numbers."""
    return salted_hmac(
        "selfcare.voucher-pin", voucher_pin_normalise(pin), algorithm="sha256"
    ).hexdigest()


def voucher_create(
    *, pin: str, serial: str, amount: Decimal, currency: str = "EUR", valid_until=None
) -> Voucher:
    """A voucher for sale (the demo data, the operator's import). Idempotent by serial."""
    if not PIN.match(voucher_pin_normalise(pin)):
        raise ValueError("A voucher PIN is 16 digits.")
    voucher, _ = Voucher.objects.get_or_create(
        serial=serial,
        defaults={
            "pin_hash": voucher_pin_hash(pin),
            "amount": amount,
            "currency": currency,
            "valid_until": valid_until,
        },
    )
    return voucher


def voucher_locked_until(*, customer: Customer, now: dt.datetime) -> dt.datetime | None:
    """When vouchers open again for her, if she typed VOUCHER_MAX_WRONG_PINS wrong PINs in the
    last hour: an hour after the oldest of those that still count."""
    limit = settings.VOUCHER_MAX_WRONG_PINS
    recent = list(
        VoucherPinFailure.objects.filter(customer=customer, at__gt=now - WRONG_PIN_WINDOW)
        .order_by("-at")
        .values_list("at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    return recent[-1] + WRONG_PIN_WINDOW


def _locked_words(until: dt.datetime) -> str:
    # Rounded up to the minute: "after 15:40" is never a minute too early.
    until = (until + dt.timedelta(seconds=59)).replace(second=0, microsecond=0)
    return gettext("Too many wrong PINs: try again after %(time)s.") % {
        "time": local_time_words(until)
    }


def topup_by_voucher(
    *,
    customer: Customer,
    pin: str,
    idempotency_key: str,
    channel: str = Channel.PORTAL,
    agent=None,
) -> TopUp:
    """Top up with a voucher: its amount on her balance, the voucher used (by her, now), in one
    transaction with her history and the receipt. One top-up per key. Her account is locked
    first, so her wrong PINs are counted exactly however fast they come; the voucher's row is
    locked, so of two customers using one PIN at once one gets it and the other is told it was
    used. `agent`: the agent applying it for her (method `agent`, in her history by name).

    Raises VoucherLockedError (too many wrong PINs), VoucherError (malformed, wrong, used or
    expired; a wrong PIN is counted): nothing is credited."""
    digits = voucher_pin_normalise(pin)
    if not PIN.match(digits):
        raise VoucherError(gettext("A voucher PIN is the 16 digits under the scratch panel."))
    now = timezone.now()
    with transaction.atomic():
        Account.objects.select_for_update().get(customer=customer)
        replay = TopUp.objects.filter(customer=customer, idempotency_key=idempotency_key).first()
        if replay is not None:
            return replay
        until = voucher_locked_until(customer=customer, now=now)
        if until is not None:
            raise VoucherLockedError(_locked_words(until))
        voucher = (
            Voucher.objects.select_for_update().filter(pin_hash=voucher_pin_hash(digits)).first()
        )
        if voucher is None:
            VoucherPinFailure.objects.create(customer=customer, at=now, channel=channel)
        else:
            if voucher.used_at is not None:
                raise VoucherError(gettext("This voucher has already been used."))
            if voucher.valid_until is not None and voucher.valid_until <= now:
                raise VoucherError(gettext("This voucher has expired."))
            topup = TopUp.objects.create(
                customer=customer,
                amount=voucher.amount,
                currency=voucher.currency,
                method=TopUp.Method.AGENT if agent is not None else TopUp.Method.VOUCHER,
                idempotency_key=idempotency_key,
                channel=channel,
                voucher=voucher,
                created_by=agent,
            )
            voucher.used_by, voucher.used_at = customer, now
            voucher.save(update_fields=["used_by", "used_at"])
            topup_complete(topup=topup, at=now, reference=f"voucher:{voucher.serial}")
            return topup
    # The wrong try is committed, then said.
    until = voucher_locked_until(customer=customer, now=now)
    if until is not None:
        raise VoucherLockedError(_locked_words(until))
    left = (
        settings.VOUCHER_MAX_WRONG_PINS
        - VoucherPinFailure.objects.filter(customer=customer, at__gt=now - WRONG_PIN_WINDOW).count()
    )
    raise VoucherError(
        ngettext(
            "That PIN is not right: check it and try again (%(left)s try left this hour).",
            "That PIN is not right: check it and try again (%(left)s tries left this hour).",
            left,
        )
        % {"left": left}
    )


def topup_by_agent_voucher(*, customer: Customer, pin: str, idempotency_key: str, agent) -> TopUp:
    """An agent applies a voucher for her: the same rules and wrong-PIN limit as hers, recorded
    with his name (the top-up's `created_by`, her history's actor)."""
    return topup_by_voucher(
        customer=customer,
        pin=pin,
        idempotency_key=idempotency_key,
        channel=Channel.AGENT,
        agent=agent,
    )
