"""The demo's campaigns, each as a customer meets it (issue 11, §6 and "Done means"): on the
demo data, usage enters by the network feed, the event log dispatches, the campaign decides and
its message arrives."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from campaigns.demo import demo_campaigns_load
from campaigns.engine import holdout_bucket
from campaigns.models import Campaign, Delivery
from campaigns.services import (
    campaign_pause,
    campaign_resume,
    campaign_schedules_run,
    campaign_version_publish,
)
from catalog.policies import operator_zone
from orders.demo import demo_data_load
from orders.models import ProductInstance
from orders.services import product_instance_purchase
from selfcare.models import BYTES_PER_MB, Customer, Notification
from selfcare.services.events import contract_anniversary_record
from selfcare.services.usage import usage_ingest

pytestmark = pytest.mark.django_db
MB = BYTES_PER_MB


@pytest.fixture(autouse=True)
def _by_day(settings):
    settings.CAMPAIGN_QUIET_HOURS = (0, 0)


@pytest.fixture
def demo(db, monkeypatch):
    monkeypatch.setattr("campaigns.demo.CROWD", 20)  # the demo's 150, fewer for speed
    demo_data_load()
    demo_campaigns_load()


def customer(username) -> Customer:
    return Customer.objects.get(user__username=username)


def feed(capture, who, n, **event):
    """One network event of hers through the feed, its dispatch and sends run after commit."""
    line = who.lines.get()
    with capture(execute=True):
        usage_ingest(
            events=[
                {
                    "id": f"flow-{who.pk}-{n}",
                    "msisdn": line.msisdn,
                    "service": "data",
                    "quantity": MB,
                    "unit": "bytes",
                    "at": timezone.now().isoformat(),
                    **event,
                }
            ]
        )


def campaign_sms(who, code=None):
    messages = Notification.objects.filter(customer=who, campaign_id__isnull=False)
    if code:
        messages = messages.filter(campaign_id=Campaign.objects.get(code=code).pk)
    return list(messages.order_by("pk"))


def no_holdout(code):
    """The marketer edits the campaign's holdout to 0 (a new version), so the flow is certain."""
    campaign = Campaign.objects.get(code=code)
    campaign.holdout_percent = 0
    campaign.save()
    campaign_version_publish(campaign=campaign)


def test_paused_nothing_comes_resumed_skipping_nothing_comes_then_toms_message_comes(
    demo, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    marketer = User.objects.get(username="marketer")
    running_out = Campaign.objects.get(code="data-running-out")
    stacy, tom = customer("stacy"), customer("tom")

    campaign_pause(campaign_id=running_out.pk, user=marketer)
    feed(capture, stacy, 1, quantity=1000 * MB)  # her plan data: 62 % -> 82 % used

    assert campaign_sms(stacy) == []
    # the usage alert is transactional: it comes whatever marketing does
    assert stacy.notifications.filter(template="usage_alert").count() == 1

    with capture(execute=True):
        campaign_resume(campaign_id=running_out.pk, policy="skip", user=marketer)
    assert campaign_sms(stacy) == []
    assert list(running_out.state_changes.values_list("to_state", "changed_by_name")) == [
        ("running", ""),
        ("paused", "Mary Marketer"),
        ("running", "Mary Marketer"),
    ]

    feed(capture, tom, 1, quantity=1000 * MB)

    [message] = campaign_sms(tom, "data-running-out")
    assert message.body.startswith(
        "Tom, you have 940 MB of data left. Data 15GB: 15 GB for 30 days, €10.00, one tap: "
    )
    assert message.status == "sent"
    assert campaign_sms(stacy) == []


def test_low_balance_sends_the_top_up_link(demo, offers, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    no_holdout("low-balance")
    tom = customer("tom")  # €15.00
    with capture(execute=True):
        for offer, key in ((offers["Data 15GB"], "a"), (offers["Games Club"], "b")):
            product_instance_purchase(
                customer=tom,
                line_id=tom.lines.get().pk,
                offer_id=offer.pk,
                channel="portal",
                idempotency_key=f"low-{key}",
            )

    [message] = campaign_sms(tom, "low-balance")
    assert message.body.startswith("Tom, your balance is €1.01. Top up in a tap")
    assert message.links.get().target == "/topup/"


def test_a_contract_anniversary_grants_loyalty_data(demo, django_capture_on_commit_callbacks):
    stacy = customer("stacy")
    today = timezone.localtime(timezone.now(), operator_zone()).date()
    Customer.objects.filter(pk=stacy.pk).update(contract_start=today.replace(year=today.year - 3))

    with django_capture_on_commit_callbacks(execute=True):
        contract_anniversary_record()

    delivery = Delivery.objects.get(campaign__code="anniversary-loyalty", customer=stacy)
    granted = ProductInstance.objects.get(pk=delivery.granted_product_id)
    assert (granted.offer.code, granted.price, granted.status) == ("loyalty-data", 0, "active")
    [message] = campaign_sms(stacy, "anniversary-loyalty")
    assert message.body == (
        "Happy anniversary, Stacy! Loyalty Data is on your line, our thanks for another year."
    )


def test_the_evening_reminder_reaches_recent_night_pass_buyers(
    demo, django_capture_on_commit_callbacks
):
    campaign = Campaign.objects.get(code="tv-evening")
    buyers = set(
        ProductInstance.objects.filter(
            offer__code="mobile-tv-night-pass",
            created_at__gte=timezone.now() - dt.timedelta(days=30),
        ).values_list("customer_id", flat=True)
    )
    told = {pk for pk in buyers if holdout_bucket(campaign_id=campaign.pk, customer_id=pk) >= 10}
    evening = timezone.localtime(timezone.now(), operator_zone()).replace(hour=19, minute=31)

    with django_capture_on_commit_callbacks(execute=True):
        assert campaign_schedules_run(at=evening) == 1

    assert len(buyers) == 4  # every fifth of the crowd
    assert (
        set(campaign.deliveries.filter(outcome="sent").values_list("customer_id", flat=True))
        == told
    )
    assert (
        set(campaign.deliveries.filter(outcome="holdout").values_list("customer_id", flat=True))
        == buyers - told
    )
    assert Notification.objects.filter(campaign_id=campaign.pk).count() == len(told)


def test_roaming_started_offers_travel_data(demo, django_capture_on_commit_callbacks):
    no_holdout("roaming-travel")
    stacy = customer("stacy")

    feed(django_capture_on_commit_callbacks, stacy, 1, country="ES")

    [message] = campaign_sms(stacy, "roaming-travel")
    assert message.body.startswith("Welcome abroad, Stacy! Travel Data: 5 GB for 7 days, €7.00: ")


def test_entering_the_stadium_zone_offers_summer_data_with_location_consent_only(
    demo, django_capture_on_commit_callbacks
):
    no_holdout("stadium-zone")
    stacy, tom = customer("stacy"), customer("tom")  # tom has not agreed to location use

    feed(django_capture_on_commit_callbacks, stacy, 1, zone="LX-STADIUM")
    feed(django_capture_on_commit_callbacks, tom, 1, zone="LX-STADIUM")

    [message] = campaign_sms(stacy, "stadium-zone")
    assert message.body.startswith("Stacy, at the stadium? Share every goal: Summer Data 20GB")
    assert campaign_sms(tom) == []


def test_the_demo_campaigns_run_when_make_run_starts(demo):
    assert sorted(Campaign.objects.filter(state="running").values_list("code", flat=True)) == [
        "anniversary-loyalty",
        "data-running-out",
        "low-balance",
        "roaming-travel",
        "stadium-zone",
        "tv-evening",
    ]
    zone = Campaign.objects.get(code="stadium-zone")
    assert zone.deliveries.filter(outcome="holdout").count() > 0
    assert zone.deliveries.filter(outcome="sent").count() > 0
    assert Campaign.objects.get(code="data-running-out").holdout_percent == 0
    assert Decimal(Campaign.objects.get(code="low-balance").balance_below) == Decimal("2.00")
