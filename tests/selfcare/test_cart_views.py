"""The portal's cart, offer page, activity and tracked links, through HTTP."""

from decimal import Decimal

import pytest

from orders.models import Cart, CartItem, Order
from orders.services import cart_item_add
from selfcare.models import Interaction, TrackedLink
from selfcare.said import verbatim
from selfcare.services import interaction_record, notification_send
from tests.factories import CustomerFactory, OfferFactory, UserFactory
from tests.orders.helpers import tap

pytestmark = pytest.mark.django_db


@pytest.fixture
def promo(db):
    return OfferFactory(
        name="Summer Data 20GB", price=Decimal("12.00"), channel_prices={"portal": "9.00"}
    )


def test_adding_from_the_offer_page_puts_it_in_her_cart_at_the_portal_price(
    customer_client, customer, promo
):
    page = customer_client.get(f"/offers/{promo.pk}/")
    assert page.status_code == 200
    assert '<s aria-label="was €12.00">€12.00</s>' in page.text
    assert "Add to cart" in page.text

    response = customer_client.post(f"/cart/add/{promo.pk}/")

    assert response.status_code == 302
    assert response["Location"] == "/cart/"
    cart = customer_client.get("/cart/")
    assert '<td class="amount" id="cart-total">€9.00</td>' in cart.text
    assert "You save" in cart.text
    assert "Buy for €9.00" in cart.text
    assert CartItem.objects.get().offer == promo
    assert "It is in your cart." in customer_client.get(f"/offers/{promo.pk}/").text


def test_viewing_an_offer_is_recorded_once_per_view(customer_client, customer, promo):
    customer_client.get(f"/offers/{promo.pk}/")

    viewed = Interaction.objects.get(kind="offer_viewed")
    assert (viewed.customer, viewed.channel, viewed.summary) == (
        customer,
        "portal",
        "Viewed Summer Data 20GB",
    )


def test_an_unknown_or_draft_offer_page_is_404_and_records_nothing(customer_client):
    draft = OfferFactory(draft=True)
    assert customer_client.get(f"/offers/{draft.pk}/").status_code == 404
    assert customer_client.get("/offers/999999/").status_code == 404
    assert not Interaction.objects.exists()


def test_a_stale_remove_is_refused_with_the_current_cart_shown(customer_client, customer, promo):
    cart = cart_item_add(customer=customer, offer_id=promo.pk, channel="portal")
    other = OfferFactory(name="Games Club")
    agent = UserFactory(first_name="Alex", last_name="Agent")
    cart_item_add(
        customer=customer, offer_id=other.pk, channel="agent", actor="agent", actor_user=agent
    )
    item = cart.items.get(offer=promo)

    response = customer_client.post(f"/cart/items/{item.pk}/remove/", {"version": 1})

    assert response.status_code == 409
    assert "Your cart was changed (by Alex Agent, call centre)" in response.text
    assert "Games Club" in response.text
    assert CartItem.objects.count() == 2


def test_checkout_makes_orders_and_says_so(customer_client, customer, promo):
    cart = cart_item_add(customer=customer, offer_id=promo.pk, channel="portal")

    response = customer_client.post(
        "/cart/checkout/", {"cart_id": cart.pk, "version": 1, "expected_total": "9.00"}, follow=True
    )

    assert response.status_code == 200
    assert "1 add-on on the way" in response.text
    assert Order.objects.get().channel == "portal"
    again = customer_client.post(
        "/cart/checkout/", {"cart_id": cart.pk, "version": 1, "expected_total": "9.00"}
    )
    assert again.status_code == 302
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    "data", [{}, {"cart_id": "x", "version": "1", "expected_total": "9"}, {"version": "-1"}]
)
def test_a_malformed_checkout_is_400_and_changes_nothing(customer_client, customer, promo, data):
    cart_item_add(customer=customer, offer_id=promo.pk, channel="portal")

    response = customer_client.post("/cart/checkout/", data)

    assert response.status_code == 400
    assert "not complete" in response.text
    assert not Order.objects.exists()
    assert Cart.objects.get().status == "open"


def test_she_cannot_touch_another_customers_cart(customer_client, promo):
    other = CustomerFactory()
    cart = cart_item_add(customer=other, offer_id=promo.pk, channel="portal")
    item = cart.items.get()

    removed = customer_client.post(f"/cart/items/{item.pk}/remove/", {"version": 1})
    checked_out = customer_client.post(
        "/cart/checkout/", {"cart_id": cart.pk, "version": 1, "expected_total": "9.00"}
    )
    page = customer_client.get("/cart/")

    assert removed.status_code == 404
    assert checked_out.status_code == 409  # her own cart is empty
    assert "Summer Data" not in page.text
    assert CartItem.objects.filter(cart=cart).count() == 1
    assert not Order.objects.exists()


def test_a_tracked_link_records_the_click_and_lands_on_its_target(client, customer, promo):
    message = notification_send(
        customer=customer,
        template="promotion",
        context={"message": "Try it"},
        campaign_id=7,
        link_target=f"/offers/{promo.pk}/",
        link_offer=promo,
    )
    link = TrackedLink.objects.get()

    response = client.get(f"/l/{link.token}/")

    assert response.status_code == 302
    assert response["Location"] == f"/offers/{promo.pk}/"
    link.refresh_from_db()
    assert link.click_count == 1
    assert link.first_clicked_at is not None
    clicked = Interaction.objects.get(kind="link_clicked")
    assert clicked.data == {
        "link_id": link.pk,
        "notification_id": message.pk,
        "campaign_id": 7,
        "offer_id": promo.pk,
        "clicked_by": "anonymous",
    }


def test_an_unknown_link_lands_on_the_dashboard_and_records_nothing(client):
    response = client.get("/l/not-a-real-token/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not Interaction.objects.exists()


def test_a_purchase_after_a_click_is_credited_to_the_link(customer_client, customer, promo):
    notification_send(
        customer=customer,
        template="promotion",
        context={"message": "Try it"},
        link_target=f"/offers/{promo.pk}/",
        link_offer=promo,
    )
    link = TrackedLink.objects.get()
    customer_client.get(f"/l/{link.token}/")

    customer_client.post(f"/addons/{promo.pk}/on/", tap(promo, "tap-after-link"))

    order = Order.objects.get()
    assert order.attributed_link == link
    assert link.orders.get() == order


def test_logging_in_is_recorded_for_customers_only(client, customer):
    agent = UserFactory(username="alex")
    client.post("/accounts/login/", {"username": "alex", "password": "pass-word-123"})
    client.post("/accounts/login/", {"username": customer.user.username, "password": "x"})
    assert not Interaction.objects.exists()

    client.post(
        "/accounts/login/", {"username": customer.user.username, "password": "pass-word-123"}
    )

    login = Interaction.objects.get()
    assert (login.kind, login.channel, login.customer) == ("login", "portal", customer)
    assert agent.pk  # the agent's login recorded nothing


def test_her_activity_shows_her_history_but_not_internal_notes_or_others(customer_client, customer):
    interaction_record(
        customer=customer,
        kind="note",
        channel="agent",
        actor="agent",
        summary=verbatim("Internal: VIP"),
    )
    interaction_record(
        customer=customer, kind="order_placed", channel="agent", summary=verbatim("Mine")
    )
    interaction_record(
        customer=CustomerFactory(),
        kind="order_placed",
        channel="portal",
        summary=verbatim("Someone else's"),
    )

    page = customer_client.get("/activity/")

    assert "Mine" in page.text
    assert "Internal: VIP" not in page.text
    assert "Someone else" not in page.text


@pytest.mark.parametrize(
    ("groups", "is_staff", "lands_on"),
    [
        (["Call-centre agents"], False, "/backoffice/"),
        (["Product managers"], True, "/admin/"),
        ([], False, "/"),
    ],
)
def test_each_role_lands_on_its_own_tools_after_logging_in(client, groups, is_staff, lands_on):
    UserFactory(username="someone", groups=groups, is_staff=is_staff)

    response = client.post("/accounts/login/", {"username": "someone", "password": "pass-word-123"})

    assert response["Location"] == lands_on


def test_an_item_for_a_customer_without_an_active_line_is_refused(customer, promo):
    from orders.services import CartError

    customer.lines.update(status="terminated")

    with pytest.raises(CartError, match="no active line"):
        cart_item_add(customer=customer, offer_id=promo.pk, channel="agent")
    assert not Cart.objects.exists()


def test_a_checkout_waiting_for_a_code_says_where_to_enter_it(customer_client, customer):
    coded = OfferFactory(name="Coded", requires_confirmation=True)
    cart = cart_item_add(customer=customer, offer_id=coded.pk, channel="portal")

    response = customer_client.post(
        "/cart/checkout/", {"cart_id": cart.pk, "version": 1, "expected_total": "5.00"}, follow=True
    )

    assert response.redirect_chain == [("/offers/", 302)]
    assert "1 add-on waits for the code we sent you by SMS" in response.text
    assert "on the way" not in response.text
    assert Order.objects.get().status == "pending"


def test_a_link_whose_stored_target_leads_elsewhere_lands_on_the_dashboard(client, customer):
    link = TrackedLink.objects.create(token="forged", customer=customer, target="//evil.example/")

    response = client.get(f"/l/{link.token}/")

    assert response["Location"] == "/"


def test_a_checkout_after_opening_the_cart_an_agent_sent_is_credited_to_that_link(
    customer_client, customer, promo
):
    from orders.services import cart_share

    cart = cart_item_add(customer=customer, offer_id=promo.pk, channel="agent")
    cart_share(customer=customer, actor_user=UserFactory())
    link = TrackedLink.objects.get()
    customer_client.get(f"/l/{link.token}/")

    customer_client.post(
        "/cart/checkout/", {"cart_id": cart.pk, "version": 1, "expected_total": "9.00"}
    )

    assert Order.objects.get().attributed_link == link
