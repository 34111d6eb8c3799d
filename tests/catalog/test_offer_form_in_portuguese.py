"""A product manager whose admin is in Portuguese opens "add offer" from a template and reads the
page in Portuguese: its title, every field's label (the essentials and those under "Advanced"),
the help texts, the service's data; the offer's history names the fields it changed in
Portuguese. One whose admin is in English reads the page word for word as before.
"""

import html
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import Offer, OfferTemplate
from catalog.services import offer_save, offer_template_load_pack
from tests.factories import OfferFactory, UserFactory

pytestmark = pytest.mark.django_db


def _product_manager(language: str) -> Client:
    """A product manager signed in to the admin, her console switched to `language` (the
    language switch's cookie), her browser asking for English."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory(is_staff=True, groups=["Product managers"]))
    response = client.post("/i18n/setlang/", {"language": language, "next": "/admin/"})
    assert response.status_code == 302
    return client


@pytest.fixture
def templates():
    offer_template_load_pack()
    return {t.code: t for t in OfferTemplate.objects.all()}


def _add_page(client: Client, template: OfferTemplate) -> str:
    response = client.get(reverse("admin:catalog_offer_add") + f"?template={template.pk}")
    assert response.status_code == 200
    return response.content.decode()


def _title(page: str) -> str:
    return html.unescape(re.search(r"<h1>(.*?)</h1>", page, re.S).group(1).strip())


def _rows(page: str) -> dict[str, tuple[str, str]]:
    """Each field's row as she reads it: {field: (its label, its help text)}."""
    rows = {}
    for row in page.split('<div class="form-row field-')[1:]:
        name = row.split('"')[0].split()[0]
        label = re.search(r"<label[^>]*>([^<]*)</label>", row)
        help_text = re.search(r'<div class="help"[^>]*>\s*<div>(.*?)</div>', row, re.S)
        rows[name] = (
            html.unescape(label.group(1).strip()) if label else "",
            html.unescape(help_text.group(1).strip()) if help_text else "",
        )
    return rows


# The add page of a data add-on: the title, then the essential fields' labels and help texts.
DATA_ADDON_EN = (
    "Add offer",
    {
        "name": ("Name:", ""),
        "price": ("Price:", ""),
        "voice_minutes": ("Voice (minutes):", ""),
        "duration_days": ("Runs for (days):", ""),
        "eligible_statuses": (
            "Sold to customers whose line is:",
            "Lifecycle statuses of the customers who may buy it.",
        ),
        "min_tenure_days": ("With us for at least (days):", "Days since the contract started."),
        "channels": ("Sold on:", ""),
    },
)
DATA_ADDON_PT = (
    "Adicionar oferta",
    {
        "name": ("Nome:", ""),
        "price": ("Preço:", ""),
        "voice_minutes": ("Voz (minutos):", ""),
        "duration_days": ("Duração (dias):", ""),
        "eligible_statuses": (
            "Vendida a clientes no estado:",
            "Estados dos clientes que a podem comprar.",
        ),
        "min_tenure_days": ("Connosco há pelo menos (dias):", "Dias desde o início do contrato."),
        "channels": ("À venda em:", ""),
    },
)

# Under "Advanced" on a time pass with TV streaming data, in English as ever.
NIGHT_PASS_ADVANCED_EN = {
    "service_data": (
        "TV streaming data:",
        "Usable only for the service chosen under Advanced (e.g. TV streaming).",
    ),
    "duration_until": (
        "Runs until (time of day):",
        "Local time of day in the operator's time zone.",
    ),
    "currency": ("Currency:", ""),
    "billing": ("Billing:", ""),
    "service_scope": ("Service:", ""),
    "rollover_scope": (
        "Rolls unused plan data over to:",
        "While she owns it, what is left of her monthly plan data at the month's end becomes an "
        "allowance for this service only, for 30 days.",
    ),
    "duration_kind": ("Duration kind:", ""),
    "refund_policy": ("Refund policy:", ""),
    "refund_grace_minutes": ("Refund grace minutes:", ""),
    "eligible_plans": ("Eligible plans:", "Base plans, separated by commas; empty for any plan."),
    "purchase_limit": (
        "Purchase limit:",
        "How many purchases are allowed per window; empty: no limit.",
    ),
    "is_gift": (
        "A gift to a friend",
        "She gives its data to a friend's number; once the friend accepts and it is active, she "
        "gets the same data too. Unaccepted gifts come back to her after 7 days.",
    ),
    "code": (
        "Code:",
        "The offer's identifier in links and the API; made from the name if empty.",
    ),
    "provider": ("Provider:", "For third-party services: who provides it."),
    "display_order": ("Display order:", ""),
    "available_from": ("Available from:", ""),
    "requires_confirmation": (
        "Needs a one-time code",
        "The customer confirms with a code sent by SMS before it activates.",
    ),
    "allows_suspend": ("Customer may suspend and resume it", ""),
}


def test_the_add_page_reads_in_portuguese(templates):
    # given a product manager whose console is in Portuguese
    client = _product_manager("pt")

    # when she opens "add offer" from the data add-on template
    page = _add_page(client, templates["data-addon"])

    # then the title and the essential fields are in Portuguese
    title, fields = DATA_ADDON_PT
    assert _title(page) == title
    assert "Adicionar offer" not in page
    rows = _rows(page)
    assert {name: rows[name] for name in fields} == fields


def test_the_add_page_reads_in_english_as_before(templates):
    # given a product manager whose console is in English
    client = _product_manager("en")

    # when she opens "add offer" from the data add-on template
    page = _add_page(client, templates["data-addon"])

    # then the title and the essential fields read word for word as before
    title, fields = DATA_ADDON_EN
    assert _title(page) == title
    rows = _rows(page)
    assert {name: rows[name] for name in fields} == fields


def test_advanced_reads_in_english_as_before(templates):
    # given a product manager whose console is in English
    client = _product_manager("en")

    # when she opens "add offer" from the time pass, whose data is for TV streaming only
    rows = _rows(_add_page(client, templates["night-pass"]))

    # then the service's data and the fields under "Advanced" read word for word as before
    assert {name: rows[name] for name in NIGHT_PASS_ADVANCED_EN} == NIGHT_PASS_ADVANCED_EN


def test_no_label_on_the_add_page_stays_in_english(templates):
    # given the same page as a product manager in English reads it
    english = _rows(_add_page(_product_manager("en"), templates["night-pass"]))

    # when a product manager whose console is in Portuguese opens it
    portuguese = _rows(_add_page(_product_manager("pt"), templates["night-pass"]))

    # then every label and help text under "Advanced" too is said in Portuguese (SMS is SMS),
    # the service's data named by the service's Portuguese label
    assert set(portuguese) == set(english)
    same = {
        name: portuguese[name]
        for name in english
        if portuguese[name][0] == english[name][0]
        or (english[name][1] and portuguese[name][1].startswith(english[name][1]))
    }
    assert same == {"sms": ("SMS:", "")}
    assert portuguese["service_data"][0] == "Dados — Televisão em streaming:"
    assert portuguese["duration_until"] == (
        "Dura até (hora do dia):",
        "Hora local, no fuso horário do operador.",
    )


@pytest.mark.parametrize(
    ("language", "line"),
    [("pt", "Preço: 5.00 → 6.00"), ("en", "Price: 5.00 → 6.00")],
    ids=["pt", "en"],
)
def test_the_offers_history_names_the_fields_changed_in_her_language(language, line):
    # given a draft offer whose price a product manager changed
    client = _product_manager(language)
    offer = OfferFactory(name="Dados 5GB", status=Offer.Status.DRAFT, price=Decimal("5.00"))
    offer.price = Decimal("6.00")
    offer_save(offer=offer, actor=UserFactory(is_staff=True, groups=["Product managers"]))

    # when she reads the offer's history
    response = client.get(reverse("admin:catalog_offer_history", args=[offer.pk]))

    # then the change names the field in the language of her console
    assert response.status_code == 200
    history = re.search(r'<div id="offer-history".*?</table>', response.content.decode(), re.S)
    edits = [html.unescape(edit) for edit in re.findall(r"<li>([^<]*)</li>", history.group(0))]
    assert edits == [line]
