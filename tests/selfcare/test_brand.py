"""The operator's brand (settings.BRAND) reaches every page: its name and logo in the header and
the title, its colours as CSS custom properties in /brand.css, which every page links."""

import pytest

ACME = {
    "name": "Acme Telecom",
    "logo": "brand/acme.svg",
    "primary": "#123456",
    "primary_ink": "#fefefe",
    "accent": "#abcdef",
}


@pytest.fixture
def acme(settings):
    settings.OPERATOR_NAME = ACME["name"]
    settings.BRAND = ACME
    settings.BRAND_VERSION = "acme1"
    return ACME


def test_the_brands_name_logo_and_colours_reach_her_dashboard(customer_client, acme):
    # when she opens her dashboard
    page = customer_client.get("/")

    # then the header shows the brand's logo and name, and the page links the brand's colours
    assert page.status_code == 200
    html = page.text
    assert '<img src="/static/brand/acme.svg" alt="" width="32" height="32">' in html
    assert "Acme Telecom" in html.split('class="brand"', 1)[1].split("</a>", 1)[0]
    assert '<meta name="theme-color" content="#123456">' in html
    assert '<link rel="stylesheet" href="/brand.css?v=acme1">' in html


def test_the_sign_in_page_is_branded_too(client, acme):
    page = client.get("/accounts/login/")

    assert page.status_code == 200
    assert '<link rel="stylesheet" href="/brand.css?v=acme1">' in page.text
    assert '<img src="/static/brand/acme.svg"' in page.text


def test_brand_css_sets_the_brands_colours_as_custom_properties(client, acme):
    # when a page's stylesheet link is followed, signed in or not
    response = client.get("/brand.css?v=acme1")

    # then it is CSS with the brand's colours, kept a day (a new brand is a new ?v=)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/css"
    assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=86400"}
    css = response.content.decode()
    assert "--brand: #123456;" in css
    assert "--brand-ink: #fefefe;" in css
    assert "--brand-accent: #abcdef;" in css


def test_the_demo_brand_is_a_lisbon_operators_with_its_logo_in_static():
    from django.conf import settings
    from django.contrib.staticfiles import finders

    # the shipped defaults (the test settings do not change them)
    assert settings.BRAND["name"] == settings.OPERATOR_NAME == "Tejo Mobile"
    assert finders.find(settings.BRAND["logo"]) is not None
    assert settings.BRAND["logo"].endswith(".svg")
