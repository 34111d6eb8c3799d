"""An agent changes her cart for her: the same cart she sees in the portal."""

import re
from decimal import Decimal

import pytest

from orders.models import Cart, CartItem
from orders.services import cart_item_add, cart_item_remove
from selfcare.models import Interaction, Line, Notification
from tests.factories import CustomerFactory, OfferFactory, UserFactory

from .conftest import cart_with

pytestmark = pytest.mark.django_db

BUNDLE_GROUPS = [
    {
        "key": "data",
        "label": "Data",
        "choices": [
            {"value": "5gb", "label": "5 GB", "data_mb": 5120},
            {"value": "20gb", "label": "20 GB", "data_mb": 20480, "price": "5.00"},
        ],
    }
]


@pytest.fixture
def customer(db):
    return CustomerFactory(name="Stacy Smith")


@pytest.fixture
def bundle(db):
    return OfferFactory(
        name="Fixed Price Bundle", price=Decimal("15.00"), option_groups=BUNDLE_GROUPS
    )


def _base(customer) -> str:
    return f"/backoffice/customers/{customer.pk}"


def _last_interaction(customer):
    return Interaction.objects.filter(customer=customer).latest("id")


def _assert_by_agent(interaction, agent, summary):
    assert (interaction.kind, interaction.channel, interaction.actor) == (
        "cart_changed",
        "agent",
        "agent",
    )
    assert interaction.actor_user == agent
    assert interaction.summary == summary


def test_the_agent_adds_an_offer_to_her_cart(agent_client, agent, customer):
    offer = OfferFactory(name="News Alerts")

    page = agent_client.get(f"{_base(customer)}/").text
    assert f'name="offer" value="{offer.pk}"' in page

    response = agent_client.post(f"{_base(customer)}/cart/add/", {"offer": offer.pk})

    assert response.status_code == 302
    assert response["Location"] == f"{_base(customer)}/#cart"
    item = CartItem.objects.get()
    assert (item.cart.customer, item.offer, item.line) == (customer, offer, customer.lines.get())
    assert (item.added_on, item.added_by) == ("agent", agent)
    _assert_by_agent(
        _last_interaction(customer), agent, "Added News Alerts to the cart (agent Alex Agent)"
    )
    page = agent_client.get(response["Location"]).text
    assert "News Alerts is in her cart." in page


def test_an_offer_that_needs_options_gets_the_options_form(agent_client, agent, customer, bundle):
    page = agent_client.get(f"{_base(customer)}/").text
    assert f'href="{_base(customer)}/cart/add/{bundle.pk}/"' in page  # not a one-click add

    form = agent_client.get(f"{_base(customer)}/cart/add/{bundle.pk}/")
    assert form.status_code == 200
    assert 'type="radio" name="data" value="20gb"' in form.text
    assert "20 GB (+€5.00)" in form.text  # what each choice adds, to tell her

    missing = agent_client.post(f"{_base(customer)}/cart/add/{bundle.pk}/", {})
    assert missing.status_code == 400
    assert "Pick one of the data options." in missing.text
    one_click = agent_client.post(f"{_base(customer)}/cart/add/", {"offer": bundle.pk})
    assert one_click.status_code == 400
    assert "Pick one of the data options." in one_click.text
    assert not CartItem.objects.exists()

    added = agent_client.post(f"{_base(customer)}/cart/add/{bundle.pk}/", {"data": "20gb"})
    assert added.status_code == 302
    assert CartItem.objects.get().options == {"data": "20gb"}
    quote = agent_client.get(f"{_base(customer)}/").context["customer360"].quote
    assert quote.total == Decimal("20.00")


def test_what_she_cannot_buy_on_the_agent_channel_is_refused(agent_client, customer):
    offer = OfferFactory(name="Portal Only", channels=["portal"])

    response = agent_client.post(f"{_base(customer)}/cart/add/", {"offer": offer.pk})

    assert response.status_code == 409
    assert "Call centre" in response.text
    assert not Cart.objects.exists()
    assert not Interaction.objects.filter(kind="cart_changed").exists()


def test_nothing_can_be_added_for_a_customer_without_an_active_line(agent_client, customer):
    Line.objects.filter(customer=customer).update(status="suspended")
    offer = OfferFactory()

    response = agent_client.post(f"{_base(customer)}/cart/add/{offer.pk}/")

    assert response.status_code == 409
    assert "She has no active line" in response.text
    assert not Cart.objects.exists()


def test_the_agent_changes_an_items_options(agent_client, agent, customer, bundle):
    cart = cart_item_add(
        customer=customer, offer_id=bundle.pk, channel="portal", options={"data": "5gb"}
    )
    item = cart.items.get()

    form = agent_client.get(f"{_base(customer)}/cart/items/{item.pk}/configure/")
    assert form.status_code == 200
    assert re.search(r'<input type="radio" name="data" value="5gb"[^>]* checked>', form.text)
    assert f'name="version" value="{cart.version}"' in form.text

    response = agent_client.post(
        f"{_base(customer)}/cart/items/{item.pk}/configure/",
        {"data": "20gb", "version": cart.version},
    )

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.options == {"data": "20gb"}
    _assert_by_agent(
        _last_interaction(customer),
        agent,
        "Changed the options of Fixed Price Bundle in the cart (agent Alex Agent)",
    )


def test_the_agent_removes_an_item(agent_client, agent, customer):
    cart = cart_with(customer, OfferFactory(name="Games Club"), OfferFactory(name="News Alerts"))
    games = cart.items.get(offer__name="Games Club")

    response = agent_client.post(
        f"{_base(customer)}/cart/items/{games.pk}/remove/", {"version": cart.version}
    )

    assert response.status_code == 302
    assert list(CartItem.objects.values_list("offer__name", flat=True)) == ["News Alerts"]
    _assert_by_agent(
        _last_interaction(customer), agent, "Removed Games Club from the cart (agent Alex Agent)"
    )


def _changed_by_her_meanwhile(customer, cart):
    """She removes an item in the portal while the agent looks at the older version."""
    news = cart.items.get(offer__name="News Alerts")
    return cart_item_remove(
        customer=customer, item_id=news.pk, version=cart.version, channel="portal"
    )


def _state(customer):
    cart = Cart.objects.get(customer=customer)
    return (
        cart.version,
        sorted(CartItem.objects.values_list("offer__name", "options")),
        Interaction.objects.count(),
    )


def test_a_stale_removal_is_refused_with_the_cart_as_it_is_now(agent_client, customer):
    seen = cart_with(customer, OfferFactory(name="Games Club"), OfferFactory(name="News Alerts"))
    games = seen.items.get(offer__name="Games Club")
    _changed_by_her_meanwhile(customer, seen)
    before = _state(customer)

    response = agent_client.post(
        f"{_base(customer)}/cart/items/{games.pk}/remove/", {"version": seen.version}
    )

    assert response.status_code == 409
    assert (
        "Her cart was changed (by her, in the self-care portal) since you opened this page, so "
        "nothing was changed now." in response.text
    )
    assert _state(customer) == before
    quote = response.context["customer360"].quote
    assert [line.offer.name for line in quote.lines] == ["Games Club"]
    assert f'name="version" value="{before[0]}"' in response.text  # to try again on


def test_a_stale_options_change_is_refused_with_nothing_changed(agent_client, customer, bundle):
    seen = cart_item_add(
        customer=customer, offer_id=bundle.pk, channel="portal", options={"data": "5gb"}
    )
    seen = cart_item_add(
        customer=customer, offer_id=OfferFactory(name="News Alerts").pk, channel="portal"
    )
    item = seen.items.get(offer=bundle)
    _changed_by_her_meanwhile(customer, seen)
    before = _state(customer)

    response = agent_client.post(
        f"{_base(customer)}/cart/items/{item.pk}/configure/",
        {"data": "20gb", "version": seen.version},
    )

    assert response.status_code == 409
    assert "Her cart was changed (by her, in the self-care portal)" in response.text
    assert _state(customer) == before


def test_a_stale_edit_of_an_item_she_removed_says_the_cart_changed(agent_client, customer):
    seen = cart_with(customer, OfferFactory(name="Games Club"), OfferFactory(name="News Alerts"))
    news = seen.items.get(offer__name="News Alerts")
    _changed_by_her_meanwhile(customer, seen)  # removes News Alerts
    before = _state(customer)

    configure = agent_client.post(
        f"{_base(customer)}/cart/items/{news.pk}/configure/", {"version": seen.version}
    )
    remove = agent_client.post(
        f"{_base(customer)}/cart/items/{news.pk}/remove/", {"version": seen.version}
    )

    assert (configure.status_code, remove.status_code) == (409, 409)
    assert _state(customer) == before


def test_another_agents_change_is_named(agent_client, customer):
    other = UserFactory(first_name="Bo", last_name="Other", groups=["Call-centre agents"])
    seen = cart_with(customer, OfferFactory(name="Games Club"))
    item = seen.items.get()
    cart_with(customer, OfferFactory(name="News Alerts"), channel="agent", user=other)

    response = agent_client.post(
        f"{_base(customer)}/cart/items/{item.pk}/remove/", {"version": seen.version}
    )

    assert response.status_code == 409
    assert "Her cart was changed (by Bo Other, in the call centre)" in response.text


def test_the_agent_sends_her_the_cart(agent_client, agent, customer):
    cart_with(customer, OfferFactory(name="Games Club"))

    response = agent_client.post(f"{_base(customer)}/cart/share/")

    assert response.status_code == 302
    notification = Notification.objects.get()
    assert (notification.medium, notification.recipient) == ("sms", customer.lines.get().msisdn)
    assert notification.links.get().target == "/cart/"
    _assert_by_agent(
        _last_interaction(customer),
        agent,
        "Sent the cart to the customer by SMS (agent Alex Agent)",
    )
    page = agent_client.get(response["Location"]).text
    assert f"Cart sent by SMS to {notification.recipient}." in page


def test_an_empty_cart_is_not_sent(agent_client, customer):
    response = agent_client.post(f"{_base(customer)}/cart/share/")

    assert response.status_code == 409
    assert "Her cart is empty: add something before sending it." in response.text
    assert not Notification.objects.exists()
    assert not Interaction.objects.exists()


def test_unknown_offers_and_items_are_404s(agent_client, customer, bundle):
    someone_else = CustomerFactory()
    theirs = cart_item_add(customer=someone_else, offer_id=OfferFactory().pk, channel="portal")
    their_item = theirs.items.get()
    mine = cart_with(customer, OfferFactory())
    draft = OfferFactory(draft=True)
    base = _base(customer)
    before = _state(customer)

    assert agent_client.get(f"{base}/cart/add/999999/").status_code == 404
    assert agent_client.post(f"{base}/cart/add/999999/").status_code == 404
    assert agent_client.get(f"{base}/cart/add/{draft.pk}/").status_code == 404
    assert agent_client.post(f"{base}/cart/add/{draft.pk}/").status_code == 404
    for offer_id in (999999, draft.pk):
        assert agent_client.post(f"{base}/cart/add/", {"offer": offer_id}).status_code == 404
    for malformed in ("", "abc", "-1", "9" * 30):
        assert agent_client.post(f"{base}/cart/add/", {"offer": malformed}).status_code == 400
    for item_id in (999999, their_item.pk):
        assert agent_client.get(f"{base}/cart/items/{item_id}/configure/").status_code == 404
        configure = agent_client.post(
            f"{base}/cart/items/{item_id}/configure/", {"version": mine.version}
        )
        assert configure.status_code == 404
        remove = agent_client.post(
            f"{base}/cart/items/{item_id}/remove/", {"version": mine.version}
        )
        assert remove.status_code == 404
    assert agent_client.post("/backoffice/customers/999999/cart/share/").status_code == 404
    assert _state(customer) == before
    assert their_item in CartItem.objects.all()
