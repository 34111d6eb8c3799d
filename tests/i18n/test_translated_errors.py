"""What the offer kinds refuse and what the admin says come out in Portuguese: a gift to her own
number and a SIM card already in use, refused on the portal to a customer who reads Portuguese;
an offer published (or refused) for a product manager whose console is switched to Portuguese."""

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Offer
from orders.models import Order, ProductInstance
from selfcare.models import LedgerEntry, Line
from tests.factories import CustomerFactory, OfferFactory, UserFactory
from tests.selfcare.test_sims import VALID

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _portuguese_customer(client):
    """A customer whose language is Portuguese, signed in (her language goes into the session)."""
    customer = CustomerFactory()
    customer.language = "pt"
    customer.save(update_fields=["language"])
    client.force_login(customer.user)
    return customer


def _configure(client, offer, **typed):
    """Open the offer's form as she does and post what she typed, with the key and price the
    form carries."""
    form = client.get(f"/addons/{offer.pk}/configure/", **HTMX).text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1)
    price = re.search(r'name="expected_price" value="([^"]+)"', form).group(1)
    return client.post(
        f"/addons/{offer.pk}/configure/",
        {"idempotency_key": key, "expected_price": price, **typed},
        **HTMX,
    )


def _nothing_bought():
    return (
        Order.objects.count(),
        ProductInstance.objects.count(),
        LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CHARGE).count(),
    ) == (0, 0, 0)


def _assert_refused_in_portuguese(response, *, said, not_said):
    """A 400 in Portuguese that says `said` and not the English `not_said`; nothing bought."""
    assert response.status_code == 400
    assert response["Content-Language"] == "pt"
    text = html.unescape(response.text)
    assert said in text
    assert not_said not in text
    assert _nothing_bought()


def test_a_gift_to_her_own_number_is_refused_in_portuguese(client):
    # given a customer who reads Portuguese and a gift on sale
    customer = _portuguese_customer(client)
    gift = OfferFactory(name="Gift 1GB", price=Decimal("3.00"), data_mb=1024, is_gift=True)

    # when she sends it to her own number
    response = _configure(client, gift, friend_msisdn=customer.lines.get().msisdn)

    # then it is refused in Portuguese, and nothing is bought
    _assert_refused_in_portuguese(
        response,
        said="Esse é o seu próprio número: uma oferta é para um amigo.",
        not_said="That is your own number",
    )


def test_a_sim_card_already_in_use_is_refused_in_portuguese(client):
    # given a customer who reads Portuguese, a Travel Line on sale, and a SIM card that is
    # another customer's active line
    _portuguese_customer(client)
    travel = OfferFactory(
        name="Travel Line 30 days",
        price=Decimal("5.00"),
        duration_days=30,
        creates_temporary_line=True,
    )
    Line.objects.create(customer=CustomerFactory(), msisdn="351930009999", iccid=VALID)

    # when she gives that SIM card for her second line
    response = _configure(client, travel, iccid=VALID)

    # then it is refused in Portuguese, and nothing is bought
    _assert_refused_in_portuguese(
        response,
        said="Este cartão SIM já está a ser usado.",
        not_said="This SIM card is already in use.",
    )


@pytest.fixture
def pm_client_in_portuguese(client):
    """A product manager whose console is switched to Portuguese (the language switch's cookie,
    Django's set_language), her browser asking for English."""
    client.force_login(UserFactory(is_staff=True, groups=["Product managers"]))
    response = client.post("/i18n/setlang/", {"language": "pt", "next": "/admin/"})
    assert response.status_code == 302
    return client


def _admin_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _publish_selected(client, offers):
    return client.post(
        reverse("admin:catalog_offer_changelist"),
        {"action": "publish_selected", "_selected_action": [offer.pk for offer in offers]},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )


def test_publishing_an_offer_in_the_admin_is_said_in_portuguese(pm_client_in_portuguese):
    # given a draft offer that can be sold
    draft = OfferFactory(name="Dados 5GB", status=Offer.Status.DRAFT)

    # when the product manager publishes it from the list
    response = _publish_selected(pm_client_in_portuguese, [draft])

    # then it is published, and the admin says so in Portuguese
    assert response.status_code == 200
    assert response["Content-Language"] == "pt"
    assert _admin_messages(response) == ["“Dados 5GB” está publicada: os clientes já a veem."]
    draft.refresh_from_db()
    assert draft.status == Offer.Status.PUBLISHED


def test_an_offer_already_published_is_refused_in_portuguese(pm_client_in_portuguese):
    # given an offer on sale already
    on_sale = OfferFactory(name="Dados 10GB", status=Offer.Status.PUBLISHED)
    published_at = on_sale.published_at

    # when the product manager publishes it again
    response = _publish_selected(pm_client_in_portuguese, [on_sale])

    # then the service's refusal reaches her in Portuguese, and the offer is as it was
    assert _admin_messages(response) == ["“Dados 10GB” está publicada, não é um rascunho."]
    on_sale.refresh_from_db()
    assert (on_sale.status, on_sale.published_at) == (Offer.Status.PUBLISHED, published_at)
