"""Who may use the console: every route, every kind of user."""

import pytest
from django.urls import URLPattern, reverse

from backoffice import urls as backoffice_urls
from orders.models import CartItem, Order, ProductInstance
from selfcare.models import Interaction, LedgerEntry, Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Every console route: how the matrix calls it, and what an agent gets. A POST is sent empty, so
# an agent gets the page's "incomplete request" (400), proof he got past the door; the one POST
# that takes no input (sending the cart) does its job.
ROUTES = {
    "console": ("get", 200),
    "search": ("get", 200),
    "customer": ("get", 200),
    "note_add": ("post", 400),
    "cart_add_offer": ("post", 400),
    "cart_add": ("get", 200),
    "cart_configure": ("get", 200),
    "cart_remove": ("post", 400),
    "cart_share": ("post", 302),
    "addon_suspend": ("post", 400),
    "addon_resume": ("post", 400),
    "addon_cancel": ("get", 200),
    "topup_voucher_apply": ("post", 400),
    "alerts_set": ("post", 400),
    "limits_set": ("post", 400),
}


def _patterns():
    patterns = backoffice_urls.urlpatterns
    assert all(isinstance(p, URLPattern) for p in patterns), "flatten includes in the matrix"
    return patterns


def _url(pattern, world) -> str:
    kwargs = {name: world[name] for name in pattern.pattern.converters}
    return reverse(f"backoffice:{pattern.name}", kwargs=kwargs) + "?q=stacy"


def _side_effects():
    return (
        Interaction.objects.count(),
        Order.objects.count(),
        CartItem.objects.count(),
        Notification.objects.count(),
        LedgerEntry.objects.count(),
        list(ProductInstance.objects.values_list("status", flat=True)),
    )


def test_every_route_has_an_expectation():
    assert {pattern.name for pattern in _patterns()} == set(ROUTES)


def _call(client, pattern, world):
    method, _ = ROUTES[pattern.name]
    return getattr(client, method)(_url(pattern, world))


@pytest.mark.parametrize("pattern", _patterns(), ids=lambda p: p.name)
def test_anonymous_is_sent_to_log_in(client, world, pattern):
    before = _side_effects()

    response = _call(client, pattern, world)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/backoffice/")
    assert _side_effects() == before


@pytest.mark.parametrize("pattern", _patterns(), ids=lambda p: p.name)
@pytest.mark.parametrize("who", ["customer", "product manager", "staff"])
def test_who_is_not_an_agent_is_refused(client, world, pattern, who):
    users = {
        "customer": lambda: world["customer"].user,
        "product manager": lambda: UserFactory(is_staff=True, groups=["Product managers"]),
        "staff": lambda: UserFactory(is_staff=True),
    }
    client.force_login(users[who]())
    before = _side_effects()

    response = _call(client, pattern, world)

    assert response.status_code == 403
    assert "This console is for call-centre agents" in response.text
    assert _side_effects() == before


@pytest.mark.parametrize("pattern", _patterns(), ids=lambda p: p.name)
@pytest.mark.parametrize(
    "groups",
    [
        ["Call-centre agents"],
        ["Call-centre supervisors"],
        ["Call-centre agents", "Call-centre supervisors"],
        "superuser",
    ],
    ids=["agent", "supervisor", "agent and supervisor", "superuser"],
)
def test_agents_get_in(client, world, pattern, groups):
    if groups == "superuser":
        user = UserFactory(is_superuser=True, is_staff=True)
    else:
        user = UserFactory(groups=groups)
    client.force_login(user)

    response = _call(client, pattern, world)

    assert response.status_code == ROUTES[pattern.name][1], response.text[:2000]


def test_an_htmx_request_from_an_expired_session_sends_the_page_to_the_login(client, world):
    response = client.get(
        "/backoffice/search/?q=stacy",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/backoffice/?q=st"},
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/backoffice/%3Fq%3Dst"


@pytest.mark.parametrize("url", ["/admin/catalog/offer/add/", "/admin/"])
def test_an_agent_cannot_reach_the_catalog_admin(agent_client, url):
    response = agent_client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_an_agent_is_not_a_customer_in_the_portal(agent_client):
    assert agent_client.get("/").status_code == 403
