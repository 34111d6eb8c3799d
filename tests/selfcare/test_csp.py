"""The Content-Security-Policy (issue 13, §4): every page type carries the same strict policy,
exactly, and no page's HTML holds what that policy would block (an inline script, an inline
style, an event handler attribute), so the browser never has to refuse anything we wrote."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from campaigns.models import Campaign
from tests.factories import CustomerFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
}


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    directives = [part.strip().split(" ", 1) for part in header.split(";") if part.strip()]
    return dict(directives)


class InlineCode(HTMLParser):
    """What a strict policy would block in a page: <script> without src, <style>, style="",
    on*="" handlers and javascript: links."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'<{tag} style="{value}">')
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=>")
            if name in {"href", "src", "action"} and (value or "").startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value}>")


def inline_code(response) -> list[str]:
    parser = InlineCode()
    parser.feed(response.content.decode())
    return parser.found


@pytest.fixture
def people(db):
    customer = CustomerFactory()
    return {
        "nobody": None,
        "customer": customer.user,
        "agent": UserFactory(groups=["Call-centre agents"]),
        "product manager": UserFactory(is_staff=True, groups=["Product managers"]),
        "marketer": UserFactory(is_staff=True, groups=["Marketing"]),
        "her": customer,
    }


@pytest.fixture
def campaign(db):
    return Campaign.objects.create(
        name="Data running out",
        code="data-running-out",
        trigger="BucketThresholdCrossed",
        threshold_percent=80,
        offer=OfferFactory(data_offer=True),
        message="{first_name}, {left} left: {offer} for {price}.",
        holdout_percent=0,
    )


PAGES = [
    # the portal
    ("nobody", "/accounts/login/"),
    ("customer", "/"),
    ("customer", "/offers/"),
    ("customer", "/offers/{offer}/"),
    ("customer", "/cart/"),
    ("customer", "/activity/"),
    ("customer", "/inbox/"),
    ("customer", "/orders/"),
    ("customer", "/account/"),
    ("customer", "/account/alerts/"),
    ("customer", "/gifts/"),
    ("customer", "/topup/"),
    # the agents' console
    ("agent", "/backoffice/"),
    ("agent", "/backoffice/customers/{customer}/"),
    # the admin: index, changelist, change form, add form, and the campaign dashboard
    ("product manager", "/admin/"),
    ("product manager", "/admin/catalog/offer/"),
    ("product manager", "/admin/catalog/offer/{offer}/change/"),
    ("product manager", "/admin/catalog/offer/add/"),
    ("marketer", "/admin/campaigns/campaign/"),
    ("marketer", "/admin/campaigns/campaign/{campaign}/change/"),
    ("marketer", "/admin/campaigns/campaign/{campaign}/dashboard/"),
    # the API's docs page
    ("nobody", "/api/docs/"),
]


@pytest.mark.parametrize(("who", "path"), PAGES)
def test_every_page_carries_the_strict_policy_and_no_inline_code(
    client, people, campaign, who, path
):
    offer = OfferFactory(name="Roaming Week")
    if people[who] is not None:
        client.force_login(people[who])
    address = path.format(offer=offer.pk, customer=people["her"].pk, campaign=campaign.pk)

    response = client.get(address)

    assert response.status_code == 200, address
    assert policy(response) == POLICY
    assert "Content-Security-Policy-Report-Only" not in response
    assert inline_code(response) == []


def test_the_header_is_exactly_these_eight_directives_and_nothing_else(client):
    response = client.get("/accounts/login/")

    # django-csp writes the directives in no fixed order (it walks a set): compared as a list.
    assert sorted(response["Content-Security-Policy"].split("; ")) == sorted(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


def test_an_htmx_partial_and_a_refusal_carry_it_too(client, people):
    offer = OfferFactory(name="Roaming Week")
    client.force_login(people["customer"])

    partial = client.get(
        reverse("selfcare:addon_switch", args=[offer.pk]), headers={"HX-Request": "true"}
    )
    refusal = client.post(
        reverse("selfcare:addon_on", args=[offer.pk]), {}, headers={"HX-Request": "true"}
    )

    assert partial.status_code == 200
    assert policy(partial) == POLICY
    assert inline_code(partial) == []
    assert refusal.status_code == 400
    assert policy(refusal) == POLICY


def test_a_page_not_found_and_an_api_error_carry_it(client):
    missing = client.get("/no-such-page/")
    api_error = client.get("/api/no-such-endpoint/")

    assert missing.status_code == 404
    assert policy(missing) == POLICY
    assert api_error.status_code == 404
    assert api_error.json() == {"detail": "Not Found."}
    assert policy(api_error) == POLICY


def test_the_docs_page_loads_its_styles_and_start_up_script_from_files(client):
    response = client.get("/api/docs/")
    page = response.content.decode()

    assert '<link rel="stylesheet" href="/static/css/swagger_ui.css">' in page
    assert "/api/docs/?script" in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert client.get("/static/css/swagger_ui.css").status_code == 200
