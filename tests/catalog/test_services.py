from decimal import Decimal

import pytest

from catalog.models import Offer
from catalog.pack import TEMPLATE_PACK
from catalog.services import (
    OfferPublishError,
    OfferTransitionError,
    offer_create_from_template,
    offer_publish,
    offer_retire,
    offer_save,
    offer_template_load_pack,
)
from tests.factories import OfferFactory, OfferTemplateFactory

pytestmark = pytest.mark.django_db


def test_an_offer_made_from_a_template_starts_with_its_policies():
    template = OfferTemplateFactory(refund_policy="pro_rata_data", data_mb=2048, price="4.50")

    offer = offer_create_from_template(template=template, code="data-2gb", name="Data 2GB")

    assert offer.status == "draft"
    assert (offer.price, offer.data_mb, offer.refund_policy) == (
        Decimal("4.50"),
        2048,
        "pro_rata_data",
    )
    assert offer.template == template


def test_publishing_a_coherent_draft_puts_it_on_sale():
    offer = OfferFactory(draft=True)

    offer_publish(offer=offer)

    offer.refresh_from_db()
    assert offer.status == "published"
    assert offer.published_at is not None


def test_publishing_an_incoherent_offer_is_refused_with_every_problem_and_changes_nothing():
    offer = OfferFactory(draft=True, price=None, refund_policy="pro_rata_data", data_mb=0)

    with pytest.raises(OfferPublishError) as refused:
        offer_publish(offer=offer)

    assert refused.value.problems == [
        "Set a price (0 for a free offer).",
        "The refund 'pro-rata of unused data' needs a data allowance: add one, or pick "
        "another refund policy.",
    ]
    offer.refresh_from_db()
    assert (offer.status, offer.published_at) == ("draft", None)


def test_only_drafts_are_published_and_only_published_offers_retired():
    offer = OfferFactory()

    with pytest.raises(OfferTransitionError):
        offer_publish(offer=offer)
    offer_retire(offer=offer)
    offer.refresh_from_db()
    assert offer.status == "retired"
    with pytest.raises(OfferTransitionError):
        offer_retire(offer=offer)


def test_an_edit_that_would_break_a_published_offer_is_refused_and_not_saved():
    offer = OfferFactory(price=Decimal("5.00"))
    offer.channels = []

    with pytest.raises(OfferPublishError):
        offer_save(offer=offer)

    assert Offer.objects.get(pk=offer.pk).channels == ["portal", "agent", "api"]


def test_the_template_pack_loads_once_and_never_overwrites_edits():
    assert offer_template_load_pack() == len(TEMPLATE_PACK)
    template = OfferTemplateFactory._meta.model.objects.get(code="data-addon")
    template.price = Decimal("12.00")
    template.save()

    assert offer_template_load_pack() == 0
    template.refresh_from_db()
    assert template.price == Decimal("12.00")


def test_the_commercial_terms_of_an_offer_on_sale_cannot_change():
    offer = OfferFactory(price=Decimal("5.00"), refund_policy="none")
    offer.price = Decimal("50.00")
    offer.refund_policy = "pro_rata_time"

    with pytest.raises(OfferPublishError) as refused:
        offer_save(offer=offer)

    assert refused.value.problems == [
        "The price, refund policy of an offer on sale cannot change: retire it and publish a new "
        "offer. Customers who own it keep what they bought."
    ]
    assert Offer.objects.get(pk=offer.pk).price == Decimal("5.00")


def test_an_offer_in_another_currency_cannot_be_published():
    offer = OfferFactory(draft=True, currency="JPY")

    with pytest.raises(OfferPublishError) as refused:
        offer_publish(offer=offer)

    assert refused.value.problems == ["Price it in EUR, the currency customers' accounts are in."]


def test_other_offer_rules_that_cannot_work_are_refused():
    offer = OfferFactory(draft=True)
    needed = OfferFactory()
    offer.requires_offers.add(needed)
    offer.excludes_offers.add(needed)
    offer.suspends_offers.add(offer, needed)

    with pytest.raises(OfferPublishError) as refused:
        offer_publish(offer=offer)

    assert refused.value.problems == [
        "An offer cannot both require and exclude the same offer: fix 'Other offers'.",
        "An offer cannot make itself redundant: fix 'Other offers'.",
        "An offer cannot suspend an offer it requires: fix 'Other offers'.",
    ]


def test_two_offers_that_would_suspend_each_other_are_refused():
    bundle = OfferFactory(draft=True, name="Bundle")
    games = OfferFactory(name="Games Club")
    bundle.suspends_offers.add(games)
    games.suspends_offers.add(bundle)

    with pytest.raises(OfferPublishError) as refused:
        offer_publish(offer=bundle)

    assert refused.value.problems == [
        "This offer and Games Club would suspend each other: keep one direction."
    ]
