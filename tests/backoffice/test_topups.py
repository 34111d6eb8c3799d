"""The console's top-ups: every one with its method, amount, status and who, and a voucher an
agent applies for her, recorded with his name."""

from decimal import Decimal

import pytest

from selfcare.models import Interaction, TopUp
from selfcare.selectors import customer_balance
from selfcare.services import voucher_create

pytestmark = pytest.mark.django_db

KEY = "form-key-0001"


def test_the_agent_applies_a_voucher_for_her_and_sees_every_top_up_with_who(
    agent_client, agent, customer
):
    voucher_create(pin="1111 2222 3333 4444", serial="V-1", amount=Decimal("5.00"))
    url = f"/backoffice/customers/{customer.pk}/topups/voucher/"

    response = agent_client.post(url, {"idempotency_key": KEY, "pin": "1111222233334444"})
    again = agent_client.post(url, {"idempotency_key": "form-key-0002", "pin": "1111222233334444"})
    page = agent_client.get(f"/backoffice/customers/{customer.pk}/")

    assert response.status_code == 302
    assert again.status_code == 409
    assert "This voucher has already been used." in again.text
    assert customer_balance(customer=customer) == Decimal("55.00")
    topup = TopUp.objects.get()
    assert (topup.method, topup.created_by) == ("agent", agent)
    section = page.text[page.text.index('id="topups"') :]
    assert "Voucher by an agent" in section
    assert "Alex Agent" in section
    assert "€5.00" in section
    assert Interaction.objects.get(kind="top_up").actor_user == agent
