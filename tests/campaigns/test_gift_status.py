"""A gift's status machine, `sent → accepted | returned`: each change, its first status
included, is one row of its status history; a refused transition writes nothing."""

import datetime as dt
import importlib
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from campaigns.models import Gift, GiftStatusChange
from campaigns.services import GiftError, gift_accept, gift_return, gift_return_due, gift_send
from orders.models import ProductInstance
from tests.factories import CustomerFactory, OfferFactory

pytestmark = pytest.mark.django_db

GS = Gift.Status

TABLE = {
    "accept": {GS.SENT: GS.ACCEPTED},
    "give_back": {GS.SENT: GS.RETURNED},
}
KWARGS = {"accept": {"recipient_product": None, "at": None}, "give_back": {"at": None}}
RETURNED_NOTE = "Not accepted within 7 days"


@pytest.fixture
def gift_offer(db):
    return OfferFactory(name="Gift 1GB", price=Decimal("3.00"), data_mb=1024, is_gift=True)


@pytest.fixture
def friend(db):
    return CustomerFactory(name="Tom Silva")


@pytest.fixture
def gift(customer, friend, gift_offer):
    return gift_send(
        customer=customer,
        line_id=customer.lines.get().pk,
        offer_id=gift_offer.pk,
        friend_msisdn=friend.lines.get().msisdn,
        channel="portal",
        idempotency_key="k-gift-1",
    )


def history(gift):
    return list(
        GiftStatusChange.objects.filter(gift=gift).values_list("from_status", "to_status", "note")
    )


@pytest.mark.parametrize(
    ("name", "source", "target"),
    [(name, state, allowed.get(state)) for name, allowed in TABLE.items() for state in GS.values],
)
def test_gift_transitions(name, source, target):
    gift = Gift(status=source)
    transition = getattr(gift, name)

    if target is None:
        with pytest.raises(TransitionNotAllowed):
            transition(**KWARGS[name])
        assert gift.status == source
    else:
        transition(**KWARGS[name])
        assert gift.status == target


def test_a_gift_sent_starts_its_history(gift):
    assert history(gift) == [("", "sent", "")]
    assert gift.status_changes.get().changed_at == gift.created_at


def test_accepting_writes_one_row_from_sent_to_accepted(gift, friend):
    gift_accept(customer=friend, gift_id=gift.pk)

    gift.refresh_from_db()
    assert gift.status == "accepted"
    assert gift.recipient_product.customer == friend
    assert history(gift) == [("", "sent", ""), ("sent", "accepted", "")]
    assert gift.status_changes.last().changed_at == gift.settled_at


def test_giving_back_writes_one_row_from_sent_to_returned(gift, django_capture_on_commit_callbacks):
    with (
        time_machine.travel(dt.timedelta(days=7, minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert gift_return_due() == 1

    gift.refresh_from_db()
    assert gift.status == "returned"
    assert history(gift) == [("", "sent", ""), ("sent", "returned", RETURNED_NOTE)]
    assert gift.status_changes.last().changed_at == gift.settled_at


def test_a_returned_gift_cannot_be_accepted(gift, friend):
    gift_return(gift_id=gift.pk)
    returned = Gift.objects.get(pk=gift.pk)

    with pytest.raises(TransitionNotAllowed):
        returned.accept(recipient_product=None, at=timezone.now())
    with pytest.raises(GiftError, match="already accepted or has come back"):
        gift_accept(customer=friend, gift_id=gift.pk)

    after = Gift.objects.get(pk=gift.pk)
    assert (after.status, after.recipient_product) == ("returned", None)
    assert not ProductInstance.objects.filter(customer=friend).exists()
    assert history(gift) == [("", "sent", ""), ("sent", "returned", RETURNED_NOTE)]


def test_an_accepted_gift_is_not_given_back(gift, friend):
    gift_accept(customer=friend, gift_id=gift.pk)
    accepted = Gift.objects.get(pk=gift.pk)

    with pytest.raises(TransitionNotAllowed):
        accepted.give_back(at=timezone.now())
    gift_return(gift_id=gift.pk)

    after = Gift.objects.get(pk=gift.pk)
    assert (after.status, after.settled_at) == ("accepted", accepted.settled_at)
    assert history(gift) == [("", "sent", ""), ("sent", "accepted", "")]


def test_the_status_cannot_be_assigned_directly(gift):
    loaded = Gift.objects.get(pk=gift.pk)

    with pytest.raises(AttributeError):
        loaded.status = GS.ACCEPTED

    assert Gift.objects.get(pk=gift.pk).status == "sent"
    assert history(gift) == [("", "sent", "")]


def test_the_backfill_gives_earlier_gifts_their_history(friend, gift_offer, gift):
    giver = CustomerFactory()
    other = gift_send(
        customer=giver,
        line_id=giver.lines.get().pk,
        offer_id=gift_offer.pk,
        friend_msisdn=friend.lines.get().msisdn,
        channel="portal",
        idempotency_key="k-gift-2",
    )
    gift_accept(customer=friend, gift_id=gift.pk)
    gift_return(gift_id=other.pk)
    GiftStatusChange.objects.all().delete()
    migration = importlib.import_module("campaigns.migrations.0004_gift_status_history_backfill")

    migration.backfill(apps, None)

    assert history(gift) == [("", "sent", ""), ("sent", "accepted", "")]
    assert history(other) == [("", "sent", ""), ("sent", "returned", RETURNED_NOTE)]
    gift.refresh_from_db()
    assert gift.status_changes.last().changed_at == gift.settled_at
