"""TMF683 partyInteraction: her history on every channel, newest first; she does not see the
agents' internal notes, an agent naming her does. Valid against TM Forum's document."""

import pytest

from selfcare.models import Interaction
from selfcare.said import verbatim
from selfcare.services import interaction_record
from tests.factories import CustomerFactory, OfferFactory
from tests.tmf.conformance import conforms, conforms_list, spec_enum

pytestmark = pytest.mark.django_db
URL = "/tmf-api/partyInteraction/v4/partyInteraction"


@pytest.fixture
def history(customer, agent):
    offer = OfferFactory(name="Games Club")
    viewed = interaction_record(
        customer=customer,
        kind=Interaction.Kind.OFFER_VIEWED,
        channel="portal",
        actor="customer",
        summary=verbatim("Viewed Games Club"),
        data={"offer_id": offer.pk},
    )
    note = interaction_record(
        customer=customer,
        kind=Interaction.Kind.NOTE,
        channel="agent",
        actor="agent",
        actor_user=agent,
        summary=verbatim("Called about roaming"),
    )
    changed = interaction_record(
        customer=customer,
        kind=Interaction.Kind.CART_CHANGED,
        channel="agent",
        actor="agent",
        actor_user=agent,
        summary=verbatim("Added Games Club to the cart (agent Alex Agent)"),
        data={"cart_id": 7, "version": 1, "offer_id": offer.pk},
    )
    return offer, viewed, note, changed


def test_her_history_newest_first_without_agents_notes(customer_client, customer, history):
    offer, viewed, _, changed = history
    interaction_record(
        customer=CustomerFactory(), kind="login", channel="portal", summary=verbatim("Someone else")
    )

    response = customer_client.get(URL)

    body = response.json()
    conforms_list("TMF683", "PartyInteraction", body)
    assert [i["id"] for i in body] == [str(changed.pk), str(viewed.pk)]
    assert response["X-Total-Count"] == "2"
    by_agent, hers = body
    assert {hers["status"], by_agent["status"]} <= set(
        spec_enum("TMF683", "PartyInteractionStatusExampleType")
    )
    assert (hers["direction"], by_agent["direction"]) == ("inbound", "outbound")
    assert hers["description"] == "Viewed Games Club"
    assert hers["reason"] == "Viewed an offer"
    assert hers["channel"][0]["id"] == "portal"
    assert hers["interactionItem"][0]["item"] == {
        "id": str(offer.pk),
        "href": f"http://testserver/tmf-api/productCatalogManagement/v4/productOffering/{offer.pk}",
        "role": "subject",
        "@referredType": "ProductOffering",
    }
    assert [i["item"]["@referredType"] for i in by_agent["interactionItem"]] == [
        "ProductOffering",
        "ShoppingCart",
    ]
    assert by_agent["note"][0]["author"] == "Alex Agent"
    assert "note" not in hers
    assert hers["relatedParty"][0]["id"] == str(customer.pk)
    one = customer_client.get(f"{URL}/{hers['id']}")
    conforms("TMF683", "PartyInteraction", one.json())
    assert one.json() == hers


def test_a_channels_link_lists_that_channel_only(customer_client, history):
    _, viewed, _, _ = history
    hers = customer_client.get(f"{URL}/{viewed.pk}").json()

    response = customer_client.get(hers["channel"][0]["href"])

    assert [i["id"] for i in response.json()] == [str(viewed.pk)]
    assert customer_client.get(URL, {"channel.id": "fax"}).status_code == 400


def test_her_notes_and_others_history_are_not_found(customer_client, history):
    _, _, note, _ = history
    theirs = interaction_record(
        customer=CustomerFactory(), kind="login", channel="portal", summary=verbatim("Someone else")
    )

    for hidden in (note.pk, theirs.pk, "x", "99999999999999999999"):
        response = customer_client.get(f"{URL}/{hidden}")
        assert response.status_code == 404
        conforms("TMF683", "Error", response.json())


def test_an_agent_sees_her_whole_history_notes_included(client, customer, agent, history):
    _, viewed, note, changed = history
    client.force_login(agent)

    response = client.get(URL, {"relatedParty.id": str(customer.pk)})

    assert [i["id"] for i in response.json()] == [str(changed.pk), str(note.pk), str(viewed.pk)]
    assert client.get(f"{URL}/{note.pk}", {"relatedParty.id": str(customer.pk)}).status_code == 200
    other = CustomerFactory()
    assert client.get(f"{URL}/{note.pk}", {"relatedParty.id": str(other.pk)}).status_code == 404


def test_a_system_client_reads_no_ones_history(client, catalog_reader, history):
    response = client.get(URL, headers=catalog_reader)

    assert response.status_code == 403
    conforms("TMF683", "Error", response.json())
