"""Stacy's journey (seeds/002): an SMS promotion, the portal, a call to the call centre, back to
the portal for the portal-only price, and an SMS when it is active. Two clients on the demo data:
stacy's browser and the agent's console."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client

from campaigns.demo import demo_campaigns_load
from orders.demo import DEMO_PASSWORD
from orders.models import Order, ProductInstance
from selfcare.models import Interaction, Notification, TrackedLink

pytestmark = pytest.mark.django_db


def _login(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.text
    return client


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_stacy_hops_from_sms_to_portal_to_call_centre_and_back(
    demo, offers, django_capture_on_commit_callbacks, monkeypatch
):
    # Jobs run as they would after each commit: messages go out, the add-on activates.
    def jobs():
        return django_capture_on_commit_callbacks(execute=True)

    monkeypatch.setattr("campaigns.demo.CROWD", 10)  # the demo's crowd, smaller
    demo_campaigns_load()
    promo = offers["Summer Data 20GB"]

    # An SMS promotion with a link reaches stacy.
    with jobs():
        call_command("send_promotion", "summer-data", "351910000001")
    sms = Notification.objects.get(template="promotion")
    assert (sms.medium, sms.recipient, sms.status) == ("sms", "351910000001", "sent")
    link_url = re.search(r"https?://\S+/l/[\w-]+/", sms.body).group(0)
    assert sms.body.startswith("Stacy, Summer Data 20GB is here")

    # The link opens the offer in the portal, through the login; the click is recorded.
    stacy = Client()
    response = stacy.get(_path(link_url))
    assert response.status_code == 302
    assert response["Location"] == f"/offers/{promo.pk}/"
    response = stacy.get(response["Location"])
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    stacy = _login("stacy")
    response = stacy.get(f"/offers/{promo.pk}/")
    assert response.status_code == 200
    assert "Self-care portal price" in response.text
    link = TrackedLink.objects.get()
    assert (link.click_count, link.notification, link.campaign_id) == (
        1,
        sms,
        sms.campaign_id,
    )

    # She calls: the agent finds her and sees the click and the offer view in her timeline.
    agent = _login("agent")
    found = agent.get("/backoffice/search/", {"q": "351910000001"})
    assert "Stacy Martin" in found.text
    customer_id = Interaction.objects.filter(kind="link_clicked").get().customer_id
    console = agent.get(f"/backoffice/customers/{customer_id}/")
    assert console.status_code == 200
    # She opened it before signing in: her history says so, not that it was her.
    assert "was opened by someone not signed in" in console.text
    assert "Viewed Summer Data 20GB" in console.text

    # The agent adds the promotion to her cart; at the call centre it costs €12, €9 in the portal.
    response = agent.post(f"/backoffice/customers/{customer_id}/cart/add/", {"offer": promo.pk})
    assert response.status_code == 302
    console = agent.get(f"/backoffice/customers/{customer_id}/")
    assert "€12.00" in console.text
    assert "€9.00 in the self-care portal" in console.text

    # Stacy logs in again and sees the cart with the portal-only discount, then checks out.
    stacy = _login("stacy")
    cart = stacy.get("/cart/")
    assert "Summer Data 20GB" in cart.text
    assert "Added by the call centre" in cart.text
    assert '<td class="amount" id="cart-total">€9.00</td>' in cart.text
    form = dict(re.findall(r'name="(cart_id|version|expected_total)" value="([^"]+)"', cart.text))
    with jobs():
        response = stacy.post("/cart/checkout/", form)
    assert response.status_code == 302, response.text
    order = Order.objects.get()
    assert (order.channel, order.attributed_link) == ("portal", link)
    product = ProductInstance.objects.get(order_items__order=order)
    assert (product.price, product.status) == (Decimal("9.00"), "active")

    # She receives an SMS that the activation is complete.
    active = Notification.objects.get(template="addon_active")
    assert (active.medium, active.recipient, active.status) == ("sms", "351910000001", "sent")
    assert "Summer Data 20GB" in active.body

    # The agent, refreshing, sees the order and the SMS in the timeline.
    console = agent.get(f"/backoffice/customers/{customer_id}/")
    assert "Checked out Summer Data 20GB" in console.text
    assert f"Order #{order.pk}: completed" in console.text
    assert f"SMS sent: {active.subject}" in console.text
