"""A campaign's dashboard and export (issue 11, §4): the funnel, the holdout and the lift with its
confidence interval, decisions per outcome, sends per day, versions and state history, exact on
a set of deliveries made here, in constant queries; every decision in a streamed CSV."""

import csv
import datetime as dt
import io
import itertools
import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Delivery
from campaigns.selectors import (
    EXPORT_COLUMNS,
    campaign_dashboard,
    day_start,
    lift_measure,
)
from campaigns.services import campaign_pause, campaign_resume, campaign_version_publish
from orders.models import ProductInstance
from selfcare.models import Notification, TopUp, TrackedLink
from tests.factories import OfferFactory, UserFactory

from .conftest import campaign_running, consenting

pytestmark = pytest.mark.django_db
Outcome = Delivery.Outcome
DAY = dt.timedelta(days=1)
_occurrences = itertools.count(1)


# The lift's arithmetic


def test_the_lift_and_its_95_percent_interval_from_known_numbers():
    # 30 of 200 treated converted (15 %), 5 of 100 held out (5 %): +10 points,
    # standard error sqrt(.15 * .85 / 200 + .05 * .95 / 100) = 0.0333542...
    lift = lift_measure(treated=200, treated_converted=30, holdout=100, holdout_converted=5)

    assert lift.enough
    assert lift.treated_rate == pytest.approx(0.15)
    assert lift.holdout_rate == pytest.approx(0.05)
    assert lift.lift == pytest.approx(0.10)
    error = math.sqrt(0.15 * 0.85 / 200 + 0.05 * 0.95 / 100)
    assert error == pytest.approx(0.0333542, abs=1e-7)
    assert lift.low == pytest.approx(0.10 - 1.959964 * error)
    assert lift.high == pytest.approx(0.10 + 1.959964 * error)
    assert (round(lift.low, 4), round(lift.high, 4)) == (0.0346, 0.1654)


def test_a_lift_that_may_be_nothing_has_an_interval_across_0():
    lift = lift_measure(treated=50, treated_converted=6, holdout=40, holdout_converted=4)

    assert lift.lift == pytest.approx(0.12 - 0.10)
    assert lift.low < 0 < lift.high
    error = math.sqrt(0.12 * 0.88 / 50 + 0.10 * 0.90 / 40)
    assert lift.high - lift.low == pytest.approx(2 * 1.959964 * error)


@pytest.mark.parametrize(
    ("treated", "holdout"),
    [(29, 100), (100, 29), (0, 0), (100, 0)],
)
def test_below_30_in_either_group_there_is_not_enough_data(treated, holdout):
    lift = lift_measure(
        treated=treated, treated_converted=min(treated, 3), holdout=holdout, holdout_converted=0
    )

    assert not lift.enough
    assert (lift.lift, lift.low, lift.high) == (None, None, None)
    assert lift.treated_rate == (min(treated, 3) / treated if treated else None)


def test_the_minimum_is_30_in_each_group():
    lift = lift_measure(treated=30, treated_converted=3, holdout=30, holdout_converted=0)

    assert lift.enough
    assert lift.lift == pytest.approx(0.1)
    # nobody in the holdout converted: its part of the error is 0
    assert lift.high - lift.lift == pytest.approx(1.959964 * math.sqrt(0.1 * 0.9 / 30))


# A set of deliveries


@pytest.fixture
def now():
    return timezone.now()


def _delivery(campaign, customer, outcome, *, decided_at, version=None, **values):
    return Delivery.objects.create(
        campaign=campaign,
        version=version or campaign.current_version,
        customer=customer,
        line=customer.lines.get(),
        occurrence=f"event:{next(_occurrences)}",
        outcome=outcome,
        reason=values.pop("reason", ""),
        decided_at=decided_at,
        **values,
    )


def _sent(campaign, customer, *, decided_at, delivered=True, clicked=False, version=None):
    message = Notification.objects.create(
        customer=customer,
        medium="sms",
        subject="Offer",
        body="…",
        status=Notification.Status.SENT if delivered else Notification.Status.FAILED,
        campaign_id=campaign.pk,
    )
    TrackedLink.objects.create(
        token=f"t{message.pk}",
        customer=customer,
        notification=message,
        campaign_id=campaign.pk,
        target="/offers/",
        first_clicked_at=decided_at + dt.timedelta(hours=1) if clicked else None,
    )
    return _delivery(
        campaign,
        customer,
        Outcome.SENT,
        decided_at=decided_at,
        sent_at=decided_at + dt.timedelta(minutes=1),
        notification=message,
        version=version,
    )


def _bought(customer, offer, *, at, status="active"):
    product = ProductInstance.objects.create(
        customer=customer,
        line=customer.lines.get(),
        offer=offer,
        price=offer.price,
        paid_amount=offer.price,
        status=status,
        status_changed_at=at,
    )
    ProductInstance.objects.filter(pk=product.pk).update(created_at=at)
    return product


@pytest.fixture
def board(data_offer, now):
    """A running campaign (edited once, paused and resumed) and its decisions:

    sent 5 (4 delivered, 2 clicked), converted 2 of them (one without a click), and the others
    not: one bought too late, one bought another offer, one's purchase failed;
    holdout 3, of whom 1 bought within the days; 1 capped, 2 not in the audience, 1 no consent.
    """
    marketer = UserFactory(first_name="Mary", last_name="Marketer", groups=["Marketing"])
    customers = [consenting(name=f"Customer {n}") for n in range(12)]
    campaign = campaign_running(offer=data_offer)
    v1 = campaign.current_version
    other = OfferFactory(name="Other")
    a, b, c, d, e, f, g, h, i, j, k, m = customers

    yesterday = now - DAY
    # sent, delivered, clicked, bought 2 days later: converted
    _sent(campaign, a, decided_at=yesterday, clicked=True, version=v1)
    _bought(a, data_offer, at=yesterday + 2 * DAY)
    # sent, delivered, not clicked, bought the next hour: converted all the same
    _sent(campaign, b, decided_at=now - 3 * DAY)
    _bought(b, data_offer, at=now - 3 * DAY + dt.timedelta(hours=1))
    # sent, delivered, clicked, bought 8 days later: too late (7 days)
    _sent(campaign, c, decided_at=now - 10 * DAY, clicked=True)
    _bought(c, data_offer, at=now - 2 * DAY)
    # sent, delivered, bought another offer
    _sent(campaign, d, decided_at=yesterday)
    _bought(d, other, at=yesterday + dt.timedelta(hours=2))
    # sent, not delivered (the gateway failed), bought it but it failed
    _sent(campaign, e, decided_at=yesterday, delivered=False)
    _bought(e, data_offer, at=yesterday + dt.timedelta(hours=3), status="failed")
    # holdout: f bought within the days, g bought before the decision, h nothing
    _delivery(campaign, f, Outcome.HOLDOUT, decided_at=yesterday, holdout=True)
    _bought(f, data_offer, at=yesterday + dt.timedelta(hours=5))
    _delivery(campaign, g, Outcome.HOLDOUT, decided_at=yesterday, holdout=True)
    _bought(g, data_offer, at=yesterday - dt.timedelta(hours=5))
    _delivery(campaign, h, Outcome.HOLDOUT, decided_at=now, holdout=True)
    # the rest
    _delivery(campaign, i, Outcome.CAPPED, decided_at=now, reason="1 in 7 days already.")
    _delivery(campaign, j, Outcome.NOT_IN_AUDIENCE, decided_at=now, reason="Plan")
    _delivery(campaign, k, Outcome.NOT_IN_AUDIENCE, decided_at=now, reason="Plan")
    _delivery(campaign, m, Outcome.NO_CONSENT, decided_at=now)

    campaign.priority = 70
    campaign.save()
    campaign_version_publish(campaign=campaign, user=marketer)
    campaign_pause(campaign_id=campaign.pk, user=marketer)
    campaign_resume(campaign_id=campaign.pk, policy="skip", user=marketer)
    campaign.refresh_from_db()
    return campaign


def test_the_funnel_is_exact(board, now):
    dashboard = campaign_dashboard(campaign=board, at=now)

    funnel = dashboard.funnel
    assert (funnel.audience, funnel.sent, funnel.delivered, funnel.clicked, funnel.converted) == (
        9,  # 5 sent, 3 holdout, 1 capped
        5,
        4,
        2,
        2,
    )


def test_the_holdout_and_its_conversion(board, now):
    lift = campaign_dashboard(campaign=board, at=now).lift

    assert (lift.treated, lift.treated_converted, lift.holdout, lift.holdout_converted) == (
        5,
        2,
        3,
        1,
    )
    assert lift.treated_rate == pytest.approx(0.4)
    assert lift.holdout_rate == pytest.approx(1 / 3)
    assert not lift.enough  # 5 and 3: below 30 each


def test_counts_per_outcome_every_outcome_listed(board, now):
    outcomes = {value: count for value, _, count in campaign_dashboard(campaign=board).outcomes}

    assert outcomes == {
        **dict.fromkeys(Outcome.values, 0),
        Outcome.SENT: 5,
        Outcome.HOLDOUT: 3,
        Outcome.CAPPED: 1,
        Outcome.NOT_IN_AUDIENCE: 2,
        Outcome.NO_CONSENT: 1,
    }


def test_sends_per_day_over_the_last_30_days(board, now):
    days = campaign_dashboard(campaign=board, at=now).sends_per_day

    assert len(days) == 30
    local = timezone.localtime(now).date()
    assert days[-1].day == local
    assert days[0].day == local - dt.timedelta(days=29)
    sent_days = [
        timezone.localtime(s).date()
        for s in Delivery.objects.filter(outcome=Outcome.SENT).values_list("sent_at", flat=True)
    ]
    assert {d.day: d.count for d in days if d.count} == {
        day: sent_days.count(day) for day in set(sent_days)
    }
    assert sum(d.count for d in days) == 5


def test_versions_and_state_history_say_who_and_what_changed(board):
    dashboard = campaign_dashboard(campaign=board)

    [v2, v1] = dashboard.versions
    assert (v2.version.number, v2.version.created_by_name, v2.changed) == (
        2,
        "Mary Marketer",
        ["priority"],
    )
    assert (v1.version.number, v1.changed) == (1, None)
    assert [(c.from_state, c.to_state, c.changed_by_name) for c in dashboard.state_changes] == [
        ("paused", "running", "Mary Marketer"),
        ("running", "paused", "Mary Marketer"),
        ("draft", "running", ""),
    ]


def test_a_top_up_link_converts_on_a_top_up_that_succeeded(data_offer, now):
    customers = [consenting() for _ in range(3)]
    campaign = campaign_running(
        offer=None, code="balance-low", trigger="BalanceLow", link_to="topup", message="Top up."
    )
    for customer in customers:
        _sent(campaign, customer, decided_at=now - DAY)
    for customer, status in ((customers[0], "succeeded"), (customers[1], "failed")):
        top_up = TopUp.objects.create(
            customer=customer,
            amount=10,
            method="card",
            status=status,
            idempotency_key="k",
            channel="portal",
        )
        TopUp.objects.filter(pk=top_up.pk).update(created_at=now - DAY + dt.timedelta(hours=1))
    _bought(customers[2], data_offer, at=now)  # an offer: not what a top-up link converts on

    assert campaign_dashboard(campaign=campaign).funnel.converted == 1


def test_the_dashboard_reads_in_the_same_queries_for_few_or_many_deliveries(board, data_offer, now):
    with CaptureQueriesContext(connection) as few:
        campaign_dashboard(campaign=board, at=now)
    more = [consenting() for _ in range(10)]
    for n, customer in enumerate(more):
        _sent(board, customer, decided_at=now - n * DAY, clicked=n % 2 == 0)
        _bought(customer, data_offer, at=now - n * DAY + dt.timedelta(hours=1))

    with CaptureQueriesContext(connection) as many:
        dashboard = campaign_dashboard(campaign=board, at=now)

    assert len(many.captured_queries) == len(few.captured_queries)
    assert (dashboard.funnel.sent, dashboard.funnel.converted) == (15, 12)


def test_the_lift_shows_with_its_interval_once_both_groups_are_big_enough(data_offer, now):
    customers = [consenting() for _ in range(40)]
    campaign = campaign_running(offer=data_offer)
    for n, customer in enumerate(customers):
        if n < 30:  # 30 treated, 9 converted
            _sent(campaign, customer, decided_at=now - DAY)
            if n < 9:
                _bought(customer, data_offer, at=now)
        else:  # 10 held out: not enough yet
            _delivery(campaign, customer, Outcome.HOLDOUT, decided_at=now - DAY)
    assert not campaign_dashboard(campaign=campaign).lift.enough
    for customer in [consenting() for _ in range(20)]:  # 30 held out, 3 converted
        _delivery(campaign, customer, Outcome.HOLDOUT, decided_at=now - DAY)
    for customer in customers[30:33]:
        _bought(customer, data_offer, at=now)

    lift = campaign_dashboard(campaign=campaign).lift

    expected = lift_measure(treated=30, treated_converted=9, holdout=30, holdout_converted=3)
    assert lift == expected
    assert lift.lift == pytest.approx(0.2)


# The page and the export


@pytest.fixture
def marketer_client(client):
    client.force_login(UserFactory(is_staff=True, groups=["Marketing"]))
    return client


def test_the_dashboard_page_shows_the_numbers_and_a_bar_per_day_with_sends(
    marketer_client, board, now
):
    response = marketer_client.get(reverse("admin:campaigns_campaign_dashboard", args=[board.pk]))

    assert response.status_code == 200
    page = response.text
    days_with_sends = sum(1 for d in response.context["board"].sends_per_day if d.count)
    assert page.count("<rect ") == days_with_sends
    assert "5 messages sent from" in page
    assert "Lift: not enough data yet" in page
    assert "40.0 %" in page  # treated conversion
    assert "33.3 %" in page  # holdout conversion
    assert "Mary Marketer" in page
    assert reverse("admin:campaigns_campaign_export", args=[board.pk]) in page
    funnel = response.context["board"].funnel
    assert funnel.sent == 5


def test_the_dashboard_page_states_the_lift_and_its_interval(marketer_client, data_offer, now):
    consenting()  # someone in its audience, for it to start
    campaign = campaign_running(offer=data_offer)
    for n in range(30):
        customer = consenting()
        _sent(campaign, customer, decided_at=now - DAY)
        if n < 9:
            _bought(customer, data_offer, at=now)
    for n in range(30):
        customer = consenting()
        _delivery(campaign, customer, Outcome.HOLDOUT, decided_at=now - DAY)
        if n < 3:
            _bought(customer, data_offer, at=now)

    page = marketer_client.get(
        reverse("admin:campaigns_campaign_dashboard", args=[campaign.pk])
    ).text

    # 30 % - 10 % = +20 points; error sqrt(.3 * .7 / 30 + .1 * .9 / 30) = 0.1
    assert "Lift: <strong>+20.0 pp</strong>" in page
    assert "(95 % confidence interval +0.4 pp to +39.6 pp)" in page


def test_the_export_streams_one_exact_row_per_decision(marketer_client, board):
    response = marketer_client.get(reverse("admin:campaigns_campaign_export", args=[board.pk]))

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="campaign-data-running-out-deliveries.csv"'
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == EXPORT_COLUMNS
    assert len(rows) == 1 + Delivery.objects.filter(campaign=board).count() == 1 + 12
    expected = [
        [
            "data-running-out",
            str(d.version.number),
            str(d.customer_id),
            d.line.msisdn,
            d.occurrence,
            d.outcome,
            d.reason,
            d.decided_at.isoformat(),
            d.sent_at.isoformat() if d.sent_at else "",
        ]
        for d in Delivery.objects.filter(campaign=board).order_by("decided_at", "pk")
    ]
    assert [row[:9] for row in rows[1:]] == expected
    by_name = {
        Delivery.objects.get(campaign=board, customer_id=int(row[2])).customer.name: row[9:]
        for row in rows[1:]
    }
    assert by_name["Customer 0"] == ["yes", "yes"]  # clicked, converted
    assert by_name["Customer 1"] == ["no", "yes"]  # converted without a click
    assert by_name["Customer 2"] == ["yes", "no"]  # bought too late
    assert by_name["Customer 4"] == ["no", "no"]  # its purchase failed
    assert by_name["Customer 5"] == ["no", "yes"]  # held out, bought all the same
    assert by_name["Customer 9"] == ["no", "no"]  # not in the audience


def test_the_export_needs_the_deliveries_view_permission(client, board):
    from django.contrib.auth.models import Permission

    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_campaign"))
    client.force_login(user)

    assert (
        client.get(reverse("admin:campaigns_campaign_dashboard", args=[board.pk])).status_code
        == 200
    )
    assert (
        client.get(reverse("admin:campaigns_campaign_export", args=[board.pk])).status_code == 403
    )


def test_a_campaign_not_there_is_a_404(marketer_client):
    assert (
        marketer_client.get(reverse("admin:campaigns_campaign_dashboard", args=[999])).status_code
        == 404
    )


def test_today_starts_at_the_operators_midnight():
    at = dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC)  # 00:30 on 2 July in Lisbon (UTC+1)

    start = day_start(at=at)

    assert start == dt.datetime(2026, 7, 1, 23, 0, tzinfo=dt.UTC)
