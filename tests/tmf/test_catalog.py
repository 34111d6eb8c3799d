"""TMF620 productOffering: the published catalog, valid against TM Forum's document."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.api.helpers import system_token
from tests.factories import OfferFactory
from tests.tmf.conformance import conforms, conforms_list

pytestmark = pytest.mark.django_db
URL = "/tmf-api/productCatalogManagement/v4/productOffering"


@pytest.fixture
def catalog(db):
    return [
        OfferFactory(promotion=True, display_order=1),
        OfferFactory(data_offer=True, display_order=2),
        OfferFactory(configurable_bundle=True, display_order=3),
    ]


def test_the_published_catalog_with_prices_per_channel_validity_and_status(
    client, catalog, catalog_reader
):
    promotion = catalog[0]
    OfferFactory(draft=True, name="Not yet")

    response = client.get(URL, headers=catalog_reader)

    body = response.json()
    assert response.status_code == 200
    conforms_list("TMF620", "ProductOffering", body)
    assert [o["name"] for o in body] == ["Summer Data 20GB", "Data 15GB", "My Fixed Price Bundle"]
    assert (response["X-Total-Count"], response["X-Result-Count"]) == ("3", "3")
    first = body[0]
    assert first["id"] == str(promotion.pk)
    assert first["href"] == f"http://testserver{URL}/{promotion.pk}"
    assert first["@type"] == "ProductOffering"
    assert first["lifecycleStatus"] == "Launched"
    assert first["isSellable"] is True
    assert first["validFor"] == {}  # on sale since it was made, with no end
    prices = {p["name"]: p["price"]["taxIncludedAmount"] for p in first["productOfferingPrice"]}
    assert prices == {
        "portal": {"unit": "EUR", "value": 9.0},
        "agent": {"unit": "EUR", "value": 12.0},
        "api": {"unit": "EUR", "value": 12.0},
    }
    assert {p["priceType"] for p in first["productOfferingPrice"]} == {"oneTime"}
    assert first["productOfferingTerm"] == [
        {
            "name": "duration",
            "duration": {"amount": 30, "units": "days"},
            "@type": "ProductOfferingTerm",
        }
    ]
    data = first["prodSpecCharValueUse"][0]
    assert (data["name"], data["productSpecCharacteristicValue"][0]["value"]) == ("data", 20480)
    bundle = body[2]
    assert bundle["isBundle"] is True
    assert bundle["productOfferingPrice"][0]["priceType"] == "recurring"
    assert bundle["productOfferingPrice"][0]["recurringChargePeriodLength"] == 30


def test_an_offer_on_sale_for_a_while_says_so_in_valid_for(client, catalog_reader):
    until = timezone.now() + dt.timedelta(days=10)
    offer = OfferFactory(available_until=until)

    body = client.get(f"{URL}/{offer.pk}", headers=catalog_reader).json()

    conforms("TMF620", "ProductOffering", body)
    assert body["validFor"]["endDateTime"] == until.isoformat().replace("+00:00", "Z")


def test_offset_limit_and_fields(client, catalog, catalog_reader):
    response = client.get(
        URL, {"offset": 1, "limit": 1, "fields": "name,lifecycleStatus"}, headers=catalog_reader
    )

    assert response.json() == [
        {
            "id": str(catalog[1].pk),
            "href": f"http://testserver{URL}/{catalog[1].pk}",
            "name": "Data 15GB",
            "lifecycleStatus": "Launched",
            "@type": "ProductOffering",
        }
    ]
    assert (response["X-Total-Count"], response["X-Result-Count"]) == ("3", "1")
    conforms_list("TMF620", "ProductOffering", response.json())


@pytest.mark.parametrize(
    "query", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "ten"}, {"limit": ""}]
)
def test_a_bad_page_is_400_in_tmfs_error_body(client, catalog_reader, query):
    response = client.get(URL, query, headers=catalog_reader)

    assert response.status_code == 400
    conforms("TMF620", "Error", response.json())
    assert response.json()["code"] == "invalidQuery"
    assert response.json()["status"] == "400"


def test_one_offering_and_what_is_not_on_sale_is_404(client, catalog, catalog_reader):
    draft = OfferFactory(draft=True)

    found = client.get(f"{URL}/{catalog[1].pk}", headers=catalog_reader)
    hidden = client.get(f"{URL}/{draft.pk}", headers=catalog_reader)
    unknown = client.get(f"{URL}/nope", headers=catalog_reader)

    conforms("TMF620", "ProductOffering", found.json())
    assert found.json()["name"] == "Data 15GB"
    for response in (hidden, unknown):
        assert response.status_code == 404
        conforms("TMF620", "Error", response.json())
        assert response.json()["reason"] == "Not Found"


def test_who_may_read_the_catalog(client, customer, catalog):
    anonymous = client.get(URL)
    wrong_token = client.get(URL, headers={"Authorization": "Bearer not-a-token"})
    feeder = system_token(client, name="mediation", scopes=["usage:write"])
    no_scope = client.get(URL, headers={"Authorization": f"Bearer {feeder}"})

    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith("Bearer")
    conforms("TMF620", "Error", anonymous.json())
    assert wrong_token.status_code == 401
    assert no_scope.status_code == 403
    conforms("TMF620", "Error", no_scope.json())
    client.force_login(customer.user)
    assert client.get(URL).status_code == 200  # her portal session


def test_the_list_costs_the_same_queries_with_3_offers_or_30(
    client, catalog, catalog_reader, django_assert_max_num_queries
):
    client.get(URL, headers=catalog_reader)
    for _ in range(27):
        OfferFactory()

    with django_assert_max_num_queries(6):
        response = client.get(URL, headers=catalog_reader)

    assert len(response.json()) == 30


def test_an_unknown_tmf_path_is_a_tmf_404(client):
    response = client.get("/tmf-api/productCatalogManagement/v4/nothing")

    assert response.status_code == 404
    conforms("TMF620", "Error", response.json())
    assert Decimal(response.json()["status"]) == 404
