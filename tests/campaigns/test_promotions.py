"""A campaign's promotion: an SMS with a tracked link to the offer, only to customers who agreed
to marketing messages."""

import pytest
from django.core.management import CommandError, call_command

from campaigns.models import Campaign
from campaigns.services import NoConsentError, campaign_promotion_send
from selfcare.models import Notification, TrackedLink
from tests.factories import CustomerFactory, OfferFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(db):
    return Campaign.objects.create(
        name="Summer", code="summer", offer=OfferFactory(name="Promo"), message="{name}, try it!"
    )


def test_a_promotion_carries_a_tracked_link_to_its_offer(campaign):
    customer = CustomerFactory(name="Stacy Martin", marketing_consent=True)

    sms = campaign_promotion_send(campaign=campaign, customer=customer)

    link = TrackedLink.objects.get()
    assert (sms.medium, sms.campaign_id) == ("sms", campaign.pk)
    assert (link.campaign_id, link.offer, link.target) == (
        campaign.pk,
        campaign.offer,
        f"/offers/{campaign.offer_id}/",
    )
    assert sms.body == f"Stacy, try it! http://127.0.0.1:8000/l/{link.token}/"


def test_no_promotion_without_marketing_consent(campaign):
    customer = CustomerFactory(marketing_consent=False)

    with pytest.raises(NoConsentError):
        campaign_promotion_send(campaign=campaign, customer=customer)
    assert not Notification.objects.exists()
    assert not TrackedLink.objects.exists()


def test_the_command_refuses_unknown_numbers_and_sends_nothing(campaign):
    known = CustomerFactory(marketing_consent=True).lines.get().msisdn

    with pytest.raises(CommandError, match="Not one of our numbers: 999"):
        call_command("send_promotion", "summer", known, "999")
    with pytest.raises(CommandError, match="No campaign"):
        call_command("send_promotion", "winter", known)
    assert not Notification.objects.exists()


def test_the_command_skips_who_did_not_consent_and_says_so(campaign, capsys):
    agreed = CustomerFactory(marketing_consent=True).lines.get().msisdn
    refused = CustomerFactory(marketing_consent=False).lines.get().msisdn

    call_command("send_promotion", "summer", agreed, refused)

    out = capsys.readouterr().out
    assert f"Sent to {agreed}:" in out
    assert f"Not sent to {refused}:" in out
    assert Notification.objects.count() == 1
