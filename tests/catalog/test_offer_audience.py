"""Before publishing, a product manager sees how many customers could buy the offer, counted by
the engine that decides eligibility and campaigns' audiences (issue 11, §3)."""

import datetime as dt

import pytest
from django.urls import reverse

from orders.selectors.audience import offer_audience_count
from selfcare.models import Customer
from tests.factories import CustomerFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(db):
    """Four on Prepaid Go (two long-standing, one of them agreeing to marketing; one new; one
    suspended) and one on another plan."""
    long_ago = dt.date.today() - dt.timedelta(days=400)
    made = {
        "old": CustomerFactory(contract_start=long_ago),
        "old_consenting": CustomerFactory(contract_start=long_ago),
        "new": CustomerFactory(contract_start=dt.date.today() - dt.timedelta(days=10)),
        "suspended": CustomerFactory(contract_start=long_ago, lifecycle_status="suspended"),
        "other_plan": CustomerFactory(contract_start=long_ago, base_plan="Postpaid Max"),
    }
    Customer.objects.filter(pk=made["old_consenting"].pk).update(marketing_consent=True)
    return made


def test_a_draft_is_counted_as_if_it_were_on_sale(customers):
    draft = OfferFactory(
        draft=True, eligible_plans=["Prepaid Go"], min_tenure_days=90, eligible_statuses=["active"]
    )

    audience = offer_audience_count(offer=draft)

    assert (audience.customers, audience.consenting) == (2, 1)


def test_the_product_manager_sees_the_count_on_the_offer_page(client, customers):
    offer = OfferFactory(draft=True, eligible_plans=["Prepaid Go"], min_tenure_days=90)
    client.force_login(UserFactory(is_staff=True, groups=["Product managers"]))

    page = client.get(reverse("admin:catalog_offer_change", args=[offer.pk])).content.decode()

    assert "Who may buy it" in page
    assert "2 customers may buy it now, as saved (1 of them accept marketing)." in page


def test_one_customer_is_counted_in_the_singular(client, customers):
    offer = OfferFactory(draft=True, eligible_plans=["Postpaid Max"], min_tenure_days=90)
    client.force_login(UserFactory(is_staff=True, groups=["Product managers"]))

    page = client.get(reverse("admin:catalog_offer_change", args=[offer.pk])).content.decode()

    assert "1 customer may buy it now, as saved (0 accepting marketing)." in page
