"""The add-ons page: offers grouped by kind, in her words and in a fixed order, and each card
saying in one plain line what she would get ("200 MB for you"), not only its rules."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from catalog.models import OfferTemplate
from tests.factories import OfferFactory, OfferTemplateFactory

Kind = OfferTemplate.Kind


def _template(kind: str):
    return OfferTemplateFactory(code=kind, name=kind, kind=kind)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _shelves(html: str) -> list[tuple[str, list[str]]]:
    """Each group's heading and the add-ons under it, in page order."""
    sections = re.findall(r'<section class="shelf"[^>]*>(.*?)</section>', html, re.S)
    return [
        (
            _text(re.search(r"<h2[^>]*>(.*?)</h2>", section, re.S).group(1)),
            [
                _text(name)
                for name in re.findall(r'<h3 class="addon-name"[^>]*>(.*?)</h3>', section)
            ],
        )
        for section in sections
    ]


def _gets(html: str) -> dict[str, str]:
    """Each card's name and its "what you get" line, hidden words left out."""
    cards = re.findall(r'<article class="addon.*?</article>', html, re.S)
    found = {}
    for card in cards:
        name = _text(re.search(r'<h3 class="addon-name"[^>]*>(.*?)</h3>', card).group(1))
        line = re.search(r'<p class="addon-gets">(.*?)</p>', card, re.S)
        if line:
            visible = re.sub(r'<span class="visually-hidden">.*?</span>', "", line.group(1))
            found[name] = _text(visible)
    return found


@pytest.fixture
def catalog(db):
    # display orders that would mix the kinds up if the page listed them flat
    return {
        "gift": OfferFactory(
            template=_template(Kind.GIFT),
            name="Gift 1GB",
            is_gift=True,
            data_mb=1024,
            duration_days=30,
            display_order=1,
        ),
        "data": OfferFactory(data_offer=True, display_order=5),
        "games": OfferFactory(
            template=_template(Kind.THIRD_PARTY),
            name="Games Club",
            provider="Games Club Ltd",
            billing="recurring",
            duration_days=30,
            display_order=3,
        ),
        "loyalty": OfferFactory(
            template=_template(Kind.LOYALTY),
            name="Loyalty Data",
            price=Decimal("0.00"),
            data_mb_per_contract_year=100,
            duration_days=30,
            display_order=2,
        ),
        "tv": OfferFactory(
            night_pass=True,
            template=_template(Kind.TIME_PASS),
            service_data_mb=10240,
            service_scope="tv",
            display_order=4,
        ),
        "more_data": OfferFactory(name="Travel Data 5GB", data_mb=5120, display_order=9),
    }


def test_the_offers_are_grouped_by_kind_in_her_words(customer_client, catalog):
    # when she opens the add-ons page
    page = customer_client.get("/offers/")

    # then each kind has its group, the groups in their fixed order, each in display order
    assert page.status_code == 200
    assert _shelves(page.text) == [
        ("Data", ["Data 15GB", "Travel Data 5GB"]),
        ("Passes", ["Mobile TV Night Pass"]),
        ("Apps and services", ["Games Club"]),
        ("Gifts for friends", ["Gift 1GB"]),
        ("Rewards", ["Loyalty Data"]),
    ]


def test_each_card_says_what_she_would_get(customer_client, customer, catalog):
    # given her contract started 800 days ago: two full years
    assert customer.contract_start == dt.date.today() - dt.timedelta(days=800)

    page = customer_client.get("/offers/")

    assert _gets(page.text) == {
        "Data 15GB": "15 GB for you for 30 days",
        "Travel Data 5GB": "5 GB for you for 7 days",
        "Mobile TV Night Pass": "10 GB of TV streaming until 04:00",
        "Games Club": "Games Club, from Games Club Ltd every 30 days",
        "Gift 1GB": "1 GB for your friend and 1 GB for you for 30 days",
        # 100 MB for each full year: hers, worked out
        "Loyalty Data": "200 MB for you for 30 days",
    }
    # and a screen reader hears what the line is
    assert page.text.count('<span class="visually-hidden">What you get:</span>') == 6


def test_the_page_costs_the_same_queries_with_more_kinds(
    customer_client, catalog, django_assert_max_num_queries
):
    from catalog.selectors import offer_cache_clear

    customer_client.get("/offers/")
    offer_cache_clear()
    with django_assert_max_num_queries(30) as captured:
        customer_client.get("/offers/")
    # the kinds come with the catalog's one read of the offers, not one query per offer
    template_reads = [q for q in captured.captured_queries if "catalog_offertemplate" in q["sql"]]
    assert len(template_reads) == 1
    assert "catalog_offer" in template_reads[0]["sql"]
