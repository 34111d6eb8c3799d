"""TMF637 product (what her lines own) and TMF654 bucket (her allowances and prepaid balance):
only hers, valid against TM Forum's documents."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken, get_application_model

from orders.models import ProductInstance
from selfcare.models import BYTES_PER_MB, Bucket
from tests.factories import CustomerFactory, OfferFactory
from tests.orders.helpers import buy
from tests.tmf.conformance import conforms, conforms_list, spec_enum

pytestmark = pytest.mark.django_db


@pytest.fixture
def bought(django_capture_on_commit_callbacks):
    """Buy and activate, as the portal's tap and the worker do."""

    def run(customer, offer, key="key-00001"):
        with django_capture_on_commit_callbacks(execute=True):
            buy(customer, offer, key=key)

    return run


PRODUCTS = "/tmf-api/productInventory/v4/product"
BUCKETS = "/tmf-api/prepayBalanceManagement/v4/bucket"


def test_every_product_state_is_one_of_tmfs():
    from tmf.inventory import STATUSES

    assert set(STATUSES) == set(ProductInstance.Status.values)
    assert set(STATUSES.values()) <= set(spec_enum("TMF637", "ProductStatusType"))


def test_her_products_newest_first_and_no_one_elses(customer_client, customer, bought):
    data = OfferFactory(data_offer=True)
    games = OfferFactory(name="Games Club")
    bought(customer, data, key="key-00001")
    bought(customer, games, key="key-00002")
    other = CustomerFactory()
    bought(other, games, key="key-00003")
    theirs = ProductInstance.objects.get(customer=other)

    response = customer_client.get(PRODUCTS)

    body = response.json()
    conforms_list("TMF637", "Product", body)
    assert [p["name"] for p in body] == ["Games Club", "Data 15GB"]
    assert response["X-Total-Count"] == "2"
    product = body[1]
    instance = ProductInstance.objects.get(offer=data)
    assert product["id"] == str(instance.pk)
    assert product["status"] == "active"
    assert product["productOffering"]["id"] == str(data.pk)
    assert product["productPrice"][0]["price"]["taxIncludedAmount"] == {
        "unit": "EUR",
        "value": 10.0,
    }
    characteristics = {c["name"]: c["value"] for c in product["productCharacteristic"]}
    assert characteristics["msisdn"] == customer.lines.get().msisdn
    assert product["relatedParty"][0]["id"] == str(customer.pk)
    mine = customer_client.get(f"{PRODUCTS}/{instance.pk}")
    conforms("TMF637", "Product", mine.json())
    not_mine = customer_client.get(f"{PRODUCTS}/{theirs.pk}")
    assert not_mine.status_code == 404
    conforms("TMF637", "Error", not_mine.json())
    assert customer_client.get(f"{PRODUCTS}/99999999999999999999").status_code == 404


def test_paging_her_products(customer_client, customer, bought):
    for n in range(3):
        bought(customer, OfferFactory(name=f"Pass {n}"), key=f"key-0000{n}")

    response = customer_client.get(PRODUCTS, {"offset": 2, "limit": 5, "fields": "status"})

    assert response.json() == [
        {
            "id": response.json()[0]["id"],
            "href": f"http://testserver{PRODUCTS}/{response.json()[0]['id']}",
            "status": "active",
            "@type": "Product",
        }
    ]
    assert (response["X-Total-Count"], response["X-Result-Count"]) == ("3", "1")


def test_her_prepaid_balance_and_allowances_usable_now(customer_client, customer, bought):
    line = customer.lines.get()
    bought(customer, OfferFactory(data_offer=True))
    Bucket.objects.create(
        line=line,
        name="Expired",
        unit=Bucket.Unit.BYTES,
        initial=100,
        valid_from=timezone.now() - dt.timedelta(days=60),
        valid_until=timezone.now() - dt.timedelta(days=30),
    )
    other = CustomerFactory()
    theirs = Bucket.objects.create(
        line=other.lines.get(),
        name="Theirs",
        unit=Bucket.Unit.SECONDS,
        initial=600,
        valid_from=timezone.now(),
    )

    response = customer_client.get(BUCKETS)

    body = response.json()
    conforms_list("TMF654", "Bucket", body)
    balance = body[0]
    assert balance["id"] == f"balance-{customer.account.pk}"
    assert (balance["usageType"], balance["remainingValue"]) == (
        "monetary",
        {"amount": float(Decimal("40.00")), "units": "EUR"},  # 50.00 less the 10.00 add-on
    )
    names = [b["name"] for b in body[1:]]
    assert "Expired" not in names
    assert "Theirs" not in names
    data = next(b for b in body[1:] if b["usageType"] == "data" and b["product"])
    assert data["remainingValue"] == {"amount": 15360 * BYTES_PER_MB, "units": "bytes"}
    assert data["status"] == "active"
    assert data["logicalResource"][0]["id"] == line.msisdn
    assert response["X-Total-Count"] == str(len(body))
    one = customer_client.get(f"{BUCKETS}/{data['id']}")
    conforms("TMF654", "Bucket", one.json())
    assert customer_client.get(f"{BUCKETS}/{balance['id']}").json() == balance
    for hidden in (theirs.pk, f"balance-{other.account.pk}", "x"):
        refused = customer_client.get(f"{BUCKETS}/{hidden}")
        assert refused.status_code == 404
        conforms("TMF654", "Error", refused.json())


def test_a_system_client_reads_no_customers_products_or_buckets(client, catalog_reader):
    for url in (PRODUCTS, BUCKETS):
        response = client.get(url, headers=catalog_reader)
        assert response.status_code == 403
        conforms("TMF654", "Error", response.json())


@pytest.mark.parametrize(
    ("scope", "status"), [("customer catalog:read", 200), ("catalog:read", 403)]
)
def test_her_apps_token_reads_hers_only_with_the_customer_scope(client, customer, scope, status):
    Application = get_application_model()
    app = Application.objects.create(
        name="Operator app",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://app.example/callback",
    )
    AccessToken.objects.create(
        user=customer.user,
        application=app,
        token="her-app-token",
        scope=scope,
        expires=timezone.now() + dt.timedelta(hours=1),
    )

    answers = [
        client.get(url, headers={"Authorization": "Bearer her-app-token"})
        for url in (PRODUCTS, BUCKETS)
    ]

    assert [a.status_code for a in answers] == [status, status]
    if status == 200:
        assert answers[1].json()[0]["id"] == f"balance-{customer.account.pk}"
