"""A campaign whose action is a recommendation card puts it on her dashboard (issue 11, §2
"Action"), and takes it away once she owns the offer."""

import datetime as dt

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


def test_a_card_goes_when_its_offer_is_taken_off_sale_and_shows_once_per_offer(
    client, data_offer, capture
):
    from catalog.services import offer_retire

    stacy = consenting()
    campaign_running(offer=data_offer, action="recommend", message="")
    dispatch(crossed(stacy), capture)
    first = Delivery.objects.get()
    # a second card for the same offer, sent the day after
    Delivery.objects.create(
        campaign=first.campaign,
        version=first.version,
        customer=stacy,
        occurrence="event:again",
        outcome="sent",
        decided_at=first.decided_at + dt.timedelta(days=1),
        sent_at=first.sent_at + dt.timedelta(days=1),
    )
    client.force_login(stacy.user)

    page = client.get("/").content.decode()

    assert page.count("Picked for you: Data 15GB") == 1

    offer_retire(offer=data_offer)
    assert "Picked for you" not in client.get("/").content.decode()


def test_her_cards_cost_one_query_when_she_has_none_and_three_when_she_has_some(
    data_offer, capture, django_assert_num_queries
):
    from django.utils import timezone

    from campaigns.selectors import CampaignCard, campaign_cards_list
    from catalog.selectors import offer_list_published

    stacy, tom = consenting(), consenting()
    campaign_running(offer=data_offer, action="recommend", message="")
    dispatch(crossed(stacy), capture)
    offer_list_published()  # the catalog the process keeps, read once
    delivery = Delivery.objects.get(customer=stacy)

    with django_assert_num_queries(1):
        assert campaign_cards_list(customer=tom, at=timezone.now()) == []
    with django_assert_num_queries(3):  # hers, the catalog's version, what she owns
        cards = campaign_cards_list(customer=stacy, at=timezone.now())
    assert cards == [CampaignCard(delivery_id=delivery.pk, offer=data_offer)]
