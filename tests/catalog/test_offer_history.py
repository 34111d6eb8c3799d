"""Making, editing, publishing and retiring an offer are audit events of their own (who, when,
what changed), written by the catalog's services and shown to product managers."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db.models import ProtectedError

from catalog.models import Offer, OfferChange
from catalog.services import (
    OfferPublishError,
    offer_create_from_template,
    offer_publish,
    offer_retire,
    offer_save,
)
from tests.factories import OfferFactory, OfferTemplateFactory, UserFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def pat(db):
    return UserFactory(
        username="pat", first_name="Pat", last_name="Product", is_staff=True,
        groups=["Product managers"],
    )  # fmt: skip


@pytest.fixture
def sam(db):
    return UserFactory(
        username="sam", first_name="Sam", last_name="Second", is_staff=True,
        groups=["Product managers"],
    )  # fmt: skip


def history(offer) -> list[tuple]:
    return [
        (c.action, c.changed_by.username if c.changed_by else None, c.fields)
        for c in OfferChange.objects.filter(offer=offer).order_by("changed_at", "id")
    ]


def test_an_offers_life_is_its_history_with_who_when_and_what(pat, sam):
    template = OfferTemplateFactory(price="4.50", data_mb=2048)

    with time_machine.travel(MONDAY, tick=False):
        offer = offer_create_from_template(
            template=template, code="data-2gb", name="Data 2GB", actor=pat
        )
    with time_machine.travel(MONDAY + dt.timedelta(hours=1), tick=False):
        offer.name, offer.price, offer.summary = "Data 2GB Plus", Decimal("5.00"), "More"
        offer_save(offer=offer, actor=sam)
    with time_machine.travel(MONDAY + dt.timedelta(hours=2), tick=False):
        offer_publish(offer=offer, actor=pat)
    with time_machine.travel(MONDAY + dt.timedelta(days=30), tick=False):
        offer_retire(offer=Offer.objects.get(pk=offer.pk), actor=sam)

    assert history(offer) == [
        ("created", "pat", {}),
        (
            "edited",
            "sam",
            {
                "name": ["Data 2GB", "Data 2GB Plus"],
                "summary": ["", "More"],
                "price": ["4.50", "5.00"],
            },
        ),
        ("published", "pat", {}),
        ("retired", "sam", {}),
    ]
    assert [c.changed_at for c in OfferChange.objects.order_by("changed_at")] == [
        MONDAY,
        MONDAY + dt.timedelta(hours=1),
        MONDAY + dt.timedelta(hours=2),
        MONDAY + dt.timedelta(days=30),
    ]


def test_a_save_that_changes_nothing_writes_no_history(pat):
    offer = OfferFactory(draft=True)

    offer_save(offer=Offer.objects.get(pk=offer.pk), actor=pat)

    assert not OfferChange.objects.exists()


def test_an_edit_refused_writes_no_history_and_a_refused_publish_neither(pat):
    on_sale = OfferFactory()
    on_sale.price = Decimal("1.00")
    incoherent = OfferFactory(draft=True, price=None)

    with pytest.raises(OfferPublishError):
        offer_save(offer=on_sale, actor=pat)
    with pytest.raises(OfferPublishError):
        offer_publish(offer=incoherent, actor=pat)

    assert not OfferChange.objects.exists()


def test_an_edit_to_an_offer_on_sale_is_recorded(pat):
    offer = OfferFactory(name="Night Pass", display_order=100)
    offer.display_order = 5

    offer_save(offer=offer, actor=pat)

    assert history(offer) == [("edited", "pat", {"display_order": [100, 5]})]


def test_history_is_never_lost_the_offer_and_the_person_stay(pat):
    offer = offer_create_from_template(
        template=OfferTemplateFactory(), code="x", name="X", actor=pat
    )

    with pytest.raises(ProtectedError):
        pat.delete()
    with pytest.raises(ProtectedError):
        offer.delete()

    assert history(offer) == [("created", "pat", {})]


# What product managers see


def test_the_offers_history_page_shows_who_did_what_and_when(client, pat, sam):
    offer = offer_create_from_template(
        template=OfferTemplateFactory(price="4.50"), code="tv", name="TV Night", actor=pat
    )
    offer.price = Decimal("3.99")
    offer_save(offer=offer, actor=sam)
    offer_publish(offer=offer, actor=pat)
    client.force_login(sam)

    page = client.get(f"/admin/catalog/offer/{offer.pk}/history/")

    assert page.status_code == 200
    rows = page.context["offer_changes"]
    assert [(c.action, c.changed_by.get_full_name()) for c in rows] == [
        ("published", "Pat Product"),
        ("edited", "Sam Second"),
        ("created", "Pat Product"),
    ]
    assert rows[1].edits == [("price", "4.50", "3.99")]
    text = page.content.decode()
    assert "What was done to this offer" in text
    assert "Price: 4.50 → 3.99" in text
    assert text.count("Pat Product") == 2
    assert text.count("Sam Second") == 1


def test_publishing_from_the_admin_is_recorded_with_the_product_manager(client, pat):
    offer = OfferFactory(draft=True)
    client.force_login(pat)

    client.post(
        "/admin/catalog/offer/",
        {"action": "publish_selected", "_selected_action": [offer.pk]},
    )

    assert history(offer) == [("published", "pat", {})]


def test_product_managers_read_every_offers_history_in_one_list_and_change_none(client, pat):
    offer = offer_create_from_template(
        template=OfferTemplateFactory(), code="games", name="Games Club", actor=pat
    )
    client.force_login(pat)

    listing = client.get("/admin/catalog/offerchange/")
    change = OfferChange.objects.get()

    assert listing.status_code == 200
    assert "Games Club" in listing.content.decode()
    assert client.get("/admin/catalog/offerchange/add/").status_code == 403
    assert client.post(f"/admin/catalog/offerchange/{change.pk}/delete/").status_code == 403
    assert OfferChange.objects.filter(offer=offer).count() == 1


def test_offers_made_before_the_history_get_rows_from_their_own_dates(django_db_setup):
    # The back-fill (migration 0016) as run on an offer made, published and retired before it.
    from importlib import import_module

    from django.apps import apps

    backfill = import_module("catalog.migrations.0016_offer_changes").backfill
    offer = OfferFactory(status="retired")
    made = Offer.objects.get(pk=offer.pk).created_at
    Offer.objects.filter(pk=offer.pk).update(
        published_at=made + dt.timedelta(hours=1), retired_at=made + dt.timedelta(days=1)
    )

    backfill(apps, None)

    assert history(offer) == [("created", None, {}), ("published", None, {}), ("retired", None, {})]
