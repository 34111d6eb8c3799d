"""The switches a page shows take their offers from the published catalog kept per catalog
version, and read only the offers she owns that are no longer on sale."""

import pytest

from catalog.services import offer_retire
from orders.selectors import addon_switch_list_for_offers, addon_switch_list_owned
from orders.services import product_instance_activate
from tests.factories import CustomerFactory, OfferFactory
from tests.orders.helpers import buy

pytestmark = pytest.mark.django_db


def _own(customer, offer, key):
    order = buy(customer, offer, key=key)
    product_instance_activate(product_instance_id=order.items.get().product_instance_id)


def test_an_add_on_whose_offer_was_retired_stays_on_her_dashboard_with_its_offer(
    django_assert_num_queries,
):
    customer = CustomerFactory()
    line = customer.lines.get()
    kept, retired = OfferFactory(name="Kept"), OfferFactory(name="Retired later")
    _own(customer, kept, "key-00001")
    _own(customer, retired, "key-00002")
    offer_retire(offer=retired)
    addon_switch_list_owned(line=line)  # the catalog read once

    # The version, her add-ons, and the offer that is no longer on sale.
    with django_assert_num_queries(3):
        switches = addon_switch_list_owned(line=line)

    assert [(s.offer.name, s.state) for s in switches] == [
        ("Kept", "active"),
        ("Retired later", "active"),
    ]
    assert switches[0].offer is next(
        s.offer
        for s in addon_switch_list_for_offers(customer=customer, line=line, channel="portal")
        if s.offer.pk == kept.pk
    )


def test_with_everything_she_owns_on_sale_no_offer_is_read_again(django_assert_num_queries):
    customer = CustomerFactory()
    line = customer.lines.get()
    for n in range(3):
        _own(customer, OfferFactory(), f"key-{n:05d}")
    addon_switch_list_owned(line=line)

    with django_assert_num_queries(2):  # the version and her add-ons
        switches = addon_switch_list_owned(line=line)

    assert len(switches) == 3
