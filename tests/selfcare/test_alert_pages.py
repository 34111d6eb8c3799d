"""Her usage alerts and location consent in the portal, and the agent's view of both (and of her
events) in the console."""

import re

import pytest
from django.utils import timezone

from selfcare.models import AlertSetting, AlertSettingChange, Customer, DomainEvent
from selfcare.services import usage_ingest
from tests.backoffice.conftest import agent, agent_client  # noqa: F401 (fixtures)
from tests.selfcare.test_usage import bucket, event

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page's words, tags and extra spaces removed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def test_the_page_says_what_the_default_alerts_do(customer_client):
    response = customer_client.get("/account/alerts/")

    assert response.status_code == 200
    assert (
        "You will get a message the way you prefer (SMS) when you have used 80 % and 100 % "
        "of any allowance on this line." in text(response)
    )


def test_see_what_it_does_shows_the_words_and_saves_nothing(customer_client):
    response = customer_client.post(
        "/account/alerts/", {"thresholds": ["50"], "medium": "email", "preview": "1"}
    )

    assert response.status_code == 200
    assert "You will get an e-mail when you have used 50 % of any allowance on this line." in text(
        response
    )
    assert not AlertSetting.objects.exists()


def test_with_htmx_the_words_follow_her_choice_as_a_fragment(customer_client):
    response = customer_client.post(
        "/account/alerts/", {"medium": "", "preview": "1"}, headers={"HX-Request": "true"}
    )

    assert text(response) == (
        "You will get no usage alerts: you can still see what is left on your dashboard."
    )
    assert 'id="alert-effect"' in response.content.decode()


def test_saving_records_who_changed_them(customer_client, customer, line):
    response = customer_client.post("/account/alerts/", {"thresholds": ["80"], "medium": "sms"})

    assert response.status_code == 302
    setting = AlertSetting.objects.get(line=line)
    assert (setting.thresholds, setting.medium, setting.bucket) == ([80], "sms", None)
    change = AlertSettingChange.objects.get()
    assert (change.changed_by, change.by_agent, change.channel) == (customer.user, False, "portal")
    page = text(customer_client.get("/account/alerts/"))
    assert "You will get an SMS when you have used 80 % of any allowance" in page
    assert "by you: at 80 %" in page


def test_a_threshold_not_offered_is_refused_and_nothing_changes(customer_client):
    response = customer_client.post("/account/alerts/", {"thresholds": ["90"], "medium": ""})

    assert response.status_code == 400
    assert "Select a valid choice" in text(response)
    assert not AlertSetting.objects.exists()
    assert not AlertSettingChange.objects.exists()


def test_location_consent_is_on_her_account_page_and_she_can_change_it(customer_client, customer):
    page = customer_client.get("/account/")
    assert 'name="location_consent"' in page.content.decode()
    assert "to offer you things where you are" in text(page)

    customer_client.post("/account/location/", {"location_consent": "on"})
    assert Customer.objects.get(pk=customer.pk).location_consent is True
    assert (
        "checked"
        in customer_client.get("/account/")
        .content.decode()
        .split('name="location_consent"')[1]
        .split(">")[0]
    )

    customer_client.post("/account/location/", {})
    assert Customer.objects.get(pk=customer.pk).location_consent is False


# The console


def test_the_agent_sees_her_events_and_her_alerts(agent_client, customer, line):  # noqa: F811
    bucket(line, "Data 15GB", 1000)
    usage_ingest(events=[event(line, 850, id="a", at=timezone.now())])

    page = text(agent_client.get(f"/backoffice/customers/{customer.pk}/"))

    assert "Events" in page
    assert "Allowance threshold crossed 80 % of Data 15GB used" in page
    assert "Allowance threshold crossed 50 % of Data 15GB used" in page
    assert (
        "Now: a message the way she prefers (SMS) at 80 % and 100 % of any allowance. "
        "(the default)" in page
    )


def test_the_agent_changes_her_alerts_recorded_with_his_name(agent_client, agent, customer, line):  # noqa: F811
    url = f"/backoffice/customers/{customer.pk}/alerts/"
    preview = agent_client.post(url, {"thresholds": ["100"], "medium": "in_app", "preview": "1"})
    assert "Once saved: an in-app message at 100 % of any allowance." in text(preview)
    assert not AlertSetting.objects.exists()

    response = agent_client.post(url, {"thresholds": ["100"], "medium": "in_app"})

    assert response.status_code == 302
    change = AlertSettingChange.objects.get()
    assert (change.changed_by, change.by_agent, change.channel) == (agent, True, "agent")
    page = text(agent_client.get(f"/backoffice/customers/{customer.pk}/"))
    assert "Agent Alex Agent: at 100 % by in-app message" in page
    assert DomainEvent.objects.count() == 0


def test_a_post_that_is_not_the_form_changes_nothing(customer_client):
    response = customer_client.post("/account/alerts/", {})

    assert response.status_code == 400
    assert "That request was not complete" in text(response)
    assert not AlertSetting.objects.exists()
