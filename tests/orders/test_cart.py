"""The shared cart: one open cart per customer, a quote from the catalog per channel, stale edits
refused, checkout into orders all or nothing, and a second checkout changing nothing."""

from decimal import Decimal

import pytest

from orders.models import Cart, CartItem, Order, ProductInstance
from orders.selectors import cart_quote
from orders.services import (
    CartError,
    CartStaleError,
    OptionsError,
    PriceChangedError,
    cart_checkout,
    cart_item_add,
    cart_item_configure,
    cart_item_remove,
    cart_share,
)
from selfcare.models import Interaction, LedgerEntry, Notification
from selfcare.selectors import customer_balance
from selfcare.services import InsufficientBalanceError
from tests.factories import CustomerFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def promo(db):
    """Sold everywhere; €12, or €9 in the self-care portal."""
    return OfferFactory(
        name="Summer Data 20GB",
        price=Decimal("12.00"),
        data_mb=20480,
        channel_prices={"portal": "9.00"},
    )


@pytest.fixture
def agent(db):
    return UserFactory(username="alex", first_name="Alex", last_name="Agent")


def _add(customer, offer, *, channel="portal", version=None, actor="customer", user=None, **kw):
    return cart_item_add(
        customer=customer,
        offer_id=offer.pk,
        channel=channel,
        version=version,
        actor=actor,
        actor_user=user,
        **kw,
    )


def test_an_agent_and_the_customer_fill_one_cart(customer, promo, data_offer, agent):
    cart = _add(customer, promo, channel="agent", actor="agent", user=agent)
    same = _add(customer, data_offer)

    assert same.pk == cart.pk
    assert Cart.objects.filter(customer=customer).count() == 1
    assert same.version == 2
    assert [(i.offer.name, i.added_on, i.added_by) for i in same.items.all()] == [
        ("Summer Data 20GB", "agent", agent),
        ("Data 15GB", "portal", None),
    ]
    changes = Interaction.objects.filter(kind="cart_changed").order_by("id")
    assert [(c.channel, c.actor, c.actor_user, c.summary) for c in changes] == [
        ("agent", "agent", agent, "Added Summer Data 20GB to the cart (agent Alex Agent)"),
        ("portal", "customer", None, "Added Data 15GB to the cart"),
    ]


def test_the_quote_applies_the_channel_price_of_the_channel_it_is_shown_on(customer, promo):
    _add(customer, promo)

    portal = cart_quote(customer=customer, channel="portal")
    agent = cart_quote(customer=customer, channel="agent")

    assert (portal.subtotal, portal.discount, portal.total) == (
        Decimal("12.00"),
        Decimal("3.00"),
        Decimal("9.00"),
    )
    assert portal.channel_label == "Self-care portal"
    assert portal.lines[0].cheaper_on is None
    assert (agent.total, agent.discount) == (Decimal("12.00"), Decimal("0.00"))
    # The agent can tell her where it is cheaper.
    assert agent.lines[0].cheaper_on == ("Self-care portal", Decimal("9.00"))


def test_an_item_not_sold_on_the_checkout_channel_blocks_checkout_with_the_reason(customer):
    portal_only = OfferFactory(name="Web Deal", channels=["portal"])
    _add(customer, portal_only)

    quote = cart_quote(customer=customer, channel="agent")

    assert not quote.can_checkout
    assert quote.problems == ["Web Deal: Not sold in the call centre."]


def test_a_stale_edit_is_refused_and_changes_nothing(customer, promo, data_offer, agent):
    cart = _add(customer, promo)  # version 1: what the customer's page shows
    _add(customer, data_offer, channel="agent", actor="agent", user=agent)  # now version 2
    item = cart.items.get(offer=promo)

    with pytest.raises(CartStaleError) as refused:
        cart_item_remove(customer=customer, item_id=item.pk, version=1, channel="portal")

    assert "changed (by Alex Agent, call centre)" in str(refused.value)
    assert refused.value.cart.version == 2
    assert CartItem.objects.filter(cart=cart).count() == 2
    assert Cart.objects.get().version == 2


def test_remove_and_configure_on_the_current_version(customer, promo):
    bundle = OfferFactory(
        name="My Bundle",
        option_groups=[
            {
                "key": "data",
                "label": "Data",
                "choices": [
                    {"value": "5gb", "label": "5 GB", "data_mb": 5120, "price": "0"},
                    {"value": "10gb", "label": "10 GB", "data_mb": 10240, "price": "4.00"},
                ],
            }
        ],
    )
    cart = _add(customer, bundle, options={"data": "5gb"})
    cart = cart_item_configure(
        customer=customer,
        item_id=cart.items.get().pk,
        options={"data": "10gb"},
        version=cart.version,
        channel="portal",
    )
    assert cart_quote(customer=customer, channel="portal").total == Decimal("9.00")

    with pytest.raises(OptionsError):
        cart_item_configure(
            customer=customer,
            item_id=cart.items.get().pk,
            options={"data": "99gb"},
            version=cart.version,
            channel="portal",
        )
    assert cart.items.get().options == {"data": "10gb"}

    cart = cart_item_remove(
        customer=customer, item_id=cart.items.get().pk, version=cart.version, channel="portal"
    )
    assert cart.items.count() == 0
    assert cart.version == 3


def test_nobody_can_touch_another_customers_cart_item(customer, promo):
    other = CustomerFactory()
    cart = _add(other, promo)

    with pytest.raises(CartItem.DoesNotExist):
        cart_item_remove(
            customer=customer, item_id=cart.items.get().pk, version=0, channel="portal"
        )
    assert cart.items.count() == 1


def test_an_offer_she_cannot_buy_is_not_added(customer):
    tenure = OfferFactory(name="Old friends", min_tenure_days=10_000)

    with pytest.raises(CartError):
        _add(customer, tenure)
    assert not Cart.objects.exists()
    assert not Interaction.objects.exists()


def test_the_same_offer_twice_is_refused(customer, promo):
    _add(customer, promo)
    with pytest.raises(CartError, match="already in the cart"):
        _add(customer, promo)
    assert CartItem.objects.count() == 1


def test_checkout_in_the_portal_buys_each_item_at_the_portal_price(customer, promo, data_offer):
    _add(customer, promo)
    cart = _add(customer, data_offer)

    orders = cart_checkout(
        customer=customer,
        cart_id=cart.pk,
        version=cart.version,
        expected_total=Decimal("19.00"),
        channel="portal",
    )

    assert [o.cart_id for o in orders] == [cart.pk, cart.pk]
    assert sorted(p.price for p in ProductInstance.objects.all()) == [
        Decimal("9.00"),
        Decimal("10.00"),
    ]
    assert customer_balance(customer=customer) == Decimal("31.00")  # 50 - 9 - 10
    cart.refresh_from_db()
    assert (cart.status, cart.checkout_channel) == ("checked_out", "portal")
    checkout = Interaction.objects.get(kind="checkout")
    assert checkout.summary == "Checked out Summer Data 20GB, Data 15GB: €19.00 (saved €3.00)"


def test_checking_out_twice_makes_one_set_of_orders(customer, promo):
    cart = _add(customer, promo)
    first = cart_checkout(customer=customer, cart_id=cart.pk, version=1, channel="portal")
    second = cart_checkout(customer=customer, cart_id=cart.pk, version=1, channel="portal")

    assert [o.pk for o in first] == [o.pk for o in second]
    assert Order.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="charge").count() == 1


def test_checkout_is_all_or_nothing(customer, promo, data_offer):
    poor = CustomerFactory(balance=Decimal("15.00"))
    _add(poor, promo)
    cart = _add(poor, data_offer)

    with pytest.raises(InsufficientBalanceError):
        cart_checkout(customer=poor, cart_id=cart.pk, version=cart.version, channel="portal")

    assert not Order.objects.exists()
    assert not ProductInstance.objects.exists()
    assert customer_balance(customer=poor) == Decimal("15.00")
    assert Cart.objects.get().status == "open"


def test_a_changed_total_is_refused(customer, promo):
    cart = _add(customer, promo)

    with pytest.raises(PriceChangedError, match=r"€9\.00"):
        cart_checkout(
            customer=customer,
            cart_id=cart.pk,
            version=1,
            expected_total=Decimal("8.00"),
            channel="portal",
        )
    assert not Order.objects.exists()


def test_an_empty_or_stale_checkout_is_refused(customer, promo, data_offer):
    with pytest.raises(CartError, match="empty"):
        cart_checkout(customer=customer, cart_id=1, version=0, channel="portal")
    cart = _add(customer, promo)
    _add(customer, data_offer)
    with pytest.raises(CartStaleError):
        cart_checkout(customer=customer, cart_id=cart.pk, version=1, channel="portal")
    assert not Order.objects.exists()


def test_a_checkout_needing_a_code_waits_for_it(customer):
    coded = OfferFactory(name="Coded", requires_confirmation=True)
    cart = _add(customer, coded)

    [order] = cart_checkout(customer=customer, cart_id=cart.pk, version=1, channel="portal")

    assert order.status == Order.Status.PENDING
    assert Notification.objects.filter(template="confirmation_code").count() == 1


def test_sharing_the_cart_sends_her_an_sms_with_a_link_to_it(customer, promo, agent):
    _add(customer, promo, channel="agent", actor="agent", user=agent)

    notification = cart_share(customer=customer, actor_user=agent)

    assert notification.medium == "sms"
    link = notification.links.get()
    assert link.target == "/cart/"
    assert f"/l/{link.token}/" in notification.body
    shared = Interaction.objects.filter(kind="cart_changed").latest("id")
    assert shared.actor_user == agent
    assert shared.summary == "Sent the cart to the customer by SMS (agent Alex Agent)"


def test_an_empty_cart_is_not_shared(customer, agent):
    with pytest.raises(CartError):
        cart_share(customer=customer, actor_user=agent)
    assert not Notification.objects.exists()
