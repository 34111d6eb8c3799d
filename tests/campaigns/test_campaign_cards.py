"""A campaign whose action is a recommendation card puts it on her dashboard (issue 11, §2
"Action"), and takes it away once she owns the offer."""

import pytest

from campaigns.models import Delivery
from orders.services import product_instance_purchase

from .conftest import campaign_messages, campaign_running, consenting, crossed, dispatch

pytestmark = pytest.mark.django_db


def test_a_recommendation_shows_on_her_dashboard_until_she_owns_the_offer(
    client, data_offer, capture
):
    stacy = consenting()
    campaign_running(offer=data_offer, action="recommend", message="")
    dispatch(crossed(stacy), capture)
    client.force_login(stacy.user)

    page = client.get("/").content.decode()

    assert Delivery.objects.get().outcome == "sent"
    assert campaign_messages(stacy) == []  # a card, no message
    assert "Picked for you: Data 15GB" in page
    assert f'href="/offers/{data_offer.pk}/">See Data 15GB</a>' in page

    with capture(execute=True):
        product_instance_purchase(
            customer=stacy,
            line_id=stacy.lines.get().pk,
            offer_id=data_offer.pk,
            channel="portal",
            idempotency_key="bought-it",
        )
    assert "Picked for you" not in client.get("/").content.decode()


def test_no_card_for_a_campaign_message_or_another_customer(client, data_offer, capture):
    stacy, tom = consenting(), consenting()
    campaign_running(offer=data_offer)  # a message, not a card
    dispatch(crossed(stacy), capture)

    for who in (stacy, tom):
        client.force_login(who.user)
        assert "Picked for you" not in client.get("/").content.decode()
