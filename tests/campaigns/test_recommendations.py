"""Next best offer: her last three calendar months of data, rated as the network feed rates them,
tell a one-off spike from a plan that does not fit and from under-use; the card on her dashboard
and in the agent's console says why in the same words, names only an offer she may buy and does
not own, is recorded once a month, and a held-out customer is shown nothing."""

import datetime as dt
import html
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext

from campaigns.demo_recommendations import demo_recommendations_load
from campaigns.engine import holdout_bucket
from campaigns.models import Recommendation
from campaigns.recommendation_results import next_best_offer_results
from campaigns.recommendations import (
    NBO_HOLDOUT_ID,
    NextBestOffer,
    UsagePeriod,
    is_held_out,
    next_best_offer_get,
    usage_pattern,
    usage_periods_list,
)
from campaigns.services.recommendations import next_best_offer_show
from catalog.models import OfferTemplate
from catalog.services import catalog_version_bump
from orders.demo import demo_data_load
from orders.models import ProductInstance
from selfcare import settings as project_settings
from selfcare.models import BYTES_PER_MB, Bucket, Customer
from selfcare.services import usage_ingest
from tests.factories import CustomerFactory, OfferFactory, OfferTemplateFactory, UserFactory
from tests.orders.helpers import buy

pytestmark = pytest.mark.django_db
MB = BYTES_PER_MB
LISBON = ZoneInfo("Europe/Lisbon")
# Mid-July: the months looked at are April, May and June.
NOW = dt.datetime(2026, 7, 15, 10, 0, tzinfo=LISBON)
MONTHS = (4, 5, 6)


@pytest.fixture(autouse=True)
def _no_holdout(settings):
    """Nobody is held out unless a test says so."""
    settings.NBO_HOLDOUT_PERCENT = 0


def recurring(name, price, data_mb, **kwargs):
    template = OfferTemplateFactory(
        code="recurring-bundle", name="Recurring bundle", kind=OfferTemplate.Kind.RECURRING_BUNDLE
    )
    return OfferFactory(
        template=template,
        name=name,
        price=Decimal(price),
        data_mb=data_mb,
        billing="recurring",
        duration_days=30,
        **kwargs,
    )


def one_off(name, price, data_mb, **kwargs):
    return OfferFactory(
        name=name, price=Decimal(price), data_mb=data_mb, duration_days=30, **kwargs
    )


@pytest.fixture
def catalog(db):
    """The demo's Monthly Bundle, a bigger bundle, and data passes of three sizes."""
    return {
        "monthly": recurring("Monthly Bundle", "9.99", 5120),
        "big": recurring("Big Bundle", "14.99", 20480),
        "pass1": one_off("Data 1GB", "3.00", 1024),
        "pass5": one_off("Data 5GB", "6.00", 5120),
        "pass15": one_off("Data 15GB", "10.00", 15360),
    }


def customer_since(start: dt.date, **kwargs) -> Customer:
    with time_machine.travel(NOW, tick=False):
        return CustomerFactory(contract_start=start, **kwargs)


def month_start(month: int) -> dt.datetime:
    return dt.datetime(2026, month, 1, tzinfo=LISBON)


def allowance(line, month: int, mb: int, name="Plan data") -> Bucket:
    """An allowance of `mb` for the calendar month, as her plan grants it."""
    return Bucket.objects.create(
        line=line,
        name=name,
        unit=Bucket.Unit.BYTES,
        initial=mb * MB,
        valid_from=month_start(month),
        valid_until=month_start(month + 1),
    )


def use(line, month: int, mb: int) -> None:
    """`mb` of data on the 10th of `month`, fed and rated then (charges dated then too)."""
    at = dt.datetime(2026, month, 10, 12, 0, tzinfo=LISBON)
    with time_machine.travel(at, tick=False):
        result = usage_ingest(
            events=[
                {
                    "id": f"use-{line.pk}-{month}",
                    "msisdn": line.msisdn,
                    "service": "data",
                    "quantity": mb * MB,
                    "unit": "bytes",
                    "at": at.isoformat(),
                }
            ]
        )
    assert result.accepted == 1


def months(line, *, plan_mb: int, used_mb: tuple[int, int, int]) -> None:
    for month, mb in zip(MONTHS, used_mb, strict=True):
        allowance(line, month, plan_mb)
        use(line, month, mb)


def card_words(page: str) -> str:
    found = re.search(r'<p class="recommendation-words">(.*?)</p>', page, re.S)
    assert found, "no card"
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip())


def get(customer):
    return next_best_offer_get(customer=customer, line=customer.lines.get(), at=NOW)


@pytest.fixture
def on_the_day():
    with time_machine.travel(NOW, tick=False):
        yield


# What her months are


def test_her_months_are_whole_calendar_months_in_the_operators_time_zone():
    stacy = customer_since(dt.date(2024, 1, 1), balance=Decimal("200.00"))
    line = stacy.lines.get()
    months(line, plan_mb=2048, used_mb=(1000, 2048 + 1419, 500))
    # 23:30 on 30 June in Lisbon is 22:30 UTC: June's; 00:30 on 1 July is July's, not looked at
    with time_machine.travel(NOW, tick=False):
        usage_ingest(
            events=[
                {
                    "id": f"late-{n}",
                    "msisdn": line.msisdn,
                    "service": "data",
                    "quantity": mb * MB,
                    "unit": "bytes",
                    "at": at.isoformat(),
                }
                for n, (mb, at) in enumerate(
                    [
                        (100, dt.datetime(2026, 6, 30, 23, 30, tzinfo=LISBON)),
                        (300, dt.datetime(2026, 7, 1, 0, 30, tzinfo=LISBON)),
                    ]
                )
            ]
        )

    periods = usage_periods_list(line=line, at=NOW)

    assert periods == [
        UsagePeriod(dt.date(2026, 4, 1), 1000 * MB, 2048 * MB, 0, Decimal("0.00")),
        UsagePeriod(dt.date(2026, 5, 1), 3467 * MB, 2048 * MB, 1419 * MB, Decimal("14.19")),
        UsagePeriod(dt.date(2026, 6, 1), 600 * MB, 2048 * MB, 0, Decimal("0.00")),
    ]


def test_an_allowance_across_two_months_counts_in_each_pro_rata_of_its_time():
    stacy = customer_since(dt.date(2024, 1, 1))
    line = stacy.lines.get()
    # 30 days from 16 April 00:00 (Lisbon): 15 days in April, 15 in May
    Bucket.objects.create(
        line=line,
        name="Plan data",
        unit=Bucket.Unit.BYTES,
        initial=3000 * MB,
        valid_from=dt.datetime(2026, 4, 16, tzinfo=LISBON),
        valid_until=dt.datetime(2026, 5, 16, tzinfo=LISBON),
    )

    assert [p.allowance for p in usage_periods_list(line=line, at=NOW)] == [
        1500 * MB,
        1500 * MB,
        0,
    ]


# The patterns, from the numbers alone


def period(month, used, allowance=2048, out=0, paid="0.00"):
    return UsagePeriod(dt.date(2026, month, 1), used * MB, allowance * MB, out * MB, Decimal(paid))


@pytest.mark.parametrize(
    ("used", "outs", "kind"),
    [
        ((3000, 3000, 1000), (952, 952, 0), "misfit"),  # ran out in 2 of 3
        ((1000, 1100, 4000), (0, 0, 1952), "spike"),  # June is 3.6 times the others
        ((1900, 1800, 2100), (0, 0, 52), None),  # ran out once, no spike: nothing to say
        ((0, 0, 2100), (0, 0, 52), None),  # no use before: no usual to be far above
        ((500, 600, 614), (0, 0, 0), "underuse"),  # at most 29.98 %: under 30 %
        ((500, 600, 615), (0, 0, 0), None),  # 30.03 %: not far below her allowance
        ((1200, 1300, 1100), (0, 0, 0), None),  # a plan that fits
    ],
)
def test_the_three_patterns_and_nothing_to_say(used, outs, kind):
    periods = [period(m, u, out=o) for m, u, o in zip(MONTHS, used, outs, strict=True)]

    pattern = usage_pattern(periods=periods)

    assert (pattern.kind if pattern else None) == kind


def test_fewer_months_than_three_say_nothing():
    assert usage_pattern(periods=[period(5, 3000, out=952), period(6, 3000, out=952)]) is None


# The cards: her dashboard


def test_a_plan_that_does_not_fit_names_the_bundle_that_would_have_cost_least(
    client, catalog, on_the_day
):
    # 1,419 MB beyond her 2 GB every month at €0.01 a MB: €14.19 a month. Monthly Bundle's 5 GB
    # would have covered it for €9.99 (€4.20 less); Big Bundle, €14.99, would have cost more.
    stacy = customer_since(dt.date(2024, 1, 1))
    months(stacy.lines.get(), plan_mb=2048, used_mb=(3467, 3467, 3467))
    client.force_login(stacy.user)

    page = client.get("/").content.decode()

    assert card_words(page) == (
        "You ran out of data in 3 of the last 3 months: Monthly Bundle would have saved you "
        "€4.20 a month."
    )
    assert f'href="/offers/{catalog["monthly"].pk}/">See Monthly Bundle</a>' in page
    card = get(stacy)
    assert (card.kind, card.ran_out, card.offer, card.saving) == (
        "misfit",
        3,
        catalog["monthly"],
        Decimal("4.20"),
    )


def test_the_saving_counts_what_would_still_have_been_beyond_the_bundle(catalog, on_the_day):
    # April 6,000 MB and May 3,000 MB beyond her allowance (€60 and €30 paid), June within it.
    # Monthly Bundle: (9.99 + 880 MB x €0.01) + 9.99 + 9.99 = €38.77 for €90.00 paid:
    # €17.08 a month less. Big Bundle: 3 x €14.99 = €44.97: €15.01 a month less.
    stacy = customer_since(dt.date(2024, 1, 1), balance=Decimal("200.00"))
    months(stacy.lines.get(), plan_mb=2048, used_mb=(2048 + 6000, 2048 + 3000, 1000))

    card = get(stacy)

    assert (card.kind, card.ran_out, card.offer, card.saving) == (
        "misfit",
        2,
        catalog["monthly"],
        Decimal("17.08"),
    )


def test_a_plan_that_does_not_fit_with_no_bundle_that_saves_says_nothing(catalog, on_the_day):
    # 200 MB beyond her allowance (€2.00) each month: any bundle costs more than that.
    stacy = customer_since(dt.date(2024, 1, 1))
    months(stacy.lines.get(), plan_mb=2048, used_mb=(2248, 2248, 2248))

    assert get(stacy) is None


def test_a_one_off_spike_names_the_cheapest_pass_that_covers_such_a_month(
    client, catalog, on_the_day
):
    # June: 4,000 MB, 1,952 MB beyond her 2 GB (€19.52); April and May 1,000 and 1,100 MB.
    stacy = customer_since(dt.date(2024, 1, 1))
    months(stacy.lines.get(), plan_mb=2048, used_mb=(1000, 1100, 4000))
    client.force_login(stacy.user)

    page = client.get("/").content.decode()

    assert card_words(page) == (
        "In June you used about 4 times your usual data and paid €19.52 out of bundle. For a "
        "month like that, Data 5GB gives you 5 GB for €6.00, once, without changing your plan."
    )
    card = get(stacy)
    assert (card.kind, card.offer, card.price, card.saving) == (
        "spike",
        catalog["pass5"],
        Decimal("6.00"),
        None,
    )


def test_a_spike_she_did_not_pay_for_is_worded_so(catalog):
    # Her limit stopped her data: nothing was charged.
    card = NextBestOffer(
        kind="spike",
        periods=3,
        ran_out=1,
        currency="EUR",
        offer=catalog["pass15"],
        price=Decimal("10.00"),
        spike_month=dt.date(2026, 6, 1),
        spike_times=3,
        spike_paid=Decimal("0.00"),
    )

    page = render_to_string("selfcare/partials/recommendation.html", {"recommendation": card})

    assert card_words(page) == (
        "In June you used about 3 times your usual data and ran out. For a month like that, "
        "Data 15GB gives you 15 GB for €10.00, once, without changing your plan."
    )


def test_under_use_says_so_when_there_is_nothing_cheaper(client, catalog, on_the_day):
    stacy = customer_since(dt.date(2024, 1, 1))
    months(stacy.lines.get(), plan_mb=10240, used_mb=(500, 800, 2000))
    client.force_login(stacy.user)

    page = client.get("/").content.decode()

    # 2,000 of 10,240 MB is 19.5 %: "at most 20 %", never understated
    assert card_words(page) == (
        "You used at most 20% of your data in each of the last 3 months: your allowances are "
        "more than you need."
    )
    assert "See " not in page.split('id="recommendation"')[1].split("</section>")[0]
    assert Recommendation.objects.get().offer is None


def test_under_use_names_a_cheaper_bundle_than_hers_that_still_covers_her_use(
    client, catalog, on_the_day
):
    # She has Big Bundle (€14.99, 20 GB) on top of her plan's 2 GB and uses at most 1,800 MB:
    # Monthly Bundle's 5 GB would cover it for €9.99.
    stacy = customer_since(dt.date(2024, 1, 1))
    line = stacy.lines.get()
    buy(stacy, catalog["big"])
    for month, mb in zip(MONTHS, (1500, 1200, 1800), strict=True):
        allowance(line, month, 20480, name="Big Bundle data")
        allowance(line, month, 2048)
        use(line, month, mb)
    client.force_login(stacy.user)

    page = client.get("/").content.decode()

    assert card_words(page) == (
        "You used at most 8% of your data in each of the last 3 months: Monthly Bundle would "
        "still have covered it and saved you €5.00 a month."
    )


def test_nothing_to_say_shows_no_card_and_records_nothing(client, catalog, on_the_day):
    stacy = customer_since(dt.date(2024, 1, 1))
    months(stacy.lines.get(), plan_mb=2048, used_mb=(1200, 1300, 1100))
    client.force_login(stacy.user)

    page = client.get("/").content.decode()

    assert 'id="recommendation"' not in page
    assert Recommendation.objects.count() == 0


def test_a_customer_who_was_not_with_us_all_three_months_gets_no_card(catalog, on_the_day):
    late = customer_since(dt.date(2026, 4, 2))
    months(late.lines.get(), plan_mb=2048, used_mb=(3467, 3467, 3467))

    assert get(late) is None


def test_only_an_offer_she_may_buy_and_does_not_own_is_named(catalog, on_the_day):
    stacy = customer_since(dt.date(2024, 1, 1), balance=Decimal("100.00"))
    months(stacy.lines.get(), plan_mb=2048, used_mb=(3467, 3467, 3467))
    # Monthly Bundle is only for another plan's customers now; Big Bundle would cost more.
    catalog["monthly"].eligible_plans = ["Family Bundle M"]
    catalog["monthly"].save()
    catalog_version_bump()
    assert get(stacy) is None

    # a bundle she owns is never named, even when it would save
    catalog["monthly"].eligible_plans = []
    catalog["monthly"].save()
    catalog_version_bump()
    assert get(stacy).offer == catalog["monthly"]
    buy(stacy, catalog["monthly"])
    assert get(stacy) is None


def test_a_spike_names_no_pass_she_may_not_buy(catalog, on_the_day):
    stacy = customer_since(dt.date(2024, 1, 1))
    months(stacy.lines.get(), plan_mb=2048, used_mb=(1000, 1100, 4000))
    buy(stacy, catalog["pass5"], key="bought-5")

    # Data 5GB is hers: the cheapest pass that covers June is now Data 15GB
    assert get(stacy).offer == catalog["pass15"]


# The holdout


def test_the_holdout_is_the_campaigns_stable_hash_with_its_own_id(settings):
    settings.NBO_HOLDOUT_PERCENT = 10
    ids = range(1, 2001)

    held = {pk for pk in ids if is_held_out(customer_id=pk)}

    assert held == {pk for pk in ids if holdout_bucket(campaign_id=0, customer_id=pk) < 10}
    assert NBO_HOLDOUT_ID == 0
    assert 180 <= len(held) <= 220  # about 10 %


def test_a_held_out_customer_sees_no_card_and_is_recorded_as_held_out(
    client, catalog, settings, on_the_day
):
    settings.NBO_HOLDOUT_PERCENT = 100
    stacy = customer_since(dt.date(2024, 1, 1))
    months(stacy.lines.get(), plan_mb=2048, used_mb=(3467, 3467, 3467))
    client.force_login(stacy.user)

    page = client.get("/").content.decode()

    assert 'id="recommendation"' not in page
    assert list(Recommendation.objects.values_list("holdout", "kind", "offer", "saving")) == [
        (True, "misfit", catalog["monthly"].pk, Decimal("4.20"))
    ]


def test_the_default_holdout_is_ten_percent():
    assert project_settings.NBO_HOLDOUT_PERCENT == 10


# Recorded once a month


def test_a_card_is_recorded_once_a_month_however_often_she_looks(client, catalog):
    stacy = customer_since(dt.date(2024, 1, 1))
    line = stacy.lines.get()
    months(line, plan_mb=2048, used_mb=(3467, 3467, 3467))
    allowance(line, 7, 2048)
    use(line, 7, 3467)
    client.force_login(stacy.user)

    with time_machine.travel(NOW, tick=False):
        client.get("/")
        client.get("/")
    with time_machine.travel(NOW + dt.timedelta(days=10), tick=False):
        client.get("/")
    # August looks at May, June and July: a month of its own
    with time_machine.travel(dt.datetime(2026, 8, 3, 9, 0, tzinfo=LISBON), tick=False):
        page = client.get("/").content.decode()

    assert 'id="recommendation"' in page
    assert list(Recommendation.objects.order_by("period").values_list("period", "shown_at")) == [
        (dt.date(2026, 7, 1), NOW),
        (dt.date(2026, 8, 1), dt.datetime(2026, 8, 3, 9, 0, tzinfo=LISBON)),
    ]


def test_next_best_offer_show_returns_the_card_and_writes_one_row(catalog, on_the_day):
    stacy = customer_since(dt.date(2024, 1, 1))
    line = stacy.lines.get()
    months(line, plan_mb=2048, used_mb=(3467, 3467, 3467))

    first = next_best_offer_show(customer=stacy, line=line, at=NOW)
    again = next_best_offer_show(customer=stacy, line=line, at=NOW + dt.timedelta(hours=1))

    assert first == again
    row = Recommendation.objects.get()
    assert (row.customer, row.line, row.period, row.shown_at, row.holdout) == (
        stacy,
        line,
        dt.date(2026, 7, 1),
        NOW,
        False,
    )


# The agent's console


@pytest.fixture
def agent_client(client):
    agent = UserFactory(username="alex", groups=["Call-centre agents"])
    client.force_login(agent)
    return client


def test_the_console_shows_her_card_in_the_same_words_and_records_nothing(
    agent_client, catalog, on_the_day
):
    stacy = customer_since(dt.date(2024, 1, 1))
    months(stacy.lines.get(), plan_mb=2048, used_mb=(1000, 1100, 4000))

    page = agent_client.get(f"/backoffice/customers/{stacy.pk}/").content.decode()

    assert card_words(page) == (
        "In June you used about 4 times your usual data and paid €19.52 out of bundle. For a "
        "month like that, Data 5GB gives you 5 GB for €6.00, once, without changing your plan."
    )
    assert Recommendation.objects.count() == 0


def test_the_console_says_when_she_is_held_out(agent_client, catalog, settings, on_the_day):
    settings.NBO_HOLDOUT_PERCENT = 100
    stacy = customer_since(dt.date(2024, 1, 1))
    months(stacy.lines.get(), plan_mb=2048, used_mb=(3467, 3467, 3467))

    page = agent_client.get(f"/backoffice/customers/{stacy.pk}/").content.decode()

    assert "She is in the next best offer's holdout: no tip is shown to her" in page
    assert 'class="recommendation-words"' not in page


# Cost


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


def busy_months(line) -> None:
    """Four allowances a month and a day's use on 27 days of each month: 3,510 MB a month,
    1,462 MB beyond her 2 GB."""
    for month in MONTHS:
        for n in range(4):
            allowance(line, month, 512, name=f"Allowance {n}")
        for day in range(1, 28):
            at = dt.datetime(2026, month, day, 12, tzinfo=LISBON)
            with time_machine.travel(at, tick=False):
                usage_ingest(
                    events=[
                        {
                            "id": f"busy-{line.pk}-{month}-{day}",
                            "msisdn": line.msisdn,
                            "service": "data",
                            "quantity": 130 * MB,
                            "unit": "bytes",
                            "at": at.isoformat(),
                        }
                    ]
                )


def test_the_card_costs_the_same_queries_whatever_her_history(catalog, on_the_day):
    little = customer_since(dt.date(2024, 1, 1))
    months(little.lines.get(), plan_mb=2048, used_mb=(3467, 3467, 3467))
    busy = customer_since(dt.date(2024, 1, 1))
    busy_months(busy.lines.get())
    buy(busy, catalog["pass1"], key="owned-1")
    for n in range(10):
        one_off(f"Extra pass {n}", "4.00", 2048)
    get(little)  # the published catalog kept, as on any page but the first after a change

    lines = {c: c.lines.get() for c in (little, busy)}
    counts = [
        _count(lambda c=c: next_best_offer_get(customer=c, line=lines[c], at=NOW))
        for c in (little, busy)
    ]

    assert (get(little).kind, get(busy).kind) == ("misfit", "misfit")
    # her months (3), what she owns and bought (1), the catalog's version (1), her plan (1)
    assert counts == [6, 6]


def test_her_dashboard_costs_the_same_queries_whatever_her_history(client, catalog, on_the_day):
    little = customer_since(dt.date(2024, 1, 1))
    months(little.lines.get(), plan_mb=2048, used_mb=(3467, 3467, 3467))
    busy = customer_since(dt.date(2024, 1, 1))
    busy_months(busy.lines.get())
    counts = []
    for customer in (little, busy):
        client.force_login(customer.user)
        client.get("/")
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/").content.decode()
        assert "You ran out of data in 3 of the last 3 months" in card_words(page)
        counts.append(len(queries))

    assert counts[0] == counts[1]


# Results against the holdout


def test_the_results_count_purchases_of_the_named_offer_within_30_days(catalog):
    offer = catalog["pass5"]

    def card(customer, *, holdout=False, at=NOW, named=offer):
        return Recommendation.objects.create(
            customer=customer,
            line=customer.lines.get(),
            period=at.date().replace(day=1),
            kind="spike",
            offer=named,
            holdout=holdout,
            shown_at=at,
        )

    def bought_on(customer, offer, at, key):
        with time_machine.travel(at, tick=False):
            buy(customer, offer, key=key)

    shown = [customer_since(dt.date(2024, 1, 1)) for _ in range(4)]
    held = [customer_since(dt.date(2024, 1, 1)) for _ in range(2)]
    for customer in shown:
        card(customer)
    for customer in held:
        card(customer, holdout=True)
    no_offer = customer_since(dt.date(2024, 1, 1))
    card(no_offer, named=None)  # an under-use card names nothing: not counted
    bought_on(shown[0], offer, NOW + dt.timedelta(days=2), "a")
    bought_on(shown[1], offer, NOW + dt.timedelta(days=29), "b")
    bought_on(shown[2], offer, NOW + dt.timedelta(days=31), "c")  # too late
    bought_on(shown[3], catalog["pass15"], NOW + dt.timedelta(days=1), "d")  # another offer
    bought_on(held[0], offer, NOW + dt.timedelta(days=5), "e")

    with CaptureQueriesContext(connection) as queries:
        results = next_best_offer_results()

    assert len(queries) == 1
    assert (results.shown, results.shown_converted, results.holdout, results.holdout_converted) == (
        4,
        2,
        2,
        1,
    )
    assert (results.shown_rate, results.holdout_rate, results.lift) == (
        Decimal("50.0"),
        Decimal("50.0"),
        Decimal("0.0"),
    )
    # a failed purchase is no conversion
    ProductInstance.objects.filter(customer=shown[1]).update(status=ProductInstance.Status.FAILED)
    results = next_best_offer_results()
    assert (results.shown_converted, results.shown_rate, results.lift) == (
        1,
        Decimal("25.0"),
        Decimal("-25.0"),
    )
    # 95 %: -25 +- 1.96 x sqrt(0.25 x 0.75 / 4 + 0.5 x 0.5 / 2) = -25 +- 81.3
    assert results.lift_interval == (Decimal("-106.3"), Decimal("56.3"))


def test_no_cards_yet_give_no_rates():
    results = next_best_offer_results()

    assert (results.shown, results.holdout, results.shown_rate, results.lift) == (0, 0, None, None)
    assert results.lift_interval is None


# The demo


def test_the_demo_has_nina_whose_plan_does_not_fit(agent_client):
    demo_data_load()  # the demo's offers and plans (its campaigns do not matter here)
    assert demo_recommendations_load() == ["nina"]
    nina = Customer.objects.get(user__username="nina")
    her = Client()
    her.force_login(nina.user)

    response = her.get("/")
    console = agent_client.get(f"/backoffice/customers/{nina.pk}/").content.decode()

    assert response.status_code == 200
    page = response.content.decode()

    words = (
        "You ran out of data in 3 of the last 3 months: Monthly Bundle would have saved you "
        "€4.20 a month."
    )
    assert card_words(page) == words
    assert card_words(console) == words
    # her balance: €60.00 opening, three months of €14.19 out of bundle
    assert 'id="balance">€17.43<' in page
    assert demo_recommendations_load() == []
