"""The price she is shown before she buys is the price charged: one home for that price
(`purchase_quote`, `offer_price`), and a purchase that carries the price she saw
(`expected_price`) and is refused, with nothing written, if it is not the price now."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from campaigns.services import gift_send
from orders.models import Order, ProductInstance
from orders.selectors import product_instance_modify_quote, purchase_quote
from orders.services import (
    OfferPriceChangedError,
    product_instance_activate,
    product_instance_modify,
    product_instance_purchase,
)
from selfcare.models import Interaction, LedgerEntry
from selfcare.selectors import customer_balance
from tests.factories import CustomerFactory, OfferFactory

pytestmark = pytest.mark.django_db

BIG = {"data": "20gb", "voice": "unlimited"}
SMALL = {"data": "5gb", "voice": "300"}


def _purchase(customer, offer, **kwargs):
    return product_instance_purchase(
        customer=customer,
        line_id=customer.lines.get().pk,
        offer_id=offer.pk,
        channel=kwargs.pop("channel", "portal"),
        idempotency_key=kwargs.pop("key", "k-price-1"),
        **kwargs,
    )


def _written():
    return (
        Order.objects.count(),
        ProductInstance.objects.count(),
        LedgerEntry.objects.exclude(kind="top_up").count(),
        Interaction.objects.filter(kind="order_placed").count(),
    )


def test_the_quote_of_a_bundle_is_the_price_of_the_options_picked():
    bundle = OfferFactory(configurable_bundle=True)

    quote = purchase_quote(offer=bundle, options=BIG, channel="portal")

    assert (quote.price, quote.list_price, quote.from_price) == (
        Decimal("23.00"),
        Decimal("23.00"),
        Decimal("15.00"),
    )
    assert quote.labels == ("Data: 20 GB", "Voice: Unlimited minutes")
    assert (quote.recurring, quote.discounted, quote.charged_on_confirmation) == (
        True,
        False,
        False,
    )


@pytest.mark.parametrize("options", [{}, {"data": "20gb"}, {"data": "20gb", "voice": "lots"}])
def test_a_bundle_has_no_price_until_every_group_is_picked(options):
    bundle = OfferFactory(configurable_bundle=True)

    quote = purchase_quote(offer=bundle, options=options, channel="portal")

    assert (quote.complete, quote.price, quote.from_price) == (False, None, Decimal("15.00"))


@pytest.mark.parametrize(("channel", "price"), [("portal", "9.00"), ("agent", "12.00")])
def test_the_quote_of_a_promotion_is_the_price_of_its_channel(channel, price):
    promo = OfferFactory(promotion=True)

    quote = purchase_quote(offer=promo, options={}, channel=channel)

    assert quote.price == Decimal(price)
    assert quote.list_price == Decimal("12.00")
    assert quote.discounted is (channel == "portal")


def test_the_quote_says_when_it_is_charged():
    coded = OfferFactory(requires_confirmation=True)
    later = OfferFactory(allows_postpone=True)
    starts = timezone.now() + dt.timedelta(days=2)

    assert purchase_quote(offer=coded, options={}, channel="portal").charged_on_confirmation
    postponed = purchase_quote(offer=later, options={}, channel="portal", starts_at=starts)
    assert (postponed.charged_before_start, postponed.starts_at) == (True, starts)
    assert not purchase_quote(offer=later, options={}, channel="portal").charged_before_start


@pytest.mark.parametrize(
    ("trait", "options", "expected"),
    [
        ({"data_offer": True}, {}, "10.00"),
        ({"promotion": True}, {}, "9.00"),
        ({"configurable_bundle": True}, BIG, "23.00"),
        ({"configurable_bundle": True}, SMALL, "15.00"),
    ],
)
def test_the_price_quoted_is_the_price_charged(customer, trait, options, expected):
    offer = OfferFactory(**trait)
    quote = purchase_quote(offer=offer, options=options, channel="portal")
    assert quote.price == Decimal(expected)

    _purchase(customer, offer, options=options, expected_price=quote.price)

    assert LedgerEntry.objects.get(kind="charge").amount == -quote.price
    assert ProductInstance.objects.get().price == quote.price


def test_a_price_other_than_the_one_she_was_shown_is_refused_and_nothing_is_written(customer):
    bundle = OfferFactory(configurable_bundle=True)

    with pytest.raises(OfferPriceChangedError) as refused:
        _purchase(customer, bundle, options=BIG, expected_price=Decimal("15.00"))

    assert (refused.value.price, refused.value.expected) == (Decimal("23.00"), Decimal("15.00"))
    assert "The price is now €23.00, not the €15.00 you were shown" in str(refused.value)
    assert _written() == (0, 0, 0, 0)
    assert customer_balance(customer=customer) == Decimal("50.00")


def test_a_price_changed_since_the_page_was_shown_is_refused(customer):
    promo = OfferFactory(promotion=True)
    shown = purchase_quote(offer=promo, options={}, channel="portal").price
    # the product manager ends the portal discount meanwhile
    promo.channel_prices = {}
    promo.save(update_fields=["channel_prices"])

    with pytest.raises(OfferPriceChangedError):
        _purchase(customer, promo, expected_price=shown)

    assert _written() == (0, 0, 0, 0)


def test_a_code_offer_carries_the_price_shown_to_its_confirmation(customer):
    coded = OfferFactory(requires_confirmation=True, price=Decimal("5.00"))

    with pytest.raises(OfferPriceChangedError):
        _purchase(customer, coded, expected_price=Decimal("4.00"))
    assert _written() == (0, 0, 0, 0)

    order = _purchase(customer, coded, expected_price=Decimal("5.00"))
    assert order.items.get().charge_amount == Decimal("5.00")
    assert not LedgerEntry.objects.filter(kind="charge").exists()  # charged once confirmed


def test_a_postponed_start_is_charged_at_purchase_the_price_shown(customer):
    later = OfferFactory(allows_postpone=True, billing="recurring", price=Decimal("9.99"))
    starts = timezone.now() + dt.timedelta(days=3)
    quote = purchase_quote(offer=later, options={}, channel="portal", starts_at=starts)

    _purchase(customer, later, starts_at=starts, expected_price=quote.price)

    assert quote.charged_before_start
    assert ProductInstance.objects.get().status == "scheduled"
    assert LedgerEntry.objects.get(kind="charge").amount == Decimal("-9.99")


def test_a_gift_carries_the_price_shown(customer):
    friend = CustomerFactory()
    gift = OfferFactory(is_gift=True, price=Decimal("3.00"), data_mb=1024)
    send = {
        "customer": customer,
        "line_id": customer.lines.get().pk,
        "offer_id": gift.pk,
        "friend_msisdn": friend.lines.get().msisdn,
        "channel": "portal",
    }

    with pytest.raises(OfferPriceChangedError):
        gift_send(**send, idempotency_key="k-gift-1", expected_price=Decimal("2.00"))
    assert _written() == (0, 0, 0, 0)

    gift_send(**send, idempotency_key="k-gift-2", expected_price=Decimal("3.00"))
    assert LedgerEntry.objects.get(kind="charge").amount == Decimal("-3.00")


START = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


def test_a_change_of_options_starts_from_what_she_pays_now(customer):
    # bought in the portal at its portal price: €2 less than the bundle's own price
    bundle = OfferFactory(configurable_bundle=True, channel_prices={"portal": "13.00"})
    with time_machine.travel(START, tick=False):
        _purchase(customer, bundle, options=BIG, expected_price=Decimal("21.00"))
        instance = ProductInstance.objects.get()
        product_instance_activate(product_instance_id=instance.pk)
    instance.refresh_from_db()
    assert instance.price == Decimal("21.00")

    at = START + dt.timedelta(days=15)  # half the period left
    with time_machine.travel(at, tick=False):
        quote = product_instance_modify_quote(
            product_instance=instance, options=SMALL, at=at, channel="portal"
        )
        assert (quote.old_price, quote.new_price, quote.due_now) == (
            Decimal("21.00"),
            Decimal("13.00"),
            Decimal("-4.00"),
        )
        product_instance_modify(
            customer=customer,
            product_instance_id=instance.pk,
            options=SMALL,
            channel="portal",
            idempotency_key="k-change",
            expected_due_now=quote.due_now,
        )

    instance.refresh_from_db()
    assert instance.price == Decimal("13.00")
    assert LedgerEntry.objects.get(kind="refund").amount == Decimal("4.00")
