"""Her allowances across her lines, and her prepaid balance [TMF654 Bucket]: what the API shows
of what she may still use. Scoped to her: another customer's bucket is not found."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from .models import Account, Bucket, Customer
from .selectors import account_balance


def _current(*, at: dt.datetime) -> Q:
    return Q(valid_from__lte=at) & (Q(valid_until__isnull=True) | Q(valid_until__gt=at))


def bucket_list_for_customer(*, customer: Customer, at: dt.datetime) -> list[Bucket]:
    """The allowances usable now on every line of hers (with the line), soonest to expire
    first; one query."""
    return list(
        Bucket.objects.filter(_current(at=at), line__customer=customer)
        .select_related("line")
        .order_by("valid_until", "id")
    )


def bucket_get_for_customer(*, customer: Customer, pk: int, at: dt.datetime) -> Bucket:
    """One allowance of hers usable now. Raises Bucket.DoesNotExist for any other id."""
    return Bucket.objects.select_related("line").get(
        _current(at=at), line__customer=customer, pk=pk
    )


@dataclass(frozen=True)
class PrepaidBalance:
    account: Account
    amount: Decimal


def prepaid_balance_get(*, customer: Customer) -> PrepaidBalance | None:
    """Her prepaid balance (the sum of her ledger), or None when her account is postpaid."""
    account = customer.account
    if account.kind != Account.Kind.PREPAID:
        return None
    return PrepaidBalance(account=account, amount=account_balance(account=account))
