"""A message's status machine, `queued → sent | failed`: each change, its first status included,
is one row of its status history; a refused transition writes nothing."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django_fsm import TransitionNotAllowed

from selfcare.models import Interaction, Notification, NotificationStatusChange
from selfcare.services import notification_deliver, notification_fail, notification_send

pytestmark = pytest.mark.django_db

NS = Notification.Status

TABLE = {
    "deliver": {NS.QUEUED: NS.SENT},
    "fail": {NS.QUEUED: NS.FAILED},
}
KWARGS = {"deliver": {"at": None}, "fail": {"error": "x"}}


def send(customer):
    return notification_send(
        customer=customer,
        template="addon_active",
        context={"offer_name": "Data 15GB", "msisdn": "351960000001"},
    )


def history(notification):
    return list(
        NotificationStatusChange.objects.filter(notification=notification).values_list(
            "from_status", "to_status", "note"
        )
    )


def interactions(customer):
    return list(
        Interaction.objects.filter(
            customer=customer, kind__in=["message_sent", "message_failed"]
        ).values_list("kind", flat=True)
    )


@pytest.mark.parametrize(
    ("name", "source", "target"),
    [(name, state, allowed.get(state)) for name, allowed in TABLE.items() for state in NS.values],
)
def test_notification_transitions(name, source, target):
    notification = Notification(status=source)
    transition = getattr(notification, name)

    if target is None:
        with pytest.raises(TransitionNotAllowed):
            transition(**KWARGS[name])
        assert notification.status == source
    else:
        transition(**KWARGS[name])
        assert notification.status == target


def test_a_new_message_starts_its_history_queued(customer):
    notification = send(customer)

    assert history(notification) == [("", "queued", "")]
    assert notification.status_changes.get().changed_at == notification.created_at


def test_delivering_writes_one_row_from_queued_to_sent(customer):
    notification = send(customer)

    delivered = notification_deliver(notification_id=notification.pk)

    assert delivered.status == "sent"
    assert history(notification) == [("", "queued", ""), ("queued", "sent", "")]
    assert notification.status_changes.last().changed_at == delivered.sent_at
    assert interactions(customer) == ["message_sent"]


def test_delivering_twice_writes_the_change_once(customer):
    notification = send(customer)

    notification_deliver(notification_id=notification.pk)
    notification_deliver(notification_id=notification.pk)

    assert history(notification) == [("", "queued", ""), ("queued", "sent", "")]
    assert interactions(customer) == ["message_sent"]


def test_giving_up_writes_one_row_from_queued_to_failed_with_the_error(customer):
    notification = send(customer)

    failed = notification_fail(notification_id=notification.pk, error="Gateway down")

    assert (failed.status, failed.error) == ("failed", "Gateway down")
    assert history(notification) == [("", "queued", ""), ("queued", "failed", "Gateway down")]
    assert interactions(customer) == ["message_failed"]


def test_a_sent_message_cannot_be_given_up_or_sent_again(customer):
    notification = send(customer)
    sent = notification_deliver(notification_id=notification.pk)

    with pytest.raises(TransitionNotAllowed):
        sent.fail(error="Too late")
    with pytest.raises(TransitionNotAllowed):
        sent.deliver(at=sent.sent_at + dt.timedelta(minutes=1))
    again = notification_fail(notification_id=notification.pk, error="Too late")

    assert (again.status, again.error) == ("sent", "")
    assert Notification.objects.get(pk=notification.pk).status == "sent"
    assert history(notification) == [("", "queued", ""), ("queued", "sent", "")]
    assert interactions(customer) == ["message_sent"]


def test_a_failed_message_is_never_delivered(customer):
    notification = send(customer)
    failed = notification_fail(notification_id=notification.pk, error="Refused")

    with pytest.raises(TransitionNotAllowed):
        failed.deliver(at=None)
    after = notification_deliver(notification_id=notification.pk)

    assert (after.status, after.attempts, after.sent_at) == ("failed", 0, None)
    assert history(notification) == [("", "queued", ""), ("queued", "failed", "Refused")]
    assert interactions(customer) == ["message_failed"]


def test_the_status_cannot_be_assigned_directly(customer):
    notification = Notification.objects.get(pk=send(customer).pk)

    with pytest.raises(AttributeError):
        notification.status = NS.SENT

    assert Notification.objects.get(pk=notification.pk).status == "queued"
    assert history(notification) == [("", "queued", "")]


def test_the_backfill_gives_earlier_messages_their_history(customer):
    queued, sent, failed = send(customer), send(customer), send(customer)
    sent = notification_deliver(notification_id=sent.pk)
    failed = notification_fail(notification_id=failed.pk, error="Refused")
    NotificationStatusChange.objects.all().delete()
    migration = importlib.import_module(
        "selfcare.migrations.0011_notification_status_history_backfill"
    )

    migration.backfill(apps, None)

    assert history(queued) == [("", "queued", "")]
    assert history(sent) == [("", "queued", ""), ("queued", "sent", "")]
    assert history(failed) == [("", "queued", ""), ("queued", "failed", "Refused")]
    assert sent.status_changes.last().changed_at == sent.sent_at
    assert queued.status_changes.get().changed_at == queued.created_at
