"""Reads of the customer domain that are more than a `get`."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Case, Q, Sum, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from catalog.policies import money_round, operator_zone

from .models import (
    Account,
    AutoTopUp,
    Bucket,
    Customer,
    Interaction,
    LedgerEntry,
    Line,
    TopUp,
    UsageRecord,
)
from .phones import msisdn_normalise


def account_balance(*, account: Account) -> Decimal:
    """The balance is the sum of the ledger, read when needed, never stored."""
    total = account.entries.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    return money_round(total, currency=account.currency)


AGENT_GROUPS = ("Call-centre agents", "Call-centre supervisors")


def user_is_agent(*, user) -> bool:
    """May use the call-centre console: an agent or a supervisor (or a superuser)."""
    return user.is_superuser or user.groups.filter(name__in=AGENT_GROUPS).exists()


def customer_get_for_user(*, user) -> Customer | None:
    """The signed-in user's customer record, with her account, or None for staff."""
    return Customer.objects.select_related("account").filter(user=user).first()


def line_get_home(*, customer: Customer | None = None, user=None) -> Line | None:
    """Her home line: her own number, the line she means when she names none. The one rule, for
    the portal (the line it shows), the console (the line an agent adds to her cart for), the
    cart (the line an offer goes on when none is named) and the REST API:

    her first line (oldest) that is not temporary (a Travel Line ends with the product that
    opened it: never her home) and not terminated, active or suspended alike: a suspended line is
    still hers, so she sees it and why, and nothing meant for it goes to a travel line instead
    (the cart refuses a line that is not active). If every one of hers is terminated, the first
    of them, so she still sees her history. None for a customer without a line, and for staff.

    By `customer`, or by the signed-in `user` (then with her and her account): one query."""
    lines = Line.objects.filter(temporary=False)
    if user is not None:
        lines = lines.select_related("customer__account").filter(customer__user=user)
    else:
        lines = lines.filter(customer=customer)
    return lines.order_by(*_HOME_FIRST).first()


def lines_get_home(*, customer_ids: Iterable[int]) -> dict[int, Line]:
    """Each customer's home line (`line_get_home`'s rule), for many customers in one query: a
    batch's messages. A customer without a line is not in it."""
    homes: dict[int, Line] = {}
    lines = Line.objects.filter(temporary=False, customer_id__in=set(customer_ids))
    for line in lines.order_by("customer_id", *_HOME_FIRST):
        homes.setdefault(line.customer_id, line)
    return homes


# Her home line first: lines not terminated before terminated ones, then the oldest.
_HOME_FIRST = (
    Case(When(status=Line.Status.TERMINATED, then=Value(1)), default=Value(0)),
    "id",
)


def customer_balance(*, customer: Customer) -> Decimal:
    return account_balance(account=customer.account)


def ledger_list_for_customer(*, customer: Customer, limit: int = 100) -> list:
    """Her account history, newest first: each charge, refund and top-up its own line."""
    return list(customer.account.entries.all()[:limit])


def bucket_list_current(*, line: Line, at: dt.datetime) -> list[Bucket]:
    """The allowances usable now, soonest to expire first."""
    return list(
        Bucket.objects.filter(line=line, valid_from__lte=at)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=at))
        .order_by("valid_until", "id")
    )


@dataclass(frozen=True)
class UsageDay:
    """Her use on one day (operator's time zone): service -> quantity in its unit (bytes,
    seconds, messages); a service she did not use that day is absent."""

    day: dt.date
    used: dict[str, int]


def usage_list_daily(*, line: Line, at: dt.datetime, days: int = 30) -> list[UsageDay]:
    """Her use on each of the `days` days up to `at`'s (today included), oldest first, every
    day there even without use. One query, summed by the database per day and service."""
    today = timezone.localdate(at)
    first = today - dt.timedelta(days=days - 1)
    rows = (
        UsageRecord.objects.filter(
            line=line, at__gte=timezone.make_aware(dt.datetime.combine(first, dt.time.min))
        )
        .annotate(day=TruncDate("at"))
        .values("day", "service")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    used = defaultdict(dict)
    for row in rows:
        if row["day"] <= today:
            used[row["day"]][row["service"]] = row["total"]
    return [
        UsageDay(day=day, used=used.get(day, {}))
        for day in (first + dt.timedelta(days=n) for n in range(days))
    ]


@dataclass(frozen=True)
class AccountMoney:
    balance: Decimal
    # What out-of-bundle use was charged since the 1st of `at`'s month (operator's time zone).
    out_of_bundle_this_month: Decimal


# The ledger reference of every out-of-bundle charge the rating writes starts so:
# `usage:<batch>:<line id>:<unit>` (selfcare.services.usage).
OUT_OF_BUNDLE_REFERENCE = "usage:"


def month_start(at: dt.datetime) -> dt.datetime:
    """The start of the calendar month `at` is in, in the operator's time zone: when a monthly
    spend cap, her spend this month and the auto top-ups a month count from."""
    local = timezone.localtime(at, operator_zone())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def account_money_get(*, account: Account, at: dt.datetime) -> AccountMoney:
    """Her balance and her out-of-bundle spend this calendar month, in one query."""
    out_of_bundle = Q(
        kind=LedgerEntry.Kind.CHARGE,
        reference__startswith=OUT_OF_BUNDLE_REFERENCE,
        created_at__gte=month_start(at),
    )
    totals = account.entries.aggregate(
        balance=Sum("amount"), out_of_bundle=Sum("amount", filter=out_of_bundle)
    )
    return AccountMoney(
        balance=money_round(totals["balance"] or Decimal(0), currency=account.currency),
        out_of_bundle_this_month=money_round(
            abs(totals["out_of_bundle"] or Decimal(0)), currency=account.currency
        ),
    )


def interaction_list_for_customer(*, customer: Customer, public: bool = False, limit: int = 100):
    """Her history, newest first, every channel. `public`: what she sees herself (agents' internal
    notes left out)."""
    rows = Interaction.objects.filter(customer=customer).select_related("actor_user")
    if public:
        rows = rows.exclude(kind=Interaction.Kind.NOTE)
    return list(rows[:limit])


def interaction_page_for_customer(
    *, customer: Customer, kind: str = "", page: int | str | None = 1, per_page: int = 25
) -> Page:
    """One page of her history as she sees it herself (agents' internal notes left out), newest
    first, only of `kind` when given. A page number that is not one (or past the last) gives the
    nearest page, as Paginator.get_page does. Two queries: the count and the page."""
    rows = (
        Interaction.objects.filter(customer=customer)
        .exclude(kind=Interaction.Kind.NOTE)
        .select_related("actor_user")
    )
    if kind:
        rows = rows.filter(kind=kind)
    return Paginator(rows, per_page).get_page(page)


def topup_list_for_customer(*, customer: Customer, limit: int = 50) -> list:
    """Her top-ups, newest first, with who applied each (an agent) and its voucher."""
    return list(
        TopUp.objects.filter(customer=customer).select_related("created_by", "voucher")[:limit]
    )


def topup_get_for_customer(*, customer: Customer, pk: int):
    """One of her top-ups (raises TopUp.DoesNotExist for anyone else's)."""
    return TopUp.objects.select_related("voucher").get(customer=customer, pk=pk)


def topup_saved_card_get(*, customer: Customer):
    """The card auto top-up would use: that of her latest card top-up the gateway took (its
    token, brand and last 4 digits), or None."""
    return (
        TopUp.objects.filter(
            customer=customer,
            method__in=[TopUp.Method.CARD, TopUp.Method.AUTO],
            status=TopUp.Status.SUCCEEDED,
        )
        .exclude(card_token="")
        .order_by("-completed_at", "-id")
        .first()
    )


def auto_topup_get(*, customer: Customer):
    """Her auto top-up setting, or None if she never set one."""
    return AutoTopUp.objects.filter(customer=customer).first()


def login_is_email(login: str) -> bool:
    """Whether a login is an e-mail address (else a number or a username)."""
    return "@" in (login or "")


def customer_get_by_msisdn(*, msisdn: str) -> Customer | None:
    """The customer whose home line (`line_get_home`) is `msisdn` (E.164 digits), or None: her
    own number, active or suspended, never a Travel Line nor a terminated line."""
    line = (
        Line.objects.select_related("customer__user")
        .filter(msisdn=msisdn, temporary=False)
        .exclude(status=Line.Status.TERMINATED)
        .first()
    )
    if line is None:
        return None
    home = line_get_home(customer=line.customer)
    return line.customer if home is not None and home.pk == line.pk else None


def customer_get_by_email(*, email: str) -> Customer | None:
    """The one customer with this e-mail address (any case), or None: an address two customers
    share names neither."""
    found = list(Customer.objects.select_related("user").filter(email__iexact=email.strip())[:2])
    return found[0] if len(found) == 1 else None


def customer_get_by_login(*, login: str) -> Customer | None:
    """The customer a login names: an e-mail address, or a mobile number in any spelling (see
    selfcare/phones.py). The one rule for signing in, codes and password resets."""
    login = (login or "").strip()
    if not login:
        return None
    if login_is_email(login):
        return customer_get_by_email(email=login)
    msisdn = msisdn_normalise(login)
    return customer_get_by_msisdn(msisdn=msisdn) if msisdn else None
