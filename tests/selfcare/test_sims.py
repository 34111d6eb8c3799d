import pytest

from selfcare.sims import iccid_problem, luhn_valid


def with_check_digit(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


VALID = with_check_digit("893510123456789012")  # 19 digits


def test_a_valid_iccid_with_the_spaces_people_type():
    assert len(VALID) == 19
    assert iccid_problem(VALID) is None
    assert iccid_problem(" ".join([VALID[:4], VALID[4:10], VALID[10:]])) is None
    assert iccid_problem(with_check_digit("8935101234567890123")) is None  # 20 digits


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the number printed on the SIM card (ICCID)."),
        ("8935 10AB 1234", "The SIM card number has only digits."),
        ("89351012345", "The SIM card number has 19 or 20 digits; this one has 11."),
        ("1" * 19, "The SIM card number starts with 89."),
        (
            VALID[:-1] + str((int(VALID[-1]) + 1) % 10),
            "That SIM card number is not right: check each digit.",
        ),
    ],
)
def test_a_wrong_iccid_says_what_is_wrong(typed, message):
    assert iccid_problem(typed) == message
