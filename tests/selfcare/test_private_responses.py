"""`Cache-Control: private, no-store` on every answer to someone signed in (portal, console,
admin, the API); public answers (the sign-in page, static files) keep their own headers."""

import pytest

from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    header = response.get("Cache-Control", "")
    return {part.strip() for part in header.split(",") if part.strip()}


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("customer", "/"),
        ("customer", "/offers/"),
        ("customer", "/cart/"),
        ("customer", "/api/cart/"),
        ("agent", "/backoffice/"),
        ("agent", "/backoffice/customers/{customer}/"),
        ("product manager", "/admin/"),
        ("product manager", "/admin/catalog/offer/"),
    ],
)
def test_every_signed_in_page_is_private_and_not_stored(client, who, path):
    customer = CustomerFactory()
    user = {
        "customer": customer.user,
        "agent": UserFactory(groups=["Call-centre agents"]),
        "product manager": UserFactory(is_staff=True, groups=["Product managers"]),
    }[who]
    client.force_login(user)

    response = client.get(path.format(customer=customer.pk))

    assert response.status_code == 200
    assert {"private", "no-store"} <= directives(response)
    assert "public" not in directives(response)


def test_a_redirect_to_a_signed_in_page_is_not_stored_either(customer_client):
    response = customer_client.get("/accounts/login/")

    assert {"private", "no-store"} <= directives(response)


def test_a_public_answer_gets_no_cache_control_and_does_not_vary_on_the_cookie(client):
    response = client.get("/l/not-a-real-token/")  # a link from a message, opened anywhere

    assert response.status_code == 302
    assert "Cache-Control" not in response
    assert "Cookie" not in response.get("Vary", "")


def test_the_sign_in_page_keeps_djangos_own_headers(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    # Django's LoginView is never cached (its own never_cache), and nothing is added to it.
    assert directives(response) == {
        "max-age=0",
        "no-cache",
        "no-store",
        "must-revalidate",
        "private",
    }


def test_static_files_keep_their_own_caching_even_for_her(customer_client):
    response = customer_client.get("/static/css/portal.css")

    assert response.status_code == 200
    assert "no-store" not in directives(response)
    assert "private" not in directives(response)


def test_an_api_refusal_to_someone_not_signed_in_is_not_personal(client):
    response = client.get("/api/cart/")

    assert response.status_code == 401
    assert "no-store" not in directives(response)
