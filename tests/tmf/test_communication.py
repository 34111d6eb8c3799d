"""TMF681 communicationMessage: her inbox (the portal's), newest first, whether she read each;
PATCH marks one read as the portal does, and nothing else. Valid against TM Forum's document."""

import json

import pytest

from selfcare.models import Notification
from selfcare.services import notification_deliver, notification_send
from tests.factories import CustomerFactory
from tests.tmf.conformance import conforms, conforms_list, spec_enum

pytestmark = pytest.mark.django_db
URL = "/tmf-api/communicationManagement/v4/communicationMessage"
READ = {"characteristic": [{"name": "read", "value": True}]}


def message(customer, offer_name, medium="in_app", *, delivered=True):
    sent = notification_send(
        customer=customer,
        template="addon_active",
        medium=medium,
        context={"offer_name": offer_name, "msisdn": "351960000001"},
    )
    if delivered:
        notification_deliver(notification_id=sent.pk)
    return sent


def patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


def read_at():
    return list(Notification.objects.order_by("id").values_list("id", "read_at"))


def test_every_state_is_one_of_tmfs():
    from tmf.communication import STATES

    assert set(STATES) == set(Notification.Status.values)
    assert set(STATES.values()) <= set(spec_enum("TMF681", "CommunicationMessageStateType"))


def test_her_inbox_newest_first_and_no_one_elses(customer_client, customer):
    first = message(customer, "Data 15GB")
    second = message(customer, "Games Club", delivered=False)
    theirs = message(CustomerFactory(), "Theirs")

    response = customer_client.get(URL)

    body = response.json()
    conforms_list("TMF681", "CommunicationMessage", body)
    assert [m["id"] for m in body] == [str(second.pk), str(first.pk)]
    assert response["X-Total-Count"] == "2"
    newest, oldest = body
    assert newest["state"] == "inProgress"
    assert oldest["state"] == "completed"
    assert oldest["subject"] == Notification.objects.get(pk=first.pk).subject
    assert oldest["content"] == Notification.objects.get(pk=first.pk).body
    assert oldest["messageType"] == "In-app message"
    assert oldest["receiver"][0]["party"]["id"] == str(customer.pk)
    assert {c["name"]: c["value"] for c in oldest["characteristic"]} == {"read": False}
    assert customer_client.get(URL, {"offset": 1}).json() == [oldest]
    assert customer_client.get(f"{URL}/{theirs.pk}").status_code == 404


def test_she_marks_one_read_and_only_that_one(customer_client, customer):
    first = message(customer, "Data 15GB")
    other = message(customer, "Games Club")

    response = patch(customer_client, f"{URL}/{first.pk}", READ)

    assert response.status_code == 200
    body = response.json()
    conforms("TMF681", "CommunicationMessage", body)
    values = {c["name"]: c["value"] for c in body["characteristic"]}
    assert values["read"] is True
    first.refresh_from_db()
    assert values["readAt"] == first.read_at.isoformat()
    assert Notification.objects.get(pk=other.pk).read_at is None
    again = patch(customer_client, f"{URL}/{first.pk}", READ)
    assert again.status_code == 200
    assert Notification.objects.get(pk=first.pk).read_at == first.read_at


@pytest.mark.parametrize(
    "body",
    [
        {"characteristic": [{"name": "read", "value": False}]},
        {"characteristic": [{"name": "read", "value": "true"}]},
        {"characteristic": [{"name": "subject", "value": "x"}]},
        {"characteristic": []},
        {"subject": "Rewritten", **READ},
        {},
        [],
    ],
)
def test_anything_but_marking_read_is_a_400_and_changes_nothing(customer_client, customer, body):
    sent = message(customer, "Data 15GB")
    before = read_at()

    response = patch(customer_client, f"{URL}/{sent.pk}", body)

    assert response.status_code == 400, response.json()
    conforms("TMF681", "Error", response.json())
    assert read_at() == before
    assert Notification.objects.get(pk=sent.pk).subject != "Rewritten"


def test_she_cannot_mark_another_customers_message(customer_client):
    theirs = message(CustomerFactory(), "Theirs")

    response = patch(customer_client, f"{URL}/{theirs.pk}", READ)

    assert response.status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_an_agent_reads_her_inbox_but_does_not_mark_it(client, customer, agent):
    sent = message(customer, "Data 15GB")
    client.force_login(agent)

    listed = client.get(URL, {"relatedParty.id": str(customer.pk)})
    marked = patch(client, f"{URL}/{sent.pk}?relatedParty.id={customer.pk}", READ)

    assert [m["id"] for m in listed.json()] == [str(sent.pk)]
    assert marked.status_code == 403
    assert Notification.objects.get(pk=sent.pk).read_at is None
