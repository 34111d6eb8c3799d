"""Finding the customer on the phone."""

import pytest

from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    return {
        "stacy": CustomerFactory(
            name="Stacy Smith", email="stacy@example.com", msisdn="351910000001"
        ),
        "tom": CustomerFactory(name="Tom Jones", email="tj@mail.example", msisdn="351910000002"),
        "sam": CustomerFactory(name="Sam Stone", email="sam@example.org", msisdn="351930005555"),
    }


def _names(response):
    return [c.name for c in response.context["result"].customers]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("351910000001", ["Stacy Smith"]),
        ("+351 91 000 0001", ["Stacy Smith"]),
        ("0000", ["Stacy Smith", "Tom Jones"]),
        ("93 000", ["Sam Stone"]),
        ("smith", ["Stacy Smith"]),
        ("s", ["Sam Stone", "Stacy Smith", "Tom Jones"]),
        ("TJ@MAIL", ["Tom Jones"]),
        ("example.org", ["Sam Stone"]),
        ("  stone ", ["Sam Stone"]),
    ],
)
def test_search_by_number_name_or_email(agent_client, people, query, expected):
    response = agent_client.get("/backoffice/", {"q": query})

    assert response.status_code == 200
    assert _names(response) == expected
    for name in expected:
        customer = next(c for c in people.values() if c.name == name)
        assert f'href="/backoffice/customers/{customer.pk}/"' in response.text


def test_digits_in_an_email_are_not_read_as_a_number(agent_client, people):
    # "1" is in every number above; as part of an e-mail it must not match them all
    CustomerFactory(name="Una", email="user1@example.net", msisdn="351960000009")

    response = agent_client.get("/backoffice/", {"q": "user1@"})

    assert _names(response) == ["Una"]


def test_no_match_says_so(agent_client, people):
    response = agent_client.get("/backoffice/", {"q": "nobody-like-this"})

    assert _names(response) == []
    assert "No customer matches “nobody-like-this”." in response.text


def test_an_empty_box_lists_nobody(agent_client, people, django_assert_max_num_queries):
    response = agent_client.get("/backoffice/")

    assert response.status_code == 200
    assert _names(response) == []
    assert "No customer matches" not in response.text


def test_the_box_answers_as_the_agent_types(agent_client, people):
    page = agent_client.get("/backoffice/").text
    assert 'hx-get="/backoffice/search/"' in page
    assert 'hx-trigger="input changed delay:250ms, search"' in page
    assert 'action="/backoffice/"' in page  # and works as a plain form without JavaScript

    response = agent_client.get(
        "/backoffice/search/", {"q": "jones"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert ">Tom Jones</a>" in response.text
    assert "Stacy" not in response.text
    assert "<html" not in response.text  # the results alone, swapped into the page
    assert "1 customer matches." in response.text  # said in the live region
    # the address bar follows, so back from her page or a reload shows the same results
    assert response["HX-Replace-Url"] == "/backoffice/?q=jones"


def test_at_most_20_results_and_bounded_queries(agent_client, django_assert_max_num_queries):
    for n in range(25):
        CustomerFactory(name=f"Ana {n:02d}", msisdn=f"35192{n:07d}")
    agent_client.get("/backoffice/")  # the session is warm

    # session, user, groups, customers, their lines
    with django_assert_max_num_queries(5):
        response = agent_client.get("/backoffice/search/", {"q": "ana"})

    assert "Only the first 20 are shown" in response.text
    assert ">Ana 19</a>" in response.text
    assert ">Ana 20</a>" not in response.text
    assert response.text.count('class="msisdn"') == 20
