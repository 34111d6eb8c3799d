"""Her dashboard's money and use: the plan's out-of-bundle rates, what out-of-bundle use cost
this month, and her use of the last 30 days per day and service as a chart with its figures.
Every ingest shows on the next page load."""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from catalog.models import BasePlan
from selfcare.models import BYTES_PER_MB, LedgerEntry
from selfcare.selectors import account_money_get, usage_list_daily
from selfcare.services import account_charge, usage_ingest
from tests.factories import CustomerFactory
from tests.selfcare.test_query_counts import _queries
from tests.selfcare.test_usage import bucket, event

pytestmark = pytest.mark.django_db
MB = BYTES_PER_MB
LISBON = ZoneInfo("Europe/Lisbon")
NOW = dt.datetime(2026, 12, 15, 12, 0, tzinfo=LISBON)


@pytest.fixture(autouse=True)
def _mid_december():
    with time_machine.travel(NOW, tick=False):
        yield


def _table(html: str, caption: str) -> list[list[str]]:
    """The rows of the visually hidden table whose caption starts with `caption`."""
    start = html.index(caption)
    body = html[html.index("<tbody>", start) : html.index("</tbody>", start)]
    return [
        [
            re.sub(r"\s+", " ", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_her_plans_rates_are_on_her_line_card(customer_client, customer):
    BasePlan.objects.create(
        name="Prepaid Go",
        rate_per_mb=Decimal("0.0080"),
        rate_per_minute=Decimal("0.0800"),
        rate_per_sms=Decimal("0.0600"),
    )

    page = customer_client.get("/").content.decode()

    assert "Beyond your allowances: €0.008 per MB, €0.08 a minute, €0.06 an SMS." in page


def test_a_plan_not_in_the_catalog_shows_the_default_rates(customer_client):
    page = customer_client.get("/").content.decode()

    assert "Beyond your allowances: €0.01 per MB, €0.10 a minute, €0.08 an SMS." in page


def test_her_use_per_day_and_service_shows_on_the_next_page_load(customer_client, line):
    start = NOW - dt.timedelta(days=10)
    bucket(line, "Plan data", 5000 * MB, days=30, valid_from=start)
    bucket(line, "Plan minutes", 100 * 60, unit="seconds", days=30, valid_from=start)
    before = customer_client.get("/").content.decode()
    assert "No use in the last 30 days." in before

    usage_ingest(
        events=[
            event(line, 300 * MB, id="d1", at=NOW - dt.timedelta(days=2)),
            event(line, 200 * MB, id="d2", at=NOW - dt.timedelta(days=2, hours=1)),
            event(line, 50 * MB, service="tv", id="tv", at=NOW - dt.timedelta(days=2)),
            event(line, 1536 * MB, id="d3", at=NOW - dt.timedelta(hours=1)),
            event(line, 90, service="voice", id="v1", at=NOW - dt.timedelta(hours=2)),
        ]
    )
    page = customer_client.get("/").content.decode()

    assert "No use in the last 30 days." not in page
    assert _table(page, "Data") == [
        ["Sun 13 Dec", "500 MB", "50 MB", "0 MB"],
        ["Tue 15 Dec", "1.5 GB", "0 MB", "0 MB"],
    ]
    assert _table(page, "Calls") == [["Tue 15 Dec", "2 min"]]
    assert "SMS per day" not in page  # no SMS: no SMS chart
    # the chart: one bar per day with use, stacked by service
    assert page.count('class="usage-bar-data"') == 2
    assert page.count('class="usage-bar-tv"') == 1
    assert page.count('class="usage-bar-voice"') == 1


def test_the_chart_counts_days_in_the_operators_time_zone_and_only_her_last_30(line):
    other = CustomerFactory().lines.get()
    usage_ingest(
        events=[
            # 00:30 in Lisbon on the 14th is 00:30 UTC too in winter: the 14th
            event(line, 10, id="a", at=dt.datetime(2026, 12, 14, 0, 30, tzinfo=LISBON)),
            # 30 days ago counts (today is the 30th day), 31 does not
            event(line, 20, id="b", at=NOW - dt.timedelta(days=29)),
            event(line, 40, id="c", at=NOW - dt.timedelta(days=31)),
            event(other, 80, id="d", at=NOW),
        ]
    )

    days = usage_list_daily(line=line, at=timezone.now())

    assert len(days) == 30
    assert days[0].day == dt.date(2026, 11, 16)
    assert days[-1].day == dt.date(2026, 12, 15)
    assert {d.day: d.used for d in days if d.used} == {
        dt.date(2026, 11, 16): {"data": 20},
        dt.date(2026, 12, 14): {"data": 10},
    }


def test_out_of_bundle_spend_this_month_counts_only_this_months_usage_charges(
    customer_client, customer, line
):
    account = customer.account
    with time_machine.travel(dt.datetime(2026, 11, 30, 23, 0, tzinfo=LISBON), tick=False):
        usage_ingest(events=[event(line, 100 * MB, id="november")])  # €1.00, last month
    account_charge(account=account, amount=Decimal("2.00"), description="Add-on", reference="x")
    usage_ingest(events=[event(line, 250 * MB, id="december")])  # €2.50

    money = account_money_get(account=account, at=timezone.now())

    assert money.out_of_bundle_this_month == Decimal("2.50")
    assert money.balance == Decimal("50.00") - Decimal("1.00") - Decimal("2.00") - Decimal("2.50")
    assert LedgerEntry.objects.filter(reference__startswith="usage:").count() == 2
    page = customer_client.get("/").content.decode()
    assert '<span id="out-of-bundle">€2.50</span>' in page
    assert '<span id="balance">€44.50</span>' in page


def test_the_dashboard_costs_the_same_queries_with_1_day_of_use_or_30(client):
    one, thirty = CustomerFactory(), CustomerFactory()
    usage_ingest(events=[event(one.lines.get(), MB, id="one")])
    usage_ingest(
        events=[
            event(thirty.lines.get(), MB, id=f"day-{n}", at=NOW - dt.timedelta(days=n))
            for n in range(30)
        ]
    )

    assert _queries(client, one, "/") == _queries(client, thirty, "/")
