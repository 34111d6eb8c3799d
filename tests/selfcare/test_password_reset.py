"""The "Forgot password?" pages: a code to her phone or a link to her e-mail, in the portal's
own look."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from selfcare.models import Notification, SignInCode
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

OLD, NEW = "pass-word-123", "a-new-pass-word-456"
SENT_SMS = "If this number is ours, a code is on its way by SMS."
SENT_EMAIL = "If this address is ours, a link to set a new password is on its way."


@pytest.fixture
def stacy(db):
    return CustomerFactory(msisdn="351910000001", email="stacy@example.com", user__username="stacy")


def _signs_in(password) -> bool:
    client = Client()
    client.post("/accounts/login/", {"username": "910000001", "password": password})
    return client.session.get(SESSION_KEY) is not None


def _reset_code(client, code, password=NEW, again=None, number="910000001"):
    return client.post(
        "/accounts/password_reset/code/",
        {
            "number": number,
            "code": code,
            "new_password1": password,
            "new_password2": again or password,
        },
    )


def _sent(template):
    return Notification.objects.filter(template=template).latest("id")


def test_a_code_to_her_phone_sets_a_new_password(client, stacy):
    response = client.post("/accounts/password_reset/", {"login": "+351 91 000 0001"})

    assert response["Location"] == "/accounts/password_reset/code/"
    assert SENT_SMS in client.get(response["Location"]).text
    message = _sent("password_reset_code")
    assert (message.medium, message.recipient) == ("sms", "351910000001")
    code = re.search(r"\b(\d{6})\b", message.body).group(1)

    response = _reset_code(client, code)

    assert response["Location"] == "/accounts/login/"
    assert "Your password is changed: sign in with it." in client.get("/accounts/login/").text
    assert _signs_in(NEW)
    assert not _signs_in(OLD)
    assert SignInCode.objects.get().used_at is not None


def test_a_weak_or_mistyped_new_password_is_said_and_keeps_the_code(client, stacy):
    client.post("/accounts/password_reset/", {"login": "910000001"})
    code = re.search(r"\b(\d{6})\b", _sent("password_reset_code").body).group(1)

    assert "This password is too common" in _reset_code(client, code, password="password").text
    assert "The two passwords are not the same." in _reset_code(client, code, again="x").text
    assert SignInCode.objects.get().attempts == 0
    assert _signs_in(OLD)
    assert _reset_code(client, code)["Location"] == "/accounts/login/"


def test_a_wrong_reset_code_changes_nothing(client, stacy):
    client.post("/accounts/password_reset/", {"login": "910000001"})

    response = _reset_code(client, "000000")

    assert "That code is not right" in response.text
    assert _signs_in(OLD)
    assert not _signs_in(NEW)


def test_a_sign_in_code_does_not_reset_a_password(client, stacy):
    client.post("/accounts/code/", {"number": "910000001"})
    code = re.search(r"\b(\d{6})\b", _sent("signin_code").body).group(1)

    assert "That code is not right" in _reset_code(client, code).text
    assert _signs_in(OLD)


def test_a_link_to_her_e_mail_sets_a_new_password(client, stacy):
    response = client.post("/accounts/password_reset/", {"login": "Stacy@example.com"})

    assert response["Location"] == "/accounts/password_reset/done/"
    assert SENT_EMAIL in client.get(response["Location"]).text
    message = _sent("password_reset_link")
    assert (message.medium, message.recipient) == ("email", "stacy@example.com")
    link = re.search(r"http://\S+/accounts/reset/\S+/", message.body).group(0)
    path = link.split("127.0.0.1:8000", 1)[1]

    form = client.get(path, follow=True)
    assert "Set a new password" in form.text
    response = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})

    assert response["Location"] == "/accounts/reset/done/"
    assert _signs_in(NEW)
    assert not _signs_in(OLD)
    # Used once: the link no longer works.
    assert "This link no longer works" in client.get(path, follow=True).text


def test_nothing_says_whether_a_number_or_address_is_a_customers(client, stacy):
    to_nobody = client.post("/accounts/password_reset/", {"login": "nobody@example.com"})
    to_no_number = client.post("/accounts/password_reset/", {"login": "919999999"})

    assert to_nobody["Location"] == "/accounts/password_reset/done/"
    assert to_no_number["Location"] == "/accounts/password_reset/code/"
    assert not Notification.objects.exists()
    assert SignInCode.objects.filter(customer__isnull=True).count() == 2


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/password_reset/",
        "/accounts/password_reset/code/",
        "/accounts/password_reset/done/",
        "/accounts/reset/MQ/bad-token/",
        "/accounts/reset/done/",
        "/accounts/code/",
        "/accounts/code/enter/",
        "/accounts/login/",
    ],
)
def test_the_sign_in_and_reset_pages_are_the_portals_own(client, path):
    page = client.get(path, follow=True)

    assert page.status_code == 200
    assert "Django administration" not in page.text
    assert "Tejo Mobile" in page.text
    assert 'class="site-header"' in page.text


def test_changing_her_password_is_in_the_portals_look_too(customer_client):
    page = customer_client.get("/accounts/password_change/")

    assert page.status_code == 200
    assert "Django administration" not in page.text
    assert "Change your password" in page.text
