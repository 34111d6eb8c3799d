"""Signing in with her mobile number in any spelling, her e-mail or (staff) a username, and the
brute-force lockout on every sign-in: portal, console and admin."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client

from selfcare.models import Interaction, Line
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"
LOCKED = "Too many wrong tries: try again in 15 minutes."
NO_MATCH = "That mobile number or e-mail and password do not match"


@pytest.fixture
def stacy(db):
    return CustomerFactory(msisdn="351910000001", email="stacy@example.com", user__username="stacy")


def _sign_in(client, login, password=PASSWORD, path="/accounts/login/", **extra):
    return client.post(path, {"username": login, "password": password}, **extra)


def _signed_in_as(client):
    return client.session.get(SESSION_KEY)


@pytest.mark.parametrize(
    "login",
    [
        "+351 91 000 0001",
        "+351 910 000 001",
        "351910000001",
        "+351910000001",
        "00351 910 000 001",
        "910000001",
        "91 000 0001",
        "910-000-001",
        "stacy@example.com",
        " Stacy@Example.COM ",
        "stacy",
    ],
)
def test_every_spelling_of_her_number_her_e_mail_and_her_username_sign_her_in(client, stacy, login):
    response = _sign_in(client, login)

    assert (response.status_code, response["Location"]) == (302, "/")
    assert _signed_in_as(client) == str(stacy.user.pk)
    entry = Interaction.objects.get()
    assert (entry.kind, entry.customer, entry.summary) == (
        "login",
        stacy,
        "Logged in to the self-care portal",
    )


def test_the_login_page_asks_for_a_mobile_number_or_e_mail(client):
    page = client.get("/accounts/login/")

    assert 'for="id_username">Mobile number or e-mail</label>' in page.text
    assert 'href="/accounts/password_reset/"' in page.text
    assert "Send me a code" in page.text


@pytest.mark.parametrize("login", ["+351 91 000 0001", "stacy@example.com", "stacy"])
def test_a_wrong_password_signs_nobody_in(client, stacy, login):
    response = _sign_in(client, login, password="not-her-password")

    assert response.status_code == 200
    assert NO_MATCH in response.text
    assert _signed_in_as(client) is None
    assert not Interaction.objects.exists()


def test_her_travel_line_number_does_not_sign_her_in(client, stacy):
    """A Travel Line is hers only for a while, and may be someone else's number afterwards:
    only her own (home) number signs in."""
    Line.objects.create(customer=stacy, msisdn="351920000009", base_plan="Travel", temporary=True)

    response = _sign_in(client, "920000009")

    assert response.status_code == 200
    assert _signed_in_as(client) is None


def test_a_terminated_number_does_not_sign_in_and_her_new_home_line_does(client, stacy):
    stacy.lines.update(status=Line.Status.TERMINATED)
    Line.objects.create(customer=stacy, msisdn="351930000003", base_plan="Prepaid Go")

    assert _sign_in(client, "910000001").status_code == 200
    assert _signed_in_as(client) is None
    assert _sign_in(client, "930 000 003")["Location"] == "/"


def test_an_e_mail_address_two_customers_share_signs_neither_in(client, stacy):
    CustomerFactory(email="STACY@example.com")

    response = _sign_in(client, "stacy@example.com")

    assert response.status_code == 200
    assert _signed_in_as(client) is None
    assert _sign_in(client, "stacy")["Location"] == "/"


def test_thirty_wrong_passwords_then_the_right_one_no_longer_signs_in(client, stacy):
    for _ in range(30):
        _sign_in(client, "stacy", password="guess")

    response = _sign_in(client, "stacy")

    assert response.status_code == 429
    assert LOCKED in response.text
    assert _signed_in_as(client) is None
    assert not Interaction.objects.exists()


def test_wrong_tries_count_against_her_account_however_it_is_spelt(client, stacy):
    for login in ["+351 91 000 0001", "910000001", "stacy@example.com", "stacy"]:
        _sign_in(client, login, password="guess", REMOTE_ADDR=f"10.0.0.{len(login)}")

    assert _sign_in(client, "stacy", password="guess", REMOTE_ADDR="10.0.1.1").status_code == 429
    # From another address too: the account is locked, not the address.
    other = Client(REMOTE_ADDR="10.9.9.9")
    response = _sign_in(other, "351910000001", REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429
    assert LOCKED in response.text
    assert _signed_in_as(other) is None


def test_wrong_tries_from_one_address_lock_that_address_for_every_account(client, stacy):
    for n in range(5):
        _sign_in(client, f"91000{n:04d}9", password="guess", REMOTE_ADDR="10.1.1.1")

    assert _sign_in(client, "stacy", REMOTE_ADDR="10.1.1.1").status_code == 429
    assert _sign_in(client, "stacy", REMOTE_ADDR="10.2.2.2")["Location"] == "/"


def test_the_lockout_ends_after_the_cool_off(stacy):
    start = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            _sign_in(Client(), "stacy", password="guess")
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        assert _sign_in(Client(), "stacy").status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        client = Client()
        assert _sign_in(client, "stacy")["Location"] == "/"
        assert _signed_in_as(client) == str(stacy.user.pk)


def test_an_admin_unlocks_her_with_axes_reset_username(client, stacy):
    for _ in range(5):
        _sign_in(client, "stacy", password="guess", REMOTE_ADDR="10.3.3.3")
    assert _sign_in(client, "stacy", REMOTE_ADDR="10.4.4.4").status_code == 429

    call_command("axes_reset_username", "stacy")

    assert _sign_in(client, "+351 91 000 0001", REMOTE_ADDR="10.4.4.4")["Location"] == "/"


def test_an_agent_is_locked_out_of_the_console_sign_in(client):
    agent = UserFactory(username="alex", groups=["Call-centre agents"])
    for _ in range(5):
        _sign_in(client, "alex", password="guess", path="/accounts/login/?next=/backoffice/")

    response = _sign_in(client, "alex", path="/accounts/login/?next=/backoffice/")

    assert response.status_code == 429
    assert LOCKED in response.text
    assert _signed_in_as(client) is None
    assert agent.pk


def test_staff_are_locked_out_of_the_admin_sign_in(client):
    UserFactory(username="pm", is_staff=True, groups=["Product managers"])
    assert _sign_in(client, "pm", path="/admin/login/?next=/admin/")["Location"] == "/admin/"
    client.logout()
    for _ in range(5):
        _sign_in(client, "pm", password="guess", path="/admin/login/")

    response = _sign_in(client, "pm", path="/admin/login/")

    assert response.status_code == 429
    assert LOCKED in response.text
    assert _signed_in_as(client) is None


def test_the_admin_keeps_its_own_sign_in_page(client, settings):
    # the admin's own page (its form posts to itself), under the operator's name, not Django's
    page = client.get("/admin/login/").text

    assert '<form action="/admin/login/" method="post" id="login-form">' in page
    assert f'<div id="site-name">\n    <a href="/admin/">{settings.OPERATOR_NAME}</a>' in page
    assert 'class="site-header"' not in page
