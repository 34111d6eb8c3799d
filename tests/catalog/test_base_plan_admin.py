"""Product managers set the base plans' out-of-bundle rates in the admin, as they do offers; the
customer sees them at her dashboard's next load, and the next batch of usage is charged at them."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import BasePlan
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Prepaid Go",
    "currency": "EUR",
    "rate_per_mb": "0.0080",
    "rate_per_minute": "0.0900",
    "rate_per_sms": "0.0700",
}


@pytest.fixture
def pm_client(client):
    client.force_login(UserFactory(is_staff=True, groups=["Product managers"]))
    return client


def test_a_product_manager_adds_a_plan_and_her_dashboard_shows_its_rates(pm_client, client):
    from tests.factories import CustomerFactory

    response = pm_client.post(reverse("admin:catalog_baseplan_add"), FORM)

    assert response.status_code == 302
    plan = BasePlan.objects.get()
    assert (plan.rate_per_mb, plan.rate_per_minute, plan.rate_per_sms) == (
        Decimal("0.0080"),
        Decimal("0.0900"),
        Decimal("0.0700"),
    )
    customer = CustomerFactory(base_plan="Prepaid Go")
    client.force_login(customer.user)
    page = client.get("/").content.decode()
    assert "Beyond your allowances: €0.008 per MB, €0.09 a minute, €0.07 an SMS." in page


def test_a_product_manager_changes_a_rate(pm_client):
    plan = BasePlan.objects.create(name="Prepaid Go")

    response = pm_client.post(
        reverse("admin:catalog_baseplan_change", args=[plan.pk]), FORM | {"rate_per_mb": "0.02"}
    )

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.rate_per_mb == Decimal("0.0200")


def test_a_negative_rate_is_refused_next_to_its_field_and_nothing_is_saved(pm_client):
    response = pm_client.post(
        reverse("admin:catalog_baseplan_add"), FORM | {"rate_per_sms": "-0.01"}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "rate_per_sms": ["A rate cannot be negative (0 makes it free)."]
    }
    assert not BasePlan.objects.exists()


def test_nobody_deletes_a_plan_in_the_admin(pm_client, admin_client):
    plan = BasePlan.objects.create(name="Prepaid Go")

    for client in (pm_client, admin_client):
        response = client.post(
            reverse("admin:catalog_baseplan_delete", args=[plan.pk]), {"post": "yes"}
        )
        assert response.status_code == 403
    assert BasePlan.objects.filter(pk=plan.pk).exists()


@pytest.mark.parametrize(
    ("group", "status"),
    [(None, 302), ("Call-centre agents", 403)],  # to the admin's login; staff, but no permission
)
def test_only_product_managers_reach_the_plans(client, group, status):
    client.force_login(UserFactory(is_staff=group is not None, groups=[group] if group else []))

    response = client.get(reverse("admin:catalog_baseplan_changelist"))

    assert response.status_code == status
    assert client.post(reverse("admin:catalog_baseplan_add"), FORM).status_code == status
    assert not BasePlan.objects.exists()
