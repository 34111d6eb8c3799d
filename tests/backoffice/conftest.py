import pytest
from django.utils import timezone

from orders.models import ProductInstance
from orders.services import cart_item_add, product_instance_activate
from tests.factories import CustomerFactory, OfferFactory, UserFactory
from tests.orders.helpers import buy

AGENTS = "Call-centre agents"
SUPERVISORS = "Call-centre supervisors"


@pytest.fixture
def agent(db):
    return UserFactory(username="alex", first_name="Alex", last_name="Agent", groups=[AGENTS])


@pytest.fixture
def supervisor(db):
    return UserFactory(
        username="sue", first_name="Sue", last_name="Supervisor", groups=[AGENTS, SUPERVISORS]
    )


@pytest.fixture
def pm(db):
    return UserFactory(username="pat", is_staff=True, groups=["Product managers"])


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def supervisor_client(client, supervisor):
    client.force_login(supervisor)
    return client


def own(customer, offer, *, key="key-00001"):
    """She bought `offer` in the portal and it is active now."""
    order = buy(customer, offer, key=key)
    instance = ProductInstance.objects.get(order_items__order=order)
    product_instance_activate(product_instance_id=instance.pk)
    instance.refresh_from_db()
    return instance


def cart_with(customer, *offers, channel="portal", user=None):
    cart = None
    for offer in offers:
        cart = cart_item_add(
            customer=customer,
            offer_id=offer.pk,
            channel=channel,
            actor="agent" if channel == "agent" else "customer",
            actor_user=user or customer.user,
        )
    return cart


@pytest.fixture
def world(db):
    """A customer with an active add-on and an item in her cart: every id a route takes."""
    customer = CustomerFactory(name="Stacy Smith")
    instance = own(customer, OfferFactory(data_offer=True, allows_suspend=True))
    offer = OfferFactory(name="News Alerts")
    cart = cart_with(customer, offer)
    return {
        "customer": customer,
        "customer_id": customer.pk,
        "offer_id": offer.pk,
        "item_id": cart.items.get().pk,
        "instance_id": instance.pk,
        "at": timezone.now(),
    }
