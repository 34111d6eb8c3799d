"""Anyone holding a tracked link may open it: her history records who did (herself, someone not
signed in, an agent, another customer; with the user), and only her own click is worded as
hers. Only her clicks and anonymous ones credit the link (a campaign's click, a purchase)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from selfcare.models import Interaction, TrackedLink
from selfcare.services import notification_send
from selfcare.services.messages import tracked_link_for_purchase
from tests.factories import CustomerFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def promo(db):
    return OfferFactory(name="Summer Data 20GB", price=Decimal("9.00"))


@pytest.fixture
def link(customer, promo):
    notification_send(
        customer=customer,
        template="promotion",
        context={"message": "Try it"},
        campaign_id=7,
        link_target=f"/offers/{promo.pk}/",
        link_offer=promo,
    )
    return TrackedLink.objects.get()


def opened(client, link) -> Interaction:
    response = client.get(f"/l/{link.token}/")
    assert response.status_code == 302
    return Interaction.objects.filter(kind="link_clicked").latest("id")


def credited(link) -> tuple:
    link.refresh_from_db()
    return link.click_count, link.first_clicked_at is not None


def test_her_own_click_is_hers(client, customer, link):
    client.force_login(customer.user)

    click = opened(client, link)

    assert (click.customer, click.actor, click.actor_user) == (customer, "customer", customer.user)
    assert click.summary == f"Clicked the link in “{link.notification.subject}”"
    assert click.data["clicked_by"] == "customer"
    assert credited(link) == (1, True)


def test_someone_not_signed_in_is_recorded_as_such_and_may_be_her(client, customer, link):
    click = opened(client, link)

    assert (click.customer, click.actor, click.actor_user) == (customer, "system", None)
    assert click.summary == (
        f"The link in “{link.notification.subject}” was opened by someone not signed in"
    )
    assert click.data["clicked_by"] == "anonymous"
    # Most often her, from the SMS on her phone before she signs in: it still credits the link.
    assert credited(link) == (1, True)


def test_an_agent_opening_her_link_is_his_and_credits_nothing(client, customer, link, promo):
    agent = UserFactory(first_name="Alex", last_name="Agent", groups=["Call-centre agents"])
    client.force_login(agent)

    click = opened(client, link)

    assert (click.customer, click.actor, click.actor_user) == (customer, "agent", agent)
    assert click.summary == f"Opened the link in “{link.notification.subject}” sent to her"
    assert click.data["clicked_by"] == "staff"
    assert credited(link) == (0, False)
    assert (
        tracked_link_for_purchase(customer=customer, offer_id=promo.pk, at=timezone.now()) is None
    )
    console = client.get(f"/backoffice/customers/{customer.pk}/").text
    assert "Agent Alex Agent" in console
    assert "Clicked the link in" not in console


def test_another_customer_opening_a_forwarded_link_is_recorded_and_credits_nothing(
    client, customer, link
):
    friend = CustomerFactory()
    client.force_login(friend.user)

    click = opened(client, link)

    assert (click.customer, click.actor, click.actor_user) == (customer, "system", friend.user)
    assert click.summary == (
        f"The link in “{link.notification.subject}” was opened by another customer's account"
    )
    assert click.data["clicked_by"] == "other_customer"
    assert credited(link) == (0, False)
    assert not Interaction.objects.filter(customer=friend).exists()


def test_each_opening_is_one_row_with_its_own_clicker(client, customer, link):
    opened(client, link)
    client.force_login(customer.user)
    opened(client, link)

    assert list(
        Interaction.objects.filter(kind="link_clicked")
        .order_by("id")
        .values_list("data__clicked_by", flat=True)
    ) == ["anonymous", "customer"]
    assert credited(link) == (2, True)
