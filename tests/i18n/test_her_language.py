"""Her language: chosen on her first sign-in from her browser, changed on her account page,
and every page of hers in it whatever the browser asks; agents follow their browser or the
console's switch."""

import pytest
from django.test import Client

from selfcare.languages import customer_language
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"


@pytest.fixture
def stacy(db):
    customer = CustomerFactory(msisdn="351910000001", user__username="stacy")
    customer.user.set_password(PASSWORD)
    customer.user.save()
    return customer


def _sign_in(client, accept_language):
    return client.post(
        "/accounts/login/",
        {"username": "910000001", "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE=accept_language,
    )


def test_she_has_no_language_until_her_first_sign_in_which_takes_her_browsers(client, stacy):
    assert (stacy.language, customer_language(stacy)) == ("", "en")

    response = _sign_in(client, "pt-PT,pt;q=0.9,en;q=0.8")

    assert response.status_code == 302
    stacy.refresh_from_db()
    assert (stacy.language, customer_language(stacy)) == ("pt", "pt")
    page = client.get("/account/", HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "pt"


def test_a_later_sign_in_from_a_browser_in_another_language_keeps_hers(client, stacy):
    stacy.language = "pt"
    stacy.save(update_fields=["language"])

    _sign_in(client, "en-GB,en;q=0.9")

    stacy.refresh_from_db()
    assert stacy.language == "pt"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "pt"


def test_a_browser_in_a_language_we_do_not_speak_gives_the_operators_default(client, stacy):
    _sign_in(client, "de-DE,de;q=0.9")

    stacy.refresh_from_db()
    assert stacy.language == "en"


def test_she_switches_her_language_on_her_account_page(client, stacy):
    _sign_in(client, "en")

    response = client.post("/account/language/", {"language": "pt"}, follow=True)

    stacy.refresh_from_db()
    assert stacy.language == "pt"
    assert response["Content-Language"] == "pt"
    assert [str(m) for m in response.context["messages"]] == [
        "Guardado: as suas páginas e mensagens estão em português."
    ]
    assert client.get("/account/")["Content-Language"] == "pt"

    client.post("/account/language/", {"language": "en"})

    stacy.refresh_from_db()
    assert stacy.language == "en"
    assert client.get("/account/", HTTP_ACCEPT_LANGUAGE="pt")["Content-Language"] == "en"


def test_a_language_we_do_not_speak_is_refused_and_hers_is_kept(customer_client, customer):
    customer.language = "pt"
    customer.save(update_fields=["language"])

    response = customer_client.post("/account/language/", {"language": "de"})

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.language == "pt"


def test_her_language_is_read_once_at_sign_in_not_on_every_request(customer_client, customer):
    assert customer_client.session["customer_language"] == ""

    customer.language = "pt"
    customer.save(update_fields=["language"])
    customer_client.force_login(customer.user)

    assert customer_client.session["customer_language"] == "pt"
    assert customer_client.get("/account/")["Content-Language"] == "pt"


def test_a_session_from_before_her_language_was_kept_in_it_reads_it_once(customer_client, customer):
    customer.language = "pt"
    customer.save(update_fields=["language"])
    session = customer_client.session
    del session["customer_language"]
    session.save()

    assert customer_client.get("/account/")["Content-Language"] == "pt"
    assert customer_client.session["customer_language"] == "pt"


def test_the_sign_in_page_follows_the_browser(client):
    assert client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="pt-PT")["Content-Language"] == "pt"
    assert client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-GB")["Content-Language"] == "en"


def test_an_agents_console_follows_the_browser_or_the_switch(db):
    from django.contrib.auth.models import Group

    agent = UserFactory(username="agent")
    agent.groups.add(Group.objects.get_or_create(name="Call-centre agents")[0])
    client = Client()
    client.force_login(agent)

    assert client.get("/backoffice/", HTTP_ACCEPT_LANGUAGE="pt")["Content-Language"] == "pt"

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/backoffice/"})

    assert (switched.status_code, switched["Location"]) == (302, "/backoffice/")
    assert client.get("/backoffice/", HTTP_ACCEPT_LANGUAGE="pt")["Content-Language"] == "en"
