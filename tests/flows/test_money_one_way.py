"""Money is written one way everywhere: pages, refusals, history and messages all say "€3.99" as
catalog.policies.money_text writes it, never "EUR 3.99", and a refund reads "Refund: ..." once."""

from decimal import Decimal

import pytest

from catalog.policies import money_text
from orders.models import ProductInstance
from selfcare.models import Interaction, Notification
from selfcare.portal.templatetags.money import money, rate
from tests.orders.helpers import tap

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "currency", "written"),
    [
        (Decimal("3.99"), "EUR", "€3.99"),
        (Decimal("2"), "EUR", "€2.00"),
        (Decimal("-2.00"), "EUR", "-€2.00"),
        (Decimal("1250.5"), "GBP", "£1,250.50"),
        (Decimal("2.005"), "EUR", "€2.01"),  # half up, as money_round rounds
        (Decimal("-0.001"), "EUR", "€0.00"),  # nothing owed is not written negative
        (Decimal("6.13"), "CHF", "CHF 6.13"),
        (Decimal("1500"), "JPY", "JPY 1,500"),
    ],
)
def test_money_text_writes_an_amount_the_one_way(amount, currency, written):
    assert money_text(amount, currency) == written
    assert money(amount, currency) == written


def test_a_rate_keeps_its_decimals_the_same_way():
    assert rate(Decimal("0.008"), "EUR") == "€0.008"
    assert rate(Decimal("0.1"), "EUR") == "€0.10"
    assert money(None) == rate(None) == ""


def test_a_switch_off_is_worded_with_one_money_format_in_history_ledger_and_message(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    offer = offers["Data 15GB"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/addons/{offer.pk}/on/", tap(offer, "tap-0000001"))
    instance = ProductInstance.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/addons/owned/{instance.pk}/off/",
            {"idempotency_key": "off-0000001", "expected_refund": "10.00"},
        )

    account_page = client.get("/account/").content.decode()
    assert "Refund: Data 15GB switched off" in account_page
    assert "Refund: Refund:" not in account_page
    assert "€10.00" in account_page
    summaries = list(
        Interaction.objects.filter(customer=instance.customer).values_list("summary", flat=True)
    )
    assert "Switched on Data 15GB (€10.00)" in summaries
    assert not [summary for summary in summaries if "EUR" in summary]
    bodies = list(
        Notification.objects.filter(customer=instance.customer).values_list("body", flat=True)
    )
    assert any("€10.00 is back on your balance." in body for body in bodies), bodies
    assert not [body for body in bodies if "EUR" in body]
