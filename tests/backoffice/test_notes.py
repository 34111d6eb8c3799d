"""An agent leaves a note in her history."""

import pytest

from selfcare.models import Interaction
from selfcare.selectors import interaction_list_for_customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_the_agent_adds_a_note_to_her_history(agent_client, agent):
    customer = CustomerFactory()

    response = agent_client.post(
        f"/backoffice/customers/{customer.pk}/notes/", {"text": "  Called about roaming in Spain  "}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/backoffice/customers/{customer.pk}/#timeline"
    note = Interaction.objects.get()
    assert (note.customer, note.kind, note.channel, note.actor, note.actor_user) == (
        customer,
        "note",
        "agent",
        "agent",
        agent,
    )
    assert note.summary == "Called about roaming in Spain"
    page = agent_client.get(response["Location"]).text
    assert "Called about roaming in Spain" in page
    assert "Agent Alex Agent" in page
    # an internal note: not in what she sees of her own history
    assert interaction_list_for_customer(customer=customer, public=True) == []


@pytest.mark.parametrize(
    ("text", "error"),
    [("   ", "Write the note first."), ("x" * 256, "at most 255 characters")],
)
def test_an_empty_or_too_long_note_is_refused(agent_client, text, error):
    customer = CustomerFactory()

    response = agent_client.post(f"/backoffice/customers/{customer.pk}/notes/", {"text": text})

    assert response.status_code == 400
    assert error in response.text
    assert not Interaction.objects.exists()


def test_a_note_for_an_unknown_customer_is_a_404(agent_client):
    response = agent_client.post("/backoffice/customers/999999/notes/", {"text": "hello"})

    assert response.status_code == 404
    assert not Interaction.objects.exists()
