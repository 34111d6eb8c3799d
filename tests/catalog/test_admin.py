"""A product manager (no superuser rights) launches an offer from a template in the admin."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Offer
from catalog.services import offer_template_load_pack, offer_template_terms
from tests.factories import CustomerFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pm_client(client):
    pm = UserFactory(is_staff=True, groups=["Product managers"])
    client.force_login(pm)
    return client


@pytest.fixture
def templates():
    offer_template_load_pack()


def _offer_form(template_id, **overrides):
    data = {
        "template": template_id,
        "name": "Data 5GB weekend",
        "code": "data-5gb-weekend",
        "summary": "5 GB for the weekend",
        "provider": "",
        "display_order": 50,
        "price": "3.00",
        "currency": "EUR",
        "billing": "one_off",
        "data": "5 GB",
        "voice_minutes": 0,
        "sms": 0,
        "data_mb_per_contract_year": 0,
        "service_data_mb": 0,
        "service_scope": "",
        "rollover_scope": "",
        "option_groups": "[]",
        "duration_kind": "days",
        "duration_days": 3,
        "refund_policy": "pro_rata_data",
        "eligible_statuses": ["active"],
        "min_tenure_days": 0,
        "eligible_plans": "",
        "eligible_segments": "",
        "channels": ["portal", "agent", "api"],
    }
    return data | overrides


@pytest.mark.parametrize("query", ["", "?template=abc", "?template="])
def test_adding_an_offer_first_asks_for_a_template(pm_client, templates, query):
    response = pm_client.get(reverse("admin:catalog_offer_add") + query)

    assert response.status_code == 200
    assert "Pick a template for the new offer" in response.text
    assert "Time pass until a time of day" in response.text


def test_save_and_publish_is_the_main_button_and_save_comes_first(pm_client, templates):
    from catalog.models import OfferTemplate

    data = OfferTemplate.objects.get(code="data-addon")

    page = pm_client.get(reverse("admin:catalog_offer_add") + f"?template={data.pk}").text

    buttons = re.findall(r'<input type="submit"[^>]*>', page)
    first_row = buttons[: len(buttons) // 2]
    assert [re.search(r'name="(\w+)"', b).group(1) for b in first_row] == [
        "_save",
        "_publish",
        "_continue",
    ]
    assert [b for b in first_row if 'class="default"' in b] == [first_row[1]]


def test_the_most_used_templates_come_first(pm_client, templates):
    """What a product manager launches most is on top, with how many offers each made."""
    from catalog.models import OfferTemplate

    data = OfferTemplate.objects.get(code="data-addon")
    night = OfferTemplate.objects.get(code="night-pass")
    OfferFactory(template=data)
    OfferFactory(template=data)
    OfferFactory(template=night)

    response = pm_client.get(reverse("admin:catalog_offer_add"))

    listed = response.context["templates"]
    assert [t.code for t in listed[:2]] == ["data-addon", "night-pass"]
    others = [t.name for t in listed[2:]]
    assert others == sorted(others)
    assert [t.offers_made for t in response.context["templates"]][:3] == [2, 1, 0]


def test_the_template_prefills_the_offers_policies(pm_client, templates):
    from catalog.models import OfferTemplate

    night = OfferTemplate.objects.get(code="night-pass")

    response = pm_client.get(reverse("admin:catalog_offer_add") + f"?template={night.pk}")

    form = response.context["adminform"].form
    assert form.initial["price"] == Decimal("2.00")
    assert form.initial["duration_kind"] == "until_local_time"
    assert str(form.initial["duration_until"]) == "04:00:00"
    assert form.initial["template"] == night.pk


def test_a_pm_saves_and_publishes_and_the_customer_sees_it_on_the_next_page_load(
    pm_client, templates, client
):
    from catalog.models import OfferTemplate

    template = OfferTemplate.objects.get(code="data-addon")
    customer = CustomerFactory()

    response = pm_client.post(
        reverse("admin:catalog_offer_add") + f"?template={template.pk}",
        _offer_form(template.pk, _publish="Save and publish"),
        follow=True,
    )

    offer = Offer.objects.get(code="data-5gb-weekend")
    assert offer.status == "published"
    assert "is published: customers see it now" in response.text
    client.force_login(customer.user)
    assert "Data 5GB weekend" in client.get(reverse("selfcare:offers")).text


def test_publishing_an_incoherent_offer_says_what_to_fix_and_leaves_a_draft(pm_client, templates):
    from catalog.models import OfferTemplate

    template = OfferTemplate.objects.get(code="data-addon")

    response = pm_client.post(
        reverse("admin:catalog_offer_add") + f"?template={template.pk}",
        _offer_form(template.pk, data="0", _publish="Save and publish"),
        follow=True,
    )

    assert Offer.objects.get(code="data-5gb-weekend").status == "draft"
    assert "was not published. Fix this first: The refund &#x27;pro-rata of unused data&#x27; " in (
        response.text
    )


def test_publish_and_retire_actions_go_through_the_services(pm_client):
    draft = OfferFactory(draft=True)
    broken = OfferFactory(draft=True, name="Broken", price=None)
    changelist = reverse("admin:catalog_offer_changelist")

    response = pm_client.post(
        changelist,
        {"action": "publish_selected", "_selected_action": [draft.pk, broken.pk]},
        follow=True,
    )

    draft.refresh_from_db()
    broken.refresh_from_db()
    assert (draft.status, broken.status) == ("published", "draft")
    assert "“Broken” was not published. Fix this first: Set a price" in response.text

    pm_client.post(changelist, {"action": "retire_selected", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == "retired"


def test_editing_a_published_offer_into_an_incoherent_one_is_refused(pm_client):
    offer = OfferFactory(data_offer=True, code="data-15gb")
    url = reverse("admin:catalog_offer_change", args=[offer.pk])

    response = pm_client.post(
        url,
        _offer_form(offer.template_id, code="data-15gb", name="Data 15GB", eligible_statuses=[]),
    )

    assert response.status_code == 200
    assert "This offer is on sale, so it must stay coherent:" in response.text
    assert "Pick at least one customer lifecycle status the offer is sold to." in response.text
    offer.refresh_from_db()
    assert offer.eligible_statuses == ["active"]


def test_what_customers_buy_is_read_only_once_on_sale(pm_client):
    offer = OfferFactory(data_offer=True, code="data-15gb")
    url = reverse("admin:catalog_offer_change", args=[offer.pk])

    pm_client.post(
        url,
        _offer_form(offer.template_id, code="data-15gb", name="Data 15GB!", price="99.00"),
    )

    offer.refresh_from_db()
    assert (offer.name, offer.price) == ("Data 15GB!", Decimal("10.00"))
    assert 'name="price"' not in pm_client.get(url).text


def test_the_status_cannot_be_edited_in_the_form(pm_client):
    offer = OfferFactory(draft=True)

    response = pm_client.get(reverse("admin:catalog_offer_change", args=[offer.pk]))

    assert response.status_code == 200
    assert 'name="name"' in response.text  # the form itself
    assert not re.search(r'name="status"', response.text)


@pytest.mark.parametrize(
    ("group", "status"),
    [(None, 302), ("Call-centre agents", 403)],  # to the admin's login; staff, but no permission
)
def test_only_product_managers_reach_the_catalog_admin(client, group, status):
    user = UserFactory(is_staff=group is not None, groups=[group] if group else [])
    client.force_login(user)

    response = client.get(reverse("admin:catalog_offer_changelist"))

    assert response.status_code == status


def test_publishing_a_zero_rating_offer_warns_but_publishes(pm_client):
    offer = OfferFactory(draft=True, name="TV Pass", service_data_mb=10240, service_scope="tv")

    response = pm_client.post(
        reverse("admin:catalog_offer_changelist"),
        {"action": "publish_selected", "_selected_action": [offer.pk]},
        follow=True,
    )

    offer.refresh_from_db()
    assert offer.status == "published"
    assert "“TV Pass”: TV streaming traffic will not count against the customer&#x27;s data" in (
        response.text
    )
    assert "not allowed in some markets, e.g. the EU" in response.text


@pytest.mark.parametrize(
    ("code", "field"), [("gift", "is_gift"), ("temporary-line", "creates_temporary_line")]
)
def test_an_offer_made_from_a_kinds_template_is_of_that_kind(pm_client, templates, code, field):
    """The template's "what it is" reaches the form (checked, as a browser posts it back) and
    the offer saved; once on sale it cannot be changed under those who own it."""
    from catalog.models import OfferTemplate

    template = OfferTemplate.objects.get(code=code)
    add_url = reverse("admin:catalog_offer_add") + f"?template={template.pk}"
    page = pm_client.get(add_url).text
    assert re.search(rf'<input type="checkbox" name="{field}"[^>]* checked', page)

    terms = {  # the template's own terms, as its prefilled form posts them back
        name: value
        for name, value in offer_template_terms(template=template).items()
        if name in _offer_form(template.pk) and not isinstance(value, list | dict)
    }
    pm_client.post(
        add_url,
        _offer_form(template.pk, **terms, **{field: "on", "_publish": "Save and publish"}),
    )

    offer = Offer.objects.get(code="data-5gb-weekend")
    assert (offer.status, getattr(offer, field)) == ("published", True)
    change_url = reverse("admin:catalog_offer_change", args=[offer.pk])
    pm_client.post(change_url, _offer_form(template.pk, **terms))  # the box unticked
    offer.refresh_from_db()
    assert getattr(offer, field) is True
    assert f'name="{field}"' not in pm_client.get(change_url).text
