"""The publish checks say what to fix in the language active when they run: a product manager
whose console is in Portuguese reads the problems and the zero-rating warning in Portuguese (a
channel named by its Portuguese label), one in English reads them as they have always been.
"""

from decimal import Decimal

import pytest
from django.utils import translation

from catalog.models import DataScope, DurationKind, Offer
from catalog.policies import offer_problems, terms_warnings


def terms(**values) -> Offer:
    """An offer that can be sold, but for `values`; never saved (the checks need no database)."""
    base = {
        "name": "Dados 5GB",
        "price": Decimal("10.00"),
        "currency": "EUR",
        "duration_kind": DurationKind.DAYS,
        "duration_days": 30,
        "eligible_statuses": ["active"],
    }
    return Offer(**(base | values))


ONE_CHOICE = [
    {"key": "data", "label": "Dados", "choices": [{"value": "5gb", "label": "5 GB", "price": "0"}]}
]

# What is wrong, then how it is said in English (as ever) and in Portuguese.
PROBLEMS = {
    "a missing price": (
        {"price": None},
        "Set a price (0 for a free offer).",
        "Indique um preço (0 para uma oferta grátis).",
    ),
    "a channel price above the offer's price": (
        {"channel_prices": {"portal": "13.00"}},
        "The Self-care portal price is above the offer's price: a channel price is a discount.",
        "O preço do canal Portal de cliente está acima do preço da oferta: um preço de canal é "
        "um desconto.",
    ),
    "an option group with one choice": (
        {"option_groups": ONE_CHOICE},
        "Option group 'Dados' needs at least two choices.",
        "O grupo de opções 'Dados' precisa de pelo menos duas escolhas.",
    ),
}

ZERO_RATED_TV = {"service_data_mb": 10240, "service_scope": DataScope.TV}
ZERO_RATING_EN = (
    "TV streaming traffic will not count against the customer's data (zero-rating). That is "
    "not allowed in some markets, e.g. the EU under its net-neutrality rules: check it is "
    "allowed where you sell this offer."
)
ZERO_RATING_PT = (
    "Televisão em streaming: o tráfego não vai contar para os dados do cliente (zero-rating). "
    "Isso não é permitido em alguns mercados, p. ex. na UE, pelas regras de neutralidade da "
    "rede: confirme que é permitido onde vende esta oferta."
)


@pytest.mark.parametrize("case", PROBLEMS)
def test_a_problem_is_said_in_portuguese_to_a_portuguese_console(case):
    # given an offer with one thing wrong
    values, _english, portuguese = PROBLEMS[case]
    offer = terms(**values)

    # when it is checked while Portuguese is the language
    with translation.override("pt"):
        problems = offer_problems(offer)

    # then that one problem is said in Portuguese
    assert problems == [portuguese]


@pytest.mark.parametrize("case", PROBLEMS)
def test_a_problem_is_said_in_english_as_before(case):
    # given an offer with one thing wrong
    values, english, _portuguese = PROBLEMS[case]
    offer = terms(**values)

    # when it is checked while English is the language
    with translation.override("en"):
        problems = offer_problems(offer)

    # then that one problem is said in English, word for word as before
    assert problems == [english]


def test_the_zero_rating_warning_is_said_in_portuguese_naming_the_service_in_portuguese():
    # given an offer whose service-only data is for TV streaming
    offer = terms(**ZERO_RATED_TV)

    # when it is checked while Portuguese is the language
    with translation.override("pt"):
        problems, warnings = offer_problems(offer), terms_warnings(offer)

    # then it can be sold, with the warning in Portuguese
    assert problems == []
    assert warnings == [ZERO_RATING_PT]


def test_the_zero_rating_warning_is_said_in_english_as_before():
    # given an offer whose service-only data is for TV streaming
    offer = terms(**ZERO_RATED_TV)

    # when it is checked while English is the language
    with translation.override("en"):
        warnings = terms_warnings(offer)

    # then the warning is in English, word for word as before
    assert warnings == [ZERO_RATING_EN]


def test_the_language_is_the_one_active_when_the_check_runs_not_when_the_module_was_loaded():
    # given an offer whose channel price is above its price
    offer = terms(channel_prices={"portal": "13.00"})

    # when it is checked in Portuguese, then in English
    with translation.override("pt"):
        in_portuguese = offer_problems(offer)
    with translation.override("en"):
        in_english = offer_problems(offer)

    # then the channel is named by its label in each language in turn
    assert "Portal de cliente" in in_portuguese[0]
    assert "Self-care portal" not in in_portuguese[0]
    assert in_english == [PROBLEMS["a channel price above the offer's price"][1]]
