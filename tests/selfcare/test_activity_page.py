"""Her activity is readable: grouped by day (in the operator's time zone), filterable by kind,
a page of 25 at a time; a kind we do not list is said, and everything is shown."""

import datetime as dt
import re

import pytest

from selfcare.models import Interaction
from selfcare.said import verbatim
from selfcare.selectors import interaction_page_for_customer
from selfcare.services import interaction_record
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NOON_4_DEC = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


def record(customer, *, kind, summary, at, channel="portal"):
    interaction = interaction_record(
        customer=customer, kind=kind, channel=channel, summary=verbatim(summary)
    )
    Interaction.objects.filter(pk=interaction.pk).update(created_at=at)


def days_of(page: str) -> list[str]:
    return re.findall(r'<h2 id="day-[^"]+">\s*<time[^>]*>([^<]+)</time>', page)


def summaries_of(page: str) -> list[str]:
    items = re.findall(r'<li class="timeline-[^"]+">(.*?)</li>', page, flags=re.S)
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>[^<]*</[^>]+>", "", item)).strip() for item in items
    ]


@pytest.fixture
def two_days(customer):
    """Three things on 3 Dec, two on 4 Dec (one a top-up), and an agent's note she never sees."""
    day_before = NOON_4_DEC - dt.timedelta(days=1)
    record(customer, kind="login", summary="Logged in", at=day_before - dt.timedelta(hours=3))
    record(
        customer,
        kind="order_placed",
        summary="Switched on Data 15GB (€10.00)",
        at=day_before - dt.timedelta(hours=2),
    )
    record(customer, kind="login", summary="Out", at=day_before - dt.timedelta(hours=1))
    record(customer, kind="top_up", summary="Topped up €5.00 by card", at=NOON_4_DEC)
    record(customer, kind="login", summary="Logged in again", at=NOON_4_DEC + dt.timedelta(hours=1))
    record(customer, kind="note", summary="Internal: VIP", at=NOON_4_DEC, channel="agent")


def test_her_activity_is_grouped_by_day_newest_first(customer_client, two_days):
    page = customer_client.get("/activity/").content.decode()

    assert days_of(page) == ["Friday 4 December 2026", "Thursday 3 December 2026"]
    assert summaries_of(page) == [
        "Logged in again",
        "Topped up €5.00 by card",
        "Out",
        "Switched on Data 15GB (€10.00)",
        "Logged in",
    ]
    assert "Internal: VIP" not in page


def test_a_day_is_the_operators_day_not_utc(customer_client, customer):
    # In summer Lisbon is UTC+1: 23:30 UTC on 3 July is already 00:30 on the 4th there.
    record(
        customer, kind="login", summary="Late", at=dt.datetime(2026, 7, 3, 23, 30, tzinfo=dt.UTC)
    )
    record(
        customer, kind="login", summary="Early", at=dt.datetime(2026, 7, 4, 0, 30, tzinfo=dt.UTC)
    )

    page = customer_client.get("/activity/").content.decode()

    assert days_of(page) == ["Saturday 4 July 2026"]
    assert summaries_of(page) == ["Early", "Late"]


def test_she_filters_by_kind(customer_client, two_days):
    page = customer_client.get("/activity/", {"kind": "top_up"}).content.decode()

    assert summaries_of(page) == ["Topped up €5.00 by card"]
    assert days_of(page) == ["Friday 4 December 2026"]
    assert '<option value="top_up" selected>Topped up</option>' in page


def test_a_kind_with_nothing_says_so(customer_client, two_days):
    page = customer_client.get("/activity/", {"kind": "link_clicked"}).content.decode()

    assert summaries_of(page) == []
    assert "Nothing of this kind yet." in page


def test_a_kind_we_do_not_list_is_said_and_everything_is_shown(customer_client, two_days):
    before = list(Interaction.objects.values_list("pk", "summary", "created_at"))

    for kind in ("note", "nonsense"):
        response = customer_client.get("/activity/", {"kind": kind})
        page = response.content.decode()
        assert response.status_code == 200
        assert "We list no activity of that kind: here is everything." in page
        assert len(summaries_of(page)) == 5
        assert "Internal: VIP" not in page

    assert list(Interaction.objects.values_list("pk", "summary", "created_at")) == before


def test_her_activity_is_paged_25_at_a_time_keeping_the_filter(customer_client, customer):
    for i in range(30):
        record(
            customer,
            kind="login",
            summary=f"Login {i:02d}",
            at=NOON_4_DEC + dt.timedelta(minutes=i),
        )
    record(customer, kind="top_up", summary="Topped up €1.00", at=NOON_4_DEC)

    first = customer_client.get("/activity/", {"kind": "login"}).content.decode()
    assert summaries_of(first) == [f"Login {i:02d}" for i in range(29, 4, -1)]
    assert "Page 1 of 2" in first
    assert 'href="?kind=login&amp;page=2"' in first

    second = customer_client.get("/activity/", {"kind": "login", "page": "2"}).content.decode()
    assert summaries_of(second) == [f"Login {i:02d}" for i in range(4, -1, -1)]
    assert "Page 2 of 2" in second
    assert 'href="?kind=login&amp;page=1"' in second

    # A page that is not one shows the nearest one, never an error.
    assert "Page 2 of 2" in customer_client.get("/activity/", {"page": "99"}).content.decode()
    assert "Page 1 of 2" in customer_client.get("/activity/", {"page": "x"}).content.decode()


def test_the_page_is_hers_only(customer):
    other = CustomerFactory()
    record(other, kind="login", summary="Someone else's", at=NOON_4_DEC)

    assert list(interaction_page_for_customer(customer=customer)) == []
