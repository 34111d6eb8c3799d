"""Audit history never changes: an agent (or a product manager) who leaves is deactivated, not
deleted, and every row he wrote keeps his name, in the console and in the offer's history."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db.models import ProtectedError

from catalog.models import Offer, OfferChange
from catalog.services import offer_save
from orders.models import Cart, CartItem, Order
from selfcare.models import Interaction, TopUp
from selfcare.models_events import AlertSettingChange
from selfcare.models_limits import UsageLimitChange
from selfcare.services.alerts import alert_setting_save
from selfcare.services.limits import usage_limit_save
from selfcare.services.vouchers import topup_by_agent_voucher, voucher_create
from tests.backoffice.conftest import own
from tests.factories import CustomerFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db

PIN = "1234567812345678"


@pytest.fixture
def pat(db):
    return UserFactory(
        username="pat", first_name="Pat", last_name="Product", is_staff=True,
        groups=["Product managers"],
    )  # fmt: skip


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def written(client, agent, pat):
    """Alex, an agent, works for Stacy through the console; Pat edits an offer."""
    customer = CustomerFactory(name="Stacy Smith", balance=Decimal("30.00"))
    line = customer.lines.get()
    games = own(customer, OfferFactory(name="Games Club", allows_suspend=True))
    news = OfferFactory(name="News Alerts")
    client.force_login(agent)
    console = f"/backoffice/customers/{customer.pk}/"
    client.post(f"{console}notes/", {"text": "Called about roaming"})
    client.post(f"{console}cart/add/", {"offer": news.pk})
    client.post(
        f"{console}addons/{games.pk}/suspend/",
        {"idempotency_key": "0f6c2a4e-9b1d-4c1e-8f3a-2b7d9e5a1c01", "reason": "Travelling"},
    )
    alert_setting_save(
        line=line, thresholds=[80], medium="sms", channel="agent", changed_by=agent, by_agent=True
    )
    usage_limit_save(
        line=line,
        stop_when_used_up=True,
        monthly_cap=None,
        channel="agent",
        changed_by=agent,
        by_agent=True,
    )
    voucher_create(pin=PIN, serial="S-1", amount=Decimal("10.00"))
    topup_by_agent_voucher(customer=customer, pin=PIN, idempotency_key="voucher-1", agent=agent)
    offer = Offer.objects.get(pk=news.pk)
    offer.summary = "Headlines by SMS"
    offer_save(offer=offer, actor=pat)
    client.logout()
    return {"customer": customer, "console": console, "offer": offer}


def rows_naming(user) -> dict[str, int]:
    """How many rows of each audit-like kind name `user`."""
    return {
        "interactions": Interaction.objects.filter(actor_user=user).count(),
        "orders": Order.objects.filter(placed_by=user).count(),
        "carts": Cart.objects.filter(changed_by=user).count(),
        "cart items": CartItem.objects.filter(added_by=user).count(),
        "alert changes": AlertSettingChange.objects.filter(changed_by=user).count(),
        "limit changes": UsageLimitChange.objects.filter(changed_by=user).count(),
        "top-ups": TopUp.objects.filter(created_by=user).count(),
        "offers": Offer.objects.filter(updated_by=user).count(),
        "offer changes": OfferChange.objects.filter(changed_by=user).count(),
    }


ALEX_WROTE = {
    "interactions": 4,  # the note, the cart change, the suspension, the top-up
    "orders": 1,
    "carts": 1,
    "cart items": 1,
    "alert changes": 1,
    "limit changes": 1,
    "top-ups": 1,
    "offers": 0,
    "offer changes": 0,
}


def test_deleting_an_agent_who_wrote_history_is_refused_and_changes_nothing(written, agent, pat):
    assert rows_naming(agent) == ALEX_WROTE

    with pytest.raises(ProtectedError):
        agent.delete()
    with pytest.raises(ProtectedError):
        pat.delete()

    assert get_user_model().objects.filter(pk__in=[agent.pk, pat.pk]).count() == 2
    assert rows_naming(agent) == ALEX_WROTE
    assert rows_naming(pat)["offer changes"] == 1


def test_the_admin_refuses_the_delete_and_lists_what_keeps_him(written, agent, admin_client):
    page = admin_client.post(f"/admin/auth/user/{agent.pk}/delete/", {"post": "yes"})

    assert page.status_code == 200
    assert "would require deleting the following protected related objects" in page.text
    assert get_user_model().objects.filter(pk=agent.pk).exists()


def test_a_deactivated_agent_cannot_sign_in_and_his_name_stays_on_every_row(
    written, agent, supervisor, admin_client, client
):
    alex = type(client)()
    alex.force_login(agent)
    assert alex.get("/backoffice/").status_code == 200

    admin_client.post(
        "/admin/auth/user/",
        {"action": "deactivate_selected", "_selected_action": [agent.pk]},
    )

    agent.refresh_from_db()
    assert agent.is_active is False
    assert alex.get("/backoffice/").status_code == 302  # his session ends at once
    fresh = type(client)()
    signin = fresh.post("/accounts/login/", {"username": "alex", "password": "pass-word-123"})
    assert signin.status_code == 200  # the form again, not a way in
    assert fresh.get("/backoffice/").status_code == 302
    assert rows_naming(agent) == ALEX_WROTE
    client.force_login(supervisor)
    page = client.get(written["console"]).text
    assert page.count("Agent Alex Agent") >= ALEX_WROTE["interactions"]  # her timeline
    assert "in the call centre by Alex Agent" in page  # her cart
    assert "(Alex Agent)" in page  # the order he placed
    assert page.count("Agent Alex Agent:") >= 2  # the alert and limit changes
    assert "Alex Agent" in page.split('id="topups"')[-1]  # the top-up


def test_an_admin_cannot_deactivate_himself(admin_client):
    root = get_user_model().objects.get(username="root")

    admin_client.post(
        "/admin/auth/user/", {"action": "deactivate_selected", "_selected_action": [root.pk]}
    )

    root.refresh_from_db()
    assert root.is_active is True


def test_an_offers_history_keeps_the_product_managers_name(written, pat, admin_client):
    admin_client.post(
        "/admin/auth/user/", {"action": "deactivate_selected", "_selected_action": [pat.pk]}
    )

    page = admin_client.get(f"/admin/catalog/offer/{written['offer'].pk}/history/")

    assert "Pat Product" in page.text
    assert "→ Headlines by SMS" in page.text
