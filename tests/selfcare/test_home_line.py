"""Her home line has one rule (`line_get_home`): her oldest line that is neither temporary nor
terminated, suspended or not. The portal shows it, the console and the cart add to it, and the
cart refuses it while it is not active."""

import pytest
from django.test import Client

from orders.models import Cart, CartItem
from orders.services import CartError, cart_item_add
from selfcare.models import Line
from selfcare.selectors import line_get_home
from tests.factories import CustomerFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db

AGENTS = "Call-centre agents"
NO_ACTIVE_LINE = "There is no active line to add it to."


@pytest.fixture
def offer(db):
    return OfferFactory(name="News Alerts")


@pytest.fixture
def agent_client(db):
    """An agent's browser, beside hers (`client`)."""
    agent = Client()
    agent.force_login(UserFactory(groups=[AGENTS]))
    return agent


def _line(customer, msisdn: str, **fields) -> Line:
    return Line.objects.create(customer=customer, msisdn=msisdn, base_plan="Prepaid Go", **fields)


def _first_line_temporary(customer) -> Line:
    """Her oldest line is a Travel Line; her own number came after it."""
    customer.lines.update(temporary=True)
    return _line(customer, "351960000777")


def test_a_temporary_line_is_never_her_home_even_when_it_came_first(client, agent_client, offer):
    customer = CustomerFactory()
    home = _first_line_temporary(customer)

    assert line_get_home(customer=customer) == home
    assert line_get_home(user=customer.user) == home
    client.force_login(customer.user)
    assert "+351 960 000 777" in client.get("/").text
    cart_item_add(customer=customer, offer_id=offer.pk, channel="portal")
    assert CartItem.objects.get().line == home
    CartItem.objects.all().delete()
    agent_client.post(f"/backoffice/customers/{customer.pk}/cart/add/{offer.pk}/")
    assert CartItem.objects.get().line == home


def test_a_suspended_home_line_is_still_hers_and_nothing_goes_to_her_travel_line(
    client, agent_client, offer
):
    customer = CustomerFactory(msisdn="351960000111")
    home = customer.lines.get()
    home_id = home.pk
    Line.objects.filter(pk=home_id).update(status=Line.Status.SUSPENDED)
    _line(customer, "351930000222", temporary=True)  # active

    assert line_get_home(customer=customer).pk == home_id
    assert line_get_home(user=customer.user).pk == home_id
    # She still sees her own line, and cannot add to her cart for it, nor for her travel line.
    client.force_login(customer.user)
    assert "+351 960 000 111" in client.get("/").text
    response = client.post(f"/cart/add/{offer.pk}/")
    assert response.status_code == 409
    assert NO_ACTIVE_LINE in response.text
    with pytest.raises(CartError, match=NO_ACTIVE_LINE):
        cart_item_add(customer=customer, offer_id=offer.pk, channel="agent")
    with pytest.raises(CartError, match=NO_ACTIVE_LINE):
        cart_item_add(customer=customer, offer_id=offer.pk, channel="agent", line_id=home_id)
    # The console says so, and adds nothing.
    page = agent_client.get(f"/backoffice/customers/{customer.pk}/").text
    assert "She has no active line, so nothing can be added." in page
    response = agent_client.post(f"/backoffice/customers/{customer.pk}/cart/add/{offer.pk}/")
    assert response.status_code == 409
    assert "She has no active line" in response.text
    assert not Cart.objects.exists()


def test_a_terminated_line_gives_way_to_her_next_own_line(client, offer):
    customer = CustomerFactory()
    customer.lines.update(status=Line.Status.TERMINATED)
    second = _line(customer, "351960000888")

    assert line_get_home(user=customer.user) == second
    cart_item_add(customer=customer, offer_id=offer.pk, channel="portal")
    assert CartItem.objects.get().line == second


def test_with_every_own_line_terminated_she_still_sees_her_first(client, offer):
    customer = CustomerFactory(msisdn="351960000333")
    first = customer.lines.get()
    customer.lines.update(status=Line.Status.TERMINATED)
    _line(customer, "351960000444", status=Line.Status.TERMINATED)

    assert line_get_home(customer=customer) == first
    client.force_login(customer.user)
    assert "+351 960 000 333" in client.get("/").text
    with pytest.raises(CartError, match=NO_ACTIVE_LINE):
        cart_item_add(customer=customer, offer_id=offer.pk, channel="portal")


def test_without_a_line_she_has_no_home_line(client, agent_client, offer):
    customer = CustomerFactory()
    customer.lines.all().delete()

    assert line_get_home(customer=customer) is None
    assert line_get_home(user=customer.user) is None
    assert line_get_home(user=UserFactory()) is None  # staff
    client.force_login(customer.user)
    response = client.get("/")
    assert response.status_code == 403
    assert "You have no line with us right now" in response.text
    with pytest.raises(CartError, match=NO_ACTIVE_LINE):
        cart_item_add(customer=customer, offer_id=offer.pk, channel="portal")
    response = agent_client.post(f"/backoffice/customers/{customer.pk}/cart/add/{offer.pk}/")
    assert response.status_code == 409
    assert "She has no active line" in response.text
    assert not Cart.objects.exists()


def test_her_home_line_with_her_and_her_account_is_one_query(django_assert_num_queries):
    customer = CustomerFactory()
    _line(customer, "351930000555", temporary=True)

    with django_assert_num_queries(1):
        line = line_get_home(user=customer.user)
        assert line.customer.account.currency
