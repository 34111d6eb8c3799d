"""TMF679 productOfferingQualification: may she buy these offerings, and if not, why not; the
one eligibility engine's answer, valid against TM Forum's document, with nothing written."""

import json

import pytest
import time_machine
from django.utils import timezone

from orders.models import Order, ProductInstance
from selfcare.models import Interaction
from tests.api.helpers import system_token
from tests.factories import OfferFactory
from tests.orders.helpers import buy
from tests.tmf.conformance import conforms

pytestmark = pytest.mark.django_db
URL = "/tmf-api/productOfferingQualification/v4/productOfferingQualification"


def qualify(client, *offer_ids, **extra):
    body = {
        "productOfferingQualificationItem": [
            {"id": str(n), "productOffering": {"id": str(offer_id)}}
            for n, offer_id in enumerate(offer_ids, start=1)
        ],
        **extra,
    }
    return client.post(URL, json.dumps(body), content_type="application/json")


def written() -> tuple[int, int, int]:
    return Order.objects.count(), ProductInstance.objects.count(), Interaction.objects.count()


@time_machine.travel("2026-12-10 12:00Z", tick=False)
def test_eligible_not_eligible_and_available_again_on(customer_client, customer):
    fine = OfferFactory(name="Games Club")
    vip = OfferFactory(name="VIP Data", eligible_segments=["vip"])
    monthly = OfferFactory(
        name="Weekend Pass", purchase_limit=1, purchase_limit_window="calendar_month"
    )
    buy(customer, monthly)
    before = written()

    response = qualify(customer_client, fine.pk, vip.pk, monthly.pk, 999999)

    body = response.json()
    assert response.status_code == 200
    conforms("TMF679", "ProductOfferingQualification", body)
    assert written() == before
    assert body["@type"] == "ProductOfferingQualification"
    assert (body["state"], body["qualificationResult"]) == ("done", "unqualified")
    assert body["channel"]["id"] == "api"
    items = {item["id"]: item for item in body["productOfferingQualificationItem"]}
    assert items["1"]["qualificationItemResult"] == "qualified"
    assert "eligibilityUnavailabilityReason" not in items["1"]
    assert items["1"]["productOffering"]["name"] == "Games Club"
    assert items["2"]["qualificationItemResult"] == "unqualified"
    assert items["2"]["eligibilityUnavailabilityReason"] == [
        {
            "code": "notEligible",
            "label": "This offer is for selected customers only.",
            "@type": "EligibilityUnavailabilityReason",
        }
    ]
    assert items["3"]["qualificationItemResult"] == "alternate"
    assert items["3"]["eligibilityUnavailabilityReason"][0]["code"] == "purchaseLimit"
    assert (
        "available again on 1 January 2027"
        in (items["3"]["eligibilityUnavailabilityReason"][0]["label"])
    )
    proposal = items["3"]["alternateProductOfferingProposal"][0]
    assert proposal["alternateProductOffering"]["id"] == str(monthly.pk)
    assert proposal["alternateActivationDate"].startswith("2027-01-01T00:00:00")  # Lisbon: UTC
    assert items["4"]["qualificationItemResult"] == "unqualified"
    assert items["4"]["eligibilityUnavailabilityReason"][0]["code"] == "notOnSale"


def test_all_qualified_and_the_channel_asked_for(customer_client):
    portal_only = OfferFactory(channels=["portal"])

    on_portal = qualify(customer_client, portal_only.pk, channel={"id": "portal"}).json()
    on_api = qualify(customer_client, portal_only.pk).json()

    conforms("TMF679", "ProductOfferingQualification", on_portal)
    assert on_portal["qualificationResult"] == "qualified"
    assert on_api["qualificationResult"] == "unqualified"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "productOfferingQualificationItem: This field is required."),
        ({"productOfferingQualificationItem": []}, "productOfferingQualificationItem:"),
        ({"productOfferingQualificationItem": [{"id": "1"}]}, "productOfferingQualificationItem:"),
        ([1, 2], "Invalid data. Expected a dictionary, but got list."),
        (
            {
                "productOfferingQualificationItem": [{"id": "1", "productOffering": {"id": "1"}}],
                "channel": {"id": "shop"},
            },
            "channel:",
        ),
        (
            {"productOfferingQualificationItem": [{"id": 1, "productOffering": {"id": "1"}}]},
            "productOfferingQualificationItem:",
        ),
        (
            {
                "productOfferingQualificationItem": [{"id": "1", "productOffering": {"id": "1"}}],
                "provideAlternative": "yes",
            },
            "provideAlternative: Must be true or false.",
        ),
    ],
)
def test_a_bad_body_is_400_in_tmfs_error_body_and_writes_nothing(customer_client, body, message):
    before = written()

    response = customer_client.post(URL, json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    conforms("TMF679", "Error", response.json())
    assert response.json()["message"].startswith(message)
    assert written() == before


def test_a_system_client_or_nobody_gets_no_qualification(client):
    offer = OfferFactory()
    token = system_token(client, name="partner", scopes=["catalog:read"])

    nobody = qualify(client, offer.pk)
    system = client.post(
        URL,
        json.dumps(
            {
                "productOfferingQualificationItem": [
                    {"id": "1", "productOffering": {"id": str(offer.pk)}}
                ]
            }
        ),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert nobody.status_code == 401
    assert system.status_code == 403
    conforms("TMF679", "Error", system.json())


def test_the_time_is_now(customer_client):
    offer = OfferFactory()

    body = qualify(customer_client, offer.pk).json()

    moment = timezone.datetime.fromisoformat(body["effectiveQualificationDate"])
    assert abs((timezone.now() - moment).total_seconds()) < 60


def test_any_string_is_an_id_even_with_a_nul_and_is_simply_not_on_sale(customer_client):
    response = customer_client.post(
        URL,
        json.dumps(
            {
                "productOfferingQualificationItem": [
                    {"id": "a\u0000", "productOffering": {"id": "7\u0000"}}
                ]
            }
        ),
        content_type="application/json",
    )

    assert response.status_code == 200
    item = response.json()["productOfferingQualificationItem"][0]
    assert (item["id"], item["qualificationItemResult"]) == ("a\u0000", "unqualified")
