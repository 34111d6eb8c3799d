"""Signing in with a one-time code by SMS instead of a password, through the test client: the
code goes to her home line, works once within 5 minutes, a few wrong tries lock it, asks are
rate-limited per number and per address, and nothing says whether a number is a customer's."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client

from selfcare.models import Interaction, Line, Notification, SignInCode
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

SENT = "If this number is ours, a code is on its way by SMS."
WRONG = "That code is not right, or it is no longer valid"
START = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def stacy(db):
    return CustomerFactory(msisdn="351910000001", user__username="stacy")


def _ask(client, number, **extra):
    return client.post("/accounts/code/", {"number": number}, **extra)


def _enter(client, number, code, **extra):
    return client.post("/accounts/code/enter/", {"number": number, "code": code}, **extra)


def _code_sent(customer) -> str:
    message = Notification.objects.filter(customer=customer, template="signin_code").latest("id")
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def _signed_in_as(client):
    return client.session.get(SESSION_KEY)


def test_a_code_by_sms_to_her_home_line_signs_her_in(client, stacy):
    response = _ask(client, "+351 91 000 0001")

    assert (response.status_code, response["Location"]) == (302, "/accounts/code/enter/")
    message = Notification.objects.get()
    assert (message.template, message.medium, message.recipient) == (
        "signin_code",
        "sms",
        "351910000001",
    )
    code = _code_sent(stacy)
    assert message.body.startswith(f"{code} is your code to sign in")
    record = SignInCode.objects.get()
    assert (record.customer, record.login, record.purpose) == (stacy, "351910000001", "sign_in")
    assert code not in record.code_hash
    page = client.get(response["Location"])
    assert SENT in page.text
    assert 'value="351910000001"' in page.text  # the number she asked for, not in the URL

    response = _enter(client, "910000001", code)

    assert (response.status_code, response["Location"]) == (302, "/")
    assert _signed_in_as(client) == str(stacy.user.pk)
    login = Interaction.objects.get(kind="login")
    assert login.summary == "Logged in to the self-care portal with a code by SMS"
    assert SignInCode.objects.get().used_at is not None


def test_a_code_works_once(client, stacy):
    _ask(client, "910000001")
    code = _code_sent(stacy)
    _enter(client, "910000001", code)
    other = Client()

    response = _enter(other, "910000001", code)

    assert response.status_code == 200
    assert WRONG in response.text
    assert _signed_in_as(other) is None


def test_next_takes_her_where_she_was_going_and_only_inside_the_portal(client, stacy):
    response = _ask(client, "910000001", QUERY_STRING="next=/offers/")
    assert response["Location"] == "/accounts/code/enter/?next=/offers/"
    code = _code_sent(stacy)

    response = client.post(
        "/accounts/code/enter/?next=https://evil.example/",
        {"number": "910000001", "code": code},
    )

    assert response["Location"] == "/"


def test_a_code_expires_after_5_minutes(stacy):
    with time_machine.travel(START, tick=False):
        _ask(Client(), "910000001")
    code = _code_sent(stacy)
    with time_machine.travel(START + dt.timedelta(minutes=5, seconds=1), tick=False):
        client = Client()
        response = _enter(client, "910000001", code)

    assert WRONG in response.text
    assert _signed_in_as(client) is None


def test_a_new_code_replaces_the_last_one(client, stacy):
    _ask(client, "910000001")
    first = _code_sent(stacy)
    _ask(client, "910000001")
    second = _code_sent(stacy)

    assert SignInCode.objects.filter(used_at__isnull=True).count() == 1
    if first != second:  # one chance in a million that the new code is the same
        assert WRONG in _enter(client, "910000001", first).text
    assert _enter(client, "910000001", second)["Location"] == "/"


def test_five_wrong_codes_lock_the_code(client, stacy, settings):
    settings.AXES_FAILURE_LIMIT = 50  # the code's own limit, not the account's lockout
    _ask(client, "910000001")
    code = _code_sent(stacy)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert WRONG in _enter(client, "910000001", wrong).text

    response = _enter(client, "910000001", code)

    assert WRONG in response.text
    assert _signed_in_as(client) is None
    assert SignInCode.objects.get().attempts == 5


def test_wrong_codes_lock_her_account_like_wrong_passwords(client, stacy):
    _ask(client, "910000001")
    code = _code_sent(stacy)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(4):
        _enter(client, "+351 910 000 001", wrong)

    response = _enter(client, "910000001", wrong)
    assert response.status_code == 429
    response = _enter(Client(REMOTE_ADDR="10.5.5.5"), "910000001", code, REMOTE_ADDR="10.5.5.5")

    assert response.status_code == 429
    assert "Too many wrong tries: try again in 15 minutes." in response.text
    # The code was not even tried: it is still there for after the cool-off.
    assert SignInCode.objects.get().used_at is None
    assert (
        client.post(
            "/accounts/login/", {"username": "stacy", "password": "pass-word-123"}
        ).status_code
        == 429
    )


def test_asks_are_limited_per_number(client, stacy):
    for _ in range(3):
        assert _ask(client, "910000001").status_code == 302

    response = _ask(client, "+351 91 000 0001", REMOTE_ADDR="10.6.6.6")

    assert response.status_code == 200
    assert "Too many codes were asked for in the last hour" in response.text
    assert Notification.objects.count() == 3
    assert SignInCode.objects.count() == 3


def test_asks_are_limited_per_address(client, stacy):
    for n in range(10):
        assert _ask(client, f"91234{n:04d}").status_code == 302

    response = _ask(client, "910000001")

    assert "Too many codes were asked for from this connection" in response.text
    assert not Notification.objects.exists()
    assert _ask(Client(), "910000001", REMOTE_ADDR="10.7.7.7").status_code == 302
    assert Notification.objects.count() == 1


def test_nothing_says_whether_a_number_is_a_customers(stacy):
    hers, nobodys = Client(), Client()

    to_her = _ask(hers, "910000001")
    to_nobody = _ask(nobodys, "919999999")

    assert to_her["Location"] == to_nobody["Location"]
    assert SENT in hers.get(to_her["Location"]).text
    assert SENT in nobodys.get(to_nobody["Location"]).text
    assert Notification.objects.count() == 1  # hers only
    nobody = SignInCode.objects.get(login="351919999999")
    assert nobody.customer is None
    assert nobody.code_hash  # a code nobody was sent
    assert WRONG in _enter(nobodys, "919999999", "123456").text
    assert SignInCode.objects.get(login="351919999999").attempts == 1
    for _ in range(2):
        _ask(nobodys, "919999999")
    assert "Too many codes" in _ask(nobodys, "919999999").text  # the same limit


def test_no_code_goes_to_her_travel_line_or_a_suspended_line(client, stacy):
    Line.objects.create(customer=stacy, msisdn="351920000009", base_plan="Travel", temporary=True)
    _ask(client, "920000009")
    stacy.lines.filter(msisdn="351910000001").update(status=Line.Status.SUSPENDED)
    _ask(client, "910000001")

    assert not Notification.objects.exists()
    assert SENT in client.get("/accounts/code/enter/").text


def test_what_is_not_a_number_is_said_and_nothing_is_written(client, stacy):
    response = _ask(client, "stacy")

    assert response.status_code == 200
    assert "Type your mobile number" in response.text
    assert not SignInCode.objects.exists()


def test_a_code_that_is_not_6_digits_is_said_and_tries_nothing(client, stacy):
    _ask(client, "910000001")

    response = _enter(client, "910000001", "12ab")

    assert "The code is the 6 digits in the SMS." in response.text
    assert SignInCode.objects.get().attempts == 0


def test_a_next_with_its_own_query_arrives_whole(client, stacy):
    response = _ask(client, "910000001", QUERY_STRING="next=%2Ftopup%2F%3Famount%3D3.50%26x%3D1")
    assert response["Location"] == "/accounts/code/enter/?next=/topup/%3Famount%3D3.50%26x%3D1"

    response = client.post(response["Location"], {"number": "910000001", "code": _code_sent(stacy)})

    assert response["Location"] == "/topup/?amount=3.50&x=1"
