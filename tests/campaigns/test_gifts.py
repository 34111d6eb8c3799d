import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from campaigns.models import Gift
from campaigns.services import GiftError, gift_accept, gift_return_due, gift_send
from orders.models import ProductInstance
from orders.services import NotCancellableError, OptionsError, product_instance_cancel
from selfcare.models import BYTES_PER_MB as MB
from selfcare.models import Bucket, LedgerEntry, Notification
from tests.factories import CustomerFactory, OfferFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gift_offer(db):
    return OfferFactory(name="Gift 1GB", price=Decimal("3.00"), data_mb=1024, is_gift=True)


@pytest.fixture
def friend(db):
    return CustomerFactory(name="Tom Silva")


def send(customer, offer, number, key="k-gift-1"):
    return gift_send(
        customer=customer,
        line_id=customer.lines.get().pk,
        offer_id=offer.pk,
        friend_msisdn=number,
        channel="portal",
        idempotency_key=key,
    )


def data_of(customer):
    return [
        b.initial // MB
        for b in Bucket.objects.filter(line__customer=customer, unit="bytes", scope="general")
    ]


def test_a_gift_is_charged_and_the_friend_is_told(
    customer, friend, gift_offer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        gift = send(customer, gift_offer, friend.lines.get().msisdn)

    assert gift.status == "sent"
    assert gift.giver_product.status == "scheduled"
    assert LedgerEntry.objects.get(kind="charge").amount == Decimal("-3.00")
    told = Notification.objects.filter(customer=friend)
    assert sorted(told.values_list("medium", flat=True)) == ["in_app", "sms"]
    assert told.first().subject == f"{customer.name} gave you Gift 1GB"
    assert data_of(customer) == data_of(friend) == []


def test_when_the_friend_accepts_and_her_gift_activates_the_giver_gets_1gb_too(
    customer, friend, gift_offer, django_capture_on_commit_callbacks
):
    gift = send(customer, gift_offer, friend.lines.get().msisdn)

    with django_capture_on_commit_callbacks(execute=True):
        gift_accept(customer=friend, gift_id=gift.pk)

    gift.refresh_from_db()
    assert gift.status == "accepted"
    assert gift.recipient_product.status == "active"
    assert gift.giver_product.status == "active"
    assert data_of(friend) == [1024]
    assert data_of(customer) == [1024]
    assert LedgerEntry.objects.filter(kind="charge").count() == 1  # the friend pays nothing


def test_an_unaccepted_gift_comes_back_to_the_giver_after_7_days(
    customer, friend, gift_offer, django_capture_on_commit_callbacks
):
    gift = send(customer, gift_offer, friend.lines.get().msisdn)

    assert gift_return_due() == 0
    with (
        time_machine.travel(dt.timedelta(days=7, minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert gift_return_due() == 1
        with pytest.raises(GiftError, match="already accepted or has come back"):
            gift_accept(customer=friend, gift_id=gift.pk)

    gift.refresh_from_db()
    assert gift.status == "returned"
    assert data_of(customer) == [1024]
    assert data_of(friend) == []
    assert Notification.objects.filter(
        customer=customer, subject="Your gift came back: Gift 1GB"
    ).exists()


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("", "Enter your friend's mobile number."),
        ("351 999 999 999", "That number is not one of ours: check it."),
    ],
)
def test_a_wrong_friends_number_is_refused_next_to_the_field(customer, gift_offer, number, message):
    with pytest.raises(OptionsError) as refused:
        send(customer, gift_offer, number)

    assert (refused.value.field, str(refused.value)) == ("friend_msisdn", message)
    assert not Gift.objects.exists()
    assert not LedgerEntry.objects.filter(kind="charge").exists()


def test_a_gift_to_her_own_number_is_refused(customer, gift_offer):
    with pytest.raises(OptionsError, match="That is your own number"):
        send(customer, gift_offer, customer.lines.get().msisdn)

    assert not Gift.objects.exists()
    assert not LedgerEntry.objects.filter(kind="charge").exists()


def test_only_the_friend_can_accept_and_a_gift_cannot_be_taken_back(customer, friend, gift_offer):
    gift = send(customer, gift_offer, friend.lines.get().msisdn)

    with pytest.raises(Gift.DoesNotExist):
        gift_accept(customer=customer, gift_id=gift.pk)
    with pytest.raises(NotCancellableError, match="A gift cannot be taken back"):
        product_instance_cancel(
            customer=customer,
            product_instance_id=gift.giver_product_id,
            channel="portal",
            idempotency_key="k-off",
        )

    assert ProductInstance.objects.count() == 1


def test_a_friend_who_already_has_the_offer_is_told_to_wait(customer, friend, gift_offer, client):
    first = send(customer, gift_offer, friend.lines.get().msisdn, key="k-gift-1")
    gift_accept(customer=friend, gift_id=first.pk)
    other = CustomerFactory()
    second = send(other, gift_offer, friend.lines.get().msisdn, key="k-gift-2")
    client.force_login(friend.user)

    response = client.post(f"/gifts/{second.pk}/accept/", HTTP_HX_REQUEST="true")

    assert response.status_code == 409
    assert "You already have Gift 1GB: accept this gift once yours has ended." in response.text
    second.refresh_from_db()
    assert second.status == "sent"
