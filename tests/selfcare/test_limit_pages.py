"""Her limits on the alerts page: the effect in words before saving, saving with who changed
them, bad input refused next to the field with nothing changed."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from selfcare.models import UsageLimit, UsageLimitChange
from tests.backoffice.conftest import agent, agent_client  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def test_the_page_says_there_is_no_limit_yet(customer_client):
    response = customer_client.get("/account/alerts/")

    assert response.status_code == 200
    assert (
        "Now: Use beyond your allowances is charged at your plan's rates, with no limit. "
        "So far this month: €0.00." in text(response)
    )


def test_see_what_it_does_words_a_cap_and_saves_nothing(customer_client):
    response = customer_client.post("/account/limits/", {"monthly_cap": "5", "preview": "1"})

    assert response.status_code == 200
    assert (
        "Use beyond your allowances is charged up to €5.00 a month: we warn you at €4.00, and "
        "at €5.00 it stops until the 1st of next month or until you raise the limit."
        in text(response)
    )
    assert not UsageLimit.objects.exists()


def test_with_htmx_the_words_follow_her_choice_as_a_fragment(customer_client):
    response = customer_client.post(
        "/account/limits/",
        {"stop_when_used_up": "on", "monthly_cap": "", "preview": "1"},
        headers={"HX-Request": "true"},
    )

    assert text(response).startswith("When an allowance is used up, that service")
    assert 'id="limit-effect"' in response.content.decode()
    assert not UsageLimit.objects.exists()


def test_saving_records_her_as_who_changed_them(customer_client, customer, line):
    response = customer_client.post(
        "/account/limits/", {"stop_when_used_up": "on", "monthly_cap": "7.50"}
    )

    assert response.status_code == 302
    limit = UsageLimit.objects.get(line=line)
    assert (limit.stop_when_used_up, limit.monthly_cap) == (True, Decimal("7.50"))
    change = UsageLimitChange.objects.get()
    assert (change.changed_by, change.by_agent, change.channel) == (customer.user, False, "portal")
    page = text(customer_client.get("/account/alerts/"))
    assert "by you: stop when used up, limit €7.50 a month" in page


@pytest.mark.parametrize(
    ("cap", "message"),
    [
        ("-3", "The limit must be more than €0.00."),
        ("99999", "The limit can be at most €500.00."),
        ("lots", "Type the limit in euros, e.g. 5 or 5.50, or leave it empty for no limit."),
    ],
)
def test_a_bad_cap_is_refused_next_to_the_field_and_changes_nothing(customer_client, cap, message):
    response = customer_client.post("/account/limits/", {"monthly_cap": cap})

    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'id="id_monthly_cap-error" role="alert">' + re.escape(message), html)
    assert not UsageLimit.objects.exists()
    assert not UsageLimitChange.objects.exists()


# The console


def test_the_agent_sets_her_limits_recorded_with_his_name(agent_client, agent, customer, line):  # noqa: F811
    url = f"/backoffice/customers/{customer.pk}/limits/"
    preview = agent_client.post(url, {"monthly_cap": "10", "preview": "1"})
    assert (
        "Once saved: use beyond her allowances is charged up to €10.00 a month, with a warning "
        "at €8.00" in text(preview)
    )
    assert not UsageLimit.objects.exists()

    refused = agent_client.post(url, {"monthly_cap": "-1"})
    assert refused.status_code == 400
    assert "The limit must be more than €0.00." in text(refused)
    assert not UsageLimit.objects.exists()

    response = agent_client.post(url, {"monthly_cap": "10"})

    assert response.status_code == 302
    change = UsageLimitChange.objects.get()
    assert (change.changed_by, change.by_agent, change.channel) == (agent, True, "agent")
    assert "Agent Alex Agent: no stop, limit €10.00 a month" in text(
        agent_client.get(f"/backoffice/customers/{customer.pk}/")
    )
    assert "by our call centre (Alex Agent): no stop, limit €10.00 a month" in text(
        _customer_client_for(customer).get("/account/alerts/")
    )


def _customer_client_for(customer):
    client = Client()
    client.force_login(customer.user)
    return client


def test_a_post_that_is_not_the_form_changes_nothing(customer_client, line):
    response = customer_client.post("/account/limits/", {})

    assert response.status_code == 400
    assert "That request was not complete" in text(response)
    assert not UsageLimit.objects.exists()
