"""Numbers read in every spelling and written the way their country writes them."""

import pytest
from django.template import Context, Template

from selfcare.phones import msisdn_format, msisdn_looks_typed, msisdn_normalise


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("+351 91 000 0001", "351910000001"),
        ("351910000001", "351910000001"),
        ("910000001", "351910000001"),
        ("00351 910 000 001", "351910000001"),
        ("910-000-001", "351910000001"),
        ("+44 7700 900123", "447700900123"),
        ("stacy", None),
        ("stacy@example.com", None),
        ("12345", None),
        ("", None),
    ],
)
def test_a_number_in_any_spelling_is_kept_as_the_network_keeps_it(typed, kept):
    assert msisdn_normalise(typed) == kept


def test_numbers_without_a_country_code_are_read_as_the_operators_country(settings):
    settings.PHONE_DEFAULT_REGION = "GB"

    assert msisdn_normalise("07700 900123") == "447700900123"


@pytest.mark.parametrize(
    ("kept", "shown"),
    [
        ("351910000001", "+351 910 000 001"),
        ("351960000007", "+351 960 000 007"),
        ("447700900123", "+44 7700 900123"),
        ("12", "12"),  # not a number the library can read: shown as it is
        ("", ""),
    ],
)
def test_a_kept_number_is_shown_as_its_country_writes_it(kept, shown):
    assert msisdn_format(kept) == shown


def test_the_template_filter_formats_a_number():
    rendered = Template("{% load phones %}{{ number|msisdn }}").render(
        Context({"number": "351910000001"})
    )

    assert rendered == "+351 910 000 001"


def test_what_looks_like_a_number_and_what_does_not():
    assert msisdn_looks_typed("+351 91 000 0001")
    assert not msisdn_looks_typed("stacy")
    assert not msisdn_looks_typed("user12345678")
