"""Each step of a decision, with the row it leaves (issue 11, §2 "Caps and manners", §4)."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from campaigns.engine import holdout_bucket
from campaigns.models import Delivery
from campaigns.services import (
    campaign_deliveries_due,
    campaign_deliveries_send,
    campaign_dry_run,
)
from catalog.policies import operator_zone
from orders.services import product_instance_purchase
from selfcare.models import Customer, DomainEvent
from selfcare.services.events import event_dispatch
from tests import factories

from .conftest import campaign_messages, campaign_running, consenting, crossed, dispatch, record

pytestmark = pytest.mark.django_db
Outcome = Delivery.Outcome


def outcomes():
    return list(
        Delivery.objects.order_by("campaign_id", "customer_id").values_list(
            "campaign__code", "outcome", "reason"
        )
    )


def test_no_marketing_consent_is_recorded_and_nothing_sent(data_offer, capture):
    tom = factories.CustomerFactory()
    consenting()  # someone is in the audience, so it starts
    campaign_running(offer=data_offer)

    dispatch(crossed(tom), capture)

    assert outcomes() == [("data-running-out", "no_consent", "No marketing consent.")]
    assert campaign_messages(tom) == []


def test_outside_the_audience_rules_no_row_is_written_and_the_dry_run_says_why(data_offer, capture):
    """A campaign decides for its audience, as a schedule's SQL selects it: a customer outside
    its rules gets no row (one per customer x campaign an event's kind fires would be most of
    a batch's writes); the dry run counts her and says why."""
    stacy = consenting(base_plan="Prepaid Go")
    tom = consenting(base_plan="Postpaid Max")
    campaign = campaign_running(offer=data_offer, audience_plans=["Postpaid Max"])

    dispatch(crossed(stacy), capture)
    dispatch(crossed(tom), capture)

    assert Delivery.objects.filter(customer=stacy).count() == 0
    assert list(Delivery.objects.values_list("customer_id", "outcome")) == [(tom.pk, "sent")]
    result = campaign_dry_run(campaign_id=campaign.pk, days=7)
    assert result.counts["not_in_audience"] == 1
    assert (stacy, "Not in the audience", "Not available on your plan (Prepaid Go).") in (
        result.samples
    )


def test_an_offer_she_owns_is_never_promoted_to_her(data_offer, capture):
    stacy = consenting()
    campaign_running(offer=data_offer)
    with capture(execute=True):
        product_instance_purchase(
            customer=stacy,
            line_id=stacy.lines.get().pk,
            offer_id=data_offer.pk,
            channel="portal",
            idempotency_key="owned",
        )

    dispatch(crossed(stacy), capture)

    assert outcomes() == [("data-running-out", "not_offerable", "Owns it already.")]
    assert campaign_messages(stacy) == []


def test_the_holdout_is_the_same_share_of_customers_every_time(data_offer, capture):
    customers = [consenting() for _ in range(40)]
    campaign = campaign_running(offer=data_offer, holdout_percent=25)
    held = {
        c.pk for c in customers if holdout_bucket(campaign_id=campaign.pk, customer_id=c.pk) < 25
    }
    assert 0 < len(held) < 40  # a share, not all or none

    for customer in customers:
        dispatch(crossed(customer), capture)

    decided = dict(Delivery.objects.values_list("customer_id", "outcome"))
    assert {pk for pk, outcome in decided.items() if outcome == "holdout"} == held
    assert {pk for pk, outcome in decided.items() if outcome == "sent"} == {
        c.pk for c in customers
    } - held
    assert all(Delivery.objects.get(customer_id=pk).holdout for pk in held)
    for pk in held:
        assert campaign_messages(Customer.objects.get(pk=pk)) == []


def test_the_campaign_cap_counts_its_own_messages_in_its_period(data_offer, capture):
    stacy = consenting()
    campaign_running(offer=data_offer, cap_messages=2, cap_days=7)

    for _ in range(3):
        dispatch(crossed(stacy), capture)

    assert [o for _, o, _ in outcomes()] == ["sent", "sent", "capped"]
    assert Delivery.objects.get(outcome="capped").reason == (
        "2 from this campaign in 7 days (at most 2)."
    )
    assert len(campaign_messages(stacy)) == 2


def test_one_event_firing_several_campaigns_sends_one_message_the_highest_priority(
    data_offer, capture
):
    stacy = consenting()
    low = campaign_running(offer=data_offer, code="low", priority=10)
    high = campaign_running(
        offer=factories.OfferFactory(data_offer=True, code="bigger", name="Data 30GB"),
        code="high",
        priority=90,
    )

    dispatch(crossed(stacy), capture)

    assert outcomes() == [
        ("low", "arbitrated", "High has priority."),
        ("high", "sent", ""),
    ]
    [message] = campaign_messages(stacy)
    assert message.campaign_id == high.pk
    assert low.deliveries.get().event_id == high.deliveries.get().event_id


def test_the_contact_budget_is_shared_by_every_campaign(data_offer, settings, capture):
    settings.CAMPAIGN_CONTACT_BUDGET = 2
    stacy = consenting()
    for n, percent in enumerate((50, 80, 100)):
        campaign_running(
            offer=factories.OfferFactory(data_offer=True, code=f"o{n}"),
            code=f"c{n}",
            threshold_percent=percent,
        )

    for percent in (50, 80, 100):
        dispatch(crossed(stacy, percent=percent), capture)

    assert [(c, o) for c, o, _ in outcomes()] == [("c0", "sent"), ("c1", "sent"), ("c2", "budget")]
    assert len(campaign_messages(stacy)) == 2


def test_transactional_messages_do_not_count_against_the_budget(
    data_offer, night_pass, settings, capture
):
    settings.CAMPAIGN_CONTACT_BUDGET = 1
    stacy = consenting()
    with capture(execute=True):  # its activation message: transactional
        product_instance_purchase(
            customer=stacy,
            line_id=stacy.lines.get().pk,
            offer_id=night_pass.pk,
            channel="portal",
            idempotency_key="tx",
        )
    assert stacy.notifications.filter(campaign_id__isnull=True).exists()
    campaign_running(offer=data_offer)

    dispatch(crossed(stacy), capture)

    assert [o for _, o, _ in outcomes()] == ["sent"]


def test_a_message_due_in_quiet_hours_waits_for_the_morning(data_offer, settings, capture):

    settings.CAMPAIGN_QUIET_HOURS = (21, 9)
    stacy = consenting()
    campaign_running(offer=data_offer, quiet_hours=True)
    night = dt.datetime(2026, 12, 3, 23, 30, tzinfo=operator_zone())
    morning = dt.datetime(2026, 12, 4, 9, 0, tzinfo=operator_zone())

    with mock.patch("campaigns.engine.timezone.now", return_value=night):
        dispatch(crossed(stacy, at=night), capture)

    delivery = Delivery.objects.get()
    assert (delivery.outcome, delivery.send_after) == ("quiet_hours", morning)
    with capture(execute=True):
        assert campaign_deliveries_due(at=morning - dt.timedelta(minutes=1)) == 0
    assert campaign_messages(stacy) == []

    with (
        mock.patch("campaigns.services.lifecycle.timezone.now", return_value=morning),
        capture(execute=True),
    ):
        assert campaign_deliveries_due(at=morning) == 1

    delivery.refresh_from_db()
    assert (delivery.outcome, delivery.sent_at) == ("sent", morning)
    assert len(campaign_messages(stacy)) == 1


def test_a_message_that_waited_past_its_staleness_is_not_sent(data_offer, settings, capture):

    stacy = consenting()
    campaign_running(offer=data_offer, stale_after_hours=2)
    with capture(execute=False):  # decided; its send job lost
        event_dispatch(event_ids=crossed(stacy))
    later = timezone.now() + dt.timedelta(hours=3)

    campaign_deliveries_send(
        delivery_ids=list(Delivery.objects.values_list("pk", flat=True)), at=later
    )

    assert list(Delivery.objects.values_list("outcome", "reason")) == [
        ("stale", "Waited 3 h: too late to send.")
    ]
    assert campaign_messages(stacy) == []


def test_location_triggers_need_her_location_consent(capture):
    travel = factories.OfferFactory(code="travel", name="Travel Pass")
    stacy, tom = consenting(), consenting()
    Customer.objects.filter(pk=tom.pk).update(location_consent=True)
    campaign_running(
        offer=travel,
        code="zone",
        trigger="ZoneEntered",
        threshold_percent=None,
        message="Hi {first_name}",
    )

    for who in (stacy, tom):
        dispatch(
            record(
                DomainEvent.Kind.ZONE_ENTERED, who, line=who.lines.get(), facts={"zone": "LX-01"}
            ),
            capture,
        )

    assert list(Delivery.objects.order_by("customer_id").values_list("outcome", "reason")) == [
        ("no_consent", "No consent to use her location."),
        ("sent", ""),
    ]


def test_consent_withdrawn_after_the_decision_sends_nothing(data_offer, capture):

    stacy = consenting()
    campaign_running(offer=data_offer)
    with capture(execute=False):  # decided; its send job not run yet
        event_dispatch(event_ids=crossed(stacy))
    Customer.objects.filter(pk=stacy.pk).update(marketing_consent=False)

    campaign_deliveries_send(delivery_ids=list(Delivery.objects.values_list("pk", flat=True)))

    assert outcomes() == [
        ("data-running-out", "no_consent", "Withdrew her marketing consent before it was sent.")
    ]
    assert campaign_messages(stacy) == []
