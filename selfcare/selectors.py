"""Reads of the customer domain that are more than a `get`."""

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import Q, Sum

from catalog.policies import money_round

from .models import Account, Bucket, Customer, Interaction, Line, PageChange


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


def line_get_home_for_user(*, user) -> Line | None:
    """The signed-in customer's home line (not a temporary one), with her and her account, in one
    query; None for staff and for a customer without a line."""
    return (
        Line.objects.select_related("customer__account")
        .filter(customer__user=user, temporary=False)
        .order_by("id")
        .first()
    )


class PageVersions(NamedTuple):
    line_id: int
    customer_id: int
    page_version: int  # 0 until her first write
    catalog_version: int


_VERSION = f"SELECT COALESCE(SUM(weight), 0) FROM {PageChange._meta.db_table} WHERE scope ="  # noqa: S608
_PAGE_VERSIONS_SQL = f"""
    SELECT line.id, line.customer_id,
        ({_VERSION} line.customer_id),
        ({_VERSION} {PageChange.CATALOG})
    FROM {Line._meta.db_table} line
    JOIN {Customer._meta.db_table} customer ON customer.id = line.customer_id
    WHERE customer.user_id = %s AND NOT line.temporary
    ORDER BY line.id
    LIMIT 1
"""  # noqa: S608 (table names from the models, the user id a parameter)


def page_versions_for_user(*, user) -> PageVersions | None:
    """Her home line, her page version and the catalog's: what the page cache keys her pages on
    (None for staff and for a customer without a line). Read before anything else the page reads,
    so a page never shows less than the versions it is kept under. In SQL, not the ORM: it runs
    on every cached page, and compiling the ORM's query costs several times running it."""
    with connection.cursor() as cursor:
        cursor.execute(_PAGE_VERSIONS_SQL, [user.pk])
        row = cursor.fetchone()
    return None if row is None else PageVersions(*row)


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


def interaction_list_for_customer(*, customer: Customer, public: bool = False, limit: int = 100):
    """Her history, newest first, every channel. `public`: what she sees herself (agents' internal
    notes left out)."""
    rows = Interaction.objects.filter(customer=customer).select_related("actor_user")
    if public:
        rows = rows.exclude(kind=Interaction.Kind.NOTE)
    return list(rows[:limit])
