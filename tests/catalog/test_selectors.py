"""The published catalog is read once per catalog version: its services move the version in the
transaction of every change, and a page pays one small query to know its kept copy is current."""

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import CatalogVersion, Offer
from catalog.selectors import catalog_version, offer_list_published
from catalog.services import (
    offer_create_from_template,
    offer_publish,
    offer_retire,
    offer_save,
)
from tests.factories import CustomerFactory, OfferFactory, OfferTemplateFactory, UserFactory

pytestmark = pytest.mark.django_db


def _names(offers):
    return [offer.name for offer in offers]


def test_the_catalog_is_read_once_then_checked_with_one_query(django_assert_num_queries):
    first, second = OfferFactory(name="A"), OfferFactory(name="B")
    first.requires_offers.add(second)
    OfferFactory(name="Draft", draft=True)
    with django_assert_num_queries(4):  # the version, the offers, what they require and exclude
        offers = offer_list_published()

    with django_assert_num_queries(1):
        again = offer_list_published()

    assert again is offers
    assert _names(offers) == ["A", "B"]
    assert [o.pk for o in offers[0].requires_offers.all()] == [second.pk]


def test_each_catalog_service_moves_the_version_and_the_next_read_sees_the_change():
    template = OfferTemplateFactory()
    on_sale = OfferFactory(name="On sale")
    assert _names(offer_list_published()) == ["On sale"]
    before = catalog_version()

    draft = offer_create_from_template(template=template, code="new", name="New", price=1)
    assert catalog_version() == before  # a draft is seen by no customer
    offer_publish(offer=draft)
    assert _names(offer_list_published()) == ["New", "On sale"]

    on_sale.summary = "Edited"
    offer_save(offer=on_sale)
    assert [o.summary for o in offer_list_published() if o.name == "On sale"] == ["Edited"]

    offer_retire(offer=on_sale)
    assert _names(offer_list_published()) == ["New"]
    assert catalog_version() == before + 3


def test_a_write_that_is_rolled_back_leaves_the_version_and_the_kept_catalog():
    OfferFactory(name="On sale")
    broken = OfferFactory(name="Broken", draft=True, price=None)
    offers = offer_list_published()
    before = CatalogVersion.objects.get().version

    with pytest.raises(Exception, match="Set a price"):
        offer_publish(offer=broken)

    assert CatalogVersion.objects.get().version == before
    assert offer_list_published() is offers


def test_offers_linked_in_the_admin_reach_the_portal_on_the_next_page_load(client):
    """The admin saves an offer's links after the offer itself, in the transaction of
    `offer_save`, whose move of the version takes effect with them."""
    pm = UserFactory(is_staff=True, groups=["Product managers"])
    base = OfferFactory(name="Base plan booster")
    extra = OfferFactory(name="Booster extra")
    customer = CustomerFactory()
    client.force_login(customer.user)
    assert "Booster extra" in client.get(reverse("selfcare:offers")).text

    admin = Client()
    admin.force_login(pm)
    form = (
        admin.get(reverse("admin:catalog_offer_change", args=[extra.pk])).context["adminform"].form
    )
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list | dict)
    }
    data.update(_form_lists(form))
    data["requires_offers"] = [base.pk]
    response = admin.post(reverse("admin:catalog_offer_change", args=[extra.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    page = client.get(reverse("selfcare:offers")).text
    assert "Booster extra" not in page  # she does not own what it requires
    assert Offer.objects.get(pk=extra.pk).requires_offers.get() == base


def _form_lists(form):
    """The admin form's list and JSON fields as a browser would post them back."""
    import json

    data = {}
    for name, value in form.initial.items():
        if isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif isinstance(value, dict) or name in ("option_groups", "channel_prices"):
            data[name] = json.dumps(value if value is not None else [])
    return data
