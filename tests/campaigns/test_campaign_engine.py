"""A running campaign decides for each event of its trigger: who gets a message, and why not
the others, a row each (issue 11, §2 and §4)."""

import pytest

from campaigns.models import Delivery
from selfcare.models import DomainEvent, Notification, TrackedLink

from .conftest import campaign_messages, campaign_running, consenting, crossed, dispatch

pytestmark = pytest.mark.django_db
Outcome = Delivery.Outcome


def test_crossing_80_percent_sends_her_the_campaign_message_with_her_context(
    data_offer, django_capture_on_commit_callbacks
):
    stacy = consenting(name="Stacy Silva")
    campaign = campaign_running(offer=data_offer)

    dispatch(crossed(stacy), django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get()
    assert (delivery.campaign, delivery.customer, delivery.outcome) == (campaign, stacy, "sent")
    assert delivery.version == campaign.current_version
    assert delivery.version.number == 1
    [message] = campaign_messages(stacy)
    assert delivery.notification == message
    assert message.status == Notification.Status.SENT
    assert message.campaign_id == campaign.pk
    link = TrackedLink.objects.get(notification=message)
    assert (link.campaign_id, link.offer, link.target) == (
        campaign.pk,
        data_offer,
        f"/offers/{data_offer.pk}/",
    )
    assert message.body.startswith("Stacy, 2.0 GB left until ")
    assert ": Data 15GB for €10.00. " in message.body
    assert message.body.endswith(f"/l/{link.token}/")


def test_an_event_dispatched_again_decides_nothing_twice(
    data_offer, django_capture_on_commit_callbacks
):
    stacy = consenting()
    campaign_running(offer=data_offer)
    ids = crossed(stacy)
    dispatch(ids, django_capture_on_commit_callbacks)
    # the dispatch runs again, as a job delivered twice would
    DomainEvent.objects.filter(pk__in=ids).update(dispatched_at=None)

    dispatch(ids, django_capture_on_commit_callbacks)

    assert Delivery.objects.count() == 1
    assert len(campaign_messages(stacy)) == 1
