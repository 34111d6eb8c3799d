"""Her pages, the console and her messages in Portuguese; money, numbers and dates written as
each language writes them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from catalog.policies import money_text
from selfcare.models import Notification
from selfcare.portal.templatetags.money import megabytes, rate
from selfcare.services import notification_send
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _in(customer, language):
    customer.language = language
    customer.save(update_fields=["language"])
    return customer


@pytest.mark.parametrize(
    ("language", "amount", "currency", "text"),
    [
        ("en", "3.99", "EUR", "€3.99"),
        ("pt", "3.99", "EUR", "3,99 €"),
        ("en", "-2", "EUR", "-€2.00"),
        ("pt", "-2", "EUR", "-2,00 €"),
        ("en", "1250", "EUR", "€1,250.00"),
        ("pt", "1250", "EUR", "1.250,00 €"),
        ("en", "6.125", "CHF", "CHF 6.13"),
        ("pt", "6.125", "CHF", "6,13 CHF"),
    ],
)
def test_money_is_written_as_her_language_writes_it(language, amount, currency, text):
    with translation.override(language):
        assert money_text(Decimal(amount), currency) == text


def test_rates_and_allowances_follow_the_language():
    with translation.override("en"):
        assert (rate(Decimal("0.008")), megabytes(1536), megabytes(300)) == (
            "€0.008",
            "1.5 GB",
            "300 MB",
        )
    with translation.override("pt"):
        assert (rate(Decimal("0.008")), megabytes(1536), megabytes(300)) == (
            "0,008 €",
            "1,5 GB",
            "300 MB",
        )


def test_dates_are_written_in_the_language():
    when = dt.datetime(2026, 12, 4, 18, 30, tzinfo=dt.UTC)
    template = Template('{{ when|date:"D j M, H:i" }} · {{ when|date:"j F Y" }}')

    with translation.override("en"):
        english = template.render(Context({"when": when}))
    with translation.override("pt"):
        portuguese = template.render(Context({"when": when}))

    assert english == "Fri 4 Dec, 18:30 · 4 December 2026"
    assert portuguese == "Sex 4 Dez, 18:30 · 4 Dezembro 2026"


def test_her_dashboard_is_in_portuguese_with_her_money_written_the_portuguese_way(client):
    customer = _in(CustomerFactory(name="Ana Silva"), "pt")
    client.force_login(customer.user)

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="pt">' in page
    assert "Olá, Ana Silva" in page
    assert "A sua linha" in page
    assert "50,00 €" in page
    assert "Hello" not in page
    assert "€50.00" not in page


def test_her_account_page_in_english_writes_money_the_english_way(client):
    customer = _in(CustomerFactory(), "en")
    client.force_login(customer.user)

    page = client.get("/account/", HTTP_ACCEPT_LANGUAGE="pt").content.decode()

    assert "Account history" in page
    assert "€50.00" in page


def test_the_sign_in_page_is_in_the_browsers_language(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="pt-PT").content.decode()

    assert "Entrar" in page
    assert "Esqueceu-se da palavra-passe?" in page
    assert "Número de telemóvel ou e-mail" in page


def test_the_console_is_in_the_agents_language(client):
    agent = UserFactory(username="alex", groups=["Call-centre agents"])
    customer = CustomerFactory(name="Ana Silva")
    client.force_login(agent)

    search = client.get("/backoffice/", HTTP_ACCEPT_LANGUAGE="pt").content.decode()
    page = client.get(
        f"/backoffice/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="pt"
    ).content.decode()

    assert "Procurar um cliente" in search
    assert "Linha de apoio" in search
    assert "O carrinho dela" in page
    assert "50,00 €" in page


@pytest.mark.parametrize("medium", ["sms", "email", "in_app"])
def test_a_message_to_her_is_written_in_her_language_by_every_medium(medium):
    customer = _in(CustomerFactory(email="ana@example.com"), "pt")

    message = notification_send(
        customer=customer,
        template="addon_failed",
        context={
            "offer_name": "Net 5 GB",
            "reason": "a rede não respondeu",
            "refund": Decimal("3.99"),
            "currency": "EUR",
        },
        medium=medium,
    )

    message.refresh_from_db()
    assert message.medium == medium
    assert message.subject == "Não foi possível ativar Net 5 GB"
    assert message.body == (
        "Lamentamos, não foi possível ativar Net 5 GB: a rede não respondeu. "
        "3,99 € foram devolvidos ao seu saldo."
    )


def test_a_message_is_in_her_language_whoever_is_looking_at_a_page_in_another():
    customer = _in(CustomerFactory(), "en")

    with translation.override("pt"):
        message = notification_send(
            customer=customer,
            template="addon_off",
            context={"offer_name": "Net 5 GB", "refund": Decimal("2"), "currency": "EUR"},
        )

    assert (message.subject, message.body) == (
        "Net 5 GB is off",
        "Net 5 GB is off. €2.00 is back on your balance.",
    )
    assert Notification.objects.count() == 1


def test_the_words_a_template_hands_on_are_in_the_language_too():
    # the cart's saving, the receipt's "and", the console's "none", an add-on's "Back": string
    # literals given to an include, a filter or a {% with %}, each marked with _()
    source = (
        '{% load i18n %}{% include "selfcare/cart/totals.html" with saves=_("You save") %}'
        '|{{ lifted|join:_(" and ") }}|{{ email|default:_("none") }}'
        '|{% with label=_("Back") %}{{ label }}{% endwith %}'
    )
    quote = {"discount": Decimal("3.00"), "total": Decimal("9.00"), "currency": "EUR"}
    context = {"quote": quote, "lifted": ["Dados", "Chamadas"], "email": ""}

    with translation.override("pt"):
        page = Template(source).render(Context(context))

    assert '<th scope="row">Poupa</th>' in page
    assert "|Dados e Chamadas|nenhum|Voltar" in page
