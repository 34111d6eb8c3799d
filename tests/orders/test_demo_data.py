from decimal import Decimal

import pytest
from django.contrib.auth import authenticate as django_authenticate
from django.test import RequestFactory

from catalog.models import Offer
from orders.demo import DEMO_PASSWORD, demo_data_load
from selfcare.models import Customer, LedgerEntry
from selfcare.selectors import customer_balance

pytestmark = pytest.mark.django_db


def authenticate(**credentials):
    """Sign in as the login page does: with its request (the lockout needs the client's)."""
    return django_authenticate(RequestFactory().post("/accounts/login/"), **credentials)


def test_the_demo_data_has_the_readmes_users_and_offers():
    demo_data_load()

    for username in ("stacy", "tom", "sam", "agent", "supervisor", "pm"):
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None
    stacy = Customer.objects.get(user__username="stacy")
    assert customer_balance(customer=stacy) == Decimal("30.00")
    assert stacy.lifecycle_status == "active"
    assert Customer.objects.get(user__username="sam").lifecycle_status == "suspended"
    pm = authenticate(username="pm", password=DEMO_PASSWORD)
    assert pm.is_staff
    assert not pm.is_superuser
    assert pm.has_perm("catalog.publish_offer")
    agent = authenticate(username="agent", password=DEMO_PASSWORD)
    assert list(agent.groups.values_list("name", flat=True)) == ["Call-centre agents"]
    assert not agent.is_staff
    assert not agent.has_perm("orders.refund_beyond_policy")
    supervisor = authenticate(username="supervisor", password=DEMO_PASSWORD)
    assert supervisor.has_perm("orders.refund_beyond_policy")
    assert {(o.name, o.price, o.status) for o in Offer.objects.all()} == {
        ("Data 15GB", Decimal("10.00"), "published"),
        ("Summer Data 20GB", Decimal("12.00"), "published"),
        ("Mobile TV Night Pass", Decimal("2.00"), "published"),
        ("Games Club", Decimal("3.99"), "published"),
        ("News Alerts", Decimal("0.99"), "published"),
        ("Monthly Bundle", Decimal("9.99"), "published"),
        ("My Fixed Price Bundle", Decimal("15.00"), "published"),
        ("Gift 1GB", Decimal("3.00"), "published"),
        ("Travel Line 30 days", Decimal("5.00"), "published"),
        ("Loyalty Data", Decimal("0.00"), "published"),
        ("Video Rollover", Decimal("0.99"), "published"),
    }
    assert Offer.objects.get(code="summer-data-20gb").channel_prices == {"portal": "9.00"}
    bundle = Offer.objects.get(code="monthly-bundle")
    assert list(bundle.suspends_offers.values_list("name", flat=True)) == ["Games Club"]


def test_every_template_in_the_pack_is_coherent():
    from catalog.models import OfferTemplate
    from catalog.policies import terms_problems
    from catalog.services import offer_template_load_pack

    offer_template_load_pack()

    assert {t.code: terms_problems(t) for t in OfferTemplate.objects.all()} == {
        t.code: [] for t in OfferTemplate.objects.all()
    }


def test_loading_twice_neither_duplicates_nor_resets():
    demo_data_load()
    stacy = Customer.objects.get(user__username="stacy")
    LedgerEntry.objects.create(
        account=stacy.account, kind="charge", amount="-5.00", description="x", reference="x"
    )
    counts = (Customer.objects.count(), Offer.objects.count(), LedgerEntry.objects.count())

    assert demo_data_load() == []

    assert (Customer.objects.count(), Offer.objects.count(), LedgerEntry.objects.count()) == counts
    assert customer_balance(customer=stacy) == Decimal("25.00")


def test_the_demo_campaigns_load_once(monkeypatch):
    from campaigns.demo import demo_campaigns_load
    from campaigns.models import Campaign, Delivery
    from selfcare.models import Customer

    monkeypatch.setattr("campaigns.demo.CROWD", 10)
    demo_data_load()

    assert demo_campaigns_load() == [
        "Summer data promotion",
        "Data running out",
        "Low balance: top up",
        "Contract anniversary: Loyalty Data",
        "Mobile TV tonight (Night Pass buyers)",
        "Roaming started: Travel Data",
        "At the stadium: Summer Data",
    ]
    decided = Delivery.objects.count()
    assert demo_campaigns_load() == []
    assert Campaign.objects.count() == 7
    assert Customer.objects.count() == 3 + 10
    assert Delivery.objects.count() == decided == 10  # the crowd's stadium history, once
    assert Campaign.objects.get(code="summer-data").offer.code == "summer-data-20gb"


def test_the_demo_plans_have_their_rates_and_her_chart_a_history_matching_her_usage_bars():
    from django.db.models import Sum

    from catalog.models import BasePlan
    from selfcare.models import Bucket, UsageRecord

    demo_data_load()

    assert sorted(
        BasePlan.objects.values_list("name", "rate_per_mb", "rate_per_minute", "rate_per_sms")
    ) == [
        ("Family Bundle M", Decimal("0.0080"), Decimal("0.0800"), Decimal("0.0600")),
        ("Prepaid Go", Decimal("0.0100"), Decimal("0.1000"), Decimal("0.0800")),
    ]
    line = Customer.objects.get(user__username="stacy").lines.get()
    for bucket in Bucket.objects.filter(line=line):
        drawn = UsageRecord.objects.filter(line=line, unit=bucket.unit).aggregate(
            total=Sum("quantity")
        )["total"]
        assert drawn == bucket.used
    # a product manager's change survives the next load
    BasePlan.objects.filter(name="Prepaid Go").update(rate_per_mb=Decimal("0.0200"))
    demo_data_load()
    assert BasePlan.objects.get(name="Prepaid Go").rate_per_mb == Decimal("0.0200")
    assert pm_may_change_plans()


def pm_may_change_plans() -> bool:
    pm = authenticate(username="pm", password=DEMO_PASSWORD)
    return pm.has_perm("catalog.change_baseplan") and not pm.has_perm("catalog.delete_baseplan")
