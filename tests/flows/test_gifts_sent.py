"""The gifts page lists the gifts she gave too, with their number and where each stands; the
other side's page does not list them as given."""

import re

import pytest

from campaigns.models import Gift
from campaigns.selectors import gift_list_sent
from selfcare.models import Customer
from selfcare.phones import msisdn_format
from tests.flows.test_offer_examples import HTMX, tap_on

pytestmark = pytest.mark.django_db

FRIEND = "351910000002"  # tom's line


def gifts_given(page) -> str:
    match = re.search(r'<section class="gifts-sent".*?</section>', page, flags=re.S)
    assert match, "no section of gifts given"
    return re.sub(r"\s+", " ", match.group(0))


@pytest.fixture
def stacy_gave_tom_a_gift(login, client, offers, django_capture_on_commit_callbacks):
    stacy = login("stacy")
    with django_capture_on_commit_callbacks(execute=True):
        response = tap_on(stacy, offers["Gift 1GB"], friend_msisdn=FRIEND)
    assert response.status_code == 200
    return Gift.objects.get()


def test_the_giver_sees_her_gift_waiting_then_accepted(
    login, client, stacy_gave_tom_a_gift, django_capture_on_commit_callbacks
):
    gift = stacy_gave_tom_a_gift
    stacy_page = client.get("/gifts/").content.decode()

    given = gifts_given(stacy_page)
    assert f"Gift 1GB to {msisdn_format(FRIEND)}" in given
    assert "Waiting for your friend to accept by" in given
    assert "You have not given a gift yet." not in given

    client.logout()
    tom = login("tom")
    tom_page = tom.get("/gifts/").content.decode()
    assert "You have not given a gift yet." in gifts_given(tom_page)
    assert "Waiting for you: accept by" in tom_page
    with django_capture_on_commit_callbacks(execute=True):
        tom.post(f"/gifts/{gift.pk}/accept/", **HTMX)
    client.logout()
    stacy = login("stacy")

    given = gifts_given(stacy.get("/gifts/").content.decode())
    assert f"Gift 1GB to {msisdn_format(FRIEND)}" in given
    assert "Accepted" in given
    assert "Waiting for your friend" not in given


def test_gift_list_sent_is_hers_only(stacy_gave_tom_a_gift):
    stacy = Customer.objects.get(user__username="stacy")
    tom = Customer.objects.get(user__username="tom")

    assert gift_list_sent(customer=stacy) == [stacy_gave_tom_a_gift]
    assert gift_list_sent(customer=tom) == []


def test_the_gifts_page_keeps_to_its_query_budget(
    client, stacy_gave_tom_a_gift, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = client.get("/gifts/")
    assert response.status_code == 200
