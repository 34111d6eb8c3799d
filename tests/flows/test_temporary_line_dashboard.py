"""The temporary line she bought (Travel Line) is on her dashboard, with its number as the portal
writes numbers and the date it ends; it leaves the dashboard when it ends."""

import re

import pytest
from django.utils import dateformat, timezone

from orders.models import Order, ProductInstance
from orders.selectors import temporary_line_list_for_customer
from orders.selectors.products import TemporaryLine
from selfcare.models import Customer, Line, Notification
from selfcare.phones import msisdn_format
from tests.flows.test_offer_examples import HTMX, tap_on
from tests.selfcare.test_sims import with_check_digit

pytestmark = pytest.mark.django_db


def temporary_section(page: str) -> str | None:
    match = re.search(r'<section class="card temporary-lines".*?</section>', page, flags=re.S)
    return re.sub(r"\s+", " ", match.group(0)) if match else None


@pytest.fixture
def stacy_travel_line(login, offers, django_capture_on_commit_callbacks):
    client = login("stacy")
    with django_capture_on_commit_callbacks(execute=True):
        tap_on(client, offers["Travel Line 30 days"], iccid=with_check_digit("893510123456789012"))
    order = Order.objects.get()
    code = re.match(r"(\d{6}) ", Notification.objects.get(medium="sms").body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/orders/{order.pk}/confirm/", {"code": code}, **HTMX)
    return client, ProductInstance.objects.get(offer=offers["Travel Line 30 days"])


def test_her_dashboard_shows_the_temporary_line_with_its_number_and_end(stacy_travel_line):
    client, instance = stacy_travel_line
    line = Line.objects.get(temporary=True)
    assert instance.ends_at is not None
    # its number as the text it is, on PostgreSQL and SQLite alike
    assert temporary_line_list_for_customer(customer=instance.customer) == [
        TemporaryLine(
            msisdn=line.msisdn, offer_name="Travel Line 30 days", ends_at=instance.ends_at
        )
    ]

    section = temporary_section(client.get("/").content.decode())

    assert section is not None
    assert "Your temporary line" in section
    assert msisdn_format(line.msisdn) in section
    assert "Travel Line 30 days" in section
    ends = dateformat.format(timezone.localtime(instance.ends_at), "D j M Y, H:i")
    assert "ends <time datetime=" in section
    assert ends in section


def test_without_a_temporary_line_the_dashboard_has_no_such_section(login):
    assert temporary_section(login("stacy").get("/").content.decode()) is None


def test_an_ended_temporary_line_is_no_longer_listed(stacy_travel_line):
    client, instance = stacy_travel_line
    ProductInstance.objects.filter(pk=instance.pk).update(status=ProductInstance.Status.TERMINATED)

    assert temporary_line_list_for_customer(customer=instance.customer) == []
    assert temporary_section(client.get("/").content.decode()) is None


def test_someone_elses_temporary_line_is_not_hers(stacy_travel_line):
    tom = Customer.objects.get(user__username="tom")

    assert temporary_line_list_for_customer(customer=tom) == []
