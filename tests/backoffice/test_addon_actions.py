"""An agent suspends, resumes and switches off her add-ons for her."""

from decimal import Decimal

import pytest

from orders.models import Order, ProductInstance
from selfcare.models import BYTES_PER_MB as MB
from selfcare.models import Bucket, Interaction, LedgerEntry
from selfcare.selectors import customer_balance
from tests.factories import CustomerFactory, OfferFactory

from .conftest import own

pytestmark = pytest.mark.django_db

KEY = "0f6c2a4e-9b1d-4c1e-8f3a-2b7d9e5a1c01"


@pytest.fixture
def customer(db):
    return CustomerFactory(name="Stacy Smith", balance=Decimal("30.00"))


@pytest.fixture
def games(customer):
    return own(
        customer, OfferFactory(name="Games Club", allows_suspend=True, price=Decimal("3.99"))
    )


@pytest.fixture
def data(customer):
    """Data 15GB (€10) with 5,944 of 15,360 MB used: €6.13 of it is unused."""
    instance = own(customer, OfferFactory(data_offer=True), key="key-data")
    Bucket.objects.filter(granted_by_instance=instance.pk).update(used=5944 * MB)
    return instance


def _url(customer, instance, action):
    return f"/backoffice/customers/{customer.pk}/addons/{instance.pk}/{action}/"


def _state(customer):
    return (
        list(ProductInstance.objects.order_by("id").values_list("status", flat=True)),
        Order.objects.count(),
        LedgerEntry.objects.count(),
        Interaction.objects.count(),
        customer_balance(customer=customer),
    )


def _placed_by_agent(customer, agent, summary):
    order = Order.objects.latest("id")
    assert (order.channel, order.placed_by) == ("agent", agent)
    interaction = Interaction.objects.filter(customer=customer).latest("id")
    assert (interaction.kind, interaction.channel, interaction.actor) == (
        "order_placed",
        "agent",
        "agent",
    )
    assert interaction.actor_user == agent
    assert interaction.summary == summary
    return order


def test_the_agent_suspends_and_resumes_an_add_on(agent_client, agent, customer, games):
    response = agent_client.post(
        _url(customer, games, "suspend"), {"idempotency_key": KEY, "reason": "Travelling"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/backoffice/customers/{customer.pk}/#addons"
    games.refresh_from_db()
    assert games.status == "suspended"
    assert games.status_reason == "Suspended by an agent: Travelling"
    _placed_by_agent(customer, agent, "Suspended Games Club. Reason: Travelling")
    page = agent_client.get(response["Location"]).text
    assert "Games Club is suspended" in page
    assert f'action="{_url(customer, games, "resume")}"' in page

    response = agent_client.post(_url(customer, games, "resume"), {"idempotency_key": KEY + "-2"})

    assert response.status_code == 302
    games.refresh_from_db()
    assert games.status == "active"
    _placed_by_agent(customer, agent, "Resumed Games Club")


def test_a_replayed_suspend_makes_one_order(agent_client, customer, games):
    for _ in range(2):
        agent_client.post(
            _url(customer, games, "suspend"), {"idempotency_key": KEY, "reason": "Travelling"}
        )

    assert Order.objects.filter(items__action="suspend").count() == 1


def test_a_suspend_without_a_reason_is_refused_with_nothing_changed(agent_client, customer, games):
    before = _state(customer)

    response = agent_client.post(_url(customer, games, "suspend"), {"idempotency_key": KEY})

    assert response.status_code == 400
    assert _state(customer) == before


def test_what_cannot_be_suspended_is_refused_with_nothing_changed(agent_client, customer, data):
    before = _state(customer)

    response = agent_client.post(
        _url(customer, data, "suspend"), {"idempotency_key": KEY, "reason": "Travelling"}
    )

    assert response.status_code == 409
    assert "Data 15GB cannot be suspended." in response.text
    assert _state(customer) == before


def test_a_malformed_request_changes_nothing(agent_client, customer, games):
    before = _state(customer)

    for action in ("suspend", "resume"):
        response = agent_client.post(_url(customer, games, action), {"idempotency_key": "x"})
        assert response.status_code == 400
    assert _state(customer) == before


def test_the_switch_off_page_shows_the_policy_refund_first(agent_client, customer, data):
    response = agent_client.get(_url(customer, data, "cancel"))

    assert response.status_code == 200
    assert "€6.13 back to her balance" in response.text
    assert 'name="expected_refund" value="6.13"' in response.text
    assert 'name="reason"' in response.text
    assert 'name="goodwill"' not in response.text  # only supervisors see it


def test_the_agent_switches_an_add_on_off_with_a_reason(agent_client, agent, customer, data):
    balance = customer_balance(customer=customer)
    key = (
        agent_client.get(_url(customer, data, "cancel")).context["form"]["idempotency_key"].value()
    )

    response = agent_client.post(
        _url(customer, data, "cancel"),
        {"idempotency_key": key, "expected_refund": "6.13", "reason": "Moving abroad"},
    )

    assert response.status_code == 302
    data.refresh_from_db()
    assert data.status == "pending_terminate"
    assert data.status_reason == "Switched off by an agent: Moving abroad"
    refund = LedgerEntry.objects.get(kind="refund")
    assert refund.amount == Decimal("6.13")
    assert customer_balance(customer=customer) == balance + Decimal("6.13")
    assert not LedgerEntry.objects.filter(reference__startswith="goodwill:").exists()
    order = _placed_by_agent(
        customer, agent, "Switched off Data 15GB; refund €6.13. Reason: Moving abroad"
    )
    assert order.items.get().refund_amount == Decimal("6.13")
    page = agent_client.get(response["Location"]).text
    assert "Data 15GB is switching off: €6.13 back to her balance." in page


def test_a_switch_off_needs_a_reason(agent_client, customer, data):
    before = _state(customer)

    response = agent_client.post(
        _url(customer, data, "cancel"), {"idempotency_key": KEY, "expected_refund": "6.13"}
    )

    assert response.status_code == 400
    assert "Say why it is switched off: it goes in her history." in response.text
    assert _state(customer) == before


def test_a_refund_that_changed_is_shown_again_before_anything_happens(agent_client, customer, data):
    before = _state(customer)

    response = agent_client.post(
        _url(customer, data, "cancel"),
        {"idempotency_key": KEY, "expected_refund": "10.00", "reason": "Moving abroad"},
    )

    assert response.status_code == 409
    assert "The refund is now €6.13" in response.text
    assert 'name="expected_refund" value="6.13"' in response.text
    assert 'value="Moving abroad"' in response.text  # what he typed is kept
    assert _state(customer) == before


def test_an_agent_who_is_not_a_supervisor_cannot_add_goodwill(agent_client, customer, data):
    before = _state(customer)

    response = agent_client.post(
        _url(customer, data, "cancel"),
        {
            "idempotency_key": KEY,
            "expected_refund": "6.13",
            "reason": "Network outage",
            "goodwill": "2.00",
        },
    )

    assert response.status_code == 403
    assert (
        "A refund beyond the offer&#x27;s policy needs a supervisor: ask one to switch it off."
        in response.text
    )
    assert _state(customer) == before


def test_a_supervisor_adds_a_goodwill_refund(supervisor_client, supervisor, customer, data):
    page = supervisor_client.get(_url(customer, data, "cancel"))
    assert 'name="goodwill"' in page.text
    balance = customer_balance(customer=customer)

    response = supervisor_client.post(
        _url(customer, data, "cancel"),
        {
            "idempotency_key": KEY,
            "expected_refund": "6.13",
            "reason": "Network outage",
            "goodwill": "2.00",
        },
    )

    assert response.status_code == 302
    assert sorted(
        LedgerEntry.objects.filter(amount__gt=0)
        .exclude(kind="top_up")
        .values_list("description", "amount")
    ) == [
        ("Data 15GB switched off", Decimal("6.13")),
        ("Goodwill refund: Data 15GB", Decimal("2.00")),
    ]
    assert customer_balance(customer=customer) == balance + Decimal("8.13")
    _placed_by_agent(
        customer,
        supervisor,
        "Switched off Data 15GB; refund €6.13 + goodwill €2.00. Reason: Network outage",
    )
    page = supervisor_client.get(response["Location"]).text
    assert "€6.13 back to her balance, plus €2.00 goodwill." in page


def test_goodwill_cannot_exceed_what_she_paid(supervisor_client, customer, data):
    before = _state(customer)

    response = supervisor_client.post(
        _url(customer, data, "cancel"),
        {"idempotency_key": KEY, "expected_refund": "6.13", "reason": "x", "goodwill": "5.00"},
    )

    assert response.status_code == 403
    assert "cannot add up to more than she paid" in response.text
    assert _state(customer) == before


def test_what_is_already_off_cannot_be_switched_off(agent_client, customer, data):
    agent_client.post(
        _url(customer, data, "cancel"),
        {"idempotency_key": KEY, "expected_refund": "6.13", "reason": "Moving abroad"},
    )
    before = _state(customer)

    page = agent_client.get(_url(customer, data, "cancel"))
    response = agent_client.post(
        _url(customer, data, "cancel"),
        {"idempotency_key": KEY + "-2", "expected_refund": "0.00", "reason": "Again"},
    )

    assert "it cannot be switched off now" in page.text
    assert response.status_code == 409
    assert _state(customer) == before


def test_unknown_or_someone_elses_add_ons_are_404s(agent_client, customer, games):
    other = CustomerFactory()
    theirs = own(other, OfferFactory(allows_suspend=True), key="key-theirs")
    before = _state(customer)

    for instance_id in (999999, theirs.pk):
        base = f"/backoffice/customers/{customer.pk}/addons/{instance_id}"
        assert agent_client.post(f"{base}/suspend/", {"idempotency_key": KEY}).status_code == 404
        assert agent_client.post(f"{base}/resume/", {"idempotency_key": KEY}).status_code == 404
        assert agent_client.get(f"{base}/cancel/").status_code == 404
        cancel = agent_client.post(
            f"{base}/cancel/", {"idempotency_key": KEY, "expected_refund": "0", "reason": "x"}
        )
        assert cancel.status_code == 404
    assert (
        agent_client.get(f"/backoffice/customers/999999/addons/{games.pk}/cancel/").status_code
        == 404
    )
    assert _state(customer) == before
    theirs.refresh_from_db()
    assert theirs.status == "active"
