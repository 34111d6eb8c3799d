"""A refusal is said in her language: what the services raise (a balance too low, an offer she
cannot buy) reaches a Portuguese customer in Portuguese, and an English one in the English the
rest of the tests read."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from catalog.eligibility import CustomerContext, offer_decide
from catalog.models import Offer
from orders.demo import DEMO_PASSWORD, demo_data_load
from orders.models import Order, ProductInstance
from selfcare.models import Account, Customer, LedgerEntry
from selfcare.selectors import customer_balance
from selfcare.services import account_charge
from tests.orders.helpers import tap

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def stacy_short_of_money(db):
    """Stacy of the demo, €5.00 left (Data 15GB costs €10.00)."""
    demo_data_load()
    stacy = Customer.objects.get(user__username="stacy")
    balance = customer_balance(customer=stacy)
    account_charge(
        account=Account.objects.get(customer=stacy),
        amount=balance - Decimal("5.00"),
        description="Spent",
        reference="test-spent",
    )
    return stacy


def _signed_in_speaking(client, customer, language):
    customer.language = language
    customer.save(update_fields=["language"])
    response = client.post(
        "/accounts/login/", {"username": customer.user.username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302


def _written():
    return (
        Order.objects.count(),
        ProductInstance.objects.count(),
        LedgerEntry.objects.count(),
    )


@pytest.mark.parametrize(
    ("language", "refusal"),
    [
        ("pt", "O seu saldo é 5,00 €; isto custa 10,00 €. Carregue e tente de novo."),
        ("en", "Your balance is €5.00; this costs €10.00. Top up and try again."),
    ],
)
def test_a_tap_she_cannot_pay_for_is_refused_in_her_language(
    client, stacy_short_of_money, language, refusal
):
    _signed_in_speaking(client, stacy_short_of_money, language)
    data_15gb = Offer.objects.get(name="Data 15GB")
    before = _written()

    response = client.post(f"/addons/{data_15gb.pk}/on/", tap(data_15gb, "tap-0000001"), **HTMX)

    assert response.status_code == 409
    assert response["Content-Language"] == language
    assert refusal in response.text
    if language == "pt":
        assert "Top up and try again" not in response.text
    assert _written() == before


def _context(**values) -> CustomerContext:
    base = {
        "lifecycle_status": "active",
        "status_reason": "",
        "channel": "portal",
        "at": dt.datetime(2026, 11, 22, 15, 0, tzinfo=ZoneInfo("Europe/Lisbon")),
        "tenure_days": 1000,
        "base_plan": "Family Bundle M",
        "segments": frozenset({"family"}),
        "purchases": {},
    }
    return CustomerContext(**(base | values))


@pytest.mark.parametrize(
    ("language", "reasons"),
    [
        (
            "pt",
            (
                "Não disponível no seu tarifário (Family Bundle M).",
                "Para clientes connosco há 90 dias ou mais: para si, a partir de "
                "21 de Dezembro de 2026.",
            ),
        ),
        (
            "en",
            (
                "Not available on your plan (Family Bundle M).",
                "For customers with us 90 days or more: yours from 21 December 2026.",
            ),
        ),
    ],
)
def test_why_she_cannot_buy_an_offer_is_said_in_the_language_at_the_time(language, reasons):
    offer = Offer(
        name="Data 15GB",
        status="published",
        eligible_statuses=["active"],
        eligible_plans=["Family Bundle L"],
        min_tenure_days=90,
    )

    with translation.override(language):
        decision = offer_decide(offer=offer, context=_context(tenure_days=61))

    assert decision.eligible is False
    assert set(decision.reasons) == set(reasons)
