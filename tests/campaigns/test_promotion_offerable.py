"""A promotion is never sent for an offer she owns or cannot buy (issue 12, §3 "Messages";
issue 11, §2 "Audience"): neither a lifecycle campaign's message nor one sent by hand."""

import pytest
from django.core.management import call_command

from campaigns.models import Campaign, Delivery
from campaigns.services import NotOfferableError, campaign_promotion_send
from orders.services import product_instance_purchase
from selfcare.models import Notification, TrackedLink
from tests.factories import CustomerFactory, OfferFactory

from .conftest import campaign_messages, campaign_running, consenting, crossed, dispatch

pytestmark = pytest.mark.django_db


@pytest.fixture
def postpaid_only(db):
    return OfferFactory(name="Postpaid Data", data_offer=True, eligible_plans=["Postpaid Max"])


def promotion(offer) -> Campaign:
    return Campaign.objects.create(name="Summer", code="summer", offer=offer, message="Try it!")


def test_a_campaign_never_promotes_an_offer_she_cannot_buy(postpaid_only, capture):
    stacy = consenting(base_plan="Prepaid Go")
    consenting(base_plan="Postpaid Max")  # someone may buy it, so it starts
    campaign_running(offer=postpaid_only)

    dispatch(crossed(stacy), capture)

    delivery = Delivery.objects.get()
    assert (delivery.outcome, delivery.reason) == (
        "not_offerable",
        "Not available on your plan (Prepaid Go).",
    )
    assert campaign_messages(stacy) == []


def test_a_promotion_by_hand_is_refused_for_an_offer_she_owns(data_offer):
    stacy = CustomerFactory(name="Stacy Martin", marketing_consent=True)
    product_instance_purchase(
        customer=stacy,
        line_id=stacy.lines.get().pk,
        offer_id=data_offer.pk,
        channel="portal",
        idempotency_key="owned",
    )
    before = Notification.objects.count()

    with pytest.raises(NotOfferableError, match=r"Stacy Martin owns .+ already\."):
        campaign_promotion_send(campaign=promotion(data_offer), customer=stacy)

    assert Notification.objects.count() == before
    assert not TrackedLink.objects.exists()


def test_a_promotion_by_hand_is_refused_for_an_offer_she_cannot_buy(postpaid_only, capsys):
    stacy = CustomerFactory(name="Stacy Martin", marketing_consent=True, base_plan="Prepaid Go")
    tom = CustomerFactory(name="Tom Silva", marketing_consent=True, base_plan="Postpaid Max")
    promotion(postpaid_only)

    call_command("send_promotion", "summer", stacy.lines.get().msisdn, tom.lines.get().msisdn)

    out = capsys.readouterr().out
    assert (
        f"Not sent to {stacy.lines.get().msisdn}: Stacy Martin cannot buy Postpaid Data: "
        "Not available on your plan (Prepaid Go)." in out
    )
    assert list(Notification.objects.values_list("customer", "template")) == [(tom.pk, "promotion")]
