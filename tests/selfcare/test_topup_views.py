"""The top-up page through HTTP (the portal without JavaScript), the "top up" link on a refusal
for a short balance, and the console's (tests/backoffice/test_topups.py)."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from selfcare.models import Interaction, LedgerEntry, TopUp
from selfcare.selectors import customer_balance
from selfcare.services import voucher_create
from tests.factories import CustomerFactory, OfferFactory
from tests.orders.helpers import tap

pytestmark = pytest.mark.django_db

KEY = "form-key-0001"


@pytest.fixture(autouse=True)
def _gateway_forgets():
    cache.clear()
    yield
    cache.clear()


def _card(amount="10.00", number="4242 4242 4242 4242", **extra):
    return {
        "idempotency_key": KEY,
        "amount": amount,
        "other_amount": "",
        "number": number,
        "expiry": "12/30",
        "cvc": "123",
        **extra,
    }


def test_the_page_offers_presets_a_custom_amount_a_card_and_a_voucher(customer_client):
    response = customer_client.get("/topup/")

    assert response.status_code == 200
    html = response.text
    assert '<a href="/topup/"\n                 aria-current="page">Top up</a>' in html
    for preset in ("5.00", "10.00", "20.00", "other"):
        assert f'value="{preset}"' in html
    assert 'autocomplete="cc-number"' in html
    assert 'autocomplete="cc-csc"' in html
    assert 'name="pin"' in html
    assert "Top up once by card" in html  # no saved card yet: no auto top-up form


@pytest.mark.parametrize(
    ("asked", "checked", "typed"),
    [("10", "10.00", ""), ("3.50", "other", "3.50"), ("0.20", "other", "1.00")],
)
def test_a_top_up_link_fills_in_the_amount(customer_client, asked, checked, typed):
    response = customer_client.get(f"/topup/?amount={asked}")

    form = response.context["card_form"]
    assert form.initial.get("amount") == checked
    assert form.initial.get("other_amount", "") == typed


def test_a_card_top_up_redirects_to_its_receipt(customer_client, customer):
    response = customer_client.post("/topup/card/", _card())

    topup = TopUp.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/topup/{topup.pk}/"
    receipt = customer_client.get(response["Location"])
    assert "€10.00 added to your balance" in receipt.text
    assert "Visa card ending 4242" in receipt.text
    assert "€60.00" in receipt.text


def test_a_double_submit_is_one_top_up(customer_client, customer):
    first = customer_client.post("/topup/card/", _card())
    second = customer_client.post("/topup/card/", _card())

    assert first["Location"] == second["Location"]
    assert TopUp.objects.count() == 1
    assert customer_balance(customer=customer) == Decimal("60.00")


def test_a_declined_card_says_why_renders_a_fresh_key_and_charges_nothing(
    customer_client, customer
):
    response = customer_client.post("/topup/card/", _card(number="4000 0000 0000 0002"))

    assert response.status_code == 402
    assert "Your card was declined. Nothing was charged." in response.text
    assert KEY not in response.text  # a retry is a new attempt, not the decline replayed
    assert 'value="123"' not in response.text  # the CVC is never shown back
    assert customer_balance(customer=customer) == Decimal("50.00")


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (_card(number="4242 4242 4242 4241"), "number", "This card number is not valid: check it."),
        (_card(expiry="01/20"), "expiry", "This card has expired."),
        (_card(cvc="12"), "cvc", "The security code is 3 or 4 digits."),
        (
            _card(amount="other", other_amount="150"),
            "other_amount",
            "A top-up is between €1.00 and €100.00; €150.00 is not.",
        ),
        (_card(amount="other"), "other_amount", "Type the amount, e.g. 12.50."),
        (_card(amount="7.00"), "amount", "Select a valid choice."),
    ],
)
def test_bad_input_is_said_next_to_its_field_and_changes_nothing(
    customer_client, customer, data, field, words
):
    response = customer_client.post("/topup/card/", data)

    assert response.status_code == 400
    assert words in " ".join(response.context["card_form"].errors[field])
    assert not TopUp.objects.exists()
    assert customer_balance(customer=customer) == Decimal("50.00")


def test_a_voucher_tops_up_and_a_wrong_pin_is_said_next_to_it(customer_client, customer):
    voucher_create(pin="1111 2222 3333 4444", serial="V-1", amount=Decimal("5.00"))

    wrong = customer_client.post("/topup/voucher/", {"idempotency_key": KEY, "pin": "1" * 16})
    right = customer_client.post(
        "/topup/voucher/", {"idempotency_key": "form-key-0002", "pin": "1111 2222 3333 4444"}
    )

    assert wrong.status_code == 409
    assert "That PIN is not right: check it and try again (4 tries left this hour)." in wrong.text
    assert right.status_code == 302
    assert customer_balance(customer=customer) == Decimal("55.00")


def test_auto_top_up_is_turned_on_and_off_from_the_page(customer_client, customer):
    customer_client.post("/topup/card/", _card())

    on = customer_client.post("/topup/auto/", {"enabled": "1", "threshold": "5", "amount": "10"})
    page = customer_client.get("/topup/")
    off = customer_client.post("/topup/auto/", {"enabled": "0"})

    assert on.status_code == off.status_code == 302
    assert "we add\n          <strong>€10.00</strong> from your Visa card ending 4242" in page.text
    assert list(
        Interaction.objects.filter(kind="auto_top_up")
        .order_by("id")
        .values_list("summary", flat=True)
    ) == [
        "Auto top-up turned on: when the balance falls below €5.00, add €10.00 from Visa ending "
        "4242, at most 3 times a month",
        "Auto top-up turned off",
    ]


def test_a_refusal_for_a_short_balance_links_to_the_top_up_page_with_what_is_missing(client):
    customer = CustomerFactory(balance=Decimal("0.50"))
    client.force_login(customer.user)
    offer = OfferFactory(price=Decimal("4.00"))

    response = client.post(
        f"/addons/{offer.pk}/on/", tap(offer, "tap-key-0001"), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 409
    assert "Top up and try again." in response.text
    assert '<a class="topup-link" href="/topup/?amount=3.50">Top up €3.50</a>' in response.text
    assert not LedgerEntry.objects.filter(kind="charge").exists()
